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
//  - m_node, m_order, m_state belong to the PageAllocator and change under its lock, except
//    that whoever owns an allocated block may link its head page into a list of its own (the
//    slab does, for its partial list) while the block is allocated, and must unlink it before
//    freeing the block (PageAllocator::free VERIFYs that).
//  - m_usage and the m_slab_* fields belong to whoever allocated the block; the PageAllocator
//    clears them when it hands a block out and VERIFYs that the owner put them back (m_usage
//    == None) when the block is freed, which catches "freed a slab page by hand".
#include "lib/Assert.h"
#include "lib/IntrusiveList.h"
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
    // The link for an IntrusiveList<Page, &Page::m_node>: a buddy free list while the page
    // heads a free block, a slab cache's partial list while it is a slab (Linux's page->lru).
    // Trivially destructible, so Page stays so, and constexpr, so lists of pages can live in
    // constinit globals.
    IntrusiveListNode m_node;

    // Slab bookkeeping, meaningful only when m_usage == Slab (Linux keeps the same three in
    // struct slab, which overlays struct page).
    SlabCache* m_slab_cache{nullptr};  // the owner: how kfree/SlabCache::free find the cache
    void* m_slab_freelist{nullptr};    // first free object; each free object stores the next
    uint16_t m_slab_in_use{0};         // objects handed out from this slab

    uint8_t m_order{0};  // for Free and Allocated heads: the block is 2^m_order pages
    PageState m_state{PageState::Absent};
    PageUsage m_usage{PageUsage::None};
    // For a last-level user page table: how many of its 512 entries hold a frame, kept by the
    // arch page-table code so that fork and exit learn a shared table's pages (RSS) and whether
    // a table is empty without reading it. Meaningless for any other page.
    uint16_t m_table_leaves{0};

    // References to a user frame (Linux's page->_refcount): one per page-table entry mapping
    // it plus one per shared-memory object holding it. A frame mapped by one private mapping
    // has 1; fork's copy-on-write shares frames by raising it, and a write fault copies a
    // frame only while it is above 1. Owned by mm/Vma.h (get_user_frame / put_user_frame);
    // zero on every frame that is not a user frame. A last-level page-table page shared by
    // on-demand fork (ARCHITECTURE.md; arch/PageTable.h) uses it for the number of address
    // spaces sharing it; it is 0 again whenever one address space owns the table alone.
    std::atomic<uint32_t> m_refcount{0};
};

static_assert(sizeof(Page) <= 48, "one Page per 4 KiB frame: keep it small");
static_assert(std::is_trivially_destructible_v<Page>);

}  // namespace kernel
