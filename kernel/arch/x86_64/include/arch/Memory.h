#pragma once
// The arch memory contract, x86-64: every physical byte is reachable through the direct map
// at DIRECT_MAP_BASE (Linux's page_offset_base without KASLR), set up by arch/x86_64/Paging.cpp.
#include "lib/kstd.h"

namespace kernel::arch {
inline constexpr VirtAddr DIRECT_MAP_BASE = 0xffff888000000000ull;
inline constexpr VirtAddr KERNEL_BASE = 0xffffffff80000000ull;  // top 2 GiB: -mcmodel=kernel

inline void* phys_to_virt(PhysAddr phys) { return reinterpret_cast<void*>(phys + DIRECT_MAP_BASE); }
// Valid for direct-map addresses only; the kernel image has its own, see kernel_virt_to_phys.
inline PhysAddr virt_to_phys(const void* virt) { return reinterpret_cast<VirtAddr>(virt) - DIRECT_MAP_BASE; }
}  // namespace kernel::arch
