#pragma once
// The root file system: a ramfs filled from the initramfs image the boot loader hands over
// (QEMU's -initrd), as Linux's init/initramfs.c populate_rootfs does.
//
// The image is a sequence of cpio "newc" archives, each plain or gzip-compressed, with zero
// padding between them (Linux accepts the same; other compressions are EINVAL here).
// Directories, regular files (with hard links), symlinks and device/fifo/socket nodes are
// created with the archive's modes, owners and mtimes. Entries the VFS refuses (a missing
// parent directory, say) are skipped silently, as Linux does.
#include "fs/FsStruct.h"
#include "fs/Mount.h"

namespace kernel {

// Boot: creates the root ramfs, unpacks the image into it (`data` may be null), mounts a fresh
// tmpfs on /tmp and makes /dev with console (5,1), null (1,3), zero (1,5), random (1,8),
// urandom (1,9) and tty (5,0) where the archive did not provide them. Then publishes the root
// for FsStruct::create() and open_console_fds().
//
// A malformed archive (EINVAL) or ENOMEM while unpacking is returned after everything else was
// done: the root holds what was unpacked before the error, like Linux's "Initramfs unpacking
// failed" boot, which goes on. Errors creating the root, /tmp or /dev leave no root at all.
// EBUSY if there is a root already.
ErrorOr<void> populate_rootfs(const uint8_t* data, size_t size);

// The root of the root file system; ENOENT before populate_rootfs.
ErrorOr<Path> rootfs_root();
// Forgets the root (unit tests, between tests). Open files and FsStructs keep what they use.
void rootfs_release();

// Unpacks an initramfs image into the tree `fs` names (relative names from its root).
ErrorOr<void> unpack_initramfs(FsStruct& fs, const uint8_t* data, size_t size);

}  // namespace kernel
