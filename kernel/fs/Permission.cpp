#include "fs/Permission.h"

#include "task/Cred.h"

namespace kernel {

namespace {

// acl_permission_check (no ACLs): the class of the caller picks the three bits.
bool mode_allows(const Cred& cred, const Inode::Ownership& own, int mask) {
    uint32_t mode = own.mode;
    mask &= 7;
    if (own.uid == cred.fsuid)
        return !(mask & ~(mode >> 6));
    // The group's bits matter only where they differ from the others'.
    if ((mask & (mode ^ (mode >> 3))) && cred.in_group(own.gid))
        mode >>= 3;
    return !(mask & ~mode);
}

// capable_wrt_inode_uidgid: the capability in the caller's own user namespace, over a file
// whose owner and group have a mapping there.
bool capable_wrt(const Cred& cred, const Inode::Ownership& own, int capability) {
    return cred.capable(capability) && from_kuid(*cred.user_ns, own.uid) != INVALID_ID &&
           from_kgid(*cred.user_ns, own.gid) != INVALID_ID;
}

}  // namespace

ErrorOr<void> inode_permission(const Inode& inode, int mask) {
    const Cred* cred = current_cred();
    Inode::Ownership own = inode.ownership();
    mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
    if (!cred) {
        // The kernel is root with every capability: only a file without execute bits resists.
        bool is_directory = (own.mode & S_TYPE_MASK) == S_TYPE_DIR;
        if (is_directory || !(mask & MAY_EXEC) || (own.mode & S_EXEC_ANY))
            return {};
        return Error::from_errno(EACCES);
    }
    if (mode_allows(*cred, own, mask))
        return {};
    if ((own.mode & S_TYPE_MASK) == S_TYPE_DIR) {
        // Directories: reading and searching is CAP_DAC_READ_SEARCH, anything CAP_DAC_OVERRIDE.
        if (!(mask & MAY_WRITE) && capable_wrt(*cred, own, CAP_DAC_READ_SEARCH))
            return {};
        if (capable_wrt(*cred, own, CAP_DAC_OVERRIDE))
            return {};
        return Error::from_errno(EACCES);
    }
    if (mask == MAY_READ && capable_wrt(*cred, own, CAP_DAC_READ_SEARCH))
        return {};
    // Executing needs at least one execute bit, whatever the capabilities.
    if ((!(mask & MAY_EXEC) || (own.mode & S_EXEC_ANY)) && capable_wrt(*cred, own, CAP_DAC_OVERRIDE))
        return {};
    return Error::from_errno(EACCES);
}

bool inode_owner_or_capable(const Inode& inode) {
    const Cred* cred = current_cred();
    Inode::Ownership own = inode.ownership();
    return !cred || own.uid == cred->fsuid || capable_wrt(*cred, own, CAP_FOWNER);
}

ErrorOr<void> may_create(const Inode& dir) {
    // fsuidgid_has_mapping: a new file's owner must have a mapping in the file system's user
    // namespace.
    const Cred* cred = current_cred();
    const UserNamespace& ns = dir.fs().user_ns();
    if (cred && (from_kuid(ns, cred->fsuid) == INVALID_ID || from_kgid(ns, cred->fsgid) == INVALID_ID))
        return Error::from_errno(EOVERFLOW);
    return inode_permission(dir, MAY_WRITE | MAY_EXEC);
}

ErrorOr<void> may_delete(const Inode& dir, const Inode& victim) {
    TRY(inode_permission(dir, MAY_WRITE | MAY_EXEC));
    const Cred* cred = current_cred();
    if (!cred)
        return {};
    Inode::Ownership dir_own = dir.ownership();
    if (!(dir_own.mode & S_ISVTX_BIT))
        return {};
    Inode::Ownership victim_own = victim.ownership();
    if (victim_own.uid == cred->fsuid || dir_own.uid == cred->fsuid || capable_wrt(*cred, victim_own, CAP_FOWNER))
        return {};
    return Error::from_errno(EPERM);
}

uint32_t mode_strip_sgid(const Inode& dir, uint32_t mode) {
    if ((mode & (S_ISGID_BIT | S_IXGRP_BIT)) != (S_ISGID_BIT | S_IXGRP_BIT))
        return mode;
    if ((mode & S_TYPE_MASK) == S_TYPE_DIR)
        return mode;
    Inode::Ownership dir_own = dir.ownership();
    if (!(dir_own.mode & S_ISGID_BIT))
        return mode;
    const Cred* cred = current_cred();
    if (!cred || cred->in_group(dir_own.gid) || capable_wrt(*cred, dir_own, CAP_FSETID))
        return mode;
    return mode & ~S_ISGID_BIT;
}

void inode_init_owner(Inode& inode, const Inode& dir) {
    const Cred* cred = current_cred();
    uint32_t uid = cred ? cred->fsuid : 0;
    uint32_t gid = cred ? cred->fsgid : 0;
    Inode::Ownership dir_own = dir.ownership();
    if (dir_own.mode & S_ISGID_BIT) {
        gid = dir_own.gid;
        if (inode.is_directory())
            inode.set_permissions((inode.mode() & S_PERM_MASK) | S_ISGID_BIT);
    }
    inode.set_owner(uid, gid);
}

ErrorOr<uint32_t> chmod_permissions(const Inode& inode, uint32_t permissions) {
    if (!inode_owner_or_capable(inode))
        return Error::from_errno(EPERM);
    const Cred* cred = current_cred();
    if (cred && !cred->in_group(inode.ownership().gid) && !capable_wrt(*cred, inode.ownership(), CAP_FSETID))
        permissions &= ~S_ISGID_BIT;
    return permissions;
}

ErrorOr<void> chown_inode(Inode& inode, uint32_t uid, uint32_t gid) {
    Inode::Ownership own = inode.ownership();
    const Cred* cred = current_cred();
    if (cred) {
        bool owner = own.uid == cred->fsuid;
        bool may_chown = capable_wrt(*cred, own, CAP_CHOWN);
        if (uid != INVALID_ID && !((owner && uid == own.uid) || may_chown))
            return Error::from_errno(EPERM);
        if (gid != INVALID_ID && !((owner && (gid == own.gid || cred->in_group(gid))) || may_chown))
            return Error::from_errno(EPERM);
    }
    if ((own.mode & S_TYPE_MASK) != S_TYPE_DIR) {
        // A program given to someone else must not keep running as the old owner or group.
        // Clearing the bits is a mode change: the owner's or CAP_FOWNER's (setattr_prepare).
        uint32_t permissions = own.mode & S_PERM_MASK;
        uint32_t kept = permissions & ~S_ISUID_BIT;
        if ((kept & (S_ISGID_BIT | S_IXGRP_BIT)) == (S_ISGID_BIT | S_IXGRP_BIT))
            kept &= ~S_ISGID_BIT;
        if (kept != permissions) {
            if (!inode_owner_or_capable(inode))
                return Error::from_errno(EPERM);
            inode.set_permissions(kept);
        }
    }
    inode.set_owner(uid != INVALID_ID ? uid : own.uid, gid != INVALID_ID ? gid : own.gid);
    return {};
}

}  // namespace kernel
