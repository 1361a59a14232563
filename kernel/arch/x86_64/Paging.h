#pragma once
#include "init/BootInfo.h"
#include "lib/kstd.h"

namespace kernel::x86 {

// Builds the kernel's own page tables — the image with per-section permissions and a direct
// map of physical memory at DIRECT_MAP_BASE — and switches to them. Page-table pages come from
// `early_alloc` (physical pages below 1 GiB, reachable through the boot mapping).
using EarlyPageAlloc = PhysAddr (*)();
void paging_init(const BootInfo& info, EarlyPageAlloc early_alloc);

// Maps device memory (uncached) into the direct map, 4 KiB at a time. Page-table pages come
// from the page allocator, so call it after mm is up.
void* map_mmio(PhysAddr base, size_t size);

// Physical address of something inside the kernel image (code, data, bss).
PhysAddr kernel_virt_to_phys(const void* p);

PhysAddr kernel_pml4();

// The leaf entry mapping `virt` in the kernel's tables (with the page size it maps), or
// nullopt when nothing maps it. For self-tests and diagnostics.
struct LeafEntry {
    uint64_t entry;
    uint64_t page_size;
};
std::optional<LeafEntry> lookup_kernel_mapping(VirtAddr virt);

inline constexpr uint64_t PTE_PRESENT = 1ull << 0;
inline constexpr uint64_t PTE_WRITABLE = 1ull << 1;
inline constexpr uint64_t PTE_USER = 1ull << 2;
inline constexpr uint64_t PTE_PWT = 1ull << 3;
inline constexpr uint64_t PTE_PCD = 1ull << 4;
inline constexpr uint64_t PTE_HUGE = 1ull << 7;
inline constexpr uint64_t PTE_GLOBAL = 1ull << 8;
inline constexpr uint64_t PTE_NX = 1ull << 63;
inline constexpr uint64_t PTE_ADDRESS = 0x000ffffffffff000ull;

}  // namespace kernel::x86
