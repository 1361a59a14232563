#include "fs/Vfs.h"

#include <asm-generic/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>

#include "fs/Devices.h"
#include "fs/FileSystemType.h"
#include "fs/KernelBuffer.h"
#include "fs/Pipe.h"
#include "fs/Permission.h"
#include "fs/Ramfs.h"
#include "mm/PageAllocator.h"
#include "task/Cred.h"

namespace kernel {

namespace {

// Flags open(2) knows (VALID_OPEN_FLAGS); the rest are ignored, as the old open calls do.
constexpr int VALID_OPEN_FLAGS = O_RDONLY | O_WRONLY | O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                 O_NDELAY | O_NONBLOCK | __O_SYNC | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE |
                                 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | __O_TMPFILE;
constexpr int O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

Path start_of(FsStruct& fs, const Path* at) { return at ? *at : fs.cwd(); }

ErrorOr<void> check_writable(const Path& path) {
    if (path.mount->is_read_only())
        return Error::from_errno(EROFS);
    return {};
}

// Whether `ancestor` is `inode` or one of its parents within the file system (namespace lock).
bool is_ancestor_locked(const Inode& ancestor, const Inode* inode) {
    for (; inode; inode = inode->parent_locked())
        if (inode == &ancestor)
            return true;
    return false;
}

// What filename_create checks once the parent is known, under the namespace lock: the name
// must be a plain one, free, without a trailing slash (unless making a directory), and the
// mount writable — in Linux's order.
ErrorOr<void> check_create_locked(const ParentLookup& parent, bool is_directory) {
    if (parent.type != LastType::Normal)
        return Error::from_errno(EEXIST);
    auto existing = parent.dir.inode->lookup_locked(parent.last);
    if (!existing.is_error())
        return Error::from_errno(EEXIST);
    if (existing.error().code() != ENOENT)
        return existing.release_error();
    if (parent.trailing_slash && !is_directory)
        return Error::from_errno(ENOENT);  // "you asked for a directory that is not there"
    return check_writable(parent.dir);
}

}  // namespace

ErrorOr<Path> vfs_lookup(FsStruct& fs, const Path* at, StringView path, unsigned flags) {
    PathWalker walker(fs.root());
    return walker.resolve(path, start_of(fs, at), flags);
}

ErrorOr<NonnullRefPtr<File>> vfs_open_path(const Path& path, int flags, bool created) {
    Inode& inode = *path.inode;
    if (flags & O_PATH) {
        if ((flags & O_DIRECTORY) && !inode.is_directory())
            return Error::from_errno(ENOTDIR);
        return PathFile::create(path, flags);
    }
    // may_open: what the type of the file allows.
    int access = flags & O_ACCMODE;
    bool wants_write = access != O_RDONLY || (flags & O_TRUNC);
    if (inode.is_symlink())
        return Error::from_errno(ELOOP);  // only reachable with O_NOFOLLOW
    if ((flags & O_DIRECTORY) && !inode.is_directory())
        return Error::from_errno(ENOTDIR);
    // Then what the mode allows (ACC_MODE; O_TRUNC writes), except for a file this open just
    // created, and who may skip access times.
    auto check_permission = [&]() -> ErrorOr<void> {
        if (!created) {
            int mask = access == O_RDONLY ? MAY_READ : access == O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
            TRY(inode_permission(inode, mask | (flags & O_TRUNC ? MAY_WRITE : 0)));
        }
        if ((flags & O_NOATIME) && !inode_owner_or_capable(inode))
            return Error::from_errno(EPERM);
        return {};
    };
    int file_flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    switch (inode.type()) {
    case S_TYPE_DIR:
        if (wants_write || (flags & O_CREAT))
            return Error::from_errno(EISDIR);
        TRY(check_permission());
        if (flags & O_DIRECT)
            return Error::from_errno(EINVAL);
        return inode.open_directory(path, file_flags);
    case S_TYPE_REG: {
        // Truncation asks for a writable mount before the permission check, plain writing after.
        if ((flags & O_TRUNC) && !created)
            TRY(check_writable(path));
        TRY(check_permission());
        if (wants_write)
            TRY(check_writable(path));
        if (flags & O_DIRECT)
            return Error::from_errno(EINVAL);  // no direct I/O: nothing here has a disk
        auto file = TRY(inode.open_file(path, flags));
        if ((flags & O_TRUNC) && !created)
            TRY(inode.truncate(0));
        return file;
    }
    case S_TYPE_CHR:
        TRY(check_permission());
        if (flags & O_DIRECT)
            return Error::from_errno(EINVAL);
        return open_char_device(path, file_flags | (flags & O_NOCTTY));  // tty_open reads O_NOCTTY
    default:
        // Block devices have no drivers; named FIFOs wait for pipes; sockets cannot be opened.
        // A pipe reached through /proc/<pid>/fd opens as another end of itself.
        TRY(check_permission());
        if ((inode.mode() & S_TYPE_MASK) == S_TYPE_FIFO && inode.fs().name() == StringView("pipefs"))
            return open_pipe_again(path, file_flags);
        return Error::from_errno(ENXIO);
    }
}

ErrorOr<NonnullRefPtr<File>> vfs_open(FsStruct& fs, const Path* at, StringView path, int flags, unsigned mode) {
    // build_open_how + build_open_flags.
    flags &= VALID_OPEN_FLAGS;
    if (flags & O_PATH)
        flags &= O_PATH_FLAGS;
    if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT))
        return Error::from_errno(EINVAL);
    if ((flags & __O_TMPFILE) && (!(flags & O_DIRECTORY) || (flags & O_ACCMODE) == O_RDONLY))
        return Error::from_errno(EINVAL);
    if (flags & __O_SYNC)
        flags |= O_DSYNC;
    if ((flags & O_CREAT) && (flags & O_EXCL))
        flags |= O_NOFOLLOW;  // O_EXCL never follows a final symlink

    PathWalker walker(fs.root());
    Path start = start_of(fs, at);
    if (flags & __O_TMPFILE) {
        // do_tmpfile: an unnamed file in the directory `path` names.
        Path dir = TRY(walker.resolve(path, start, LOOKUP_FOLLOW | LOOKUP_DIRECTORY));
        TRY(check_writable(dir));
        TRY(may_create(*dir.inode));
        RefPtr<Inode> inode;
        {
            SpinlockGuard guard(vfs_namespace_lock());
            uint32_t permissions = mode_strip_sgid(*dir.inode, S_TYPE_REG | (mode & S_PERM_MASK)) & S_PERM_MASK;
            inode = TRY(dir.inode->create_unnamed_locked(permissions & ~fs.umask()));
            inode_init_owner(*inode, *dir.inode);
        }
        inode->set_linkable(!(flags & O_EXCL));
        return RegularFile::create(Path{dir.mount, inode}, flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC));
    }
    if (!(flags & O_CREAT)) {
        unsigned lookup = (flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW) | (flags & O_DIRECTORY ? LOOKUP_DIRECTORY : 0);
        Path target = TRY(walker.resolve(path, start, lookup));
        return vfs_open_path(target, flags);
    }

    // O_CREAT (open_last_lookups): find the parent, then the last component; a symlink there
    // is followed (unless O_NOFOLLOW/O_EXCL) by walking its target from the link's directory.
    StringView name = path;
    RefPtr<Inode> name_holder;  // keeps a symlink target that `name` points into alive
    while (true) {
        ParentLookup parent = TRY(walker.resolve_parent(name, start));
        if (parent.type != LastType::Normal || parent.trailing_slash)
            return Error::from_errno(EISDIR);
        Path existing;
        bool created = false;
        {
            SpinlockGuard guard(vfs_namespace_lock());
            auto found = parent.dir.inode->lookup_locked(parent.last);
            if (found.is_error()) {
                if (found.error().code() != ENOENT)
                    return found.release_error();
                TRY(check_writable(parent.dir));
                TRY(may_create(*parent.dir.inode));
                uint32_t permissions =
                    mode_strip_sgid(*parent.dir.inode, S_TYPE_REG | (mode & S_PERM_MASK)) & S_PERM_MASK & ~fs.umask();
                auto inode = TRY(parent.dir.inode->create_locked(parent.last, S_TYPE_REG | permissions, 0));
                inode_init_owner(*inode, *parent.dir.inode);
                existing = Path{parent.dir.mount, inode};
                created = true;
            } else {
                if (flags & O_EXCL)
                    return Error::from_errno(EEXIST);  // a symlink too: O_EXCL never follows
                existing = Path{parent.dir.mount, found.release_value()};
                cross_mounts_locked(existing);
            }
        }
        if (existing.inode->is_symlink()) {
            if (flags & O_NOFOLLOW)
                return Error::from_errno(ELOOP);
            TRY(walker.count_link());
            name = existing.inode->symlink_target();
            if (name.empty())
                return Error::from_errno(ENOENT);
            start = name[0] == '/' ? walker.root() : parent.dir;
            name_holder = existing.inode;
            continue;
        }
        return vfs_open_path(existing, flags, created);
    }
}

