// Hosted fake of the user page tables: see arch/host/include/arch/PageTable.h.
#include <arch/PageTable.h>

#include "mm/PageAllocator.h"
#include "mm/UserAccess.h"
#include "mm/Vma.h"

namespace kernel::arch {

namespace {
constexpr uint64_t REGION_SIZE = uint64_t(2) << 20;
void check_user_page(VirtAddr virt) { VERIFY(is_aligned(virt, PAGE_SIZE) && virt < USER_SPACE_END); }
// The x86-64 MMU cannot take away read access from a present page: neither can the fake.
PageProt effective(PageProt prot) { return prot == PAGE_PROT_NONE ? prot : PageProt(prot | PAGE_PROT_READ); }

// The leaves of every table page, by the page's address: what the MMU would find in it.
using Leaves = std::map<VirtAddr, PageMapping>;
std::map<PhysAddr, Leaves>& table_contents() {
    static std::map<PhysAddr, Leaves> contents;
    return contents;
}
std::atomic<uint32_t>& sharers_of(PhysAddr page) { return page_allocator().page_for(page)->m_refcount; }
}  // namespace

ErrorOr<void> UserPageTable::create() {
    VERIFY(!m_root);
    m_root = TRY(page_allocator().allocate(0));
    return {};
}

void UserPageTable::destroy() {
    if (!m_root)
        return;
    VERIFY(host_loaded_root != m_root);
    VERIFY(m_tables.empty());
    page_allocator().free(m_root, 0);
    m_root = 0;
}

std::map<VirtAddr, PageMapping>* UserPageTable::leaves_of(VirtAddr virt) const {
    auto table = m_tables.find(align_down(virt, REGION_SIZE));
    if (table == m_tables.end())
        return nullptr;
    return &table_contents().at(table->second.page);
}

// As the x86 unshare_pde: the table becomes this space's own, writable again when no one else
// uses it, else a copy holding a reference on each frame, private writable leaves read-only in
// both.
ErrorOr<void> UserPageTable::unshare(Region region) {
    Table& table = region->second;
    VERIFY(!table.writable);
    auto& sharers = sharers_of(table.page);
    VERIFY(sharers.load() >= 1);
    if (sharers.load() == 1) {
        sharers.store(0);
        table.writable = true;
        return {};
    }
    PhysAddr copy = TRY(page_allocator().allocate(0));
    Leaves& from = table_contents().at(table.page);
    Leaves& to = table_contents()[copy];
    for (auto& [virt, mapping] : from) {
        get_user_frame(mapping.frame);
        if (mapping.prot & PAGE_PROT_WRITE)
            mapping.prot &= ~PAGE_PROT_WRITE;
        to[virt] = mapping;
    }
    sharers.fetch_sub(1);
    table = Table{copy, true};
    return {};
}

void UserPageTable::reclaim_if_last(Region region) {
    if (region->second.writable)
        return;
    VERIFY(sharers_of(region->second.page).load() == 1);  // the owner unshares first
    MUST(unshare(region));
}

ErrorOr<void> UserPageTable::map(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    VirtAddr start = align_down(virt, REGION_SIZE);
    auto table = m_tables.find(start);
    if (table == m_tables.end()) {
        PhysAddr page = TRY(page_allocator().allocate(0));
        table_contents()[page];
        table = m_tables.emplace(start, Table{page, true}).first;
    } else if (!table->second.writable) {
        TRY(unshare(table));
    }
    Leaves& leaves = table_contents().at(table->second.page);
    VERIFY(!leaves.contains(virt));
    leaves[virt] = PageMapping{frame, effective(prot)};
    return {};
}

std::optional<PageMapping> UserPageTable::lookup(VirtAddr virt) const {
    check_user_page(virt);
    Leaves* leaves = leaves_of(virt);
    if (!leaves)
        return std::nullopt;
    auto leaf = leaves->find(virt);
    if (leaf == leaves->end())
        return std::nullopt;
    PageMapping mapping = leaf->second;
    if (!m_tables.at(align_down(virt, REGION_SIZE)).writable)
        mapping.prot &= ~PAGE_PROT_WRITE;  // what the MMU enforces, as x86's read-only PD entry
    return mapping;
}

void UserPageTable::remap(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    auto table = m_tables.find(align_down(virt, REGION_SIZE));
    VERIFY(table != m_tables.end());
    reclaim_if_last(table);
    Leaves& leaves = table_contents().at(table->second.page);
    auto leaf = leaves.find(virt);
    VERIFY(leaf != leaves.end());
    leaf->second = PageMapping{frame, effective(prot)};
}

uint64_t UserPageTable::unmap_range(VirtAddr start, VirtAddr end, PageUnmapVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    uint64_t pages = 0;
    for (auto table = m_tables.lower_bound(align_down(start, REGION_SIZE));
         table != m_tables.end() && table->first < end;) {
        VirtAddr region = table->first;
        if (!table->second.writable) {
            bool whole = start <= region && region + REGION_SIZE <= end;
            if (whole && sharers_of(table->second.page).load() > 1) {
                pages += table_contents().at(table->second.page).size();
                sharers_of(table->second.page).fetch_sub(1);
                table = m_tables.erase(table);
                continue;
            }
            reclaim_if_last(table);
        }
        PhysAddr page = table->second.page;
        Leaves& leaves = table_contents().at(page);
        VirtAddr from = start > region ? start : region;
        VirtAddr to = end < region + REGION_SIZE ? end : region + REGION_SIZE;
        for (auto leaf = leaves.lower_bound(from); leaf != leaves.end() && leaf->first < to;) {
            VirtAddr virt = leaf->first;
            PhysAddr frame = leaf->second.frame;
            leaf = leaves.erase(leaf);
            ++pages;
            visit(context, virt, frame);
        }
        if (leaves.empty()) {
            table_contents().erase(page);
            page_allocator().free(page, 0);
            table = m_tables.erase(table);
        } else {
            ++table;
        }
    }
    return pages;
}

ErrorOr<void> UserPageTable::update_range(VirtAddr start, VirtAddr end, PageUpdateVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    for (auto table = m_tables.lower_bound(align_down(start, REGION_SIZE));
         table != m_tables.end() && table->first < end; ++table) {
        reclaim_if_last(table);
        Leaves& leaves = table_contents().at(table->second.page);
        for (auto leaf = leaves.lower_bound(start); leaf != leaves.end() && leaf->first < end; ++leaf)
            leaf->second.prot = effective(TRY(visit(context, leaf->first, leaf->second)));
    }
    return {};
}

ErrorOr<void> UserPageTable::share_from(UserPageTable& parent, VirtAddr start, VirtAddr end, uint64_t& pages) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    VERIFY(is_aligned(start, REGION_SIZE) && is_aligned(end, REGION_SIZE));
    for (auto table = parent.m_tables.lower_bound(start); table != parent.m_tables.end() && table->first < end;
         ++table) {
        VERIFY(!m_tables.contains(table->first));
        auto& sharers = sharers_of(table->second.page);
        if (table->second.writable) {
            sharers.store(2);
            table->second.writable = false;
        } else {
            sharers.fetch_add(1);
        }
        m_tables.emplace(table->first, Table{table->second.page, false});
        pages += table_contents().at(table->second.page).size();
    }
    return {};
}

ErrorOr<void> UserPageTable::unshare_range(VirtAddr start, VirtAddr end) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    for (auto table = m_tables.lower_bound(align_down(start, REGION_SIZE));
         table != m_tables.end() && table->first < end; ++table)
        if (!table->second.writable)
            TRY(unshare(table));
    return {};
}

uint32_t UserPageTable::table_sharers(VirtAddr virt) const {
    check_user_page(virt);
    auto table = m_tables.find(align_down(virt, REGION_SIZE));
    if (table == m_tables.end())
        return 0;
    return table->second.writable ? 1 : sharers_of(table->second.page).load();
}

}  // namespace kernel::arch
