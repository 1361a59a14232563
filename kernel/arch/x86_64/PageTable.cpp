// User page tables in the x86-64 4-level format; the contract is in <arch/PageTable.h>.
#include <arch/PageTable.h>

#include <arch/Io.h>
#include <arch/Memory.h>

#include "arch/x86_64/Paging.h"
#include "mm/PageAllocator.h"
#include "mm/UserAccess.h"
#include "mm/Vma.h"

namespace kernel::arch {

using namespace x86;

namespace {

// Intermediate entries allow everything; the leaf decides (as Linux's _PAGE_TABLE does).
constexpr uint64_t USER_TABLE_FLAGS = PTE_PRESENT | PTE_WRITABLE | PTE_USER;
// Software bit 9 (ignored by the MMU): a non-present leaf that still holds its frame, for
// PROT_NONE pages. Linux uses the global bit for this; a free software bit is clearer.
constexpr uint64_t PTE_PROTNONE = 1ull << 9;
constexpr int PML4_LEVEL = 3;
constexpr int PD_LEVEL = 1;
constexpr unsigned USER_PML4_ENTRIES = 256;

uint64_t* table_at(PhysAddr phys) { return static_cast<uint64_t*>(phys_to_virt(phys)); }
unsigned index_at(VirtAddr virt, int level) { return (virt >> (PAGE_SHIFT + 9 * level)) & 511; }
uint64_t level_span(int level) { return uint64_t(1) << (PAGE_SHIFT + 9 * level); }

bool holds_frame(uint64_t leaf) { return leaf & (PTE_PRESENT | PTE_PROTNONE); }

uint64_t make_leaf(PhysAddr frame, PageProt prot) {
    VERIFY(is_aligned(frame, PAGE_SIZE) && (frame & ~PTE_ADDRESS) == 0);
    if (prot == PAGE_PROT_NONE)
        return frame | PTE_PROTNONE;
    uint64_t leaf = frame | PTE_PRESENT | PTE_USER;
    if (prot & PAGE_PROT_WRITE)
        leaf |= PTE_WRITABLE;
    if (!(prot & PAGE_PROT_EXEC))
        leaf |= PTE_NX;
    return leaf;
}

PageMapping mapping_of(uint64_t leaf) {
    PageProt prot = PAGE_PROT_NONE;
    if (leaf & PTE_PRESENT) {
        prot = PAGE_PROT_READ;
        if (leaf & PTE_WRITABLE)
            prot |= PAGE_PROT_WRITE;
        if (!(leaf & PTE_NX))
            prot |= PAGE_PROT_EXEC;
    }
    return {leaf & PTE_ADDRESS, prot};
}

// The pages a last-level table maps: the RSS an address space gains or loses with a shared
// PT it takes or drops whole. Counted as leaves come and go (Page::m_table_leaves), so fork and
// exit need not read the 512 entries of every shared table.
uint16_t& leaves_of(PhysAddr table) { return page_allocator().page_for(table)->m_table_leaves; }

bool table_is_empty(const uint64_t* table) {
    for (unsigned i = 0; i < 512; ++i)
        if (table[i])
            return false;
    return true;
}

void flush_page(VirtAddr virt) { asm volatile("invlpg (%0)" ::"r"(virt) : "memory"); }
// Every non-global translation of this CPU (a CR3 reload): cheaper than 512 invlpgs when a
// whole shared page table leaves an address space.
void flush_all() { write_cr3(read_cr3()); }

// ---- Shared page tables (on-demand fork) ----
//
// A PD entry with PTE_WRITABLE clear points at a page table ("PT", 512 leaves, 2 MiB) that fork
// shared between address spaces instead of copying it. The MMU ANDs the write bit of every
// level, so every page under it is read-only for all sharers whatever its leaf says. The PT
// page's Page::m_refcount counts the address spaces whose PD points at it while it is marked
// so (>= 1); it is 0 for a PT owned by one address space alone (writable PD entry). Only PTs
// lying wholly inside private mappings are shared, so the leaves are private pages whose
// frames have one reference per PT, not per address space.
bool pde_is_shared(uint64_t pde) { return (pde & PTE_PRESENT) && !(pde & PTE_WRITABLE); }
std::atomic<uint32_t>& sharers_of(uint64_t pde) { return page_allocator().page_for(pde & PTE_ADDRESS)->m_refcount; }

// Makes the PT behind the shared PD entry `pde` (mapping the 2 MiB at `region`) this address
// space's own: writable again when no one else uses it, else a copy (the "unshare" of
// on-demand fork). The copy takes a reference on every frame, and private writable leaves become
// read-only in both the copy and the original, for the copy-on-write fault to resolve. ENOMEM
// leaves everything as it was.
ErrorOr<void> unshare_pde(uint64_t& pde, VirtAddr region, bool loaded) {
    auto& sharers = sharers_of(pde);
    uint32_t count = sharers.load(std::memory_order_relaxed);
    VERIFY(count >= 1);
    if (count == 1) {
        sharers.store(0, std::memory_order_relaxed);
        pde |= PTE_WRITABLE;
    } else {
        PhysAddr copy = TRY(page_allocator().allocate(0));
        uint64_t* from = table_at(pde & PTE_ADDRESS);
        uint64_t* to = table_at(copy);
        for (unsigned i = 0; i < 512; ++i) {
            uint64_t leaf = from[i];
            if (holds_frame(leaf)) {
                get_user_frame(leaf & PTE_ADDRESS);
                if (leaf & PTE_WRITABLE) {
                    // The other sharers see it read-only already (their PD entry): no flush.
                    leaf &= ~PTE_WRITABLE;
                    from[i] = leaf;
                }
            }
            to[i] = leaf;
        }
        sharers.fetch_sub(1, std::memory_order_relaxed);
        leaves_of(copy) = leaves_of(pde & PTE_ADDRESS);
        pde = copy | USER_TABLE_FLAGS;
    }
    // invlpg drops the cached PD entry (every paging-structure cache entry, in fact). The
    // leaves' TLB entries left behind map the same frames with no more rights than now: at
    // worst a spurious write fault, which the fault handler resolves by rewriting the leaf.
    if (loaded)
        flush_page(region);
    return {};
}

// A shared PT about to be changed in place by its last user: it is simply its own again.
void reclaim_if_last(uint64_t& pde, VirtAddr region, bool loaded) {
    VERIFY(sharers_of(pde).load(std::memory_order_relaxed) == 1);  // the owner unshares first
    MUST(unshare_pde(pde, region, loaded));
}

// Calls fn(pde, region) for every present PD entry over [start, end), top-down; fn returns
// false to stop.
template <typename F>
bool for_each_pde(uint64_t* table, int level, VirtAddr start, VirtAddr end, F& fn) {
    for (VirtAddr virt = start; virt < end;) {
        VirtAddr next = align_down(virt, level_span(level)) + level_span(level);
        if (next > end)
            next = end;
        uint64_t& entry = table[index_at(virt, level)];
        if (entry & PTE_PRESENT) {
            if (level == PD_LEVEL) {
                if (!fn(entry, align_down(virt, level_span(level))))
                    return false;
            } else if (!for_each_pde(table_at(entry & PTE_ADDRESS), level - 1, virt, next, fn)) {
                return false;
            }
        }
        virt = next;
    }
    return true;
}

// The leaf entry for `virt`, or nullptr when a table on the way is missing.
uint64_t* find_leaf(PhysAddr root, VirtAddr virt, uint64_t** pde = nullptr) {
    uint64_t* table = table_at(root);
    for (int level = PML4_LEVEL; level > 0; --level) {
        uint64_t& entry = table[index_at(virt, level)];
        if (!(entry & PTE_PRESENT))
            return nullptr;
        if (level == PD_LEVEL && pde)
            *pde = &entry;
        table = table_at(entry & PTE_ADDRESS);
    }
    return &table[index_at(virt, 0)];
}

void check_user_page(VirtAddr virt) { VERIFY(is_aligned(virt, PAGE_SIZE) && virt < USER_SPACE_END); }

// One walk over [start, end) for both range operations: leaves are handed to `on_leaf`, which
// returns false to stop; tables left empty are freed when `free_empty` is set.
struct RangeWalk {
    bool loaded;
    bool free_empty;
    bool (*on_leaf)(RangeWalk& walk, VirtAddr virt, uint64_t& leaf);
    PageUnmapVisitor unmap_visit;
    PageUpdateVisitor update_visit;
    void* context;
    Error error{Error::from_errno(0)};
    bool failed{false};
    bool flush_all{false};  // a shared PT left this (loaded) address space
    uint64_t unmapped{0};   // pages no longer mapped, for unmap_range's result
};

// Returns false when the walk was stopped.
bool walk_table(uint64_t* table, int level, VirtAddr start, VirtAddr end, RangeWalk& walk) {
    for (VirtAddr virt = start; virt < end;) {
        VirtAddr next = align_down(virt, level_span(level)) + level_span(level);
        if (next > end)
            next = end;
        uint64_t& entry = table[index_at(virt, level)];
        if (level == 0) {
            if (holds_frame(entry) && !walk.on_leaf(walk, virt, entry))
                return false;
        } else if (entry & PTE_PRESENT) {
            if (level == PD_LEVEL && pde_is_shared(entry)) {
                bool whole = virt == align_down(virt, level_span(level)) && next - virt == level_span(level);
                if (walk.free_empty && whole && sharers_of(entry).load(std::memory_order_relaxed) > 1) {
                    // Unmapping a whole shared PT: drop this address space's use of it, no leaf
                    // touched (the others still map every frame).
                    walk.unmapped += leaves_of(entry & PTE_ADDRESS);
                    sharers_of(entry).fetch_sub(1, std::memory_order_relaxed);
                    entry = 0;
                    walk.flush_all |= walk.loaded;
                    virt = next;
                    continue;
                }
                reclaim_if_last(entry, virt, walk.loaded);
            }
            uint64_t* child = table_at(entry & PTE_ADDRESS);
            uint64_t unmapped_before = walk.unmapped;
            bool more = walk_table(child, level - 1, virt, next, walk);
            bool empty;
            if (level == PD_LEVEL) {
                uint16_t& leaves = leaves_of(entry & PTE_ADDRESS);
                leaves = uint16_t(leaves - (walk.unmapped - unmapped_before));
                empty = leaves == 0;
            } else {
                empty = table_is_empty(child);
            }
            if (walk.free_empty && empty) {
                // Unlink, flush (invlpg also drops the paging-structure caches), then free.
                PhysAddr child_phys = entry & PTE_ADDRESS;
                entry = 0;
                if (walk.loaded)
                    flush_page(virt);
                page_allocator().free(child_phys, 0);
            }
            if (!more)
                return false;
        }
        virt = next;
    }
    return true;
}

}  // namespace

ErrorOr<void> UserPageTable::create() {
    VERIFY(!m_root);
    PhysAddr root = TRY(page_allocator().allocate(0));
    uint64_t* entries = table_at(root);
    const uint64_t* kernel_entries = table_at(kernel_pml4());
    for (unsigned i = 0; i < 512; ++i)
        entries[i] = i < USER_PML4_ENTRIES ? 0 : kernel_entries[i];
    m_root = root;
    return {};
}

void UserPageTable::destroy() {
    if (!m_root)
        return;
    VERIFY(!is_loaded());
    const uint64_t* entries = table_at(m_root);
    for (unsigned i = 0; i < USER_PML4_ENTRIES; ++i)
        VERIFY(entries[i] == 0);  // a leftover table means a leaked mapping
    page_allocator().free(m_root, 0);
    m_root = 0;
}

ErrorOr<void> UserPageTable::map(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    // Tables missing on the way are allocated top-down; if one allocation fails, the ones this
    // call linked are unlinked and freed again (they are empty), bottom-up.
    uint64_t* created[PML4_LEVEL];
    int created_count = 0;
    uint64_t* table = table_at(m_root);
    PhysAddr last_level = 0;
    for (int level = PML4_LEVEL; level > 0; --level) {
        uint64_t& entry = table[index_at(virt, level)];
        if (!(entry & PTE_PRESENT)) {
            auto child = page_allocator().allocate(0);
            if (child.is_error()) {
                while (created_count > 0) {
                    uint64_t& link = *created[--created_count];
                    page_allocator().free(link & PTE_ADDRESS, 0);
                    link = 0;
                }
                return child.release_error();
            }
            __builtin_memset(table_at(child.value()), 0, PAGE_SIZE);
            entry = child.value() | USER_TABLE_FLAGS;
            created[created_count++] = &entry;
        } else if (level == PD_LEVEL && pde_is_shared(entry)) {
            TRY(unshare_pde(entry, align_down(virt, level_span(level)), is_loaded()));  // nothing created
        }
        last_level = entry & PTE_ADDRESS;
        table = table_at(last_level);
    }
    uint64_t& leaf = table[index_at(virt, 0)];
    VERIFY(!holds_frame(leaf));
    // No flush: the entry held nothing, and the MMU does not cache non-present entries.
    leaf = make_leaf(frame, prot);
    ++leaves_of(last_level);
    return {};
}

std::optional<PageMapping> UserPageTable::lookup(VirtAddr virt) const {
    check_user_page(virt);
    uint64_t* pde = nullptr;
    const uint64_t* leaf = find_leaf(m_root, virt, &pde);
    if (!leaf || !holds_frame(*leaf))
        return std::nullopt;
    PageMapping mapping = mapping_of(*leaf);
    if (pde_is_shared(*pde))
        mapping.prot &= ~PAGE_PROT_WRITE;  // what the MMU enforces: the PD entry is read-only
    return mapping;
}

void UserPageTable::remap(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    uint64_t* pde = nullptr;
    uint64_t* leaf = find_leaf(m_root, virt, &pde);
    VERIFY(leaf && holds_frame(*leaf));
    if (pde_is_shared(*pde))
        reclaim_if_last(*pde, align_down(virt, level_span(PD_LEVEL)), is_loaded());
    *leaf = make_leaf(frame, prot);
    if (is_loaded())
        flush_page(virt);
}

uint64_t UserPageTable::unmap_range(VirtAddr start, VirtAddr end, PageUnmapVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    RangeWalk walk{is_loaded(), true,
                   [](RangeWalk& w, VirtAddr virt, uint64_t& leaf) {
                       PhysAddr frame = leaf & PTE_ADDRESS;
                       leaf = 0;
                       if (w.loaded)
                           flush_page(virt);
                       ++w.unmapped;
                       w.unmap_visit(w.context, virt, frame);
                       return true;
                   },
                   visit, nullptr, context};
    walk_table(table_at(m_root), PML4_LEVEL, start, end, walk);
    if (walk.flush_all)
        flush_all();
    return walk.unmapped;
}

ErrorOr<void> UserPageTable::update_range(VirtAddr start, VirtAddr end, PageUpdateVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    RangeWalk walk{is_loaded(), false,
                   [](RangeWalk& w, VirtAddr virt, uint64_t& leaf) {
                       PageMapping old = mapping_of(leaf);
                       auto prot = w.update_visit(w.context, virt, old);
                       if (prot.is_error()) {
                           w.error = prot.release_error();
                           w.failed = true;
                           return false;
                       }
                       uint64_t updated = make_leaf(old.frame, prot.value());
                       if (updated != leaf) {
                           leaf = updated;
                           if (w.loaded)
                               flush_page(virt);
                       }
                       return true;
                   },
                   nullptr, visit, context};
    walk_table(table_at(m_root), PML4_LEVEL, start, end, walk);
    if (walk.failed)
        return walk.error;
    return {};
}

ErrorOr<void> UserPageTable::share_from(UserPageTable& parent, VirtAddr start, VirtAddr end, uint64_t& pages) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    VERIFY(is_aligned(start, level_span(PD_LEVEL)) && is_aligned(end, level_span(PD_LEVEL)));
    bool parent_loaded = parent.is_loaded();
    bool parent_narrowed = false;
    Error error = Error::from_errno(0);
    bool failed = false;
    auto share = [&](uint64_t& pde, VirtAddr region) {
        // This side's PD, created as map() would create it (and unlinked again on failure).
        uint64_t* created[PML4_LEVEL];
        int created_count = 0;
        uint64_t* table = table_at(m_root);
        for (int level = PML4_LEVEL; level > PD_LEVEL; --level) {
            uint64_t& entry = table[index_at(region, level)];
            if (!(entry & PTE_PRESENT)) {
                auto child = page_allocator().allocate(0);
                if (child.is_error()) {
                    while (created_count > 0) {
                        uint64_t& link = *created[--created_count];
                        page_allocator().free(link & PTE_ADDRESS, 0);
                        link = 0;
                    }
                    error = child.release_error();
                    failed = true;
                    return false;
                }
                __builtin_memset(table_at(child.value()), 0, PAGE_SIZE);
                entry = child.value() | USER_TABLE_FLAGS;
                created[created_count++] = &entry;
            }
            table = table_at(entry & PTE_ADDRESS);
        }
        uint64_t& mine = table[index_at(region, PD_LEVEL)];
        VERIFY(!(mine & PTE_PRESENT));  // the child maps nothing there yet
        if (pde & PTE_WRITABLE) {
            sharers_of(pde).store(2, std::memory_order_relaxed);
            pde &= ~PTE_WRITABLE;
            parent_narrowed = true;
        } else {
            sharers_of(pde).fetch_add(1, std::memory_order_relaxed);
        }
        mine = pde;
        pages += leaves_of(pde & PTE_ADDRESS);
        return true;
    };
    for_each_pde(table_at(parent.m_root), PML4_LEVEL, start, end, share);
    // The parent's writable translations under the PTs just shared must go, whatever happened.
    if (parent_narrowed && parent_loaded)
        flush_all();
    if (failed)
        return error;
    return {};
}

