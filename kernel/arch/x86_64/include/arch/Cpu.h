#pragma once
// The arch CPU contract, x86-64 implementation. Generic code includes <arch/Cpu.h>; the include
// path picks this file for the kernel and arch/host/include/arch/Cpu.h for unit tests.
#include "lib/kstd.h"

namespace kernel::arch {
using IrqFlags = uint64_t;

inline IrqFlags irq_save() {
    IrqFlags flags;
    asm volatile("pushfq; popq %0; cli" : "=r"(flags)::"memory");
    return flags;
}
inline void irq_restore(IrqFlags flags) {
    if (flags & (1u << 9))
        asm volatile("sti" ::: "memory");
}
inline bool irqs_enabled() {
    IrqFlags flags;
    asm volatile("pushfq; popq %0" : "=r"(flags));
    return flags & (1u << 9);
}
inline void irq_enable() { asm volatile("sti" ::: "memory"); }
inline void irq_disable() { asm volatile("cli" ::: "memory"); }
inline void cpu_relax() { asm volatile("pause"); }
inline void halt() { asm volatile("hlt"); }
// Only the boot CPU runs so far; per-CPU data goes through this one accessor so SMP bring-up
// changes a single function (it will read the CPU number from the GS-based per-CPU block).
inline int current_cpu_id() { return 0; }
}  // namespace kernel::arch
