#include "fs/Namei.h"

#include "fs/Permission.h"

namespace kernel {

namespace {

// One string being walked: the path itself, or the target of a symlink met on the way (kept
// alive by `link`, since targets never change). Linux's nameidata stack of saved links.
struct Frame {
    StringView rest;
    RefPtr<Inode> link;
};

bool only_slashes(StringView s) {
    for (char c : s)
        if (c != '/')
            return false;
    return true;
}

LastType last_type_of(StringView name) {
    if (name == ".")
        return LastType::Dot;
    if (name == "..")
        return LastType::DotDot;
    return LastType::Normal;
}

}  // namespace

void cross_mounts_locked(Path& path) {
    vfs_namespace_lock().assert_held();
    while (Mount* mounted = path.mount->child_at_locked(*path.inode)) {
        path.mount = mounted;
        path.inode = &mounted->root();
    }
}

ErrorOr<Path> lookup_child(const Path& dir, StringView name) {
    SpinlockGuard guard(vfs_namespace_lock());
    auto inode = TRY(dir.inode->lookup_locked(name));
    Path child{dir.mount, inode};
    cross_mounts_locked(child);
    return child;
}

ErrorOr<void> PathWalker::count_link() {
    if (++m_links > MAX_SYMLINKS)
        return Error::from_errno(ELOOP);
    return {};
}

ErrorOr<void> PathWalker::follow_dotdot(Path& path) {
    SpinlockGuard guard(vfs_namespace_lock());
    while (true) {
        if (path == m_root)
            return {};  // ".." of the root is the root
        if (path.is_mount_root()) {
            Mount* parent = path.mount->parent_locked();
            if (!parent)
                return {};  // the top of the mount tree (or a detached mount)
            // Climb to the mountpoint, then take its ".." (it may be a mount root in turn).
            Inode* mountpoint = path.mount->mountpoint_locked();
            path.mount = parent;
            path.inode = mountpoint;
            continue;
        }
        Inode* up = path.inode->parent_locked();
        if (!up)
            return Error::from_errno(ENOENT);  // a file system root that is no mount's root
        path.inode = up;
        break;
    }
    cross_mounts_locked(path);
    return {};
}

ErrorOr<void> PathWalker::walk(StringView path, const Path& start, Mode mode, unsigned flags, Path& result,
                               ParentLookup* parent) {
    if (path.empty())
        return Error::from_errno(ENOENT);
    Path current = path[0] == '/' ? m_root : start;
    Frame frames[MAX_SYMLINKS + 1];
    unsigned depth = 0;
    frames[0].rest = path;
    bool must_be_dir = false;  // the path ended in a slash

    while (true) {
        Frame& frame = frames[depth];
        size_t skip = 0;
        while (skip < frame.rest.size() && frame.rest[skip] == '/')
            ++skip;
        frame.rest.remove_prefix(skip);
        if (frame.rest.empty()) {
            if (depth == 0)
                break;  // the whole path was slashes: "/" names the root
            frames[depth--] = Frame{};  // a symlink's target is done: back to what follows it
            continue;
        }
        size_t slash = frame.rest.find('/');
        StringView name(frame.rest.data(), slash == StringView::npos ? frame.rest.size() : slash);
        frame.rest.remove_prefix(name.size());
        bool last_in_frame = only_slashes(frame.rest);
        bool is_last = last_in_frame && depth == 0;
        if (is_last && !frame.rest.empty())
            must_be_dir = true;

        if (!current.inode->is_directory())
            return Error::from_errno(ENOTDIR);
        // may_lookup: every directory walked through needs search (execute) permission.
        TRY(inode_permission(*current.inode, MAY_EXEC));
        if (name.size() > NAME_MAX_LEN)
            return Error::from_errno(ENAMETOOLONG);

        if (is_last && mode == Mode::Parent) {
            parent->dir = std::move(current);
            parent->last = name;
            parent->type = last_type_of(name);
            parent->trailing_slash = must_be_dir;
            return {};
        }
        if (name == ".")
            continue;
        if (name == "..") {
            TRY(follow_dotdot(current));
            continue;
        }

        Path child = TRY(lookup_child(current, name));
        if (child.inode->is_symlink() && (!is_last || (flags & LOOKUP_FOLLOW) || must_be_dir)) {
            TRY(count_link());
            Path jump = TRY(child.inode->jump_link());
            if (jump.is_valid()) {
                // The walk goes on from where the link leads.
                current = std::move(jump);
                continue;
            }
            StringView target = child.inode->symlink_target();
            if (target.empty())
                return Error::from_errno(ENOENT);
            // A link that ends its string replaces it (nothing to come back to); otherwise its
            // target is walked first and the rest of this string after it.
            if (!last_in_frame) {
                if (depth == MAX_SYMLINKS)
                    return Error::from_errno(ELOOP);
                ++depth;
            }
            frames[depth] = Frame{target, child.inode};
            if (target[0] == '/')
                current = m_root;
            // A relative target walks from the directory holding the link: `current`.
            continue;
        }
        current = std::move(child);
    }

    if (mode == Mode::Parent) {
        // Nothing but slashes (and dots that were walked): the root, or the directory reached.
        parent->dir = std::move(current);
        parent->last = {};
        parent->type = LastType::Root;
        parent->trailing_slash = false;
        return {};
    }
    if ((must_be_dir || (flags & LOOKUP_DIRECTORY)) && !current.inode->is_directory())
        return Error::from_errno(ENOTDIR);
    result = std::move(current);
    return {};
}

ErrorOr<Path> PathWalker::resolve(StringView path, const Path& start, unsigned flags) {
    Path result;
    TRY(walk(path, start, Mode::Full, flags, result, nullptr));
    return result;
}

ErrorOr<ParentLookup> PathWalker::resolve_parent(StringView path, const Path& start) {
    Path unused;
    ParentLookup parent{};
    TRY(walk(path, start, Mode::Parent, 0, unused, &parent));
    return parent;
}

}  // namespace kernel