ErrorOr<NonnullRefPtr<File>> vfs_open_exec(FsStruct& fs, StringView path) {
    Path target = TRY(vfs_lookup(fs, nullptr, path, LOOKUP_FOLLOW));
    // do_open_execat + may_open(MAY_EXEC): regular files only, with execute permission (which
    // even root has only where some execute bit is set).
    if (!target.inode->is_regular())
        return Error::from_errno(EACCES);
    TRY(inode_permission(*target.inode, MAY_EXEC));
    return RegularFile::create(target, O_RDONLY | O_LARGEFILE);
}

ErrorOr<void> vfs_mknod(FsStruct& fs, const Path* at, StringView path, uint32_t mode, uint32_t dev) {
    uint32_t type = mode & S_TYPE_MASK;
    switch (type) {
    case 0:
        type = S_TYPE_REG;
        break;
    case S_TYPE_REG:
    case S_TYPE_CHR:
    case S_TYPE_BLK:
    case S_TYPE_FIFO:
    case S_TYPE_SOCK:
        break;
    case S_TYPE_DIR:
        return Error::from_errno(EPERM);
    default:
        return Error::from_errno(EINVAL);
    }
    PathWalker walker(fs.root());
    ParentLookup parent = TRY(walker.resolve_parent(path, start_of(fs, at)));
    SpinlockGuard guard(vfs_namespace_lock());
    TRY(check_create_locked(parent, false));
    TRY(may_create(*parent.dir.inode));
    bool is_device = type == S_TYPE_CHR || type == S_TYPE_BLK;
    if (is_device && !capable(CAP_MKNOD))
        return Error::from_errno(EPERM);
    uint32_t permissions = mode_strip_sgid(*parent.dir.inode, type | (mode & S_PERM_MASK)) & S_PERM_MASK & ~fs.umask();
    auto inode = TRY(parent.dir.inode->create_locked(parent.last, type | permissions, is_device ? dev : 0));
    inode_init_owner(*inode, *parent.dir.inode);
    return {};
}

