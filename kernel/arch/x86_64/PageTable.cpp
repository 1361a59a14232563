// User page tables in the x86-64 4-level format; the contract is in <arch/PageTable.h>.
#include <arch/PageTable.h>

#include <arch/Io.h>
#include <arch/Memory.h>

#include "arch/x86_64/Paging.h"
#include "mm/PageAllocator.h"
#include "mm/UserAccess.h"

namespace kernel::arch {

using namespace x86;

namespace {

// Intermediate entries allow everything; the leaf decides (as Linux's _PAGE_TABLE does).
constexpr uint64_t USER_TABLE_FLAGS = PTE_PRESENT | PTE_WRITABLE | PTE_USER;
// Software bit 9 (ignored by the MMU): a non-present leaf that still holds its frame, for
// PROT_NONE pages. Linux uses the global bit for this; a free software bit is clearer.
constexpr uint64_t PTE_PROTNONE = 1ull << 9;
constexpr int PML4_LEVEL = 3;
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

bool table_is_empty(const uint64_t* table) {
    for (unsigned i = 0; i < 512; ++i)
        if (table[i])
            return false;
    return true;
}

void flush_page(VirtAddr virt) { asm volatile("invlpg (%0)" ::"r"(virt) : "memory"); }

// The leaf entry for `virt`, or nullptr when a table on the way is missing.
uint64_t* find_leaf(PhysAddr root, VirtAddr virt) {
    uint64_t* table = table_at(root);
    for (int level = PML4_LEVEL; level > 0; --level) {
        uint64_t entry = table[index_at(virt, level)];
        if (!(entry & PTE_PRESENT))
            return nullptr;
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
            uint64_t* child = table_at(entry & PTE_ADDRESS);
            bool more = walk_table(child, level - 1, virt, next, walk);
            if (walk.free_empty && table_is_empty(child)) {
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
        }
        table = table_at(entry & PTE_ADDRESS);
    }
    uint64_t& leaf = table[index_at(virt, 0)];
    VERIFY(!holds_frame(leaf));
    // No flush: the entry held nothing, and the MMU does not cache non-present entries.
    leaf = make_leaf(frame, prot);
    return {};
}

std::optional<PageMapping> UserPageTable::lookup(VirtAddr virt) const {
    check_user_page(virt);
    const uint64_t* leaf = find_leaf(m_root, virt);
    if (!leaf || !holds_frame(*leaf))
        return std::nullopt;
    return mapping_of(*leaf);
}

void UserPageTable::remap(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    uint64_t* leaf = find_leaf(m_root, virt);
    VERIFY(leaf && holds_frame(*leaf));
    *leaf = make_leaf(frame, prot);
    if (is_loaded())
        flush_page(virt);
}

void UserPageTable::unmap_range(VirtAddr start, VirtAddr end, PageUnmapVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    RangeWalk walk{is_loaded(), true,
                   [](RangeWalk& w, VirtAddr virt, uint64_t& leaf) {
                       PhysAddr frame = leaf & PTE_ADDRESS;
                       leaf = 0;
                       if (w.loaded)
                           flush_page(virt);
                       w.unmap_visit(w.context, virt, frame);
                       return true;
                   },
                   visit, nullptr, context};
    walk_table(table_at(m_root), PML4_LEVEL, start, end, walk);
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
