#include "fs/Mount.h"

#include "lib/OwnPtr.h"
#include "lib/kstd.h"
#include "mm/Heap.h"

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

void Mount::set_source(StringView source) {
    size_t length = source.size() < SOURCE_CAPACITY - 1 ? source.size() : SOURCE_CAPACITY - 1;
    __builtin_memcpy(m_source, source.data(), length);
    m_source_length = uint8_t(length);
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
    m_ns_id = parent.m_ns_id;
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

namespace kernel {

Mount::TreeCopy::TreeCopy(TreeCopy&& other)
    : m_old(std::exchange(other.m_old, nullptr)),
      m_copies(std::exchange(other.m_copies, nullptr)),
      m_count(std::exchange(other.m_count, 0)) {}

Mount::TreeCopy::~TreeCopy() {
    for (size_t i = 0; i < m_count; ++i) {
        m_old[i].~RefPtr<Mount>();
        m_copies[i].~RefPtr<Mount>();
    }
    kfree(m_old);
    kfree(m_copies);
}

Path Mount::TreeCopy::translate(const Path& path) const {
    for (size_t i = 0; i < m_count; ++i)
        if (path.mount == m_old[i])
            return Path{m_copies[i], path.inode};
    return path;
}

// The mount after `m` in a pre-order walk of the tree below `root` (no recursion however deep
// the tree), or null at the end.
static Mount* next_in_tree_locked(Mount& root, Mount* m) {
    if (Mount* child = m->first_child_locked())
        return child;
    while (m != &root) {
        Mount* parent = m->parent_locked();
        if (Mount* sibling = parent->next_child_locked(*m))
            return sibling;
        m = parent;
    }
    return nullptr;
}

ErrorOr<Mount::TreeCopy> Mount::copy_tree(Mount& root, uint32_t ns_id, bool lock) {
    // Count under the lock, allocate without it, then collect; a tree that changed in between
    // is walked again.
    for (;;) {
        size_t count = 0;
        {
            SpinlockGuard guard(vfs_namespace_lock());
            for (Mount* m = &root; m; m = next_in_tree_locked(root, m))
                ++count;
        }
        TreeCopy copy;
        copy.m_old = static_cast<RefPtr<Mount>*>(kmalloc(count * sizeof(RefPtr<Mount>)));
        copy.m_copies = static_cast<RefPtr<Mount>*>(kmalloc(count * sizeof(RefPtr<Mount>)));
        if (!copy.m_old || !copy.m_copies)
            return Error::from_errno(ENOMEM);
        size_t seen = 0;
        {
            SpinlockGuard guard(vfs_namespace_lock());
            for (Mount* m = &root; m; m = next_in_tree_locked(root, m)) {
                if (seen == count) {
                    ++seen;
                    break;
                }
                new (&copy.m_old[seen]) RefPtr<Mount>(m);
                new (&copy.m_copies[seen]) RefPtr<Mount>();
                copy.m_count = ++seen;
            }
        }
        if (seen != count)
            continue;
        for (size_t i = 0; i < count; ++i) {
            Mount& old = *copy.m_old[i];
            auto fresh = TRY(Mount::create(old.m_root, old.m_flags.load(std::memory_order_relaxed)));
            fresh->set_source(old.source());
            fresh->m_ns_id = ns_id;
            fresh->m_locked = lock && i > 0;
            copy.m_copies[i] = fresh;
        }
        // Attached as the originals are now; an original detached meanwhile stays out.
        SpinlockGuard guard(vfs_namespace_lock());
        for (size_t i = 1; i < count; ++i) {
            Mount& old = *copy.m_old[i];
            if (!old.m_parent || !old.m_mountpoint)
                continue;
            for (size_t j = 0; j < i; ++j) {
                if (copy.m_old[j].ptr() == old.m_parent) {
                    copy.m_copies[i]->attach_locked(*copy.m_copies[j], *old.m_mountpoint);
                    break;
                }
            }
        }
        return copy;
    }
}

}  // namespace kernel
