#pragma once
#include <arch/TrapFrame.h>

namespace kernel::x86 {
using IrqHandler = void (*)(arch::TrapFrame&);
// Vectors 32..255 are interrupts; a handler runs with interrupts off and must send the EOI.
void register_interrupt_handler(uint8_t vector, IrqHandler handler);

// Prints the full report (vector, error code, registers, CR2, symbolized backtrace) and stops.
[[noreturn]] void panic_on_trap(const arch::TrapFrame& frame, const char* reason);
// Prints the backtrace starting at `rip` then following the rbp chain from `rbp`.
void print_backtrace(uint64_t rip, uint64_t rbp);
}  // namespace kernel::x86
