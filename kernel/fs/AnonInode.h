#pragma once
// Linux's anon_inodes: one inode, of an internal file system (anon_inodefs), shared by every
// file that has no file system of its own — pidfds now; eventfd, signalfd, timerfd and epoll
// files would be the others. fstat on such a file sees it: mode 0600 with no file type (as
// Linux's alloc_anon_inode makes it), owned by root, size 0, an anonymous st_dev.
#include "fs/Mount.h"
#include "lib/ErrorOr.h"

namespace kernel {

// The path every anonymous file is opened on: the anon_inodefs mount, made on first use and
// never freed (Linux's kern_mount at boot), and its one inode. ENOMEM when it cannot be made.
ErrorOr<Path> anon_inode_path();

}  // namespace kernel
