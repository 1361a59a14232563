#include "fs/Mount.h"

#include "lib/OwnPtr.h"

namespace kernel {

namespace {
constinit std::atomic<int> g_next_mount_id{1};
}

Mount::Mount(NonnullRefPtr<Inode> root, unsigned flags)
    : m_root(std::move(root)), m_flags(flags), m_id(g_next_mount_id.fetch_add(1, std::memory_order_relaxed)) {}

ErrorOr<NonnullRefPtr<Mount>> Mount::create(NonnullRefPtr<Inode> root, unsigned flags) {
    auto* mount = new (std::nothrow) Mount(std::move(root), flags);
    if (!mount)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*mount);
}

Mount::~Mount() {
    // Attached mounts are referenced by their parent, so the last reference goes only after
    // detach: nothing can still point here through the tree.
    VERIFY(!m_child_node.is_linked());
    m_children.assert_empty();
}

Mount* Mount::child_at_locked(const Inode& mountpoint) {
    vfs_namespace_lock().assert_held();
    for (auto& child : m_children)
        if (child.m_mountpoint.ptr() == &mountpoint)
            return &child;
    return nullptr;
}

void Mount::attach_locked(Mount& parent, Inode& mountpoint) {
    vfs_namespace_lock().assert_held();
    VERIFY(!m_parent && !m_child_node.is_linked());
    ref();  // the parent's child list's reference
    m_parent = &parent;
    m_mountpoint = &mountpoint;
    mountpoint.adjust_mount_count_locked(+1);
    parent.m_children.push_back(*this);
}

void Mount::detach_locked(Graveyard& graveyard) {
    vfs_namespace_lock().assert_held();
    VERIFY(m_parent);
    decltype(m_children)::remove(*this);
    m_mountpoint->adjust_mount_count_locked(-1);
    m_parent = nullptr;
    // The mountpoint stays pinned until the graveyard drops us: releasing an inode may free a
    // tree, which is better done without the spinlock.
    graveyard.m_list.push_back(*this);
}

void Mount::detach_all_below_locked(Graveyard& graveyard) {
    while (Mount* leaf = m_children.first()) {
        while (Mount* deeper = leaf->m_children.first())
            leaf = deeper;
        leaf->detach_locked(graveyard);
    }
}

Mount::Graveyard::~Graveyard() {
    while (Mount* mount = m_list.take_first()) {
        mount->m_mountpoint = nullptr;
        mount->unref();
    }
}

}  // namespace kernel
