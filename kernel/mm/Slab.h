#pragma once
// Slab caches: fast allocation of many objects of one fixed size (Linux's kmem_cache, in the
// spirit of SLUB, much simplified). Tasks, open files and the kmalloc size classes live here.
//
// A slab is one page (order 0) from page_allocator(), carved into equal slots of `stride`
// bytes (the object size rounded up to the alignment). Free slots form a singly-linked list
// whose links are stored inside the free slots themselves, so a slab needs no memory besides
// its own page and its Page metadata, which records:
//   m_slab_cache     the owning cache: free(ptr) goes ptr -> virt_to_phys -> page_for -> cache
//   m_slab_freelist  the first free slot
//   m_slab_in_use    how many slots are handed out
// A cache keeps its slabs that have a free slot on a partial list. Full slabs are on no list
// (nothing needs to find them: a free brings them back via the pointer). A slab that becomes
// empty goes straight back to the page allocator, so the page counters return exactly to their
// baseline when every object is freed (fork's failure-path tests depend on that).
//
// Checked on free (VERIFY): the pointer is in a slab page of this cache, at a slot boundary,
// and not already on the slab's free list (double free); the walk also checks that every free
// list link points into the slab, which catches many use-after-free writes.
//
// Lock order: slab cache registry lock -> a cache's lock -> the page allocator's lock.
#include "lib/IntrusiveList.h"
#include "lib/Spinlock.h"
#include "lib/kstd.h"
#include "mm/Page.h"

namespace kernel {

class SlabCache {
public:
    // constexpr so caches can be constinit globals: `constinit SlabCache s_task_cache{"task",
    // sizeof(Task), alignof(Task)};`. `align` must be a power of two; an object must fit in a
    // page (use the page allocator or kmalloc for anything bigger). The cache joins the
    // registry (for_each_slab_cache) the first time it allocates.
    constexpr SlabCache(const char* name, size_t object_size, size_t align = 16)
        : m_name(name),
          m_object_size(object_size),
          m_stride(stride_for(object_size, align)),
          m_objects_per_slab(uint16_t(PAGE_SIZE / m_stride)) {
        VERIFY(align != 0 && (align & (align - 1)) == 0);
        VERIFY(m_stride <= PAGE_SIZE);
    }
    SlabCache(const SlabCache&) = delete;
    SlabCache& operator=(const SlabCache&) = delete;
    // Trivial on purpose (no exit-time destructors for globals); a cache that is not a global
    // must call destroy() before its storage goes away.

    // An uninitialised object aligned to `align`, or nullptr when out of memory (or when the
    // fault-injection hook says so: it is consulted once per call).
    void* allocate();
    // Returns an object from this cache's allocate(). nullptr is a bug here (unlike kfree).
    void free(void* object);

    // Unregisters the cache (Linux's kmem_cache_destroy). VERIFY: no objects in use.
    void destroy();

    const char* name() const { return m_name; }
    size_t object_size() const { return m_object_size; }  // as requested
    size_t stride() const { return m_stride; }             // the slot size actually used
    size_t objects_per_slab() const { return m_objects_per_slab; }
    size_t objects_in_use() const;
    size_t pages_in_use() const;  // slabs, one page each

private:
    static constexpr size_t stride_for(size_t object_size, size_t align) {
        // A free slot holds the free-list link, so a slot is at least a pointer wide and
        // pointer-aligned.
        if (align < alignof(void*))
            align = alignof(void*);
        if (object_size < sizeof(void*))
            object_size = sizeof(void*);
        return (object_size + align - 1) & ~(align - 1);
    }
    void register_if_needed();
    bool grow_locked();  // adds one empty slab to m_partial_slabs
    Page& slab_page_of(void* object);

    const char* m_name;
    size_t m_object_size;
    size_t m_stride;
    uint16_t m_objects_per_slab;

    mutable Spinlock m_lock;
    // Slabs with at least one free slot, through Page::m_node (guarded by m_lock).
    IntrusiveList<Page, &Page::m_node> m_partial_slabs;
    size_t m_objects_in_use{0};
    size_t m_pages_in_use{0};

    // The registry: a singly-linked list of caches (guarded by the registry lock).
    friend void for_each_slab_cache_impl(void (*)(SlabCache&, void*), void*);
    SlabCache* m_next_registered{nullptr};
    std::atomic<bool> m_registered{false};
};

// Calls `callback(SlabCache&)` for each registered cache (those that have ever allocated and
// were not destroyed), with the registry lock held: the callback must not allocate from a
// cache that was never used or destroy one. For /proc/slabinfo-style reports.
void for_each_slab_cache_impl(void (*callback)(SlabCache&, void*), void* context);
template <typename Callback>
void for_each_slab_cache(Callback&& callback) {
    using Fn = std::remove_reference_t<Callback>;
    for_each_slab_cache_impl([](SlabCache& cache, void* context) { (*static_cast<Fn*>(context))(cache); },
                             const_cast<void*>(static_cast<const void*>(&callback)));
}

}  // namespace kernel
