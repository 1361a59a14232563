#pragma once
// Signal operations beyond task/Signal.h: what the trap handlers, the timer tick, the signal
// syscalls and the arch signal frame share (Linux's force_sig_fault, set_current_blocked, the
// sigaltstack helpers, ITIMER_REAL, interruptible timed sleeps). Implemented in
// task/Signal.cpp; the syscalls themselves are syscalls/SignalSyscalls.cpp.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "task/SigPending.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/Task.h"

namespace kernel {

// ---- Signal classes (Linux's SIG_KERNEL_*_MASK, include/linux/signal.h) --------------------

inline constexpr int SIGRTMIN_KERNEL = 32;  // the kernel's SIGRTMIN (libcs reserve 32..34)

// The default action of each legacy signal; real-time signals (32..64) all terminate.
inline constexpr SigSet SIG_KERNEL_ONLY_MASK = sigmask(SIGKILL) | sigmask(SIGSTOP);
inline constexpr SigSet SIG_KERNEL_STOP_MASK = sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU);
inline constexpr SigSet SIG_KERNEL_COREDUMP_MASK = sigmask(SIGQUIT) | sigmask(SIGILL) | sigmask(SIGTRAP) |
                                                   sigmask(SIGABRT) | sigmask(SIGFPE) | sigmask(SIGSEGV) |
                                                   sigmask(SIGBUS) | sigmask(SIGSYS) | sigmask(SIGXCPU) |
                                                   sigmask(SIGXFSZ);
inline constexpr SigSet SIG_KERNEL_IGNORE_MASK =
    sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG);
// Signals an instruction raises: dequeued before any other, so the handler's frame points at
// the faulting instruction (Linux's SYNCHRONOUS_MASK).
inline constexpr SigSet SYNCHRONOUS_MASK = sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) |
                                           sigmask(SIGTRAP) | sigmask(SIGFPE) | sigmask(SIGSYS);

constexpr bool sig_in_mask(int sig, SigSet mask) { return sig < SIGRTMIN_KERNEL && (sigmask(sig) & mask); }
constexpr bool sig_kernel_only(int sig) { return sig_in_mask(sig, SIG_KERNEL_ONLY_MASK); }
constexpr bool sig_kernel_stop(int sig) { return sig_in_mask(sig, SIG_KERNEL_STOP_MASK); }
constexpr bool sig_kernel_coredump(int sig) { return sig_in_mask(sig, SIG_KERNEL_COREDUMP_MASK); }
constexpr bool sig_kernel_ignore(int sig) { return sig_in_mask(sig, SIG_KERNEL_IGNORE_MASK); }

// sa_flags the kernel keeps (UAPI_SA_FLAGS on x86: unknown bits are cleared, so a program can
// probe for support), and the kernel-only SA_IMMUTABLE: a fatal signal forced on a task whose
// action may no longer change (force_exit_sig; rt_sigaction answers EINVAL).
inline constexpr uint64_t SA_EXPOSE_TAGBITS_FLAG = 0x00000800;
inline constexpr uint64_t UAPI_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART |
                                          SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS_FLAG | SA_RESTORER;
inline constexpr uint64_t SA_IMMUTABLE = 0x00800000;

// ---- Generating signals -------------------------------------------------------------------

// A siginfo for a signal the kernel itself sends (Linux's SEND_SIG_PRIV: SI_KERNEL, no sender).
siginfo_t make_kernel_info(int sig);

// A signal caused by the instruction the current task is executing (a CPU exception): it is
// delivered before any other, and if it is blocked or ignored the action becomes SIG_DFL and
// the signal is unblocked, so the task cannot loop on the faulting instruction (Linux's
// force_sig_fault). `addr` is si_addr.
void force_sig_fault(int sig, int code, uint64_t addr);
// Signal delivery failed (the frame could not be written): SIGSEGV, fatal if SIGSEGV itself was
// being delivered (Linux's force_sigsegv).
void force_sigsegv(int sig);
// Linux's zap_other_threads: SIGKILL to every other live thread of the process; returns how
// many. Siglock held.
int zap_other_threads(Task& task);
// Linux's exit_signals: the task is exiting (no longer a target for signals), and the process's
// pending signals it could have taken are handed to another thread.
void exit_signals(Task& task);

// Queues `sig` for `task` (or its process, `group`) and wakes it, checking nothing about the
// sender: the generation step shared by kill, tkill, rt_sigqueueinfo, the timer and exit
// (Linux's send_signal_locked with its prepare_signal/complete_signal). Ignored signals are
// dropped (success); EAGAIN when an rt signal cannot be queued; signal 0 is a no-op.
ErrorOr<void> send_signal(Task& task, int sig, const siginfo_t& info, bool group);

// The core dump of the current process, killed by `info` with the user registers in `frame`
// (task/Coredump.cpp). True when a whole dump was written: the wait status then has 0x80.
bool do_coredump(const siginfo_t& info, const arch::TrapFrame& frame);

// Frees every queued siginfo of a pending set (Linux's flush_sigqueue). For the lead's
// release paths: a dying task's m_pending, and a process's shared_pending when its
// SignalStruct goes.
void flush_sigqueue(SigPending& pending);

