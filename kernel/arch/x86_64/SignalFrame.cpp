// The x86-64 signal frame (Linux's arch/x86/kernel/signal.c, signal_64.c and fpu/signal.c):
// what a handler finds on its stack, and how rt_sigreturn puts everything back.
//
//     higher addresses
//     | interrupted code's stack ...        <- the user's rsp when the signal came
//     | 128-byte red zone (left alone)      (or: the top of the sigaltstack, SA_ONSTACK)
//     | MAGIC2 (4 bytes)
//     | XSAVE image, 64-byte aligned        <- uc.uc_mcontext.fpstate
//     | siginfo (128 bytes)                 <- rsi: written only with SA_SIGINFO
//     | ucontext (flags, link, sigaltstack, sigcontext = every register, blocked mask)  <- rdx
//     | pretcode = sa_restorer              <- the handler's rsp: 16-byte aligned minus 8
//     lower addresses
//
// The handler "returns" into sa_restorer (the libc's __restore_rt: mov $15, %eax; syscall),
// with rsp pointing just above pretcode; rt_sigreturn finds the frame at rsp - 8.
#include <arch/SignalFrame.h>
#include <arch/TrapFrame.h>
#include <asm/sigcontext.h>
#include <asm/signal.h>
#include <asm/ucontext.h>
#include <asm/unistd_64.h>

#include "arch/x86_64/Descriptors.h"
#include "mm/UserAccess.h"
#include "task/Scheduler.h"
#include "task/SignalDelivery.h"
#include "task/Task.h"

