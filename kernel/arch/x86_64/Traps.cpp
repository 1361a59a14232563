// The C++ side of every interrupt and exception (Entry.S builds the TrapFrame).
#include "arch/x86_64/Traps.h"

#include "lib/Printk.h"
#include "task/Scheduler.h"

namespace kernel::x86 {

namespace {
constinit IrqHandler g_handlers[256] = {};
}

void register_interrupt_handler(uint8_t vector, IrqHandler handler) { g_handlers[vector] = handler; }

extern "C" void x86_handle_trap(arch::TrapFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector < 32) {
        // User-mode faults become signals once user mode exists (the binaries issue); a kernel
        // fault is a bug.
        panic_on_trap(*frame, nullptr);
    }
    if (auto handler = g_handlers[vector]) {
        handler(*frame);
    } else {
        printk("unexpected interrupt on vector {}\n", vector);
    }
    // Returning to the interrupted code: the right moment to preempt it if its slice is over.
    preempt_on_interrupt_return();
}

}  // namespace kernel::x86
