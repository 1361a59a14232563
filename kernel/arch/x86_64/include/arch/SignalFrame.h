#pragma once
// The x86-64 side of signal delivery (Linux's arch/x86/kernel/signal.c): the rt_sigframe a
// handler finds on its stack, rt_sigreturn's way back, and what a syscall frame says about
// restarting. Generic code (task/Signal.cpp) decides which signal is delivered with which
// action; this contract decides how registers, FPU state and mask are laid out in user memory.
#include <arch/Context.h>
#include <arch/TrapFrame.h>
#include <asm-generic/siginfo.h>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "task/SigPending.h"

namespace kernel {
struct Task;
struct UserStack;
}  // namespace kernel

namespace kernel::arch {

// The signal being delivered (Linux's struct ksignal): number, siginfo, and the action as it
// was when the signal was dequeued (SA_RESETHAND may have reset the table since).
struct SignalDelivery {
    int sig;
    siginfo_t info;
    KSigAction action;
};

// ---- What a frame says about the system call it interrupted ------------------------------

// True when `frame` was saved by a system call whose restart has not been disarmed (Linux's
// syscall_get_nr(regs) != -1; rt_sigreturn disarms it).
bool frame_in_syscall(const TrapFrame& frame);
// The syscall's return value, as it stands in rax (Linux's syscall_get_error).
int64_t frame_syscall_return(const TrapFrame& frame);
void frame_set_syscall_return(TrapFrame& frame, int64_t value);
// Makes the return to user mode execute the `syscall` instruction again: with the original
// number (orig_ax), or with `number` (restart_syscall).
void frame_restart_syscall(TrapFrame& frame);
void frame_restart_syscall_as(TrapFrame& frame, uint64_t number);
uint64_t frame_user_sp(const TrapFrame& frame);
// The user instruction pointer the frame returns to (instruction_pointer), and moving it
// (instruction_pointer_set: rseq's abort).
uint64_t frame_ip(const TrapFrame& frame);
void frame_set_ip(TrapFrame& frame, uint64_t ip);

// ---- The rt_sigframe ------------------------------------------------------------------------

// Builds Linux's x86-64 rt_sigframe below the user stack pointer (past the 128-byte red zone,
// or at the top of the alternate stack for SA_ONSTACK): return address = sa_restorer,
// ucontext (flags, sigaltstack, every register, the mask to restore = `saved_mask`), siginfo
// when SA_SIGINFO, and the XSAVE image with its software-reserved magic. On success the frame
// enters the handler: rdi = sig, rsi = &info, rdx = &uc, rsp = frame (16-byte aligned minus
// 8, as after a call), DF/TF/RF clear and the FPU in its initial state. EFAULT when the frame
// cannot be written or SA_RESTORER is missing (x86-64 has no kernel trampoline).
ErrorOr<void> setup_rt_frame(TrapFrame& frame, Task& task, const SignalDelivery& delivery, SigSet saved_mask);

// What rt_sigreturn restores besides the registers: the mask and the sigaltstack settings
// saved in the ucontext.
struct SigreturnState {
    SigSet mask;
    uint64_t ss_sp;
    int32_t ss_flags;
    uint64_t ss_size;
};
// rt_sigreturn: reads the frame the handler returned through (at rsp - 8), restores every
// register and the FPU state into `frame` and the CPU, and disarms syscall restart. EFAULT for
// a frame that cannot be read or would fault the return to user mode (bad cs/ss, non-canonical
// rip, an XSAVE image XRSTOR would refuse): the caller sends SIGSEGV.
ErrorOr<SigreturnState> restore_rt_frame(TrapFrame& frame, Task& task);

// ---- Core dumps (task/Coredump.cpp) --------------------------------------------------------

// The registers as a core file's NT_PRSTATUS note holds them: Linux's struct user_regs_struct
// (r15 ... gs, 27 words), from the user frame and the running task's TLS bases.
inline constexpr size_t CORE_REG_WORDS = 27;
void core_registers(const TrapFrame& frame, const ThreadContext& ctx, uint64_t (&words)[CORE_REG_WORDS]);

// ---- FPU state, for the signal frame (arch/x86_64/UserMode.cpp) ------------------------------

struct FpuFormat {
    uint32_t size;       // bytes of XSAVE (or FXSAVE) state
    uint64_t xfeatures;  // XCR0's user features (x87|SSE|AVX); FP|SSE for FXSAVE
    bool xsave;
};
FpuFormat fpu_format();
// The running task's FPU registers into its save area (ctx.fpu), and back.
void fpu_save_live(ThreadContext& ctx);
void fpu_load_live(const ThreadContext& ctx);
// The initial FPU state (x87 control word 0x37f, MXCSR 0x1f80): a handler starts with it.
void fpu_init_live();

}  // namespace kernel::arch