ErrorOr<void> vfs_mkdir(FsStruct& fs, const Path* at, StringView path, uint32_t mode) {
    PathWalker walker(fs.root());
    ParentLookup parent = TRY(walker.resolve_parent(path, start_of(fs, at)));
    SpinlockGuard guard(vfs_namespace_lock());
    TRY(check_create_locked(parent, true));
    TRY(may_create(*parent.dir.inode));
    // Linux keeps only the permission and sticky bits of a new directory's mode.
    uint32_t permissions = mode & 01777 & ~fs.umask();
    auto inode = TRY(parent.dir.inode->create_locked(parent.last, S_TYPE_DIR | permissions, 0));
    inode_init_owner(*inode, *parent.dir.inode);
    return {};
}

ErrorOr<void> vfs_rmdir(FsStruct& fs, const Path* at, StringView path) {
    PathWalker walker(fs.root());
    ParentLookup parent = TRY(walker.resolve_parent(path, start_of(fs, at)));
    switch (parent.type) {
    case LastType::Dot:
        return Error::from_errno(EINVAL);
    case LastType::DotDot:
        return Error::from_errno(ENOTEMPTY);
    case LastType::Root:
        return Error::from_errno(EBUSY);
    case LastType::Normal:
        break;
    }
    TRY(check_writable(parent.dir));
    SpinlockGuard guard(vfs_namespace_lock());
    auto victim = TRY(parent.dir.inode->lookup_locked(parent.last));
    TRY(may_delete(*parent.dir.inode, *victim));
    if (!victim->is_directory())
        return Error::from_errno(ENOTDIR);
    if (victim->mount_count_locked())
        return Error::from_errno(EBUSY);
    if (!victim->is_empty_locked())
        return Error::from_errno(ENOTEMPTY);
    return parent.dir.inode->unlink_locked(parent.last);
}

ErrorOr<void> vfs_unlink(FsStruct& fs, const Path* at, StringView path) {
    PathWalker walker(fs.root());
    ParentLookup parent = TRY(walker.resolve_parent(path, start_of(fs, at)));
    if (parent.type != LastType::Normal)
        return Error::from_errno(EISDIR);
    TRY(check_writable(parent.dir));
    SpinlockGuard guard(vfs_namespace_lock());
    auto victim = TRY(parent.dir.inode->lookup_locked(parent.last));
    // "name/": a directory is EISDIR and anything else ENOTDIR, before any permission check.
    if (parent.trailing_slash)
        return Error::from_errno(victim->is_directory() ? EISDIR : ENOTDIR);
    TRY(may_delete(*parent.dir.inode, *victim));
    if (victim->is_directory())
        return Error::from_errno(EISDIR);
    if (victim->mount_count_locked())
        return Error::from_errno(EBUSY);
    return parent.dir.inode->unlink_locked(parent.last);
}

