#pragma once
// ramfs: files, directories, symlinks and device nodes that live only in memory (Linux's
// tmpfs/shmem, without swap). It is the root file system, unpacked from the initramfs, and every
// tmpfs mount (/tmp). A tmpfs has tmpfs's limits: pages and inodes, half of RAM each by default
// (size=, nr_blocks=, nr_inodes=), past which writes, faults and creations fail with ENOSPC, so
// that no user can fill memory through files; a "ramfs" mount has none.
//
// Observable details follow Linux 6.1's tmpfs, because user programs compare their output with
// Linux's: inode numbers count from 1 per file system, a directory's st_size is 20 bytes per
// entry plus 40 (BOGO_DIRENT_SIZE), st_blocks counts the pages a file really has, getdents
// lists the newest entry first with d_off counting 1, 2, 3... (dcache_readdir and its cursor).
#include "fs/Inode.h"

namespace kernel {

// Limits of one instance (Linux's shmem_sb_info max_blocks and max_inodes); 0 is no limit.
struct RamfsLimits {
    uint64_t max_blocks{0};  // pages
    uint64_t max_inodes{0};  // inodes, and extra hard links (each costs one, as in tmpfs)
    // shmem_default_max_blocks and shmem_default_max_inodes: half of RAM's pages each.
    static RamfsLimits tmpfs_default();
};

// A new ramfs instance; returns its root directory (mode: the root's permissions, 01777 for
// a default tmpfs). `type` ("tmpfs" or "ramfs", a literal) is the name mount and statfs report.
// The file system lives as long as any of its inodes.
ErrorOr<NonnullRefPtr<Inode>> ramfs_create(uint32_t root_permissions, RamfsLimits limits = {},
                                           StringView type = "tmpfs");

}  // namespace kernel
