#pragma once
// struct Page: the metadata of one physical page frame (Linux's struct page). The boot code
// places one contiguous array of them, indexed by page frame number (pfn = phys >> 12), so
// going from a physical address to its metadata and back is plain arithmetic.
//
// There is one Page per 4 KiB of RAM (4 Mi of them for 16 GiB), so it must stay small: every
// byte here costs 1 MiB per 4 GiB of RAM. The buddy allocator never writes into the frames it
// manages; everything it needs to know about a frame lives here.
//
// Who may touch which field:
//  - m_next/m_prev, m_order, m_state belong to the PageAllocator and change under its lock,
//    except that whoever owns an allocated block may link its head page into a PageList of its
//    own (the slab does, for its partial list) while the block is allocated.
//  - m_usage and the m_slab_* fields belong to whoever allocated the block; the PageAllocator
//    clears them when it hands a block out and VERIFYs that the owner put them back (m_usage
//    == None) when the block is freed, which catches "freed a slab page by hand".
#include "lib/Assert.h"
#include "lib/kstd.h"

namespace kernel {

class SlabCache;

// The state of a frame as the buddy allocator sees it. Only the first page of a block (its
// "head") says Free or Allocated; the other pages of a block say Tail, as Linux's tail pages.
enum class PageState : uint8_t {
    Absent,     // not managed, not (yet) known as usable RAM: holes, firmware. The initial state
    Reserved,   // not managed, withheld on purpose by reserve_range: the kernel image, the Page
                // array itself... add_free_range skips these, so reserving first is safe
    Free,       // head of a free buddy block of order m_order, linked in a free list
    Allocated,  // head of a block handed out by PageAllocator::allocate(m_order)
    Tail,       // any other managed page: inside a free or an allocated block
};

// What the owner of an allocated block uses it for (set by the owner on the head page).
enum class PageUsage : uint8_t {
    None,         // plain page-allocator user (page tables, stacks, user pages...)
    Slab,         // a slab of m_slab_cache; see Slab.h
    KmallocLarge, // a kmalloc() too big for the size classes; the size is 2^m_order pages
};

struct Page {
    // Links for a PageList: the buddy free lists while the page heads a free block, a slab
    // cache's partial list while it is a slab. Both null when on no list.
    Page* m_next{nullptr};
    Page* m_prev{nullptr};

    // Slab bookkeeping, meaningful only when m_usage == Slab (Linux keeps the same three in
    // struct slab, which overlays struct page).
    SlabCache* m_slab_cache{nullptr};  // the owner: how kfree/SlabCache::free find the cache
    void* m_slab_freelist{nullptr};    // first free object; each free object stores the next
    uint16_t m_slab_in_use{0};         // objects handed out from this slab

    uint8_t m_order{0};  // for Free and Allocated heads: the block is 2^m_order pages
    PageState m_state{PageState::Absent};
    PageUsage m_usage{PageUsage::None};
    // 3 bytes of padding left, then 8 more bytes of budget (e.g. a refcount for shared user
    // pages) before the 48-byte limit below.
};

static_assert(sizeof(Page) <= 48, "one Page per 4 KiB frame: keep it small");
static_assert(std::is_trivially_destructible_v<Page>);

// A doubly-linked list of Pages through Page::m_next/m_prev, null-terminated, with a head
// pointer. It is not IntrusiveList because the lists live inside constinit globals (the page
// allocator, slab caches): they must be constexpr-constructible and trivially destructible so
// they work before .init_array has run and never register an exit-time destructor.
// Locking is the owner's business.
class PageList {
public:
    constexpr PageList() = default;
    PageList(const PageList&) = delete;
    PageList& operator=(const PageList&) = delete;

    bool is_empty() const { return m_head == nullptr; }
    Page* first() const { return m_head; }
    static Page* next(const Page& page) { return page.m_next; }

    void push_front(Page& page) {
        VERIFY(page.m_next == nullptr && page.m_prev == nullptr && m_head != &page);
        page.m_next = m_head;
        if (m_head)
            m_head->m_prev = &page;
        m_head = &page;
    }
    // `page` must be on this list.
    void remove(Page& page) {
        if (page.m_prev) {
            page.m_prev->m_next = page.m_next;
        } else {
            VERIFY(m_head == &page);
            m_head = page.m_next;
        }
        if (page.m_next)
            page.m_next->m_prev = page.m_prev;
        page.m_next = page.m_prev = nullptr;
    }
    Page* take_first() {
        Page* page = m_head;
        if (page)
            remove(*page);
        return page;
    }

    bool contains_slow(const Page& page) const {
        for (Page* p = m_head; p; p = p->m_next)
            if (p == &page)
                return true;
        return false;
    }
    size_t size_slow() const {
        size_t n = 0;
        for (Page* p = m_head; p; p = p->m_next)
            ++n;
        return n;
    }

private:
    Page* m_head{nullptr};
};

}  // namespace kernel
