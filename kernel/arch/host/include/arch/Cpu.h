#pragma once
// The hosted fake of the arch CPU contract (see arch/x86_64/include/arch/Cpu.h): unit tests run
// generic kernel code in an ordinary process, where "interrupts" are a per-thread flag.
#include <atomic>
#include <cstdint>

namespace kernel::arch {
using IrqFlags = uint64_t;

inline thread_local bool host_irqs_enabled = true;

inline IrqFlags irq_save() {
    IrqFlags was = host_irqs_enabled;
    host_irqs_enabled = false;
    return was;
}
inline void irq_restore(IrqFlags flags) { host_irqs_enabled = flags != 0; }
inline bool irqs_enabled() { return host_irqs_enabled; }
inline void cpu_relax() {}
// Each host thread plays a CPU of its own, so lock-ownership checks work across threads.
inline int current_cpu_id() {
    static std::atomic<int> next_id{0};
    thread_local int id = next_id.fetch_add(1);
    return id;
}
}  // namespace kernel::arch
