// Signal syscalls (Linux's kernel/signal.c, kernel/time/itimer.c, arch/x86/kernel/signal.c):
// actions and masks, sending (kill, tkill, tgkill, rt_sigqueueinfo), waiting (pause,
// rt_sigsuspend, rt_sigtimedwait), the way back from a handler (rt_sigreturn), the alternate
// stack, and ITIMER_REAL (alarm, setitimer, getitimer). The machinery is task/Signal.cpp.
#include <arch/Context.h>
#include <arch/SignalFrame.h>
#include <arch/Time.h>
#include <linux/capability.h>
#include <linux/time.h>

#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Pid.h"
#include "task/PidFd.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {

constexpr uint64_t NSEC_PER_SEC = 1'000'000'000ull;
constexpr uint64_t NSEC_PER_USEC = 1'000ull;
constexpr int INT_MIN_VALUE = int(0x80000000);
constexpr uint64_t NO_DEADLINE = ~uint64_t(0);

struct KernelTimespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct KernelTimeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
// struct __kernel_old_itimerval
struct KernelItimerval {
    KernelTimeval it_interval;
    KernelTimeval it_value;
};

arch::TrapFrame& current_user_frame() { return *arch::task_user_frame(current()->stack_top()); }

// The sender's uid as its own user namespace names it (si_uid).
unsigned current_uid() {
    const Cred* cred = current()->m_cred.ptr();
    return cred ? from_kuid_munged(*cred->user_ns, cred->uid) : 0;
}

// ---- Permission and targets (Linux's check_kill_permission and the kill_* family) ---------

// May current send `sig` to `target`? A signal from the kernel (si_code > 0) always may; from
// a user, the sender's real or effective uid must match the target's real or saved uid
// (kill_ok_by_cred), or the sender has CAP_KILL; SIGCONT also within the session. Tasklist
// lock held: it keeps the target's credentials from being swapped under us (commit_creds).
ErrorOr<void> check_kill_permission(int sig, const siginfo_t& info, const Task& target) {
    if (!valid_signal(sig))
        return Error::from_errno(EINVAL);
    if (info.si_code > 0)
        return {};
    const Task& self = *current();
    if (self.m_signal && self.m_signal == target.m_signal)
        return {};
    const Cred* cred = self.m_cred.ptr();
    const Cred* tcred = target.m_cred.ptr();
    if (!cred || !tcred || cred->capable_in(*tcred->user_ns, CAP_KILL))
        return {};
    if (cred->euid == tcred->suid || cred->euid == tcred->uid || cred->uid == tcred->suid || cred->uid == tcred->uid)
        return {};
    if (sig == SIGCONT && self.m_signal && target.m_signal && self.m_signal->session == target.m_signal->session)
        return {};
    return Error::from_errno(EPERM);
}

// Linux's group_send_sig_info. Tasklist lock held (it keeps `target` alive).
ErrorOr<void> group_send_sig_info(int sig, const siginfo_t& info, Task& target) {
    TRY(check_kill_permission(sig, info, target));
    if (sig)
        TRY(send_signal(target, sig, info, true));
    return {};
}

// Linux's kill_pid_info: the process that `pid` (any of its thread ids) belongs to.
ErrorOr<void> kill_proc_info(int sig, const siginfo_t& info, int pid) {
    SpinlockGuard guard(tasklist_lock());
    Task* target = find_task_by_vpid_locked(pid);
    if (!target)
        return Error::from_errno(ESRCH);
    return group_send_sig_info(sig, info, *target);
}

