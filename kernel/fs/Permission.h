#pragma once
// Who may do what to an inode (Linux's fs/namei.c generic_permission, may_create, may_delete,
// check_sticky; fs/inode.c inode_init_owner, inode_owner_or_capable, mode_strip_sgid; fs/attr.c
// chown_ok, chgrp_ok and setattr_prepare's mode rules), against the current credentials
// (task/Cred.h): the fsuid, fsgid and supplementary groups, and the capabilities that override
// the mode bits (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_CHOWN).
// Without credentials (the kernel itself) the checks are root's with every capability (Linux's
// init_cred): new files belong to root, and only execute bits still count.
// Read-only mounts (EROFS) are the callers' check, in Linux's order around these.
#include "fs/Inode.h"

namespace kernel {

inline constexpr int MAY_EXEC = 1;
inline constexpr int MAY_WRITE = 2;
inline constexpr int MAY_READ = 4;

// generic_permission: the owner's, the group's or the others' bits must allow every access in
// `mask` (MAY_*), else CAP_DAC_READ_SEARCH (reading, searching directories) or
// CAP_DAC_OVERRIDE (anything but executing a file without any execute bit). EACCES.
ErrorOr<void> inode_permission(const Inode& inode, int mask);
// The fsuid owns the inode, or CAP_FOWNER.
bool inode_owner_or_capable(const Inode& inode);
// may_create: a new entry in `dir` needs write and search permission there. EACCES.
ErrorOr<void> may_create(const Inode& dir);
// may_delete's permission part: write and search permission on `dir` (EACCES); in a sticky
// directory, only the owner of `victim` or of `dir`, or CAP_FOWNER, may remove it (EPERM).
ErrorOr<void> may_delete(const Inode& dir, const Inode& victim);
// mode_strip_sgid: a new non-directory in a set-group-id directory keeps S_ISGID (with group
// execute) only if we are in the directory's group or have CAP_FSETID. `mode`: type | bits.
uint32_t mode_strip_sgid(const Inode& dir, uint32_t mode);
// inode_init_owner, for `inode` just created in `dir`: owned by the fsuid, and by the fsgid
// or, in a set-group-id directory, by the directory's group (a new directory inherits S_ISGID).
void inode_init_owner(Inode& inode, const Inode& dir);
// chmod's rules: EPERM unless the owner or CAP_FOWNER; S_ISGID is dropped when the file's
// group is not ours, without CAP_FSETID. Returns the permission bits to set.
ErrorOr<uint32_t> chmod_permissions(const Inode& inode, uint32_t permissions);
// chown's rules and effect: a new owner needs CAP_CHOWN (or is the owner itself), a new group
// needs ownership and membership of it, or CAP_CHOWN (EPERM). INVALID_ID (-1) leaves either
// unchanged. A non-directory loses S_ISUID, and S_ISGID when group-executable.
ErrorOr<void> chown_inode(Inode& inode, uint32_t uid, uint32_t gid);

}  // namespace kernel
