#pragma once
// The arch page-table contract, x86-64: the page tables of one user address space. Generic code
// (mm/AddressSpace.cpp) decides what to map; this class only knows the 4-level format.
//
// A root (PML4) owns entries 0..255, the user half; entries 256..511 are copied from the
// kernel's PML4, whose kernel-half entries all exist from boot, so they never need syncing.
// Intermediate tables are allocated on demand and freed as soon as they map nothing, so an
// address space whose mappings are all gone holds exactly one page: its root.
//
// Each leaf holds a frame with access rights (mm/VmaPageTable.h). A PROT_NONE leaf is kept as a
// non-present entry that still records its frame (Linux's _PAGE_PROTNONE), so mprotect can take
// every right away and give it back without losing the page.
//
// TLB: every change that removes or narrows a translation flushes it (invlpg) when this table
// is the one loaded on this CPU, before the frame is handed back; a table not loaded anywhere
// has nothing cached (CR3 loads flush non-global entries). With SMP this becomes a shootdown
// to every CPU that has the table loaded, at the same points.
//
// A PT shared by on-demand fork is read-only for every sharer through its PD entry; changing it
// needs unshare_range first (see below). Freed tables and unshared copies flush as above.
//
// Locking: none here; the owner (MmStruct) serialises all calls with its lock. Sharers of one
// PT change it only under their own lock, and only in ways that are safe for the others: an
// unshare narrows leaves that are read-only for everyone already. That is enough on one CPU,
// which is all the kernel runs on today. SMP needs more: two sharers unsharing or dropping
// the same PT at once could both see "someone else still uses it" and leak it, so the sharer
// count then wants a per-PT lock (Linux's split page-table lock), with TLB shootdowns.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "mm/VmaPageTable.h"

namespace kernel::arch {

class UserPageTable {
public:
    constexpr UserPageTable() = default;
    UserPageTable(const UserPageTable&) = delete;
    UserPageTable& operator=(const UserPageTable&) = delete;
    ~UserPageTable() { VERIFY(!m_root); }  // destroy() first

    // Allocates the root and shares the kernel half. ENOMEM.
    ErrorOr<void> create();
    // Frees the root. VERIFY: nothing is mapped any more (the owner unmapped every range), so
    // no intermediate table is left either. Must not be the loaded table.
    void destroy();
    PhysAddr root() const { return m_root; }

    // Maps the page at `virt` (user half, page aligned), which must hold no frame, to `frame`.
    // Allocates missing tables; ENOMEM leaves the tables exactly as they were.
    ErrorOr<void> map(VirtAddr virt, PhysAddr frame, PageProt prot);
    // The frame and rights of the page at `virt`, or nullopt when it holds no frame.
    std::optional<PageMapping> lookup(VirtAddr virt) const;
    // Changes the frame and/or rights of the page at `virt`, which must hold a frame.
    void remap(VirtAddr virt, PhysAddr frame, PageProt prot);

    // Removes every page of [start, end) that holds a frame, calling `visit` with each frame
    // once its translation is flushed (the visitor drops the page's reference), and frees the
    // tables left empty. Returns how many pages it removed, counting those of a shared PT
    // dropped whole (not visited), for the RSS counters.
    uint64_t unmap_range(VirtAddr start, VirtAddr end, PageUnmapVisitor visit, void* context);
    // Calls `visit` for every page of [start, end) that holds a frame, in address order, and
    // gives the page the rights it returns. An error stops the walk and is returned; pages
    // visited before keep their new rights.
    ErrorOr<void> update_range(VirtAddr start, VirtAddr end, PageUpdateVisitor visit, void* context);

    // On-demand fork (ARCHITECTURE.md, "Lazy page-table copy at fork"): the last-level tables
    // (PTs, 2 MiB each) can be shared between address spaces, read-only for all of them
    // through the PD entry, and are copied ("unshared") only when one of them changes a page.
    //
    // share_from: makes every PT `parent` has over [start, end) (both 2 MiB aligned, mapping
    // nothing here yet) shared with this table, no leaf changed and no frame reference taken:
    // the frames are held once per PT. Adds to `pages` how many pages the PTs shared map (this
    // side's RSS), on failure too. ENOMEM (for this side's upper tables) leaves what was
    // shared so far shared, which is a valid state for both sides.
    ErrorOr<void> share_from(UserPageTable& parent, VirtAddr start, VirtAddr end, uint64_t& pages);
    // Makes every shared PT over [start, end) this table's own (a copy, or the original when
    // no one else uses it any more), so that its leaves can change. Callers do this before
    // anything that changes leaves over part of a PT: map() does it itself; remap() and
    // update_range() VERIFY it was done; unmap_range() drops a whole shared PT without it but
    // VERIFYs it for a partly unmapped one. ENOMEM stops at the first PT it cannot copy.
    ErrorOr<void> unshare_range(VirtAddr start, VirtAddr end);
    // For tests and diagnostics: how many address spaces use the PT holding `virt` (0: none).
    uint32_t table_sharers(VirtAddr virt) const;

    // Loads this table on this CPU (CR3), unless it already is.
    void activate() const;
    // Loads the kernel's own table: for kernel threads, and before the last reference to an
    // address space goes away.
    static void activate_kernel();

private:
    bool is_loaded() const;
    PhysAddr m_root{0};
};

}  // namespace kernel::arch