// Linux's kill_something_info: pid > 0 one process, 0 the caller's process group, -1 every
// process but init and the caller, < -1 the process group -pid.
ErrorOr<void> kill_something_info(int sig, const siginfo_t& info, int pid) {
    if (pid > 0)
        return kill_proc_info(sig, info, pid);
    if (pid == INT_MIN_VALUE)
        return Error::from_errno(ESRCH);  // -INT_MIN would overflow
    Task& self = *current();
    SpinlockGuard guard(tasklist_lock());
    if (pid != -1) {
        int pgrp = pid ? pid_nr_from_vnr(-pid) : self.m_signal->pgrp;
        // __kill_pgrp_info: success if any member took it, else the last error (ESRCH if none).
        bool success = false;
        int last = ESRCH;
        for_each_process([&](Task& p) {
            if (!p.m_signal || p.m_signal->pgrp != pgrp)
                return false;
            auto result = group_send_sig_info(sig, info, p);
            last = result.is_error() ? result.error().code() : 0;
            success = success || !result.is_error();
            return false;
        });
        if (success)
            return {};
        return Error::from_errno(last);
    }
    int count = 0;
    int error = 0;
    for_each_process([&](Task& p) {
        // Only processes the caller's namespace can see, but its init.
        if (task_pid_vnr(p) <= 1 || (self.m_signal && p.m_signal == self.m_signal))
            return false;
        auto sent = group_send_sig_info(sig, info, p);
        ++count;
        // EPERM from some processes is not an error of kill(-1) as a whole.
        int code = sent.is_error() ? sent.error().code() : 0;
        if (code != EPERM)
            error = code;
        return false;
    });
    if (!count)
        return Error::from_errno(ESRCH);
    if (error)
        return Error::from_errno(error);
    return {};
}

// Linux's do_send_specific: one thread `pid`, of process `tgid` when tgid > 0.
ErrorOr<void> do_send_specific(int tgid, int pid, int sig, const siginfo_t& info) {
    SpinlockGuard guard(tasklist_lock());
    Task* target = find_task_by_vpid_locked(pid);
    if (!target || (tgid > 0 && task_tgid_vnr(*target) != tgid))
        return Error::from_errno(ESRCH);
    TRY(check_kill_permission(sig, info, *target));
    // The null signal is a permission and existence probe: nothing is sent.
    if (sig)
        TRY(send_signal(*target, sig, info, false));
    return {};
}

ErrorOr<void> do_tkill(int tgid, int pid, int sig) {
    siginfo_t info{};
    info.si_signo = sig;
    info.si_code = SI_TKILL;
    info.si_pid = task_tgid_vnr(*current());
    info.si_uid = current_uid();
    return do_send_specific(tgid, pid, sig, info);
}

// A siginfo from user space (rt_sigqueueinfo): its signal number is the call's.
ErrorOr<siginfo_t> copy_siginfo_from_user(int sig, UserPtr<siginfo_t> uinfo) {
    siginfo_t info;
    TRY(copy_from_user(&info, uinfo));
    info.si_signo = sig;
    return info;
}

ErrorOr<SigSet> get_sigset(UserPtr<SigSet> set) {
    SigSet value;
    TRY(copy_from_user(&value, set));
    return value;
}

// ---- Syscalls -------------------------------------------------------------------------------

// The kernel's struct sigaction as x86-64 user space passes it (KSigAction keeps it packed).
struct UserSigAction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    SigSet mask;
};

ErrorOr<long> sys_rt_sigaction(int sig, UserPtr<UserSigAction> act, UserPtr<UserSigAction> oact, size_t sigsetsize) {
    if (sigsetsize != sizeof(SigSet))
        return Error::from_errno(EINVAL);
    KSigAction new_action, old_action;
    if (!act.is_null()) {
        UserSigAction user;
        TRY(copy_from_user(&user, act));
        // Flags beyond the 32 bits every SA_* value fits in are unknown bits: dropped, as
        // do_sigaction drops unknown ones.
        new_action.handler = user.handler;
        new_action.flags = uint32_t(user.flags);
        new_action.restorer = user.restorer;
        new_action.mask = user.mask;
    }
    TRY(do_sigaction(sig, act.is_null() ? nullptr : &new_action, oact.is_null() ? nullptr : &old_action));
    if (!oact.is_null()) {
        UserSigAction user{old_action.handler, old_action.flags, old_action.restorer, old_action.mask};
        TRY(copy_to_user(oact, user));
    }
    return 0;
}

ErrorOr<long> sys_rt_sigprocmask(int how, UserPtr<SigSet> nset, UserPtr<SigSet> oset, size_t sigsetsize) {
    if (sigsetsize != sizeof(SigSet))
        return Error::from_errno(EINVAL);
    Task& self = *current();
    SigSet old = self.m_blocked;
    if (!nset.is_null()) {
        SigSet set = TRY(get_sigset(nset)) & ~UNBLOCKABLE;
        switch (how) {
        case SIG_BLOCK:
            set_current_blocked(old | set);
            break;
        case SIG_UNBLOCK:
            set_current_blocked(old & ~set);
            break;
        case SIG_SETMASK:
            set_current_blocked(set);
            break;
        default:
            return Error::from_errno(EINVAL);
        }
    }
    if (!oset.is_null())
        TRY(copy_to_user(oset, old));
    return 0;
}

