// The C++ side of every interrupt and exception (Entry.S builds the TrapFrame).
#include "arch/x86_64/Traps.h"

#include <arch/Io.h>
#include <asm/signal.h>

#include "lib/Printk.h"
#include "mm/AddressSpace.h"
#include "mm/UserAccess.h"
#include "task/Exit.h"
#include "task/Scheduler.h"

extern "C" const char __extable_start[], __extable_end[];

namespace kernel::x86 {

namespace {
constinit IrqHandler g_handlers[256] = {};

struct ExceptionTableEntry {
    uint64_t fault_ip;
    uint64_t fixup_ip;
};

// The exception-table entry for a faulting instruction inside a user-memory access routine
// (UserCopy.S), or null: a fault anywhere else in the kernel is a bug.
const ExceptionTableEntry* find_fixup(uint64_t rip) {
    // The bounds are linker symbols: compare them as integers, since to the compiler they are
    // two unrelated objects and a pointer loop from one to the other "never ends".
    uint64_t start = reinterpret_cast<uint64_t>(__extable_start);
    uint64_t end = reinterpret_cast<uint64_t>(__extable_end);
    asm("" : "+r"(start), "+r"(end));
    auto* table = reinterpret_cast<const ExceptionTableEntry*>(start);
    for (size_t i = 0; i < (end - start) / sizeof(ExceptionTableEntry); ++i)
        if (table[i].fault_ip == rip)
            return &table[i];
    return nullptr;
}
// The signal Linux sends for a CPU exception raised in user mode (arch/x86/kernel/traps.c).
int signal_for_exception(uint64_t vector) {
    switch (vector) {
    case 0:   // divide error
    case 16:  // x87 floating-point error
    case 19:  // SIMD floating-point error
        return SIGFPE;
    case 1:  // debug
    case 3:  // breakpoint
        return SIGTRAP;
    case 6:  // invalid opcode
        return SIGILL;
    case 17:  // alignment check
        return SIGBUS;
    default:  // #GP, #SS, #NP, #TS, #PF that could not be resolved, bound, overflow...
        return SIGSEGV;
    }
}

// A page fault on a user address: demand paging through the task's address space. Returns 0
// when the page is now there, else the signal the access deserves.
int resolve_user_page_fault(const arch::TrapFrame& frame) {
    Task* task = current();
    if (!task->m_mm)
        return SIGSEGV;
    uint64_t address = read_cr2();
    FaultAccess access{(frame.error_code & 16)  ? FaultAccess::Kind::Exec
                       : (frame.error_code & 2) ? FaultAccess::Kind::Write
                                                : FaultAccess::Kind::Read,
                       bool(frame.error_code & 4)};
    auto result = handle_page_fault(*task->m_mm, address, access);
    if (!result.is_error())
        return 0;
    // EIO: a page wholly past the end of its file (SIGBUS, as Linux); anything else SIGSEGV.
    return result.error().code() == EIO ? SIGBUS : SIGSEGV;
}

}  // namespace

void register_interrupt_handler(uint8_t vector, IrqHandler handler) { g_handlers[vector] = handler; }

extern "C" void x86_handle_trap(arch::TrapFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector < 32) {
        if (frame->from_user()) {
            int signal = vector == 14 ? resolve_user_page_fault(*frame) : signal_for_exception(vector);
            if (signal == 0) {
                preempt_on_interrupt_return();
                return;
            }
            // Signal delivery comes with the fork issue; until then the default action of
            // every fault signal (terminate, as Linux's would) is taken straight away.
            arch::irq_enable();
            do_exit(killed_by_signal(signal));
        }
        // The kernel touching user memory (copy_from_user and friends) may fault on a page not
        // yet populated: that is demand paging, not an error. What cannot be resolved resumes
        // at the access routine's fix-up, which reports EFAULT.
        if (vector == 14 || vector == 13) {
            if (auto* fixup = find_fixup(frame->rip)) {
                if (vector == 14 && read_cr2() < USER_SPACE_END && resolve_user_page_fault(*frame) == 0)
                    return;
                frame->rip = fixup->fixup_ip;
                return;
            }
        }
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
