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

}  // namespace kernel::x86
