#pragma once
// The vocabulary between address spaces (mm/AddressSpace.h) and the arch page tables
// (<arch/PageTable.h>): the rights of a page, what a page maps, the visitors of range walks, and
// the contract every arch's UserPageTable meets, as a concept (checked in mm/AddressSpace.h).
#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel::arch {

// What a user page allows: the PROT_READ / PROT_WRITE / PROT_EXEC values. On x86-64 every
// present page also reads (no write-only or execute-only pages). PAGE_PROT_NONE: the entry keeps
// its frame but every access faults.
using PageProt = uint8_t;
inline constexpr PageProt PAGE_PROT_NONE = 0;
inline constexpr PageProt PAGE_PROT_READ = 1;
inline constexpr PageProt PAGE_PROT_WRITE = 2;
inline constexpr PageProt PAGE_PROT_EXEC = 4;

// The span of one last-level page table (512 leaves): the unit on-demand fork shares.
inline constexpr uint64_t PAGE_TABLE_SPAN = uint64_t(2) << 20;

struct PageMapping {
    PhysAddr frame;
    PageProt prot;  // as the MMU enforces it
};

// Range-walk visitors: a function pointer and its context, so generic code can pass a lambda.
// Unmapping hands each frame over once its translation is gone (the visitor drops the page's
// reference; pages of a shared table dropped whole are not visited: the table holds their
// references); updating gives each page the rights the visitor returns, or stops at its error.
using PageUnmapVisitor = void (*)(void* context, VirtAddr virt, PhysAddr frame);
using PageUpdateVisitor = ErrorOr<PageProt> (*)(void* context, VirtAddr virt, PageMapping mapping);

}  // namespace kernel::arch

namespace kernel {

template <typename T>
concept UserPageTableContract = requires(T& table, const T& ctable, VirtAddr virt, PhysAddr frame, arch::PageProt prot,
                                         arch::PageUnmapVisitor unmap, arch::PageUpdateVisitor update, void* context,
                                         uint64_t& pages) {
    { table.create() } -> std::same_as<ErrorOr<void>>;
    { table.destroy() } -> std::same_as<void>;
    { ctable.root() } -> std::same_as<PhysAddr>;
    { table.map(virt, frame, prot) } -> std::same_as<ErrorOr<void>>;
    { ctable.lookup(virt) } -> std::same_as<std::optional<arch::PageMapping>>;
    { table.remap(virt, frame, prot) } -> std::same_as<void>;
    // Returns how many pages the range no longer maps (the RSS the address space loses).
    { table.unmap_range(virt, virt, unmap, context) } -> std::same_as<uint64_t>;
    { table.update_range(virt, virt, update, context) } -> std::same_as<ErrorOr<void>>;
    // On-demand fork: sharing last-level tables copy-on-write (x86-64's PageTable.h says how).
    { table.share_from(table, virt, virt, pages) } -> std::same_as<ErrorOr<void>>;
    { table.unshare_range(virt, virt) } -> std::same_as<ErrorOr<void>>;
    { ctable.table_sharers(virt) } -> std::same_as<uint32_t>;
    { ctable.activate() } -> std::same_as<void>;
    { T::activate_kernel() } -> std::same_as<void>;
};

}  // namespace kernel
