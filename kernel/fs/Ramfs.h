#pragma once
// ramfs: files, directories, symlinks and device nodes that live only in memory (Linux's
// tmpfs/shmem, without swap and size limits). It is the root file system, unpacked from the
// initramfs, and every tmpfs mount (/tmp).
//
// Observable details follow Linux 6.1's tmpfs, because user programs compare their output with
// Linux's: inode numbers count from 1 per file system, a directory's st_size is 20 bytes per
// entry plus 40 (BOGO_DIRENT_SIZE), st_blocks counts the pages a file really has, getdents
// lists the newest entry first with d_off counting 1, 2, 3... (dcache_readdir and its cursor).
#include "fs/Inode.h"

namespace kernel {

// A new ramfs instance; returns its root directory (mode: the root's permissions, 01777 for
// a default tmpfs). The file system lives as long as any of its inodes.
ErrorOr<NonnullRefPtr<Inode>> ramfs_create(uint32_t root_permissions);

}  // namespace kernel