ErrorOr<void> vfs_symlink(FsStruct& fs, StringView target, const Path* at, StringView path) {
    if (target.empty())
        return Error::from_errno(ENOENT);
    PathWalker walker(fs.root());
    ParentLookup parent = TRY(walker.resolve_parent(path, start_of(fs, at)));
    SpinlockGuard guard(vfs_namespace_lock());
    TRY(check_create_locked(parent, false));
    TRY(may_create(*parent.dir.inode));
    auto inode = TRY(parent.dir.inode->symlink_locked(parent.last, target));
    inode_init_owner(*inode, *parent.dir.inode);
    return {};
}

ErrorOr<void> vfs_link(FsStruct& fs, const Path* old_at, StringView old_path, const Path* new_at, StringView new_path,
                       bool follow) {
    Path old = TRY(vfs_lookup(fs, old_at, old_path, follow ? LOOKUP_FOLLOW : 0));
    return vfs_link_to(fs, old, new_at, new_path);
}

ErrorOr<void> vfs_link_to(FsStruct& fs, const Path& old, const Path* new_at, StringView new_path) {
    PathWalker walker(fs.root());
    ParentLookup parent = TRY(walker.resolve_parent(new_path, start_of(fs, new_at)));
    SpinlockGuard guard(vfs_namespace_lock());
    TRY(check_create_locked(parent, false));
    if (old.mount != parent.dir.mount)
        return Error::from_errno(EXDEV);
    TRY(may_create(*parent.dir.inode));
    if (old.inode->is_directory())
        return Error::from_errno(EPERM);
    if (old.inode->nlink() == 0 && !old.inode->is_linkable())
        return Error::from_errno(ENOENT);  // no new names for a file already deleted
    TRY(parent.dir.inode->link_locked(parent.last, *old.inode));
    old.inode->set_linkable(false);  // an O_TMPFILE file is named once
    return {};
}

ErrorOr<void> vfs_rename(FsStruct& fs, const Path* old_at, StringView old_path, const Path* new_at, StringView new_path,
                         unsigned flags) {
    // do_renameat2, then vfs_rename's checks.
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return Error::from_errno(EINVAL);
    if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (flags & RENAME_EXCHANGE))
        return Error::from_errno(EINVAL);
    if (flags & RENAME_WHITEOUT)
        return Error::from_errno(EINVAL);  // whiteouts are for overlayfs, which we lack
    bool exchange = flags & RENAME_EXCHANGE;

    PathWalker walker(fs.root());
    ParentLookup from = TRY(walker.resolve_parent(old_path, start_of(fs, old_at)));
    ParentLookup to = TRY(walker.resolve_parent(new_path, start_of(fs, new_at)));
    if (from.dir.mount != to.dir.mount)
        return Error::from_errno(EXDEV);
    if (from.type != LastType::Normal)
        return Error::from_errno(EBUSY);
    if (to.type != LastType::Normal)
        return Error::from_errno(flags & RENAME_NOREPLACE ? EEXIST : EBUSY);
    TRY(check_writable(from.dir));

    SpinlockGuard guard(vfs_namespace_lock());
    auto moved = TRY(from.dir.inode->lookup_locked(from.last));
    RefPtr<Inode> target;
    auto found = to.dir.inode->lookup_locked(to.last);
    if (!found.is_error())
        target = found.release_value();
    else if (found.error().code() != ENOENT)
        return found.release_error();

    if ((flags & RENAME_NOREPLACE) && target)
        return Error::from_errno(EEXIST);
    if (exchange) {
        if (!target)
            return Error::from_errno(ENOENT);
        if (!target->is_directory() && to.trailing_slash)
            return Error::from_errno(ENOTDIR);
    }
    if (!moved->is_directory()) {
        if (from.trailing_slash || (!exchange && to.trailing_slash))
            return Error::from_errno(ENOTDIR);
    }
    // lock_rename's trap: no directory may move below itself.
    if (moved->is_directory() && is_ancestor_locked(*moved, to.dir.inode.ptr()))
        return Error::from_errno(EINVAL);
    if (target && target->is_directory() && is_ancestor_locked(*target, from.dir.inode.ptr()))
        return Error::from_errno(exchange ? EINVAL : ENOTEMPTY);
    if (target.ptr() == moved.ptr())
        return {};  // two names of one file: POSIX says do nothing
    TRY(may_delete(*from.dir.inode, *moved));
    if (target)
        TRY(may_delete(*to.dir.inode, *target));
    else
        TRY(may_create(*to.dir.inode));
    // A directory changing parents gets a new "..": it must be writable itself.
    if (from.dir.inode.ptr() != to.dir.inode.ptr()) {
        if (moved->is_directory())
            TRY(inode_permission(*moved, MAY_WRITE));
        if (exchange && target->is_directory())
            TRY(inode_permission(*target, MAY_WRITE));
    }
    if (moved->mount_count_locked() || (target && target->mount_count_locked()))
        return Error::from_errno(EBUSY);
    if (target && !exchange) {
        if (moved->is_directory()) {
            if (!target->is_directory())
                return Error::from_errno(ENOTDIR);
            if (!target->is_empty_locked())
                return Error::from_errno(ENOTEMPTY);
        } else if (target->is_directory()) {
            return Error::from_errno(EISDIR);
        }
    }
    return from.dir.inode->rename_locked(from.last, *to.dir.inode, to.last, exchange);
}

