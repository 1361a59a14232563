// User mode on x86-64: the syscall MSRs, per-CPU data, FPU/SSE/AVX state with XSAVE, TLS bases,
// and the C++ side of syscall entry.
#include <arch/Context.h>
#include <arch/Cpu.h>
#include <arch/Io.h>
#include <arch/SignalFrame.h>
#include <arch/TrapFrame.h>

#include "arch/x86_64/Descriptors.h"
#include "arch/x86_64/PerCpu.h"
#include "lib/Printk.h"
#include "mm/Heap.h"
#include "syscalls/Syscall.h"
#include "task/Fork.h"
#include "task/Scheduler.h"
#include "task/Signal.h"

extern "C" void x86_syscall_entry();
extern "C" [[noreturn]] void x86_return_to_user(kernel::arch::TrapFrame*);

namespace kernel::x86 {

namespace {

constexpr uint32_t MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082, MSR_FMASK = 0xc0000084,
                   MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102;

constinit PerCpu g_boot_percpu{};

// FPU state format: XSAVE when the CPU has it (with x87, SSE and AVX enabled in XCR0), else
// FXSAVE's fixed 512 bytes.
constinit bool g_xsave = false;
constinit uint64_t g_xcr0 = 0;
constinit uint32_t g_fpu_size = 512;
// The state a new process starts with: x87 control word 0x37f, MXCSR 0x1f80, all else zero.
alignas(64) constinit uint8_t g_initial_fpu[4096] = {};

void xsetbv(uint32_t index, uint64_t value) {
    asm volatile("xsetbv" ::"c"(index), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}

void fpu_save(void* area) {
    if (g_xsave)
        asm volatile("xsave64 (%0)" ::"r"(area), "a"(uint32_t(g_xcr0)), "d"(uint32_t(g_xcr0 >> 32)) : "memory");
    else
        asm volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

void fpu_restore(const void* area) {
    if (g_xsave)
        asm volatile("xrstor64 (%0)" ::"r"(area), "a"(uint32_t(g_xcr0)), "d"(uint32_t(g_xcr0 >> 32)) : "memory");
    else
        asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void fpu_init() {
    // CR0: MP on, EM and TS off (the FPU is always usable; state switches eagerly).
    uint64_t cr0 = read_cr0();
    cr0 = (cr0 | (1u << 1)) & ~uint64_t((1u << 2) | (1u << 3));
    asm volatile("mov %0, %%cr0" ::"r"(cr0));
    uint64_t cr4 = read_cr4() | (1u << 9) | (1u << 10);  // OSFXSR, OSXMMEXCPT
    uint32_t a, b, c, d;
    cpuid(1, 0, a, b, c, d);
    bool has_xsave = c & (1u << 26);
    bool has_avx = c & (1u << 28);
    if (has_xsave)
        cr4 |= 1u << 18;  // OSXSAVE
    asm volatile("mov %0, %%cr4" ::"r"(cr4));
    if (has_xsave) {
        g_xcr0 = 0x3 | (has_avx ? 0x4 : 0);  // x87 | SSE | AVX
        xsetbv(0, g_xcr0);
        cpuid(0xd, 0, a, b, c, d);
        g_xsave = true;
        g_fpu_size = b;  // size for the features enabled in XCR0
    }
    VERIFY(g_fpu_size <= sizeof(g_initial_fpu));
    // Legacy area: FCW at 0, MXCSR at 24. With XSAVE the header's XSTATE_BV is zero, so xrstor
    // puts every component in its initial state (and still loads MXCSR).
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80;
    __builtin_memcpy(&g_initial_fpu[0], &fcw, sizeof(fcw));
    __builtin_memcpy(&g_initial_fpu[24], &mxcsr, sizeof(mxcsr));
    printk("fpu: {} ({} bytes of state{})\n", g_xsave ? "xsave" : "fxsave", g_fpu_size, has_avx ? ", AVX" : "");
}

}  // namespace

PerCpu& this_cpu_percpu() { return g_boot_percpu; }

void percpu_init() {
    g_boot_percpu.self = &g_boot_percpu;
    g_boot_percpu.cpu_id = 0;
    wrmsr(MSR_GS_BASE, reinterpret_cast<uint64_t>(&g_boot_percpu));
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void user_mode_init() {
    percpu_init();
    fpu_init();
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);  // SCE: enable syscall/sysret
    // STAR[47:32]: kernel CS (SS = +8); STAR[63:48]: base for sysret (CS = +16, SS = +8),
    // which is why Linux's GDT has USER32_CS, USER_DS, USER_CS in that order.
    wrmsr(MSR_STAR, (uint64_t(USER32_CS & ~3) << 48) | (uint64_t(KERNEL_CS) << 32));
    wrmsr(MSR_LSTAR, reinterpret_cast<uint64_t>(&x86_syscall_entry));
    // Cleared on entry: IF, TF, DF, AC, NT (Linux's mask).
    wrmsr(MSR_FMASK, (1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14));
}

extern "C" void x86_handle_syscall(arch::TrapFrame* frame) {
    arch::irq_enable();
    SyscallArgs args{{frame->rdi, frame->rsi, frame->rdx, frame->r10, frame->r8, frame->r9}};
    // Only the low 32 bits select the call, as in Linux (so -1 is ENOSYS, not a huge number).
    frame->rax = static_cast<uint64_t>(dispatch_syscall(static_cast<uint32_t>(frame->rax), args));
    arch::irq_disable();
    preempt_on_interrupt_return();
    exit_to_user_mode(*frame);  // signals and syscall restart (task/Signal.cpp)
    // sysret reloads rip from rcx and rflags from r11, and is wrong for a single-step: a frame
    // that a handler, rt_sigreturn, a restart or exec rewrote leaves through iretq instead.
    if (frame->rcx != frame->rip || frame->r11 != frame->rflags || (frame->rflags & ((1u << 8) | (1u << 16))))
        x86_return_to_user(frame);
}

}  // namespace kernel::x86

namespace kernel::arch {

TrapFrame* task_user_frame(uint64_t stack_top) { return reinterpret_cast<TrapFrame*>(stack_top - USER_FRAME_SIZE); }

bool prepare_user_state(ThreadContext& ctx) {
    if (!ctx.fpu) {
        // kmalloc's size classes are powers of two aligned to their size, so any area of 64
        // bytes or more is 64-byte aligned as XSAVE requires.
        ctx.fpu = kmalloc(x86::g_fpu_size < 64 ? 64 : x86::g_fpu_size);
        if (!ctx.fpu)
            return false;
        VERIFY((reinterpret_cast<uint64_t>(ctx.fpu) & 63) == 0);
    }
    __builtin_memcpy(ctx.fpu, x86::g_initial_fpu, x86::g_fpu_size);
    ctx.fs_base = 0;
    ctx.gs_base = 0;
    ctx.user = true;
    return true;
}

bool copy_thread_state(ThreadContext& child, const ThreadContext& parent) {
    if (!prepare_user_state(child))
        return false;
    if (parent.user) {
        // The parent is running: its live registers are the truth, not its saved area.
        x86::fpu_save(child.fpu);
        child.fs_base = x86::rdmsr(x86::MSR_FS_BASE);
        child.gs_base = x86::rdmsr(x86::MSR_KERNEL_GS_BASE);
    }
    return true;
}

void release_thread_state(ThreadContext& ctx) {
    kfree(ctx.fpu);
    ctx.fpu = nullptr;
    ctx.user = false;
}

void switch_task_state(ThreadContext& prev, ThreadContext& next, uint64_t next_stack_top) {
    if (prev.user) {
        x86::fpu_save(prev.fpu);
        prev.fs_base = x86::rdmsr(x86::MSR_FS_BASE);
        prev.gs_base = x86::rdmsr(x86::MSR_KERNEL_GS_BASE);
    }
    if (next.user) {
        x86::fpu_restore(next.fpu);
        x86::wrmsr(x86::MSR_FS_BASE, next.fs_base);
        x86::wrmsr(x86::MSR_KERNEL_GS_BASE, next.gs_base);
    }
    // Entries from user mode (syscall, interrupts, exceptions) land on next's stack, with its
    // user frame area at the very top.
    x86::this_cpu_percpu().kernel_rsp = next_stack_top;
    x86::set_kernel_stack(next_stack_top);
}

void init_user_frame(TrapFrame& frame, uint64_t entry, uint64_t stack_pointer) {
    __builtin_memset(&frame, 0, sizeof(frame));
    frame.rip = entry;
    frame.rsp = stack_pointer;
    frame.cs = x86::USER_CS;
    frame.ss = x86::USER_DS;
    frame.rflags = 0x202;  // IF, and the always-one bit
    frame.vector = 0x100;
}

[[noreturn]] void return_to_user(TrapFrame* frame) { x86_return_to_user(frame); }

// For the signal frame (arch/SignalFrame.h): the running task's FPU registers are the truth,
// its save area is written only at a context switch or by these.
FpuFormat fpu_format() {
    return {x86::g_fpu_size, x86::g_xsave ? x86::g_xcr0 : 0x3, x86::g_xsave};
}
void fpu_save_live(ThreadContext& ctx) { x86::fpu_save(ctx.fpu); }
void fpu_load_live(const ThreadContext& ctx) { x86::fpu_restore(ctx.fpu); }
void fpu_init_live() { x86::fpu_restore(x86::g_initial_fpu); }

}  // namespace kernel::arch

// The forked child's first steps in C++ (from x86_ret_from_fork in Entry.S).
extern "C" [[noreturn]] void x86_fork_child_return(kernel::Task* prev, kernel::arch::TrapFrame* frame) {
    schedule_tail(prev);
    kernel::fork_child_started(*kernel::current());
    kernel::arch::irq_disable();
    kernel::exit_to_user_mode(*frame);  // a signal may already be pending (task/Signal.cpp)
    kernel::arch::return_to_user(frame);
}

namespace kernel::arch {

// The running task's bases live in the MSRs; a stopped task's in its context.
void set_user_fs_base(ThreadContext& ctx, uint64_t base) {
    ctx.fs_base = base;
    x86::wrmsr(x86::MSR_FS_BASE, base);
}
void set_user_gs_base(ThreadContext& ctx, uint64_t base) {
    ctx.gs_base = base;
    x86::wrmsr(x86::MSR_KERNEL_GS_BASE, base);
}
uint64_t user_fs_base(const ThreadContext&) { return x86::rdmsr(x86::MSR_FS_BASE); }
uint64_t user_gs_base(const ThreadContext&) { return x86::rdmsr(x86::MSR_KERNEL_GS_BASE); }

}  // namespace kernel::arch