ErrorOr<long> sys_rt_sigpending(UserPtr<SigSet> uset, size_t sigsetsize) {
    if (sigsetsize > sizeof(SigSet))
        return Error::from_errno(EINVAL);
    Task& self = *current();
    // Only the blocked ones: an unblocked pending signal is delivered before we get here.
    SigSet set = pending_signals(self) & self.m_blocked;
    TRY(copy_to_user(uset.address(), &set, sigsetsize));
    return 0;
}

ErrorOr<long> sys_rt_sigreturn() {
    Task& self = *current();
    // A handler ran: a restart block armed before it must not resume later (restore_sigcontext
    // makes "any pending restarted system calls return -EINTR").
    self.m_restart_block.fn = nullptr;
    arch::TrapFrame& frame = current_user_frame();
    auto restored = arch::restore_rt_frame(frame, self);
    if (restored.is_error()) {
        // A frame we cannot return through (Linux's signal_fault).
        force_sig_fault(SIGSEGV, SI_KERNEL, 0);
        return 0;
    }
    auto state = restored.release_value();
    set_current_blocked(state.mask);
    // The handler may have edited uc_stack; errors other than EFAULT are ignored, as Linux's
    // restore_altstack does.
    UserStack stack{state.ss_sp, state.ss_flags, 0, state.ss_size};
    (void)do_sigaltstack(&stack, nullptr, arch::frame_user_sp(frame));
    // The syscall returns what rax held when the signal came, so the interrupted code sees
    // its own register again.
    return long(arch::frame_syscall_return(frame));
}

ErrorOr<long> sys_sigaltstack(UserPtr<UserStack> uss, UserPtr<UserStack> uoss) {
    UserStack stack, old;
    if (!uss.is_null())
        TRY(copy_from_user(&stack, uss));
    TRY(do_sigaltstack(uss.is_null() ? nullptr : &stack, uoss.is_null() ? nullptr : &old,
                       arch::frame_user_sp(current_user_frame())));
    if (!uoss.is_null())
        TRY(copy_to_user(uoss, old));
    return 0;
}

ErrorOr<long> sys_kill(int pid, int sig) {
    siginfo_t info = make_kill_info(sig, task_tgid_vnr(*current()), current_uid());
    TRY(kill_something_info(sig, info, pid));
    return 0;
}

ErrorOr<long> sys_tkill(int pid, int sig) {
    if (pid <= 0)
        return Error::from_errno(EINVAL);
    TRY(do_tkill(0, pid, sig));
    return 0;
}

ErrorOr<long> sys_tgkill(int tgid, int pid, int sig) {
    if (pid <= 0 || tgid <= 0)
        return Error::from_errno(EINVAL);
    TRY(do_tkill(tgid, pid, sig));
    return 0;
}

ErrorOr<long> sys_rt_sigqueueinfo(int pid, int sig, UserPtr<siginfo_t> uinfo) {
    siginfo_t info = TRY(copy_siginfo_from_user(sig, uinfo));
    // Not even root may pretend to be the kernel (si_code >= 0) or kill/tgkill (SI_TKILL)
    // towards another process.
    if ((info.si_code >= 0 || info.si_code == SI_TKILL) && task_pid_vnr(*current()) != pid)
        return Error::from_errno(EPERM);
    TRY(kill_proc_info(sig, info, pid));
    return 0;
}

ErrorOr<long> sys_rt_tgsigqueueinfo(int tgid, int pid, int sig, UserPtr<siginfo_t> uinfo) {
    if (pid <= 0 || tgid <= 0)
        return Error::from_errno(EINVAL);
    siginfo_t info = TRY(copy_siginfo_from_user(sig, uinfo));
    if ((info.si_code >= 0 || info.si_code == SI_TKILL) && task_pid_vnr(*current()) != pid)
        return Error::from_errno(EPERM);
    TRY(do_send_specific(tgid, pid, sig, info));
    return 0;
}