ErrorOr<size_t> vfs_readlink(const Path& path, char* buffer, size_t size) {
    if (!path.inode->is_symlink())
        return Error::from_errno(EINVAL);
    StringView target = path.inode->symlink_target();
    // A link that names nothing now (a namespace link of a task without that namespace).
    if (target.empty())
        return Error::from_errno(ENOENT);
    size_t n = target.size() < size ? target.size() : size;
    __builtin_memcpy(buffer, target.data(), n);
    return n;
}

ErrorOr<void> vfs_truncate(const Path& path, uint64_t length) {
    if (path.inode->is_directory())
        return Error::from_errno(EISDIR);
    if (!path.inode->is_regular())
        return Error::from_errno(EINVAL);
    TRY(check_writable(path));
    TRY(inode_permission(*path.inode, MAY_WRITE));
    return path.inode->truncate(length);
}

ErrorOr<void> vfs_access(const Path& path, int mode) {
    Inode& inode = *path.inode;
    TRY(inode_permission(inode, mode));
    // SuS v2 wants a read-only file system reported too, except for special files.
    if ((mode & MAY_WRITE) && (inode.is_regular() || inode.is_directory() || inode.is_symlink()))
        TRY(check_writable(path));
    return {};
}

ErrorOr<void> vfs_chdir(FsStruct& fs, const Path& path) {
    if (!path.inode->is_directory())
        return Error::from_errno(ENOTDIR);
    TRY(inode_permission(*path.inode, MAY_EXEC));
    fs.set_cwd(path);
    return {};
}

ErrorOr<void> vfs_chmod(const Path& path, uint32_t mode) {
    TRY(check_writable(path));
    path.inode->set_permissions(TRY(chmod_permissions(*path.inode, mode & S_PERM_MASK)));
    return {};
}

ErrorOr<void> vfs_utimes(const Path& path, const UtimeSpec* times) {
    auto nsec_valid = [](int64_t nsec) {
        return (nsec >= 0 && nsec <= 999999999) || nsec == UTIME_NOW_NSEC || nsec == UTIME_OMIT_NSEC;
    };
    if (times) {
        if (!nsec_valid(times[0].nsec) || !nsec_valid(times[1].nsec))
            return Error::from_errno(EINVAL);
        if (times[0].nsec == UTIME_NOW_NSEC && times[1].nsec == UTIME_NOW_NSEC)
            times = nullptr;
    }
    TRY(check_writable(path));
    Inode& inode = *path.inode;
    // setattr_prepare: setting a time needs the owner; touching to "now" needs write access.
    if (times) {
        if (!inode_owner_or_capable(inode))
            return Error::from_errno(EPERM);
    } else if (!inode_owner_or_capable(inode)) {
        TRY(inode_permission(inode, MAY_WRITE));
    }
    Timespec now = current_time();
    Timespec values[2];
    const Timespec* chosen[2] = {&now, &now};
    for (int i = 0; times && i < 2; ++i) {
        if (times[i].nsec == UTIME_OMIT_NSEC) {
            chosen[i] = nullptr;
        } else if (times[i].nsec != UTIME_NOW_NSEC) {
            values[i] = Timespec{times[i].sec, uint32_t(times[i].nsec)};
            chosen[i] = &values[i];
        }
    }
    inode.set_times(chosen[0], chosen[1], now);  // notify_change: one "now" for all
    return {};
}

