#pragma once
// The physical page allocator: a binary buddy allocator (Linux's mm/page_alloc.c, minus zones,
// per-CPU lists and migrate types).
//
// Memory is handed out in blocks of 2^order pages, order 0 (4 KiB) to MAX_ORDER (10: 4 MiB).
// A block of order k always starts at a pfn that is a multiple of 2^k, so every block has
// exactly one "buddy" of the same size, found by flipping bit k of its pfn; together they make
// the enclosing block of order k+1. There is one free list per order.
//
//  - allocate(k) takes a block from the smallest non-empty list of order >= k and splits it in
//    halves, putting each unused upper half on the list one order down, until it is 2^k pages.
//  - free(k) looks at the buddy: if it is free and whole (a free head of the same order) the
//    two merge and the merged block tries again one order up; otherwise it stops there.
//
// All metadata is in the Page array (see Page.h); the allocator never reads or writes the
// frames themselves, so it can manage memory that is not mapped anywhere.
//
// Lock: one Spinlock (IRQ-safe) around every operation. Lock order: a slab cache's lock may be
// held while taking this one, never the reverse.
#include "lib/ErrorOr.h"
#include "lib/Spinlock.h"
#include "lib/kstd.h"
#include "mm/Page.h"

namespace kernel {

inline constexpr unsigned MAX_ORDER = 10;  // inclusive: the largest block is 2^10 pages = 4 MiB
inline constexpr unsigned ORDER_COUNT = MAX_ORDER + 1;
inline constexpr size_t MAX_BLOCK_SIZE = PAGE_SIZE << MAX_ORDER;

class PageAllocator {
public:
    constexpr PageAllocator() = default;
    PageAllocator(const PageAllocator&) = delete;
    PageAllocator& operator=(const PageAllocator&) = delete;

    // Takes over `page_array` (caller-owned storage for `page_count` Pages, never freed) as the
    // metadata of pfns [0, page_count); every page starts Absent (not managed) and nothing is
    // free until add_free_range. Calling it again starts over from scratch (unit tests do,
    // between tests); everything handed out before is forgotten.
    void init(Page* page_array, size_t page_count);

    // Gives the usable RAM [start, end) to the allocator: start is rounded up and end down to
    // whole pages, the part beyond the Page array is ignored, pages reserved by reserve_range
    // are skipped, and the rest is freed as maximal aligned blocks (merging with free
    // neighbours). A page that is already managed means the ranges overlap: a bug (VERIFY).
    void add_free_range(PhysAddr start, PhysAddr end);

    // Withholds [start, end) (widened to whole pages) from allocation, before or after
    // add_free_range covers it: free blocks are split around it, and a later add_free_range
    // skips it. Reserving twice is harmless; reserving a page that is currently allocated is a
    // bug (VERIFY). There is no unreserve: reserved memory stays reserved (until init).
    void reserve_range(PhysAddr start, PhysAddr end);

    // A block of 2^order pages aligned to its size, or ENOMEM. Consults the fault-injection
    // hook (mm::should_fail_allocation) first. `order` > MAX_ORDER is a bug (VERIFY).
    ErrorOr<PhysAddr> allocate(unsigned order = 0);
    // The same without consulting the hook: for allocators layered on top (slab) that already
    // consulted it for the allocation they are serving, so one logical allocation is one hook
    // call and fail-nth counts stay meaningful.
    ErrorOr<PhysAddr> allocate_without_fault_injection(unsigned order);

    // Returns a block from allocate(order), with the same order; merges it with its free buddies.
    // VERIFYs: order in range, address aligned to the block size and inside the array, the page
    // heads an allocated block of exactly this order (catches double free and wrong order), and
    // its owner has cleared m_usage.
    void free(PhysAddr address, unsigned order);

    // The metadata of the frame holding `address` (VERIFY: covered by the array). Lock-free:
    // the array never moves after init.
    Page* page_for(PhysAddr address) const;
    PhysAddr address_of(const Page* page) const;
    bool covers(PhysAddr address) const { return (address >> PAGE_SHIFT) < m_page_count; }

    // Exact counters. total == free + used, always.
    size_t page_count() const { return m_page_count; }  // pfns covered by the array
    size_t total_pages() const;                         // pages managed (added, not reserved)
    size_t free_pages() const;                          // pages on the free lists
    size_t used_pages() const;                          // pages handed out by allocate
    size_t free_blocks(unsigned order) const;           // blocks on the free list of `order`

private:
    // All `_locked` functions need m_lock held.
    ErrorOr<PhysAddr> allocate_locked(unsigned order);
    void free_block_locked(size_t pfn, unsigned order);  // pushes, merging with free buddies
    void push_free_locked(size_t pfn, unsigned order);   // pushes, no merging
    void unlink_free_locked(Page& head);
    bool find_free_block_locked(size_t pfn, size_t& head_pfn, unsigned& order) const;

    // One per order, linking the head pages of the free blocks of that order.
    using FreeList = IntrusiveList<Page, &Page::m_node>;

    mutable Spinlock m_lock;
    Page* m_pages{nullptr};
    size_t m_page_count{0};
    FreeList m_free_lists[ORDER_COUNT];
    size_t m_free_block_counts[ORDER_COUNT]{};
    size_t m_total_pages{0};
    size_t m_free_pages{0};
    size_t m_used_pages{0};
};

// The one physical page allocator (a constinit global: usable before constructors run, but
// empty until boot code has called init / add_free_range / reserve_range).
PageAllocator& page_allocator();

// The smallest order whose block holds `bytes` (0 for 0); may exceed MAX_ORDER.
constexpr unsigned order_for_size(size_t bytes) {
    size_t pages = (bytes >> PAGE_SHIFT) + ((bytes & (PAGE_SIZE - 1)) != 0);  // no overflow
    return pages <= 1 ? 0 : unsigned(std::bit_width(pages - 1));
}

}  // namespace kernel

// Fault injection for the allocation failure paths (Linux's fail_page_alloc / fail_nth): when a
// hook is installed, every PageAllocator::allocate and SlabCache::allocate (hence kmalloc)
// asks it first and fails with ENOMEM / nullptr when it returns true. The hook is called
// without any allocator lock held, so it may do as it likes (count calls, look at the current
// task...) except allocate.
namespace kernel::mm {
using FailHook = bool (*)();
// Installs `hook` (nullptr: none, the default) and returns the previous one.
FailHook set_fail_hook(FailHook hook);
FailHook fail_hook();
// True when the current allocation must fail: called once per logical allocation.
bool should_fail_allocation();
}  // namespace kernel::mm