ErrorOr<void> UserPageTable::unshare_range(VirtAddr start, VirtAddr end) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    bool loaded = is_loaded();
    Error error = Error::from_errno(0);
    bool failed = false;
    auto unshare = [&](uint64_t& pde, VirtAddr region) {
        if (!pde_is_shared(pde))
            return true;
        auto result = unshare_pde(pde, region, loaded);
        if (result.is_error()) {
            error = result.release_error();
            failed = true;
            return false;
        }
        return true;
    };
    for_each_pde(table_at(m_root), PML4_LEVEL, start, end, unshare);
    if (failed)
        return error;
    return {};
}

uint32_t UserPageTable::table_sharers(VirtAddr virt) const {
    check_user_page(virt);
    uint64_t* pde = nullptr;
    if (!find_leaf(m_root, virt, &pde))
        return 0;
    return pde_is_shared(*pde) ? sharers_of(*pde).load(std::memory_order_relaxed) : 1;
}

bool UserPageTable::is_loaded() const { return (read_cr3() & PTE_ADDRESS) == m_root; }

void UserPageTable::activate() const {
    VERIFY(m_root);
    if (!is_loaded())
        write_cr3(m_root);
}

void UserPageTable::activate_kernel() {
    if ((read_cr3() & PTE_ADDRESS) != kernel_pml4())
        write_cr3(kernel_pml4());
}

}  // namespace kernel::arch