namespace kernel::arch {

namespace {

constexpr uint64_t SYSCALL_VECTOR = 0x100;  // TrapFrame::vector of a syscall frame (SyscallEntry.S)
constexpr uint64_t NO_SYSCALL = ~uint64_t(0);  // orig_ax = -1: restart disarmed

constexpr uint64_t X86_EFLAGS_CF = 1u << 0, X86_EFLAGS_PF = 1u << 2, X86_EFLAGS_AF = 1u << 4,
                   X86_EFLAGS_ZF = 1u << 6, X86_EFLAGS_SF = 1u << 7, X86_EFLAGS_TF = 1u << 8,
                   X86_EFLAGS_DF = 1u << 10, X86_EFLAGS_OF = 1u << 11, X86_EFLAGS_RF = 1u << 16,
                   X86_EFLAGS_AC = 1u << 18;
// The flags rt_sigreturn takes from the frame (Linux's FIX_EFLAGS); IF, IOPL and the rest stay.
constexpr uint64_t FIX_EFLAGS = X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF |
                                X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF;

// struct sigcontext (64-bit), with the kernel's field names.
struct SigContext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;  // user address of the XSAVE image, 0 for none
    uint64_t reserved1[8];
};
static_assert(sizeof(SigContext) == sizeof(struct sigcontext));
static_assert(offsetof(SigContext, fpstate) == offsetof(struct sigcontext, fpstate));
static_assert(offsetof(SigContext, ss) == offsetof(struct sigcontext, ss));

// struct ucontext (asm-generic/ucontext.h): the kernel's 8-byte sigset_t comes last.
struct UContext {
    uint64_t uc_flags;
    uint64_t uc_link;
    UserStack uc_stack;
    SigContext uc_mcontext;
    SigSet uc_sigmask;
};
static_assert(sizeof(UContext) == sizeof(struct ucontext));
static_assert(offsetof(UContext, uc_mcontext) == offsetof(struct ucontext, uc_mcontext));
static_assert(offsetof(UContext, uc_sigmask) == offsetof(struct ucontext, uc_sigmask));

// struct rt_sigframe (arch/x86/include/asm/sigframe.h); the FPU image follows, higher up.
struct RtSigframe {
    uint64_t pretcode;
    UContext uc;
    siginfo_t info;
};
static_assert(sizeof(RtSigframe) == 440);

// The software-reserved bytes 464..511 of the FXSAVE legacy area (struct _fpx_sw_bytes): they
// tell user space (and rt_sigreturn) that an XSAVE image of `xstate_size` bytes is there.
struct FpxSwBytes {
    uint32_t magic1;
    uint32_t extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size;
    uint32_t padding[7];
};
static_assert(sizeof(FpxSwBytes) == sizeof(struct _fpx_sw_bytes));
constexpr uint64_t SW_BYTES_OFFSET = 464;
constexpr uint64_t MXCSR_OFFSET = 24;
constexpr uint64_t XSAVE_HEADER_OFFSET = 512;
constexpr uint64_t XSAVE_HEADER_SIZE = 64;
constexpr uint64_t FXSAVE_SIZE = 512;
constexpr uint64_t XFEATURE_MASK_FPSSE = 0x3;

// MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK; 0xffbf when it reports 0): a value with
// other bits makes FXRSTOR/XRSTOR fault, which rt_sigreturn must refuse before it happens.
uint32_t mxcsr_feature_mask() {
    static uint32_t mask = 0;
    if (!mask) {
        alignas(16) uint8_t area[512] = {};
        asm volatile("fxsave64 %0" : "=m"(area));
        uint32_t reported;
        __builtin_memcpy(&reported, area + 28, sizeof(reported));
        mask = reported ? reported : 0xffbf;
    }
    return mask;
}

// Bytes of FPU state in a signal frame (Linux's xstate_sigframe_size): the XSAVE image plus the
// trailing MAGIC2 word, or FXSAVE's 512 bytes.
uint64_t sigframe_fpu_size(const FpuFormat& fpu) { return fpu.xsave ? fpu.size + FP_XSTATE_MAGIC2_SIZE : fpu.size; }

// Linux's copy_fpstate_to_sigframe: the live registers as an XSAVE image at `buf`, with the
// software bytes and MAGIC2 that mark it as extended, and FP|SSE always set in XSTATE_BV so a
// program editing the legacy area sees its edits restored.
ErrorOr<void> copy_fpstate_to_sigframe(Task& task, uint64_t buf, const FpuFormat& fpu) {
    // Into the task's own save area first: if we are preempted meanwhile, the switch saves the
    // same registers there again, so the copy below always reads a consistent image.
    fpu_save_live(task.m_context);
    const auto* area = static_cast<const uint8_t*>(task.m_context.fpu);
    TRY(copy_to_user(buf, area, fpu.size));
    FpxSwBytes sw{};
    sw.magic1 = FP_XSTATE_MAGIC1;
    sw.extended_size = uint32_t(fpu.size + FP_XSTATE_MAGIC2_SIZE);
    sw.xfeatures = fpu.xfeatures;
    sw.xstate_size = fpu.size;
    TRY(copy_to_user(buf + SW_BYTES_OFFSET, &sw, sizeof(sw)));
    if (!fpu.xsave)
        return {};
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    TRY(copy_to_user(buf + fpu.size, &magic2, sizeof(magic2)));
    uint64_t xstate_bv;
    __builtin_memcpy(&xstate_bv, area + XSAVE_HEADER_OFFSET, sizeof(xstate_bv));
    xstate_bv |= XFEATURE_MASK_FPSSE;
    return copy_to_user(buf + XSAVE_HEADER_OFFSET, &xstate_bv, sizeof(xstate_bv));
}

// Linux's fpu__restore_sig: the image at `buf` back into the registers. An image without the
// XSAVE magic (a program that built its own legacy frame) restores x87/SSE only and resets
// the rest. The image goes through the task's save area with preemption off (a context
// switch would save the live registers over it), and is checked for what would make XRSTOR
// fault; EFAULT then, with the registers untouched.
ErrorOr<void> restore_fpstate_from_sigframe(Task& task, uint64_t buf) {
    if (!buf) {
        fpu_init_live();
        return {};
    }
    FpuFormat fpu = fpu_format();
    if (!is_user_range(buf, sigframe_fpu_size(fpu)))
        return Error::from_errno(EFAULT);
    uint64_t size = FXSAVE_SIZE;
    uint64_t user_xfeatures = XFEATURE_MASK_FPSSE;
    bool fx_only = true;
    if (fpu.xsave) {
        // check_xstate_in_sigframe: both magic words and sane sizes, else a legacy-only frame.
        FpxSwBytes sw;
        TRY(copy_from_user(&sw, buf + SW_BYTES_OFFSET, sizeof(sw)));
        if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= FXSAVE_SIZE + XSAVE_HEADER_SIZE &&
            sw.xstate_size <= fpu.size && sw.xstate_size <= sw.extended_size) {
            uint32_t magic2;
            TRY(copy_from_user(&magic2, buf + sw.xstate_size, sizeof(magic2)));
            if (magic2 == FP_XSTATE_MAGIC2) {
                fx_only = false;
                size = sw.xstate_size;
                user_xfeatures = sw.xfeatures & fpu.xfeatures;
            }
        }
    }

