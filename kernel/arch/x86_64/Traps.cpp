// The C++ side of every interrupt and exception (Entry.S builds the TrapFrame).
#include "arch/x86_64/Traps.h"

#include <arch/Io.h>
#include <asm/signal.h>

#include "lib/Printk.h"
#include "mm/AddressSpace.h"
#include "mm/OomKill.h"
#include "mm/UserAccess.h"
#include "task/Exit.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"

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
    if (!result.is_error()) {
        ++task->m_min_flt;
        return 0;
    }
    // No page to be had: the OOM killer frees some and the access is tried again (Linux's
    // pagefault_out_of_memory); the victim, if it is us, dies of its SIGKILL on the way out.
    if (result.error().code() == ENOMEM && out_of_memory() == OomOutcome::Retry)
        return 0;
    // EIO: a page wholly past the end of its file (SIGBUS, as Linux); anything else SIGSEGV.
    return result.error().code() == EIO ? SIGBUS : SIGSEGV;
}

// The si_code and si_addr Linux reports with a fault signal (arch/x86/kernel/traps.c,
// arch/x86/mm/fault.c). SI_KERNEL where Linux uses force_sig().
struct FaultInfo {
    int code;
    uint64_t addr;
};

// x87 (#MF) and SIMD (#XM) exceptions: the first unmasked exception flag names the code
// (Linux's fpu__exception_code); 0 when none is set, and then there is no signal.
int fpu_exception_code(uint64_t vector) {
    uint32_t err;
    if (vector == 16) {
        uint16_t cwd, swd;
        asm volatile("fnstcw %0; fnstsw %1" : "=m"(cwd), "=m"(swd));
        err = swd & ~cwd;
    } else {
        uint32_t mxcsr;
        asm volatile("stmxcsr %0" : "=m"(mxcsr));
        err = ~(mxcsr >> 7) & mxcsr;
    }
    if (err & 0x001)
        return FPE_FLTINV;
    if (err & 0x004)
        return FPE_FLTDIV;
    if (err & 0x008)
        return FPE_FLTOVF;
    if (err & 0x012)
        return FPE_FLTUND;
    if (err & 0x020)
        return FPE_FLTRES;
    return 0;
}

FaultInfo fault_info(const arch::TrapFrame& frame, int signal) {
    switch (frame.vector) {
    case 0:
        return {FPE_INTDIV, frame.rip};
    case 1: {
        // Single step (DR6.BS), a hardware breakpoint, or else a breakpoint.
        uint64_t dr6;
        asm volatile("mov %%dr6, %0" : "=r"(dr6));
        asm volatile("mov %0, %%dr6" ::"r"(uint64_t(0xffff0ff0)));
        return {(dr6 & (1u << 14)) ? TRAP_TRACE : (dr6 & 0xf) ? TRAP_HWBKPT : TRAP_BRKPT, frame.rip};
    }
    case 6:
        return {ILL_ILLOPN, frame.rip};
    case 16:
    case 19:
        return {fpu_exception_code(frame.vector), frame.rip};
    case 17:
        return {BUS_ADRALN, 0};
    case 14: {
        uint64_t address = read_cr2();
        if (signal == SIGBUS)
            return {BUS_ADRERR, address};
        // ACCERR when an area is there but refused the access; MAPERR when nothing is mapped.
        bool mapped = false;
        if (Task* task = current(); task->m_mm)
            task->m_mm->for_each_vma([&](const Vma& vma) {
                mapped = mapped || (vma.m_start <= address && address < vma.m_end);
            });
        return {mapped ? SEGV_ACCERR : SEGV_MAPERR, address};
    }
    default:
        return {SI_KERNEL, 0};
    }
}

}  // namespace

void register_interrupt_handler(uint8_t vector, IrqHandler handler) { g_handlers[vector] = handler; }

extern "C" void x86_handle_trap(arch::TrapFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector < 32) {
        if (frame->from_user()) {
            int signal = vector == 14 ? resolve_user_page_fault(*frame) : signal_for_exception(vector);
            if (signal) {
                // Delivered (or fatal) on the way out, before any other signal.
                FaultInfo info = fault_info(*frame, signal);
                if (info.code)
                    force_sig_fault(signal, info.code, info.addr);
            }
            preempt_on_interrupt_return();
            exit_to_user_mode(*frame);
            return;
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
    if (frame->from_user())
        exit_to_user_mode(*frame);  // signals (task/Signal.cpp)
}

}  // namespace kernel::x86
