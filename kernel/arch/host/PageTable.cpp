// Hosted fake of the user page tables: see arch/host/include/arch/PageTable.h.
#include <arch/PageTable.h>

#include "mm/PageAllocator.h"
#include "mm/UserAccess.h"

namespace kernel::arch {

namespace {
constexpr uint64_t REGION_SIZE = uint64_t(2) << 20;
void check_user_page(VirtAddr virt) { VERIFY(is_aligned(virt, PAGE_SIZE) && virt < USER_SPACE_END); }
// The x86-64 MMU cannot take away read access from a present page: neither can the fake.
PageProt effective(PageProt prot) { return prot == PAGE_PROT_NONE ? prot : PageProt(prot | PAGE_PROT_READ); }
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
    VERIFY(m_leaves.empty() && m_tables.empty());
    page_allocator().free(m_root, 0);
    m_root = 0;
}

ErrorOr<void> UserPageTable::map(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    VERIFY(!m_leaves.contains(virt));
    VirtAddr region = align_down(virt, REGION_SIZE);
    auto table = m_tables.find(region);
    if (table == m_tables.end()) {
        PhysAddr page = TRY(page_allocator().allocate(0));
        table = m_tables.emplace(region, Table{page, 0}).first;
    }
    ++table->second.leaves;
    m_leaves[virt] = PageMapping{frame, effective(prot)};
    return {};
}

std::optional<PageMapping> UserPageTable::lookup(VirtAddr virt) const {
    check_user_page(virt);
    auto leaf = m_leaves.find(virt);
    if (leaf == m_leaves.end())
        return std::nullopt;
    return leaf->second;
}

void UserPageTable::remap(VirtAddr virt, PhysAddr frame, PageProt prot) {
    check_user_page(virt);
    auto leaf = m_leaves.find(virt);
    VERIFY(leaf != m_leaves.end());
    leaf->second = PageMapping{frame, effective(prot)};
}

void UserPageTable::unmap_range(VirtAddr start, VirtAddr end, PageUnmapVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    for (auto leaf = m_leaves.lower_bound(start); leaf != m_leaves.end() && leaf->first < end;) {
        auto table = m_tables.find(align_down(leaf->first, REGION_SIZE));
        VERIFY(table != m_tables.end());
        if (--table->second.leaves == 0) {
            page_allocator().free(table->second.page, 0);
            m_tables.erase(table);
        }
        VirtAddr virt = leaf->first;
        PhysAddr frame = leaf->second.frame;
        leaf = m_leaves.erase(leaf);
        visit(context, virt, frame);
    }
}

ErrorOr<void> UserPageTable::update_range(VirtAddr start, VirtAddr end, PageUpdateVisitor visit, void* context) {
    VERIFY(start <= end && end <= USER_SPACE_END);
    for (auto leaf = m_leaves.lower_bound(start); leaf != m_leaves.end() && leaf->first < end; ++leaf)
        leaf->second.prot = effective(TRY(visit(context, leaf->first, leaf->second)));
    return {};
}

}  // namespace kernel::arch
