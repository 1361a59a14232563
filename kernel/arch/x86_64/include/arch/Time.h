#pragma once
// The arch clock contract.
#include "lib/kstd.h"

namespace kernel::arch {
// Nanoseconds since the CPU was reset (firmware time included): monotonic, never goes back.
uint64_t monotonic_ns();
// monotonic_ns() at the moment the kernel's first instruction ran.
uint64_t kernel_entry_ns();
}  // namespace kernel::arch
