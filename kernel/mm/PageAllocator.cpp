// The buddy page allocator; the design is described in PageAllocator.h.
#include "mm/PageAllocator.h"

namespace kernel {

namespace {
// constinit with a constexpr constructor and a trivial destructor: no .init_array entry and no
// exit-time destructor, and usable by the earliest boot code.
constinit PageAllocator s_page_allocator;

constexpr size_t pages_in_order(unsigned order) { return size_t(1) << order; }
}  // namespace

PageAllocator& page_allocator() { return s_page_allocator; }

void PageAllocator::init(Page* page_array, size_t page_count) {
    VERIFY(page_array != nullptr || page_count == 0);
    SpinlockGuard guard(m_lock);
    // The array may be raw memory fresh from the boot code: construct each Page in place.
    for (size_t i = 0; i < page_count; ++i)
        new (&page_array[i]) Page;
    m_pages = page_array;
    m_page_count = page_count;
    for (unsigned order = 0; order < ORDER_COUNT; ++order) {
        new (&m_free_lists[order]) FreeList;  // re-init: forget the old array's lists
        m_free_block_counts[order] = 0;
    }
    m_total_pages = m_free_pages = m_used_pages = 0;
}

void PageAllocator::add_free_range(PhysAddr start, PhysAddr end) {
    SpinlockGuard guard(m_lock);
    // Written so that addresses near 2^64 cannot overflow: rounding happens on pfns.
    size_t pfn = (start >> PAGE_SHIFT) + ((start & (PAGE_SIZE - 1)) != 0);
    size_t last = end >> PAGE_SHIFT;  // exclusive
    if (last > m_page_count)
        last = m_page_count;
    while (pfn < last) {
        if (m_pages[pfn].m_state == PageState::Reserved) {
            ++pfn;
            continue;
        }
        // The run of pages up to the next reserved one (or `last`) becomes managed...
        size_t run_end = pfn;
        for (; run_end < last && m_pages[run_end].m_state != PageState::Reserved; ++run_end) {
            VERIFY(m_pages[run_end].m_state == PageState::Absent);  // overlapping free ranges
            m_pages[run_end].m_state = PageState::Tail;
        }
        m_total_pages += run_end - pfn;
        // ...and is freed as the largest blocks that fit: each as big as the alignment of its
        // start allows and no bigger than what is left.
        while (pfn < run_end) {
            unsigned order = pfn == 0 ? MAX_ORDER : unsigned(std::countr_zero(pfn));
            if (order > MAX_ORDER)
                order = MAX_ORDER;
            while (pages_in_order(order) > run_end - pfn)
                --order;
            free_block_locked(pfn, order);
            pfn += pages_in_order(order);
        }
    }
}

void PageAllocator::reserve_range(PhysAddr start, PhysAddr end) {
    SpinlockGuard guard(m_lock);
    size_t first = start >> PAGE_SHIFT;
    size_t last = (end >> PAGE_SHIFT) + ((end & (PAGE_SIZE - 1)) != 0);  // exclusive
    if (last > m_page_count)
        last = m_page_count;
    size_t pfn = first;
    while (pfn < last) {
        PageState state = m_pages[pfn].m_state;
        if (state == PageState::Absent || state == PageState::Reserved) {
            m_pages[pfn].m_state = PageState::Reserved;
            ++pfn;
            continue;
        }
        // A managed page that is in no free block is part of an allocated one: somebody is
        // using it, and taking it away under them is a bug.
        VERIFY(state != PageState::Allocated);
        size_t head = 0;
        unsigned order = 0;
        VERIFY(find_free_block_locked(pfn, head, order));
        unlink_free_locked(m_pages[head]);
        // Halve the block, giving back the half without `pfn`, until what is left lies inside
        // [first, last). The halves go back unmerged: their buddy is the part being reserved.
        while (head < first || head + pages_in_order(order) > last) {
            VERIFY(order > 0);  // an order-0 block holding `pfn` always fits
            --order;
            size_t half = pages_in_order(order);
            if (pfn < head + half) {
                push_free_locked(head + half, order);
            } else {
                push_free_locked(head, order);
                head += half;
            }
        }
        for (size_t i = head; i < head + pages_in_order(order); ++i) {
            m_pages[i].m_state = PageState::Reserved;
            m_pages[i].m_order = 0;
        }
        m_total_pages -= pages_in_order(order);
        pfn = head + pages_in_order(order);
    }
}

ErrorOr<PhysAddr> PageAllocator::allocate(unsigned order) {
    VERIFY(order <= MAX_ORDER);
    // Outside the lock, so the hook may take locks of its own.
    if (mm::should_fail_allocation())
        return Error::from_errno(ENOMEM);
    SpinlockGuard guard(m_lock);
    return allocate_locked(order);
}

ErrorOr<PhysAddr> PageAllocator::allocate_without_fault_injection(unsigned order) {
    VERIFY(order <= MAX_ORDER);
    SpinlockGuard guard(m_lock);
    return allocate_locked(order);
}

ErrorOr<PhysAddr> PageAllocator::allocate_locked(unsigned order) {
    m_lock.assert_held();
    unsigned found = order;
    while (found <= MAX_ORDER && m_free_lists[found].is_empty())
        ++found;
    if (found > MAX_ORDER)
        return Error::from_errno(ENOMEM);

    Page& head = *m_free_lists[found].first();
    unlink_free_locked(head);
    size_t pfn = size_t(&head - m_pages);
    // Split: keep the lower half, give the upper half back one order down.
    while (found > order) {
        --found;
        push_free_locked(pfn + pages_in_order(found), found);
    }

    head.m_state = PageState::Allocated;
    head.m_order = uint8_t(order);
    // The owner's fields start clean, whatever the previous owner left.
    head.m_usage = PageUsage::None;
    head.m_slab_cache = nullptr;
    head.m_slab_freelist = nullptr;
    head.m_slab_in_use = 0;
    head.m_table_leaves = 0;
    m_used_pages += pages_in_order(order);
    return PhysAddr(pfn) << PAGE_SHIFT;
}

void PageAllocator::free(PhysAddr address, unsigned order) {
    VERIFY(order <= MAX_ORDER);
    VERIFY(is_aligned(address, PAGE_SIZE << order));
    SpinlockGuard guard(m_lock);
    size_t pfn = address >> PAGE_SHIFT;
    VERIFY(pfn < m_page_count);
    Page& head = m_pages[pfn];
    // Catches double frees, frees of reserved memory, of a tail page and with the wrong order.
    VERIFY(head.m_state == PageState::Allocated);
    VERIFY(head.m_order == order);
    // The owner must have taken the block off its own lists and said it is done with it.
    VERIFY(head.m_usage == PageUsage::None);
    VERIFY(!head.m_node.is_linked());
    head.m_state = PageState::Tail;
    m_used_pages -= pages_in_order(order);
    free_block_locked(pfn, order);
}

void PageAllocator::free_block_locked(size_t pfn, unsigned order) {
    m_lock.assert_held();
    while (order < MAX_ORDER) {
        size_t buddy = pfn ^ pages_in_order(order);
        if (buddy >= m_page_count)
            break;
        Page& buddy_page = m_pages[buddy];
        // Only a free head of the same order is a whole free buddy; a free head of a lower
        // order means part of the buddy is still in use.
        if (buddy_page.m_state != PageState::Free || buddy_page.m_order != order)
            break;
        unlink_free_locked(buddy_page);
        pfn &= ~pages_in_order(order);  // the merged block starts at the lower of the two
        ++order;
    }
    push_free_locked(pfn, order);
}

void PageAllocator::push_free_locked(size_t pfn, unsigned order) {
    Page& head = m_pages[pfn];
    head.m_state = PageState::Free;
    head.m_order = uint8_t(order);
    m_free_lists[order].push_front(head);
    ++m_free_block_counts[order];
    m_free_pages += pages_in_order(order);
}

void PageAllocator::unlink_free_locked(Page& head) {
    VERIFY(head.m_state == PageState::Free);
    VERIFY(head.m_node.is_linked());
    unsigned order = head.m_order;
    m_free_lists[order].remove(head);
    --m_free_block_counts[order];
    m_free_pages -= pages_in_order(order);
    head.m_state = PageState::Tail;
}

// Blocks are aligned to their size, so the free block holding `pfn`, if any, starts at `pfn`
// rounded down to its size: try each order.
bool PageAllocator::find_free_block_locked(size_t pfn, size_t& head_pfn, unsigned& order) const {
    for (unsigned o = 0; o <= MAX_ORDER; ++o) {
        size_t candidate = pfn & ~(pages_in_order(o) - 1);
        const Page& page = m_pages[candidate];
        if (page.m_state == PageState::Free && page.m_order == o) {
            head_pfn = candidate;
            order = o;
            return true;
        }
    }
    return false;
}

Page* PageAllocator::page_for(PhysAddr address) const {
    VERIFY(covers(address));
    return m_pages + (address >> PAGE_SHIFT);
}

PhysAddr PageAllocator::address_of(const Page* page) const {
    VERIFY(page >= m_pages && page < m_pages + m_page_count);
    return PhysAddr(page - m_pages) << PAGE_SHIFT;
}

size_t PageAllocator::total_pages() const {
    SpinlockGuard guard(m_lock);
    return m_total_pages;
}

size_t PageAllocator::free_pages() const {
    SpinlockGuard guard(m_lock);
    return m_free_pages;
}

size_t PageAllocator::used_pages() const {
    SpinlockGuard guard(m_lock);
    return m_used_pages;
}

size_t PageAllocator::free_blocks(unsigned order) const {
    VERIFY(order <= MAX_ORDER);
    SpinlockGuard guard(m_lock);
    return m_free_block_counts[order];
}

}  // namespace kernel

namespace kernel::mm {
namespace {
constinit std::atomic<FailHook> s_fail_hook{nullptr};
}

FailHook set_fail_hook(FailHook hook) { return s_fail_hook.exchange(hook); }
FailHook fail_hook() { return s_fail_hook.load(std::memory_order_relaxed); }

bool should_fail_allocation() {
    FailHook hook = s_fail_hook.load(std::memory_order_acquire);
    return hook && hook();
}
}  // namespace kernel::mm
