// Slab caches and kmalloc; the design is described in Slab.h and Heap.h.
#include "mm/Slab.h"

#include <arch/Memory.h>

#include "mm/Heap.h"
#include "mm/PageAllocator.h"

// Under the hosted unit tests (ASan), free slots are poisoned so that a use-after-free of a
// slab object is reported where it happens, and kmalloc poisons the slack between the size
// asked for and the size class so overflows into it are reported too. The kernel is not built
// with ASan, so there these are no-ops. (A sanitizer switch, not an arch one.)
#if defined(__SANITIZE_ADDRESS__)
extern "C" void __asan_poison_memory_region(void const volatile* address, kernel::size_t size);
extern "C" void __asan_unpoison_memory_region(void const volatile* address, kernel::size_t size);
#endif

namespace kernel {

namespace {

inline void poison(void* address, size_t size) {
#if defined(__SANITIZE_ADDRESS__)
    __asan_poison_memory_region(address, size);
#else
    (void)address;
    (void)size;
#endif
}

inline void unpoison(void* address, size_t size) {
#if defined(__SANITIZE_ADDRESS__)
    __asan_unpoison_memory_region(address, size);
#else
    (void)address;
    (void)size;
#endif
}

// The free-list link lives in the first word of a free slot.
inline void* next_free(void* slot) { return *static_cast<void**>(slot); }
inline void set_next_free(void* slot, void* next) { *static_cast<void**>(slot) = next; }

// The registry of caches (singly linked through SlabCache::m_next_registered).
constinit Spinlock s_registry_lock;
constinit SlabCache* s_registry_head = nullptr;

}  // namespace

void SlabCache::register_if_needed() {
    if (m_registered.load(std::memory_order_acquire))
        return;
    SpinlockGuard guard(s_registry_lock);
    if (m_registered.load(std::memory_order_relaxed))
        return;
    m_next_registered = s_registry_head;
    s_registry_head = this;
    m_registered.store(true, std::memory_order_release);
}

void SlabCache::destroy() {
    {
        SpinlockGuard guard(m_lock);
        VERIFY(m_objects_in_use == 0);
        // Empty slabs are released at once, so no objects means no slabs.
        VERIFY(m_pages_in_use == 0 && m_partial_slabs.is_empty());
    }
    SpinlockGuard guard(s_registry_lock);
    if (!m_registered.load(std::memory_order_relaxed))
        return;
    SlabCache** link = &s_registry_head;
    while (*link != this) {
        VERIFY(*link != nullptr);
        link = &(*link)->m_next_registered;
    }
    *link = m_next_registered;
    m_next_registered = nullptr;
    m_registered.store(false, std::memory_order_release);
}

void for_each_slab_cache_impl(void (*callback)(SlabCache&, void*), void* context) {
    SpinlockGuard guard(s_registry_lock);
    for (SlabCache* cache = s_registry_head; cache; cache = cache->m_next_registered)
        callback(*cache, context);
}

// Linux: allocate_slab(). Takes one page and threads every slot onto its free list, lowest
// address first so objects come out in address order.
bool SlabCache::grow_locked() {
    m_lock.assert_held();
    // The hook was consulted by allocate() already: one logical allocation, one hook call.
    auto result = page_allocator().allocate_without_fault_injection(0);
    if (result.is_error())
        return false;
    PhysAddr phys = result.value();
    Page& slab = *page_allocator().page_for(phys);
    auto* base = static_cast<uint8_t*>(arch::phys_to_virt(phys));

    void* next = nullptr;
    for (size_t i = m_objects_per_slab; i-- > 0;) {
        void* slot = base + i * m_stride;
        set_next_free(slot, next);
        poison(static_cast<uint8_t*>(slot) + sizeof(void*), m_stride - sizeof(void*));
        next = slot;
    }
    size_t used = m_objects_per_slab * m_stride;
    poison(base + used, PAGE_SIZE - used);  // the leftover tail is never handed out

    slab.m_usage = PageUsage::Slab;
    slab.m_slab_cache = this;
    slab.m_slab_freelist = next;
    slab.m_slab_in_use = 0;
    m_partial_slabs.push_front(slab);
    ++m_pages_in_use;
    return true;
}

// Linux: slab_alloc(). Pops the first free slot of the first partial slab, growing the cache
// by one slab when there is none.
void* SlabCache::allocate() {
    if (mm::should_fail_allocation())
        return nullptr;
    register_if_needed();  // before m_lock: the registry lock is taken first, never inside

    SpinlockGuard guard(m_lock);
    if (m_partial_slabs.is_empty() && !grow_locked())
        return nullptr;
    Page& slab = *m_partial_slabs.first();
    void* object = slab.m_slab_freelist;
    VERIFY(object != nullptr);
    void* next = next_free(object);
    // A link pointing outside the slab means a free object was written to after being freed.
    VERIFY(next == nullptr || (reinterpret_cast<uintptr_t>(next) & ~uintptr_t(PAGE_SIZE - 1)) ==
                                  (reinterpret_cast<uintptr_t>(object) & ~uintptr_t(PAGE_SIZE - 1)));
    slab.m_slab_freelist = next;
    ++slab.m_slab_in_use;
    ++m_objects_in_use;
    if (!next)
        m_partial_slabs.remove(slab);  // now full: full slabs are on no list
    unpoison(object, m_stride);
    return object;
}

// Finds the slab holding `object` and checks it belongs to this cache at a slot boundary.
Page& SlabCache::slab_page_of(void* object) {
    PhysAddr phys = arch::virt_to_phys(object);
    Page& slab = *page_allocator().page_for(phys);  // VERIFYs it is RAM we manage
    VERIFY(slab.m_state == PageState::Allocated && slab.m_usage == PageUsage::Slab);
    VERIFY(slab.m_slab_cache == this);
    size_t offset = phys & (PAGE_SIZE - 1);
    VERIFY(offset % m_stride == 0 && offset / m_stride < m_objects_per_slab);
    return slab;
}

// Linux: slab_free(). Pushes the slot back; a slab that was full rejoins the partial list and
// one that becomes empty goes back to the page allocator.
void SlabCache::free(void* object) {
    VERIFY(object != nullptr);
    Page& slab = slab_page_of(object);
    uintptr_t base_address = reinterpret_cast<uintptr_t>(object) & ~uintptr_t(PAGE_SIZE - 1);
    auto* base = reinterpret_cast<uint8_t*>(base_address);

    SpinlockGuard guard(m_lock);
    VERIFY(slab.m_slab_in_use > 0);
    // Double-free check: the object must not already be free. At most a page's worth of slots
    // to walk; the walk also validates every link.
    size_t free_count = 0;
    for (void* slot = slab.m_slab_freelist; slot; slot = next_free(slot)) {
        VERIFY(slot != object);
        uintptr_t offset = reinterpret_cast<uintptr_t>(slot) - base_address;  // huge if below
        VERIFY(offset < PAGE_SIZE && offset % m_stride == 0);
        VERIFY(++free_count <= m_objects_per_slab);
    }

    bool was_full = slab.m_slab_freelist == nullptr;
    unpoison(object, m_stride);  // kmalloc may have poisoned its slack, link word included
    set_next_free(object, slab.m_slab_freelist);
    slab.m_slab_freelist = object;
    --slab.m_slab_in_use;
    --m_objects_in_use;

    if (slab.m_slab_in_use == 0) {
        // Empty: give the page back now, so counters return exactly to their baseline.
        if (!was_full)
            m_partial_slabs.remove(slab);
        slab.m_usage = PageUsage::None;
        slab.m_slab_cache = nullptr;
        slab.m_slab_freelist = nullptr;
        --m_pages_in_use;
        unpoison(base, PAGE_SIZE);
        page_allocator().free(arch::virt_to_phys(base), 0);
        return;
    }
    poison(static_cast<uint8_t*>(object) + sizeof(void*), m_stride - sizeof(void*));
    if (was_full)
        m_partial_slabs.push_front(slab);
}

size_t SlabCache::objects_in_use() const {
    SpinlockGuard guard(m_lock);
    return m_objects_in_use;
}

size_t SlabCache::pages_in_use() const {
    SpinlockGuard guard(m_lock);
    return m_pages_in_use;
}

// ---- kmalloc ----------------------------------------------------------------------------

namespace {

constinit SlabCache s_kmalloc_caches[] = {
    {"kmalloc-16", 16},   {"kmalloc-32", 32},   {"kmalloc-64", 64},     {"kmalloc-128", 128},
    {"kmalloc-256", 256}, {"kmalloc-512", 512}, {"kmalloc-1024", 1024}, {"kmalloc-2048", 2048},
};
constexpr size_t KMALLOC_CACHE_COUNT = sizeof(s_kmalloc_caches) / sizeof(s_kmalloc_caches[0]);
static_assert(KMALLOC_MIN_SIZE << (KMALLOC_CACHE_COUNT - 1) == KMALLOC_MAX_CACHE_SIZE);

constinit std::atomic<size_t> s_large_allocations{0};
constinit std::atomic<size_t> s_large_pages{0};

// The size class for `size` <= KMALLOC_MAX_CACHE_SIZE: 0 for 0..16, 1 for 17..32, ...
constexpr size_t kmalloc_index(size_t size) {
    return size <= KMALLOC_MIN_SIZE ? 0 : size_t(std::bit_width(size - 1)) - 4;
}
static_assert(kmalloc_index(16) == 0 && kmalloc_index(17) == 1 && kmalloc_index(2048) == 7);

bool is_kmalloc_cache(const SlabCache* cache) {
    return cache >= s_kmalloc_caches && cache < s_kmalloc_caches + KMALLOC_CACHE_COUNT;
}

}  // namespace

void* kmalloc(size_t size) {
    if (size <= KMALLOC_MAX_CACHE_SIZE) {
        SlabCache& cache = s_kmalloc_caches[kmalloc_index(size)];
        void* object = cache.allocate();
        if (object && size < cache.stride())
            poison(static_cast<uint8_t*>(object) + size, cache.stride() - size);
        return object;
    }
    if (size > MAX_BLOCK_SIZE)
        return nullptr;
    unsigned order = order_for_size(size);
    auto result = page_allocator().allocate(order);
    if (result.is_error())
        return nullptr;
    PhysAddr phys = result.value();
    page_allocator().page_for(phys)->m_usage = PageUsage::KmallocLarge;
    s_large_allocations.fetch_add(1, std::memory_order_relaxed);
    s_large_pages.fetch_add(size_t(1) << order, std::memory_order_relaxed);
    return arch::phys_to_virt(phys);
}

void* kzalloc(size_t size) {
    void* ptr = kmalloc(size);
    if (ptr)
        __builtin_memset(ptr, 0, size);
    return ptr;
}

void kfree(void* ptr) {
    if (!ptr)
        return;
    PhysAddr phys = arch::virt_to_phys(ptr);
    Page& page = *page_allocator().page_for(phys);
    switch (page.m_usage) {
    case PageUsage::Slab:
        // Objects of other caches must go back through their own SlabCache::free.
        VERIFY(is_kmalloc_cache(page.m_slab_cache));
        page.m_slab_cache->free(ptr);
        return;
    case PageUsage::KmallocLarge: {
        VERIFY(page.m_state == PageState::Allocated && is_aligned(phys, PAGE_SIZE));
        unsigned order = page.m_order;
        page.m_usage = PageUsage::None;
        s_large_allocations.fetch_sub(1, std::memory_order_relaxed);
        s_large_pages.fetch_sub(size_t(1) << order, std::memory_order_relaxed);
        page_allocator().free(phys, order);
        return;
    }
    case PageUsage::None:
        break;
    }
    PANIC("kfree: not a kmalloc pointer, or already freed");
}

HeapStats heap_stats() {
    HeapStats stats;
    for (auto& cache : s_kmalloc_caches) {
        stats.objects_in_use += cache.objects_in_use();
        stats.pages_in_use += cache.pages_in_use();
    }
    stats.large_allocations = s_large_allocations.load(std::memory_order_relaxed);
    stats.large_pages = s_large_pages.load(std::memory_order_relaxed);
    stats.objects_in_use += stats.large_allocations;
    stats.pages_in_use += stats.large_pages;
    return stats;
}

}  // namespace kernel