ErrorOr<void> vfs_chown(const Path& path, uint32_t uid, uint32_t gid) {
    TRY(check_writable(path));
    return chown_inode(*path.inode, uid, gid);
}

namespace {

// prepend_path: the names from `place` up to `root`, built backwards from `end` down to no
// lower than `start`, crossing mounts; `*reached_root` false when the walk left the tree at a
// detached mount. Namespace lock held. ENAMETOOLONG when the space runs out, ENOENT when a
// directory on the way lost its parent.
ErrorOr<char*> prepend_path_locked(Path current, const Path& root, char* start, char* end, bool* reached_root) {
    char* p = end;
    auto prepend = [&](StringView s) -> bool {
        if (size_t(p - start) < s.size())
            return false;
        p -= s.size();
        __builtin_memcpy(p, s.data(), s.size());
        return true;
    };
    *reached_root = true;
    while (!(current == root)) {
        if (current.is_mount_root()) {
            Mount* parent = current.mount->parent_locked();
            if (!parent) {
                *reached_root = false;  // outside the root (a detached mount)
                break;
            }
            Inode* mountpoint = current.mount->mountpoint_locked();
            current.mount = parent;
            current.inode = mountpoint;
            continue;
        }
        Inode* up = current.inode->parent_locked();
        if (!up)
            return Error::from_errno(ENOENT);
        StringView name = TRY(up->name_of_locked(*current.inode));
        if (!prepend(name) || !prepend("/"))
            return Error::from_errno(ENAMETOOLONG);
        current.inode = up;
    }
    if (p == end && !prepend("/"))
        return Error::from_errno(ENAMETOOLONG);
    return p;
}

}  // namespace

ErrorOr<size_t> vfs_getcwd(FsStruct& fs, char* buffer, size_t size) {
    // Built backwards from the end of a page, as Linux's prepend_path.
    auto page = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
    char* end = page.data() + page.size();
    *--end = 0;
    char* p;
    bool reached_root;
    {
        Path root = fs.root();
        Path current = fs.cwd();
        SpinlockGuard guard(vfs_namespace_lock());
        if (current.inode->nlink() == 0)
            return Error::from_errno(ENOENT);  // the working directory was removed
        p = TRY(prepend_path_locked(current, root, page.data(), end, &reached_root));
    }
    constexpr StringView unreachable = "(unreachable)";
    if (!reached_root) {
        if (size_t(p - page.data()) < unreachable.size())
            return Error::from_errno(ENAMETOOLONG);
        p -= unreachable.size();
        __builtin_memcpy(p, unreachable.data(), unreachable.size());
    }
    size_t length = size_t(end + 1 - p);
    if (length > size)
        return Error::from_errno(ERANGE);
    __builtin_memcpy(buffer, p, length);
    return length;
}

ErrorOr<StringView> d_path_locked(const Path& path, const Path& root, char* buffer, size_t size, bool* reachable) {
    char* end = buffer + size;
    // An unlinked file keeps its last name, marked as Linux marks it.
    constexpr StringView deleted = " (deleted)";
    bool unlinked = !path.inode->is_directory() && path.inode->nlink() == 0;
    if (unlinked) {
        if (size < deleted.size())
            return Error::from_errno(ENAMETOOLONG);
        end -= deleted.size();
        __builtin_memcpy(end, deleted.data(), deleted.size());
    }
    Path place = path;
    if (!path.inode->is_directory() && !path.is_mount_root()) {
        // A file: its name in the directory that holds it, then that directory's path.
        Inode* dir = path.inode->name_parent_locked();
        if (!dir)
            return Error::from_errno(ENOENT);
        StringView name = TRY(dir->name_of_locked(*path.inode));
        if (size_t(end - buffer) < name.size() + 1)
            return Error::from_errno(ENAMETOOLONG);
        end -= name.size();
        __builtin_memcpy(end, name.data(), name.size());
        *--end = '/';
        place.inode = dir;
    }
    bool reached_root;
    char* p = TRY(prepend_path_locked(place, root, buffer, end, &reached_root));
    if (reachable)
        *reachable = reached_root;
    // The directory's path ends in "/" only when it is the root, which the file's own "/"
    // already stands for.
    if (place.inode != path.inode && p + 1 == end && p[0] == '/')
        ++p;
    return StringView(p, size_t(buffer + size - p));
}

