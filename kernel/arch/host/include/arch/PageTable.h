#pragma once
// Hosted fake of the arch page-table contract (the real one: arch/x86_64/include/arch/PageTable.h,
// whose comments say what each call means). Leaves live in a std::map; what the fake keeps real
// is what generic code must get right: one page from the page allocator for the root and one
// "table page" per 2 MiB region holding a leaf, allocated when the region gets its first leaf
// and freed with its last. The leaves live with their table page (keyed by its address, as the
// MMU finds them through the PD entry), so on-demand fork can share a table page between
// address spaces exactly as the x86 code does, sharer count in the page's Page::m_refcount. So page-table allocation can fail (fault injection) and a leaked
// mapping shows in the page counters, as on the machine.
#include <map>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "mm/VmaPageTable.h"

namespace kernel::arch {

// The root the fake "CPU" has loaded (0: the kernel's tables), for tests of activate_mm.
inline PhysAddr host_loaded_root = 0;

class UserPageTable {
public:
    UserPageTable() = default;
    UserPageTable(const UserPageTable&) = delete;
    UserPageTable& operator=(const UserPageTable&) = delete;
    ~UserPageTable() { VERIFY(!m_root); }

    ErrorOr<void> create();
    void destroy();
    PhysAddr root() const { return m_root; }

    ErrorOr<void> map(VirtAddr virt, PhysAddr frame, PageProt prot);
    std::optional<PageMapping> lookup(VirtAddr virt) const;
    void remap(VirtAddr virt, PhysAddr frame, PageProt prot);
    uint64_t unmap_range(VirtAddr start, VirtAddr end, PageUnmapVisitor visit, void* context);
    ErrorOr<void> update_range(VirtAddr start, VirtAddr end, PageUpdateVisitor visit, void* context);
    ErrorOr<void> share_from(UserPageTable& parent, VirtAddr start, VirtAddr end, uint64_t& pages);
    ErrorOr<void> unshare_range(VirtAddr start, VirtAddr end);
    uint32_t table_sharers(VirtAddr virt) const;

    void activate() const { host_loaded_root = m_root; }
    static void activate_kernel() { host_loaded_root = 0; }

    // For tests: the fake table pages in use (the root not counted).
    size_t table_pages() const { return m_tables.size(); }

private:
    // A table page and whether this space may change it (the x86 PD entry's write bit): false
    // while on-demand fork shares it, with the sharers counted in its Page::m_refcount.
    struct Table {
        PhysAddr page;
        bool writable;
    };
    using Region = std::map<VirtAddr, Table>::iterator;
    ErrorOr<void> unshare(Region region);
    void reclaim_if_last(Region region);
    std::map<VirtAddr, PageMapping>* leaves_of(VirtAddr virt) const;
    PhysAddr m_root{0};
    std::map<VirtAddr, Table> m_tables;  // by 2 MiB region
};

}  // namespace kernel::arch
