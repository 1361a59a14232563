#pragma once
// The arch clock contract.
#include "lib/kstd.h"

namespace kernel::arch {
// Nanoseconds since the CPU was reset (firmware time included): monotonic, never goes back.
uint64_t monotonic_ns();
// monotonic_ns() at the moment the kernel's first instruction ran.
uint64_t kernel_entry_ns();
// Wall-clock time (CLOCK_REALTIME): nanoseconds since the Unix epoch, from the CMOS clock read
// at boot plus monotonic time since.
uint64_t realtime_ns();
// Sets the wall clock to `ns` since the epoch from now on (settimeofday, clock_settime).
void set_realtime_ns(uint64_t ns);
}  // namespace kernel::arch