namespace {

// tmpfs/ramfs options: "mode=" (octal) is used; tmpfs's size options are accepted and ignored
// (no size limits here); other words are EINVAL for tmpfs, ignored by ramfs, as in Linux.
// Linux's memparse with simple_strtoull's base 0: a number (0x.. hex, 0.. octal) and an
// optional K/M/G/T/P/E suffix; `rest` is what follows. False when there is no number.
bool memparse(StringView text, uint64_t& value, StringView& rest) {
    size_t i = 0;
    unsigned base = 10;
    if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && text.size() > 2) {
        base = 16;
        i = 2;
    } else if (text.size() > 1 && text[0] == '0') {
        base = 8;
    }
    size_t first = i;
    value = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        unsigned digit = c >= '0' && c <= '9' ? unsigned(c - '0')
                         : c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10)
                         : c >= 'A' && c <= 'F' ? unsigned(c - 'A' + 10)
                                                : 99;
        if (digit >= base)
            break;
        value = value * base + digit;
    }
    if (i == first)
        return false;
    unsigned shift = 0;
    if (i < text.size()) {
        switch (text[i]) {
        case 'E': case 'e': shift = 60; break;
        case 'P': case 'p': shift = 50; break;
        case 'T': case 't': shift = 40; break;
        case 'G': case 'g': shift = 30; break;
        case 'M': case 'm': shift = 20; break;
        case 'K': case 'k': shift = 10; break;
        default: break;
        }
        if (shift)
            ++i;
    }
    value <<= shift;
    rest = StringView(text.data() + i, text.size() - i);
    return true;
}

struct MountOptions {
    uint32_t mode;
    RamfsLimits limits;
};

// The options tmpfs (shmem_parse_one) and ramfs understand: mode=, and for tmpfs size= (bytes,
// with a suffix, or a percentage of RAM), nr_blocks= and nr_inodes= (0: no limit), and the
// others Linux knows, taken without effect. ramfs ignores what it does not know.
ErrorOr<MountOptions> parse_mount_options(StringView data, bool is_tmpfs) {
    MountOptions options{is_tmpfs ? 01777u : 0755u, is_tmpfs ? RamfsLimits::tmpfs_default() : RamfsLimits{}};
    while (!data.empty()) {
        size_t comma = data.find(',');
        StringView option(data.data(), comma == StringView::npos ? data.size() : comma);
        data.remove_prefix(comma == StringView::npos ? data.size() : comma + 1);
        if (option.empty())
            continue;
        size_t equals = option.find('=');
        StringView key(option.data(), equals == StringView::npos ? option.size() : equals);
        StringView value = equals == StringView::npos ? StringView() : StringView(option.data() + equals + 1, option.size() - equals - 1);
        if (key == "mode") {
            if (value.empty())
                return Error::from_errno(EINVAL);
            uint32_t parsed = 0;
            for (char c : value) {
                if (c < '0' || c > '7' || parsed > 07777)
                    return Error::from_errno(EINVAL);
                parsed = parsed * 8 + uint32_t(c - '0');
            }
            options.mode = parsed & S_PERM_MASK;
        } else if (!is_tmpfs) {
            continue;
        } else if (key == "size" || key == "nr_blocks" || key == "nr_inodes") {
            uint64_t number;
            StringView rest;
            if (!memparse(value, number, rest))
                return Error::from_errno(EINVAL);
            if (key == "size" && !rest.empty() && rest[0] == '%') {
                number = (number * page_allocator().total_pages() / 100) * PAGE_SIZE;
                rest.remove_prefix(1);
            }
            if (!rest.empty())
                return Error::from_errno(EINVAL);
            if (key == "size")
                options.limits.max_blocks = (number + PAGE_SIZE - 1) / PAGE_SIZE;
            else if (key == "nr_blocks")
                options.limits.max_blocks = number;
            else
                options.limits.max_inodes = number;
        } else if (key != "uid" && key != "gid" && key != "huge" && key != "mpol" && key != "inode32" &&
                   key != "inode64") {
            return Error::from_errno(EINVAL);
        }
    }
    return options;
}

}  // namespace

