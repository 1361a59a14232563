#pragma once
// The arch entropy contract: a hardware random number when the CPU has one (RDRAND), for
// seeding the kernel's generator.
#include "lib/kstd.h"

namespace kernel::arch {
// True and a random value in `out` when the hardware produced one.
bool hardware_random(uint64_t& out);
// Something that differs from boot to boot even without RDRAND (the cycle counter).
uint64_t weak_entropy();
}  // namespace kernel::arch