    preempt_disable();
    auto* area = static_cast<uint8_t*>(task.m_context.fpu);
    bool ok = !copy_from_user(area, buf, size).is_error();
    if (ok) {
        uint32_t mxcsr;
        __builtin_memcpy(&mxcsr, area + MXCSR_OFFSET, sizeof(mxcsr));
        ok = !(mxcsr & ~mxcsr_feature_mask());
    }
    if (ok && fpu.xsave) {
        uint64_t header[XSAVE_HEADER_SIZE / 8];
        if (fx_only) {
            // FXRSTOR semantics through XRSTOR: x87 and SSE from the legacy area, the other
            // components (AVX) back to their initial state.
            __builtin_memset(header, 0, sizeof(header));
            header[0] = XFEATURE_MASK_FPSSE;
        } else {
            __builtin_memcpy(header, area + XSAVE_HEADER_OFFSET, sizeof(header));
            // XRSTOR faults on XSTATE_BV bits outside XCR0, a compacted-format XCOMP_BV, or
            // nonzero reserved header bytes.
            for (size_t i = 1; i < XSAVE_HEADER_SIZE / 8; ++i)
                ok = ok && header[i] == 0;
            ok = ok && !(header[0] & ~fpu.xfeatures);
            // Features the frame does not claim are reset, as Linux's init_bv restore does.
            header[0] &= user_xfeatures;
        }
        __builtin_memcpy(area + XSAVE_HEADER_OFFSET, header, sizeof(header));
    }
    if (ok)
        fpu_load_live(task.m_context);
    else
        fpu_save_live(task.m_context);  // the area holds half a user image: take the truth back
    preempt_enable();
    if (!ok)
        return Error::from_errno(EFAULT);
    return {};
}

bool is_canonical(uint64_t address) { return uint64_t(int64_t(address << 16) >> 16) == address; }

}  // namespace

// ---- What a frame says about the system call it interrupted ------------------------------

bool frame_in_syscall(const TrapFrame& frame) { return frame.vector == SYSCALL_VECTOR && frame.error_code != NO_SYSCALL; }
int64_t frame_syscall_return(const TrapFrame& frame) { return int64_t(frame.rax); }
void frame_set_syscall_return(TrapFrame& frame, int64_t value) { frame.rax = uint64_t(value); }

void frame_restart_syscall(TrapFrame& frame) {
    frame.rax = frame.error_code;  // orig_ax
    frame.rip -= 2;                // back onto the 2-byte `syscall` instruction
}

void frame_restart_syscall_as(TrapFrame& frame, uint64_t number) {
    frame.rax = number;
    frame.rip -= 2;
}

uint64_t frame_user_sp(const TrapFrame& frame) { return frame.rsp; }
uint64_t frame_ip(const TrapFrame& frame) { return frame.rip; }
void frame_set_ip(TrapFrame& frame, uint64_t ip) { frame.rip = ip; }

