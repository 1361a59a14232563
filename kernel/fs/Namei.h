#pragma once
// Path name resolution (Linux's fs/namei.c: link_path_walk, walk_component, follow_dotdot,
// pick_link), over the kernel's own copy of the path.
//
// Components are separated by any number of slashes; "." stays, ".." climbs but never above
// the walk's root and crosses from a mount's root to its mountpoint; entering a directory that
// has something mounted on it enters the mounted root. Symlinks met on the way are followed
// (their targets walk from the link's directory, or from the root when absolute); 40 links per
// lookup at most (MAXSYMLINKS), else ELOOP. A final symlink is followed only with
// LOOKUP_FOLLOW, or when the path ends in a slash, which also requires a directory.
#include "fs/Mount.h"

namespace kernel {

inline constexpr unsigned MAX_SYMLINKS = 40;

// Lookup flags.
inline constexpr unsigned LOOKUP_FOLLOW = 1;     // follow a symlink in the last component
inline constexpr unsigned LOOKUP_DIRECTORY = 2;  // the result must be a directory (ENOTDIR)

// What the last component of a path is, for the calls that create or remove it (Linux's
// LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT).
enum class LastType : uint8_t { Normal, Dot, DotDot, Root };

struct ParentLookup {
    Path dir;              // the directory holding (or to hold) the last component
    StringView last;       // the last component: a view into the walked path string
    LastType type;
    bool trailing_slash;   // "name/": the caller applies Linux's rules for it
};

// One lookup's state: the root it cannot climb above and the symlinks followed so far. The
// operations that resolve two paths (rename, link) or re-walk through a symlink (open with
// O_CREAT) use one walker, so the 40-link budget is per system call, as Linux's nameidata.
class PathWalker {
public:
    explicit PathWalker(Path root) : m_root(std::move(root)) {}

    // The place `path` names, relative to `start` unless absolute. Empty: ENOENT.
    ErrorOr<Path> resolve(StringView path, const Path& start, unsigned flags);
    // The directory holding the last component of `path`, and that component, not looked up.
    ErrorOr<ParentLookup> resolve_parent(StringView path, const Path& start);
    // Counts one more symlink followed by the caller itself; ELOOP past the limit.
    ErrorOr<void> count_link();
    const Path& root() const { return m_root; }

private:
    enum class Mode { Full, Parent };
    ErrorOr<void> walk(StringView path, const Path& start, Mode mode, unsigned flags, Path& result, ParentLookup* parent);
    ErrorOr<void> follow_dotdot(Path& path);

    Path m_root;
    unsigned m_links{0};
};

// Steps from `dir` into entry `name` and through any mounts stacked there.
ErrorOr<Path> lookup_child(const Path& dir, StringView name);
// If a mount sits on `path`, moves to the root of the topmost one (namespace lock held).
void cross_mounts_locked(Path& path);

}  // namespace kernel
