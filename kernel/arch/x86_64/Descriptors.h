#pragma once
#include "lib/kstd.h"

namespace kernel::x86 {
// Linux's x86-64 GDT layout, so the selectors user space sees (cs 0x33, ss 0x2b) match Linux's.
inline constexpr uint16_t KERNEL32_CS = 0x08;
inline constexpr uint16_t KERNEL_CS = 0x10;
inline constexpr uint16_t KERNEL_DS = 0x18;
inline constexpr uint16_t USER32_CS = 0x23;
inline constexpr uint16_t USER_DS = 0x2b;
inline constexpr uint16_t USER_CS = 0x33;
inline constexpr uint16_t TSS_SELECTOR = 0x40;

// IST slots (1-based as the IDT encodes them).
inline constexpr uint8_t IST_DOUBLE_FAULT = 1;
inline constexpr uint8_t IST_NMI = 2;
inline constexpr uint8_t IST_MACHINE_CHECK = 3;

void descriptors_init();  // GDT + TSS + IDT for the boot CPU
void set_kernel_stack(uint64_t rsp0);  // TSS.rsp0: the stack used on entry from ring 3
}  // namespace kernel::x86