// rt_sigaction for current (Linux's do_sigaction): EINVAL for a bad number, for changing
// SIGKILL/SIGSTOP, or for an action made immutable by a fatal forced signal.
ErrorOr<void> do_sigaction(int sig, const KSigAction* act, KSigAction* oact);

// ---- The blocked mask and pending sets ----------------------------------------------------

// Sets current's blocked mask (SIGKILL and SIGSTOP are never blocked: Linux's
// set_current_blocked). A signal it unblocks is delivered on the way back to user mode.
void set_current_blocked(SigSet mask);
// Signals pending for `task`, thread-directed or process-wide, blocked or not.
SigSet pending_signals(const Task& task);
// Takes the lowest pending signal in `wanted` (thread-directed first) and its siginfo; 0 if
// none (Linux's dequeue_signal with the complement of `wanted` as mask). For rt_sigtimedwait.
int dequeue_signal_in(Task& task, SigSet wanted, siginfo_t& info);

// ---- The alternate signal stack (sigaltstack) ---------------------------------------------

// struct sigaltstack / stack_t as user space lays it out.
struct UserStack {
    uint64_t ss_sp;
    int32_t ss_flags;
    uint32_t pad;
    uint64_t ss_size;
};
static_assert(sizeof(UserStack) == 24);

inline constexpr int SS_ONSTACK_FLAG = 1;
inline constexpr int SS_DISABLE_FLAG = 2;
inline constexpr uint32_t SS_AUTODISARM_FLAG = 1u << 31;

// Is `sp` on the task's alternate stack (which grows down from sas_ss_sp + sas_ss_size)?
inline bool on_sig_stack_raw(const Task& task, uint64_t sp) {
    return sp > task.m_sas_ss_sp && sp - task.m_sas_ss_sp <= task.m_sas_ss_size;
}
// As Linux's on_sig_stack: an SS_AUTODISARM stack never counts as "in use".
inline bool on_sig_stack(const Task& task, uint64_t sp) {
    if (uint32_t(task.m_sas_ss_flags) & SS_AUTODISARM_FLAG)
        return false;
    return on_sig_stack_raw(task, sp);
}
// SS_DISABLE (no stack), SS_ONSTACK (running on it) or 0 (usable).
inline int sas_ss_flags(const Task& task, uint64_t sp) {
    if (!task.m_sas_ss_size)
        return SS_DISABLE_FLAG;
    return on_sig_stack(task, sp) ? SS_ONSTACK_FLAG : 0;
}
// sigaltstack(2) for current, whose user stack pointer is `sp`: EPERM while running on the
// stack, EINVAL for bad flags, ENOMEM below MINSIGSTKSZ (Linux's do_sigaltstack).
ErrorOr<void> do_sigaltstack(const UserStack* ss, UserStack* oss, uint64_t sp);

// ---- Sleeping ---------------------------------------------------------------------------------

// Sleeps (TASK_INTERRUPTIBLE) until monotonic time `deadline_ns` (~0: no deadline), a signal
// is pending for current, or `condition()` holds; whichever comes first. Returns false when it
// gave up because of a signal, true otherwise. The sleepers' timer is signal_timer_tick.
template <typename Condition>
bool sleep_interruptible_until(uint64_t deadline_ns, Condition condition);
namespace detail {
struct TimedSleeper {
    Task* task;
    uint64_t deadline_ns;
    IntrusiveListNode node;
};
void add_timed_sleeper(TimedSleeper& sleeper);
void remove_timed_sleeper(TimedSleeper& sleeper);
uint64_t now_ns();
}  // namespace detail

template <typename Condition>
bool sleep_interruptible_until(uint64_t deadline_ns, Condition condition) {
    detail::TimedSleeper sleeper{current(), deadline_ns, {}};
    if (deadline_ns != ~uint64_t(0))
        detail::add_timed_sleeper(sleeper);
    bool interrupted = false;
    for (;;) {
        set_current_state(TaskState::Interruptible);
        if (condition() || detail::now_ns() >= deadline_ns)
            break;
        if (signal_pending(*current())) {
            interrupted = true;
            break;
        }
        schedule();
    }
    set_current_state(TaskState::Running);
    detail::remove_timed_sleeper(sleeper);
    return !interrupted;
}

// ---- ITIMER_REAL (alarm, setitimer) -------------------------------------------------------

struct RealTimerValue {
    uint64_t value_ns;     // time left until it fires; 0 when disarmed
    uint64_t interval_ns;  // the reload value; 0 for one shot
};
// The calling process's timer (Linux's getitimer(ITIMER_REAL)).
RealTimerValue get_real_timer();
// Arms (value_ns != 0) or disarms current's process timer; returns the old value. ENOMEM.
ErrorOr<RealTimerValue> set_real_timer(RealTimerValue value);
// The process is gone: its timer with it (Linux's hrtimer_cancel(&sig->real_timer) in
// do_exit). Call once per dying process, without the tasklist lock held.
void exit_itimers(Task& task);

// From scheduler_tick, in interrupt context: fires expired ITIMER_REAL timers (SIGALRM to the
// process) and wakes timed interruptible sleepers.
void signal_timer_tick();

}  // namespace kernel
