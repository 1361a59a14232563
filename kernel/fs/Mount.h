#pragma once
// Mounts and paths (Linux's struct mount / vfsmount and struct path).
//
// The mounts form a tree: each Mount but the root is attached at a directory (its mountpoint)
// of its parent mount. There is no global mount table: the path walk asks the mount it is in
// for a child mounted on the inode it just reached. Tree links are guarded by the namespace
// lock. A Path is the pair (mount, inode) that names a place: the same inode can be reached
// through different mounts, and `..` at a mount's root climbs to the mountpoint.
//
// References: a parent's child list holds one reference to each child. A child points at its
// parent without one (borrowed): a mount with children cannot be unmounted (EBUSY), and a lazy
// unmount detaches the children first. Every Path holds its mount, so "is this mount busy?"
// is its reference count.
#include "fs/Inode.h"
#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"

namespace kernel {

class Mount : public RefCounted<Mount> {
public:
    static constexpr unsigned READ_ONLY = 1;  // MS_RDONLY: EROFS for changes

    static ErrorOr<NonnullRefPtr<Mount>> create(NonnullRefPtr<Inode> root, unsigned flags);
    ~Mount();

    Inode& root() const { return *m_root; }
    int id() const { return m_id; }  // statx's stx_mnt_id
    bool is_read_only() const { return m_flags.load(std::memory_order_relaxed) & READ_ONLY; }
    // The source mount(2) was given ("proc", "tmpfs", "none"), as /proc/<pid>/mounts shows it
    // (Linux's mnt_devname); kept to its first SOURCE_CAPACITY - 1 bytes. Set before attaching.
    static constexpr size_t SOURCE_CAPACITY = 64;
    StringView source() const { return StringView(m_source, m_source_length); }
    void set_source(StringView source);
    void set_flags(unsigned flags) { m_flags.store(flags, std::memory_order_relaxed); }

    // The tree, under the namespace lock.
    Mount* parent_locked() const { return m_parent; }
    Inode* mountpoint_locked() const { return m_mountpoint.ptr(); }
    // The mount attached at `mountpoint` of this mount, if any.
    Mount* child_at_locked(const Inode& mountpoint);
    bool has_children_locked() const { return !m_children.is_empty(); }
    Mount* first_child_locked() const { return m_children.first(); }
    Mount* next_child_locked(Mount& child) const { return m_children.next(child); }
    // Attaches this (a fresh mount) at `mountpoint` of `parent`, which takes a reference.
    void attach_locked(Mount& parent, Inode& mountpoint);
    // Detaches this from its parent and moves the parent's reference into `graveyard` (the
    // list node is free once detached). The graveyard drops it when it goes out of scope,
    // after the lock: dropping may free a whole mounted tree, no work for a spinlock.
    class Graveyard;
    void detach_locked(Graveyard& graveyard);
    // Detaches every mount below this one, deepest first (a lazy unmount's subtree, or the
    // whole tree when the root goes). Iterative: no recursion however deep the tree.
    void detach_all_below_locked(Graveyard& graveyard);

    // The mount namespace this mount belongs to (Linux's mnt_ns), by its inode number; 0 for
    // the initial one and for internal mounts. Set when attached (the parent's) or copied.
    uint32_t ns_id() const { return m_ns_id; }
    // MNT_LOCKED: copied into a namespace owned by a less privileged user namespace, it may not
    // be unmounted on its own there (it would reveal what it covers).
    bool is_locked() const { return m_locked; }

    // copy_tree for copy_mnt_ns: `root` and every mount below it, copied into namespace
    // `ns_id` (children locked when `lock`). The copies are attached like the originals; the
    // result maps old mounts to their copies. ENOMEM.
    class TreeCopy;
    static ErrorOr<TreeCopy> copy_tree(Mount& root, uint32_t ns_id, bool lock);

private:
    Mount(NonnullRefPtr<Inode> root, unsigned flags);

    NonnullRefPtr<Inode> m_root;
    Mount* m_parent{nullptr};    // borrowed, see above
    RefPtr<Inode> m_mountpoint;  // pinned while we are attached there
    IntrusiveListNode m_child_node;
    IntrusiveList<Mount, &Mount::m_child_node> m_children;
    std::atomic<unsigned> m_flags;
    int m_id;
    uint32_t m_ns_id{0};
    bool m_locked{false};
    char m_source[SOURCE_CAPACITY]{};
    uint8_t m_source_length{0};

public:
    class Graveyard {
    public:
        Graveyard() = default;
        ~Graveyard();  // drops every detached mount's last tree reference
        Graveyard(const Graveyard&) = delete;
        Graveyard& operator=(const Graveyard&) = delete;

    private:
        friend class Mount;
        IntrusiveList<Mount, &Mount::m_child_node> m_list;
    };
};

struct Path {
    RefPtr<Mount> mount;
    RefPtr<Inode> inode;

    bool is_valid() const { return mount && inode; }
    bool operator==(const Path& other) const { return mount == other.mount && inode == other.inode; }
    bool is_mount_root() const { return is_valid() && inode.ptr() == &mount->root(); }
};

class Mount::TreeCopy {
public:
    TreeCopy() = default;
    TreeCopy(TreeCopy&& other);
    TreeCopy& operator=(TreeCopy&&) = delete;
    ~TreeCopy();
    Mount& root() const { return *m_copies[0]; }
    // The same place in the copy: a path on a copied mount moves to its copy, others stay.
    Path translate(const Path& path) const;

private:
    friend class Mount;
    RefPtr<Mount>* m_old{nullptr};
    RefPtr<Mount>* m_copies{nullptr};
    size_t m_count{0};
};

}  // namespace kernel