// pidfd_send_signal: kill(2) through a pidfd, in Linux 6.1's order of checks. With an info, its
// si_signo must be `sig`, and only a process signalling itself may claim a kernel si_code or
// SI_TKILL. The signal goes to the process while it exists, zombie or not (kill_pid_info);
// ESRCH once it has been reaped.
ErrorOr<long> sys_pidfd_send_signal(int pidfd, int sig, UserPtr<siginfo_t> uinfo, unsigned flags) {
    if (flags)
        return Error::from_errno(EINVAL);
    auto pid = TRY(pidfd_get_pid(pidfd, nullptr));  // EBADF for a descriptor that is no pidfd
    siginfo_t info;
    if (!uinfo.is_null()) {
        TRY(copy_from_user(&info, uinfo));
        if (info.si_signo != sig)
            return Error::from_errno(EINVAL);
        if (pid.ptr() != current()->m_pid.ptr() && (info.si_code >= 0 || info.si_code == SI_TKILL))
            return Error::from_errno(EPERM);
    } else {
        info = make_kill_info(sig, task_tgid_vnr(*current()), current_uid());
    }
    SpinlockGuard guard(tasklist_lock());
    Task* target = pid->task();
    if (!target)
        return Error::from_errno(ESRCH);
    TRY(group_send_sig_info(sig, info, *target));
    return 0;
}

ErrorOr<long> sys_pause() {
    while (!signal_pending(*current()))
        sleep_interruptible_until(NO_DEADLINE, [] { return false; });
    return Error::from_errno(ERESTARTNOHAND);
}

// Sleep with a temporary mask until a signal is delivered; the old mask comes back after the
// handler (through the frame) or at once when no handler ran.
ErrorOr<long> sys_rt_sigsuspend(UserPtr<SigSet> unewset, size_t sigsetsize) {
    if (sigsetsize != sizeof(SigSet))
        return Error::from_errno(EINVAL);
    SigSet set = TRY(get_sigset(unewset));
    Task& self = *current();
    self.m_saved_sigmask = self.m_blocked;
    set_current_blocked(set);
    while (!signal_pending(self))
        sleep_interruptible_until(NO_DEADLINE, [] { return false; });
    self.m_restore_sigmask = true;
    return Error::from_errno(ERESTARTNOHAND);
}

ErrorOr<long> sys_rt_sigtimedwait(UserPtr<SigSet> uthese, UserPtr<siginfo_t> uinfo, UserPtr<KernelTimespec> uts,
                                  size_t sigsetsize) {
    if (sigsetsize != sizeof(SigSet))
        return Error::from_errno(EINVAL);
    SigSet these = TRY(get_sigset(uthese)) & ~UNBLOCKABLE;
    uint64_t deadline = NO_DEADLINE;
    if (!uts.is_null()) {
        KernelTimespec ts;
        TRY(copy_from_user(&ts, uts));
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || uint64_t(ts.tv_nsec) >= NSEC_PER_SEC)
            return Error::from_errno(EINVAL);
        uint64_t ns = uint64_t(ts.tv_sec) > (NO_DEADLINE - 1) / NSEC_PER_SEC
                          ? NO_DEADLINE - 1
                          : uint64_t(ts.tv_sec) * NSEC_PER_SEC + uint64_t(ts.tv_nsec);
        uint64_t now = arch::monotonic_ns();
        deadline = ns > NO_DEADLINE - 1 - now ? NO_DEADLINE - 1 : now + ns;
    }
    Task& self = *current();
    siginfo_t info{};
    int sig = dequeue_signal_in(self, these, info);
    bool timed_out = deadline != NO_DEADLINE && arch::monotonic_ns() >= deadline;
    if (!sig && !timed_out) {
        // The waited-for signals are normally blocked: the wake-up comes anyway (see
        // signal_wake_up), and any other signal ends the wait with EINTR.
        sleep_interruptible_until(deadline, [&] { return (pending_signals(self) & these) != 0; });
        sig = dequeue_signal_in(self, these, info);
        timed_out = deadline != NO_DEADLINE && arch::monotonic_ns() >= deadline;
    }
    if (!sig)
        return Error::from_errno(timed_out ? EAGAIN : EINTR);
    if (!uinfo.is_null())
        TRY(copy_to_user(uinfo, info));
    return sig;
}

ErrorOr<long> sys_restart_syscall() {
    // Resumes what the interrupted sleep saved (a timed futex wait); with nothing saved, Linux's
    // do_no_restart_syscall: EINTR.
    auto& restart = current()->m_restart_block;
    if (!restart.fn)
        return Error::from_errno(EINTR);
    return restart.fn(restart);
}