void core_registers(const TrapFrame& frame, const ThreadContext& ctx, uint64_t (&words)[CORE_REG_WORDS]) {
    uint64_t orig_ax = frame.vector == SYSCALL_VECTOR ? frame.error_code : NO_SYSCALL;
    uint64_t values[CORE_REG_WORDS] = {
        frame.r15, frame.r14, frame.r13, frame.r12, frame.rbp, frame.rbx, frame.r11, frame.r10, frame.r9,
        frame.r8,  frame.rax, frame.rcx, frame.rdx, frame.rsi, frame.rdi, orig_ax,   frame.rip, frame.cs,
        frame.rflags, frame.rsp, frame.ss, user_fs_base(ctx), user_gs_base(ctx),
        0, 0, 0, 0,  // ds, es, fs, gs: null selectors in 64-bit user mode
    };
    __builtin_memcpy(words, values, sizeof(values));
}

// ---- Delivery ---------------------------------------------------------------------------------

// Linux's get_sigframe + x64_setup_rt_frame + the register part of handle_signal.
ErrorOr<void> setup_rt_frame(TrapFrame& frame, Task& task, const SignalDelivery& delivery, SigSet saved_mask) {
    const KSigAction& action = delivery.action;
    // x86-64 should always use SA_RESTORER: there is no trampoline to return through.
    if (!(action.flags & SA_RESTORER))
        return Error::from_errno(EFAULT);

    uint64_t sp = frame.rsp;
    bool nested_altstack = on_sig_stack(task, sp);
    bool entering_altstack = false;
    sp -= 128;  // the red zone below the stack pointer belongs to the interrupted function
    // The X/Open way of switching stacks: only when not already on the alternate stack.
    if ((action.flags & SA_ONSTACK) && sas_ss_flags(task, sp) == 0) {
        sp = task.m_sas_ss_sp + task.m_sas_ss_size;
        entering_altstack = true;
    }
    FpuFormat fpu = fpu_format();
    uint64_t fpstate = (sp - sigframe_fpu_size(fpu)) & ~uint64_t(63);
    sp = fpstate - sizeof(RtSigframe);
    // As if the handler had been called: the return address sits at a 16-byte boundary - 8.
    sp = (sp & ~uint64_t(15)) - 8;
    // Running off the alternate stack would scribble below it: refuse (the task gets SIGSEGV).
    if ((nested_altstack || entering_altstack) && !on_sig_stack_raw(task, sp))
        return Error::from_errno(EFAULT);
    if (!is_user_range(sp, fpstate + sigframe_fpu_size(fpu) - sp))
        return Error::from_errno(EFAULT);

    TRY(copy_fpstate_to_sigframe(task, fpstate, fpu));

    RtSigframe sigframe;
    sigframe.pretcode = action.restorer;
    UContext& uc = sigframe.uc;
    uc.uc_flags = (fpu.xsave ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | (frame.cs == x86::USER_CS ? UC_STRICT_RESTORE_SS : 0);
    uc.uc_link = 0;
    uc.uc_stack = {task.m_sas_ss_sp, task.m_sas_ss_flags, 0, task.m_sas_ss_size};
    SigContext& sc = uc.uc_mcontext;
    sc = {};
    sc.r8 = frame.r8, sc.r9 = frame.r9, sc.r10 = frame.r10, sc.r11 = frame.r11;
    sc.r12 = frame.r12, sc.r13 = frame.r13, sc.r14 = frame.r14, sc.r15 = frame.r15;
    sc.di = frame.rdi, sc.si = frame.rsi, sc.bp = frame.rbp, sc.bx = frame.rbx;
    sc.dx = frame.rdx, sc.ax = frame.rax, sc.cx = frame.rcx, sc.sp = frame.rsp;
    sc.ip = frame.rip, sc.flags = frame.rflags;
    sc.cs = uint16_t(frame.cs), sc.ss = uint16_t(frame.ss);
    // The trap that raised the signal (Linux keeps them per thread, from the last trap): the
    // frame still holds them when the signal is delivered on the way out of that trap.
    if (frame.vector < 32) {
        sc.trapno = frame.vector;
        sc.err = frame.error_code;
        if (frame.vector == 14 && delivery.info.si_code > 0 &&
            (delivery.info.si_signo == SIGSEGV || delivery.info.si_signo == SIGBUS))
            sc.cr2 = reinterpret_cast<uint64_t>(delivery.info.si_addr);
    }
    sc.oldmask = saved_mask;
    sc.fpstate = fpstate;
    uc.uc_sigmask = saved_mask;
    // The siginfo slot is written only for SA_SIGINFO handlers, as on Linux.
    size_t bytes = offsetof(RtSigframe, info);
    if (action.flags & SA_SIGINFO) {
        sigframe.info = delivery.info;
        bytes = sizeof(RtSigframe);
    }
    TRY(copy_to_user(sp, &sigframe, bytes));

    frame.rdi = uint64_t(delivery.sig);
    frame.rax = 0;  // in case the handler was declared without a prototype (varargs)
    frame.rsi = sp + offsetof(RtSigframe, info);
    frame.rdx = sp + offsetof(RtSigframe, uc);
    frame.rip = action.handler;
    frame.rsp = sp;
    // Handlers run in 64-bit mode whatever was interrupted, on a valid stack segment.
    frame.cs = x86::USER_CS;
    frame.ss = x86::USER_DS;
    // The ABI's clear direction flag at function entry; no single-stepping into the handler.
    frame.rflags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
    fpu_init_live();
    return {};
}

// Linux's rt_sigreturn + restore_sigcontext.
ErrorOr<SigreturnState> restore_rt_frame(TrapFrame& frame, Task& task) {
    uint64_t base = frame.rsp - 8;  // the handler's `ret` popped pretcode
    if (!is_user_range(base, sizeof(RtSigframe)))
        return Error::from_errno(EFAULT);
    UContext uc;
    TRY(copy_from_user(&uc, base + offsetof(RtSigframe, uc), sizeof(uc)));
    const SigContext& sc = uc.uc_mcontext;

    // Where Linux would fault in IRET and send SIGSEGV, refuse the frame (same signal): only
    // the user code segments, a usable stack segment and a canonical rip can be returned to.
    uint16_t cs = sc.cs | 3;
    uint16_t ss = sc.ss | 3;
    if (cs != x86::USER_CS && cs != x86::USER32_CS)
        return Error::from_errno(EFAULT);
    if (ss != x86::USER_DS) {
        // Old programs (DOSEMU) save no SS: for them 64-bit code gets a valid one.
        if ((uc.uc_flags & UC_STRICT_RESTORE_SS) || cs != x86::USER_CS)
            return Error::from_errno(EFAULT);
        ss = x86::USER_DS;
    }
    if (!is_canonical(sc.ip))
        return Error::from_errno(EFAULT);

    frame.r8 = sc.r8, frame.r9 = sc.r9, frame.r10 = sc.r10, frame.r11 = sc.r11;
    frame.r12 = sc.r12, frame.r13 = sc.r13, frame.r14 = sc.r14, frame.r15 = sc.r15;
    frame.rdi = sc.di, frame.rsi = sc.si, frame.rbp = sc.bp, frame.rbx = sc.bx;
    frame.rdx = sc.dx, frame.rax = sc.ax, frame.rcx = sc.cx, frame.rsp = sc.sp;
    frame.rip = sc.ip;
    frame.rflags = (frame.rflags & ~FIX_EFLAGS) | (sc.flags & FIX_EFLAGS);
    frame.cs = cs;
    frame.ss = ss;
    frame.error_code = NO_SYSCALL;  // orig_ax = -1: whatever rax holds is not a restart code
    TRY(restore_fpstate_from_sigframe(task, sc.fpstate));
    return SigreturnState{uc.uc_sigmask, uc.uc_stack.ss_sp, uc.uc_stack.ss_flags, uc.uc_stack.ss_size};
}

}  // namespace kernel::arch
