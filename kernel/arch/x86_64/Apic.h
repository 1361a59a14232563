#pragma once
#include "lib/kstd.h"

namespace kernel::x86 {
inline constexpr uint8_t TIMER_VECTOR = 0x20;
inline constexpr uint8_t SPURIOUS_VECTOR = 0xff;
inline constexpr unsigned HZ = 250;  // Debian's CONFIG_HZ

// Masks the legacy PICs, enables the local APIC, calibrates it and the TSC against the PIT,
// and starts the periodic tick on TIMER_VECTOR.
void apic_init();
void apic_eoi();
uint64_t tsc_hz();
// The TSC value (cycles since reset) when monotonic_ns() would read `ns`... and back.
uint64_t tsc_to_ns(uint64_t tsc);
}  // namespace kernel::x86