// ---- ITIMER_REAL ----------------------------------------------------------------------------

uint64_t timeval_to_ns(const KernelTimeval& tv) {
    uint64_t sec = uint64_t(tv.tv_sec);
    if (sec > (NO_DEADLINE - NSEC_PER_SEC) / NSEC_PER_SEC)
        return NO_DEADLINE - 1;  // KTIME_MAX, in effect never
    return sec * NSEC_PER_SEC + uint64_t(tv.tv_usec) * NSEC_PER_USEC;
}

KernelTimeval ns_to_timeval(uint64_t ns) { return {int64_t(ns / NSEC_PER_SEC), int64_t(ns % NSEC_PER_SEC / NSEC_PER_USEC)}; }

bool timeval_valid(const KernelTimeval& tv) { return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000; }

// The per-process CPU-time timers need user/system time accounting this kernel does not keep
// yet: say so rather than pretend.
ErrorOr<void> check_itimer_which(int which) {
    switch (which) {
    case ITIMER_REAL:
        return {};
    case ITIMER_VIRTUAL:
    case ITIMER_PROF:
        return Error::from_errno(ENOSYS);
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<long> sys_alarm(unsigned seconds) {
    RealTimerValue old = TRY(set_real_timer({uint64_t(seconds) * NSEC_PER_SEC, 0}));
    // Never report 0 for a pending alarm, and round to the nearest second otherwise.
    uint64_t sec = old.value_ns / NSEC_PER_SEC;
    uint64_t nsec = old.value_ns % NSEC_PER_SEC;
    if ((!sec && nsec) || nsec >= NSEC_PER_SEC / 2)
        ++sec;
    return long(sec);
}

ErrorOr<long> sys_getitimer(int which, UserPtr<KernelItimerval> value) {
    TRY(check_itimer_which(which));
    RealTimerValue timer = get_real_timer();
    KernelItimerval out{ns_to_timeval(timer.interval_ns), ns_to_timeval(timer.value_ns)};
    TRY(copy_to_user(value, out));
    return 0;
}

ErrorOr<long> sys_setitimer(int which, UserPtr<KernelItimerval> value, UserPtr<KernelItimerval> ovalue) {
    KernelItimerval in{};
    // A null new value disarms (a misfeature Linux keeps).
    if (!value.is_null()) {
        TRY(copy_from_user(&in, value));
        if (!timeval_valid(in.it_value) || !timeval_valid(in.it_interval))
            return Error::from_errno(EINVAL);
    }
    TRY(check_itimer_which(which));
    uint64_t value_ns = timeval_to_ns(in.it_value);
    RealTimerValue old = TRY(set_real_timer({value_ns, value_ns ? timeval_to_ns(in.it_interval) : 0}));
    if (!ovalue.is_null()) {
        KernelItimerval out{ns_to_timeval(old.interval_ns), ns_to_timeval(old.value_ns)};
        TRY(copy_to_user(ovalue, out));
    }
    return 0;
}

}  // namespace

void register_signal_syscalls(SyscallTable& table) {
    table.add<sys_rt_sigaction>(__NR_rt_sigaction);
    table.add<sys_rt_sigprocmask>(__NR_rt_sigprocmask);
    table.add<sys_rt_sigpending>(__NR_rt_sigpending);
    table.add<sys_rt_sigreturn>(__NR_rt_sigreturn);
    table.add<sys_sigaltstack>(__NR_sigaltstack);
    table.add<sys_kill>(__NR_kill);
    table.add<sys_tkill>(__NR_tkill);
    table.add<sys_tgkill>(__NR_tgkill);
    table.add<sys_rt_sigqueueinfo>(__NR_rt_sigqueueinfo);
    table.add<sys_rt_tgsigqueueinfo>(__NR_rt_tgsigqueueinfo);
    table.add<sys_pidfd_send_signal>(__NR_pidfd_send_signal);
    table.add<sys_pause>(__NR_pause);
    table.add<sys_rt_sigsuspend>(__NR_rt_sigsuspend);
    table.add<sys_rt_sigtimedwait>(__NR_rt_sigtimedwait);
    table.add<sys_restart_syscall>(__NR_restart_syscall);
    table.add<sys_alarm>(__NR_alarm);
    table.add<sys_getitimer>(__NR_getitimer);
    table.add<sys_setitimer>(__NR_setitimer);
}

}  // namespace kernel
