#pragma once
// Hosted fake of the arch memory contract: "physical memory" is an ordinary buffer the test
// provides, and the direct map is an offset into it.
#include <cstdint>

#include "lib/kstd.h"

namespace kernel::arch {
inline uint8_t* host_physical_base = nullptr;  // set by the test that owns the fake RAM

inline void* phys_to_virt(PhysAddr phys) { return host_physical_base + phys; }
inline PhysAddr virt_to_phys(const void* virt) {
    return static_cast<PhysAddr>(static_cast<const uint8_t*>(virt) - host_physical_base);
}
}  // namespace kernel::arch