ErrorOr<void> vfs_mount(FsStruct& fs, StringView source, StringView target, StringView type, unsigned long flags,
                        StringView data) {
    // path_mount's order: discard the magic, resolve the target, then pick the operation.
    if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
        flags &= ~MS_MGC_MSK;
    if (flags & MS_NOUSER)
        return Error::from_errno(EINVAL);
    Path where = TRY(vfs_lookup(fs, nullptr, target, LOOKUP_FOLLOW));
    if (!may_mount())
        return Error::from_errno(EPERM);

    if (flags & MS_REMOUNT) {
        if (!where.is_mount_root())
            return Error::from_errno(EINVAL);
        where.mount->set_flags(flags & MS_RDONLY ? Mount::READ_ONLY : 0);
        return {};
    }
    if (flags & (MS_BIND | MS_MOVE))
        return Error::from_errno(EINVAL);  // bind and move mounts: not yet
    constexpr unsigned long PROPAGATION = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
    if (flags & PROPAGATION) {
        // do_change_type: one type at a time, on a mount's root. With a single mount namespace
        // there is nothing to propagate to, so every type behaves the same.
        unsigned long kind = flags & PROPAGATION;
        if (!where.is_mount_root() || (kind & (kind - 1)))
            return Error::from_errno(EINVAL);
        return {};
    }

    if (type.empty())
        return Error::from_errno(EINVAL);
    // do_add_mount's check_mnt: only on a mount of our own namespace.
    if (where.mount->ns_id() != current_mnt_ns_id())
        return Error::from_errno(EINVAL);
    if (find_filesystem(type) || type == "tmpfs" || type == "ramfs") {
        if (!mount_capable(type))
            return Error::from_errno(EPERM);
    }
    RefPtr<Inode> root;
    if (type == "tmpfs" || type == "ramfs") {
        if (!where.inode->is_directory())
            return Error::from_errno(ENOTDIR);
        auto options = TRY(parse_mount_options(data, type == "tmpfs"));
        root = TRY(ramfs_create(options.mode, options.limits, type == "tmpfs" ? "tmpfs" : "ramfs"));
    } else {
        const FileSystemType* fs_type = find_filesystem(type);
        if (!fs_type)
            return Error::from_errno(ENODEV);  // not registered (sysfs, devtmpfs... are not there yet)
        if (!where.inode->is_directory())
            return Error::from_errno(ENOTDIR);
        root = TRY(fs_type->mount(source, data));
    }
    auto mount = TRY(Mount::create(*root, flags & MS_RDONLY ? Mount::READ_ONLY : 0));
    mount->set_source(source.empty() ? StringView("none") : source);
    SpinlockGuard guard(vfs_namespace_lock());
    // The target may have been removed since the lookup (Linux's lock_mount rechecks too).
    if (where.inode->nlink() == 0)
        return Error::from_errno(ENOENT);
    // Someone may have mounted here meanwhile: stack on top, as a fresh lookup would.
    cross_mounts_locked(where);
    mount->attach_locked(*where.mount, *where.inode);
    return {};
}

ErrorOr<void> vfs_umount(FsStruct& fs, StringView target, int flags) {
    if (flags & ~(UMOUNT_FORCE | UMOUNT_DETACH | UMOUNT_EXPIRE | UMOUNT_NO_FOLLOW))
        return Error::from_errno(EINVAL);
    if ((flags & UMOUNT_EXPIRE) && (flags & (UMOUNT_FORCE | UMOUNT_DETACH)))
        return Error::from_errno(EINVAL);
    Path where = TRY(vfs_lookup(fs, nullptr, target, flags & UMOUNT_NO_FOLLOW ? 0 : LOOKUP_FOLLOW));
    // can_umount
    if (!may_mount())
        return Error::from_errno(EPERM);
    if (!where.is_mount_root())
        return Error::from_errno(EINVAL);
    if (where.mount->ns_id() != current_mnt_ns_id() || where.mount->is_locked())
        return Error::from_errno(EINVAL);
    if ((flags & UMOUNT_FORCE) && !capable(CAP_SYS_ADMIN))
        return Error::from_errno(EPERM);
    Mount::Graveyard graveyard;  // destroyed after the guard below: drops what was detached
    SpinlockGuard guard(vfs_namespace_lock());
    Mount& mount = *where.mount;
    if (!mount.parent_locked())
        return Error::from_errno(EINVAL);  // the root of the tree, or already detached
    if (!(flags & UMOUNT_DETACH)) {
        // Busy unless the only references are the parent's and our own `where`.
        if (mount.has_children_locked() || mount.ref_count() > 2)
            return Error::from_errno(EBUSY);
        if (flags & UMOUNT_EXPIRE)
            return Error::from_errno(EAGAIN);  // the first MNT_EXPIRE only marks; we keep no marks
    } else {
        mount.detach_all_below_locked(graveyard);  // lazy: the whole subtree leaves now
    }
    mount.detach_locked(graveyard);
    return {};
}

}  // namespace kernel
