// The C++ side of every interrupt and exception (Entry.S builds the TrapFrame).
#include "arch/x86_64/Traps.h"

#include "lib/Printk.h"
#include "task/Scheduler.h"

extern "C" const char __extable_start[], __extable_end[];

namespace kernel::x86 {

namespace {
constinit IrqHandler g_handlers[256] = {};

struct ExceptionTableEntry {
    uint64_t fault_ip;
    uint64_t fixup_ip;
};

// A fault inside a user-memory access routine (UserCopy.S) resumes at its fix-up instead of
// being a kernel bug: the access reports failure and the syscall returns EFAULT.
bool fixup_exception(arch::TrapFrame& frame) {
    // The bounds are linker symbols: compare them as integers, since to the compiler they are
    // two unrelated objects and a pointer loop from one to the other "never ends".
    uint64_t start = reinterpret_cast<uint64_t>(__extable_start);
    uint64_t end = reinterpret_cast<uint64_t>(__extable_end);
    asm("" : "+r"(start), "+r"(end));
    auto* table = reinterpret_cast<const ExceptionTableEntry*>(start);
    for (size_t i = 0; i < (end - start) / sizeof(ExceptionTableEntry); ++i) {
        if (table[i].fault_ip == frame.rip) {
            frame.rip = table[i].fixup_ip;
            return true;
        }
    }
    return false;
}
}  // namespace

void register_interrupt_handler(uint8_t vector, IrqHandler handler) { g_handlers[vector] = handler; }

extern "C" void x86_handle_trap(arch::TrapFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector < 32) {
        if (!frame->from_user() && (vector == 14 || vector == 13) && fixup_exception(*frame))
            return;
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
