// Process syscalls: identity, time, limits, TLS, exit — what a libc needs at start and exit.
#include <arch/Context.h>
#include <arch/Power.h>
#include <arch/Time.h>
#include <asm/prctl.h>
#include <linux/ioprio.h>
#include <linux/capability.h>
#include <linux/prctl.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/resource.h>
#include <linux/time.h>
#include <linux/utsname.h>

#include "fs/PageMap.h"
#include "lib/Random.h"
#include "lib/ScopeGuard.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Exec.h"
#include "task/Fork.h"
#include "task/NsFs.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Rseq.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "task/Exit.h"
#include "task/Scheduler.h"
#include "task/Cred.h"

namespace kernel {

// The capability options of prctl (syscalls/CredSyscalls.cpp); ENOSYS for any other option.
ErrorOr<long> cred_prctl(int option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5);

namespace {

constexpr uint64_t NSEC_PER_SEC = 1'000'000'000ull;
constexpr uint64_t TICK_NS = NSEC_PER_SEC / 250;  // HZ: the resolution of the coarse clocks

struct KernelTimespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct KernelTimeval {
    int64_t tv_sec;
    int64_t tv_usec;
};
struct Rlimit64 {
    uint64_t rlim_cur;
    uint64_t rlim_max;
};

KernelTimespec to_timespec(uint64_t ns) { return {int64_t(ns / NSEC_PER_SEC), int64_t(ns % NSEC_PER_SEC)}; }

// The value of a clock in nanoseconds, or EINVAL for clocks we do not know.
ErrorOr<uint64_t> clock_now(int clock_id) {
    switch (clock_id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI:  // TAI offset 0 until adjtimex sets one
        return arch::realtime_ns();
    case CLOCK_REALTIME_COARSE:
        return arch::realtime_ns() / TICK_NS * TICK_NS;
    // The monotonic and boot clocks as the caller's time namespace shows them.
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
        return timens_add_monotonic(arch::monotonic_ns());
    case CLOCK_BOOTTIME:  // no suspend, so boot time is monotonic time
    case CLOCK_BOOTTIME_ALARM:
        return timens_add_boottime(arch::monotonic_ns());
    case CLOCK_MONOTONIC_COARSE:
        return timens_add_monotonic(arch::monotonic_ns() / TICK_NS * TICK_NS);
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        return task_runtime_ns(*current());
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<KernelTimespec> timespec_from_user(UserPtr<KernelTimespec> user) {
    KernelTimespec ts;
    TRY(copy_from_user(&ts, user));
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || uint64_t(ts.tv_nsec) >= NSEC_PER_SEC)
        return Error::from_errno(EINVAL);
    return ts;
}

uint64_t timespec_ns(const KernelTimespec& ts) {
    // Saturate instead of overflowing: a sleep of 2^63 ns is "forever" either way.
    if (uint64_t(ts.tv_sec) > (~uint64_t(0) - NSEC_PER_SEC) / NSEC_PER_SEC)
        return ~uint64_t(0);
    return uint64_t(ts.tv_sec) * NSEC_PER_SEC + uint64_t(ts.tv_nsec);
}

// ---- identity -------------------------------------------------------------------------------

// Numbers as the caller's pid namespace sees them.
ErrorOr<long> sys_getpid() { return task_tgid_vnr(*current()); }
ErrorOr<long> sys_gettid() { return task_pid_vnr(*current()); }
ErrorOr<long> sys_getppid() {
    SpinlockGuard guard(tasklist_lock());
    Task* parent = current()->m_group_leader->m_real_parent;
    // init's parent is the idle task, pid 0; a namespace's init sees its parent outside as 0.
    return parent ? task_tgid_vnr(*parent) : 0;
}

// ---- process creation -----------------------------------------------------------------------

ErrorOr<long> sys_fork() {
    KernelCloneArgs args;
    args.exit_signal = SIGCHLD;
    return TRY(kernel_clone(args));
}

ErrorOr<long> sys_vfork() {
    KernelCloneArgs args;
    args.flags = CLONE_VFORK | CLONE_VM;
    args.exit_signal = SIGCHLD;
    return TRY(kernel_clone(args));
}

// clone(flags, newsp, parent_tid, child_tid, tls): x86-64's argument order. Only the low 32
// bits of the flags count, and their low byte is the exit signal (CSIGNAL).
ErrorOr<long> sys_clone(uint64_t raw_flags, uint64_t new_stack, uint64_t parent_tid, uint64_t child_tid, uint64_t tls) {
    uint32_t flags = uint32_t(raw_flags);
    KernelCloneArgs args;
    args.flags = flags & ~uint32_t(CSIGNAL);
    args.exit_signal = int(flags & CSIGNAL);
    args.pidfd = parent_tid;
    args.parent_tid = parent_tid;
    args.child_tid = child_tid;
    args.stack = new_stack;
    args.tls = tls;
    // Legacy clone takes any exit signal byte (an invalid one is simply never sent); only
    // clone3 validates it.
    return TRY(kernel_clone(args));
}

// clone3(uargs, size): Linux 6.1's copy_clone_args_from_user, then clone3_args_valid, each
// check in its order. struct clone_args grew by appending: 64 bytes (up to tls), 80 (set_tid),
// 88 (cgroup).
ErrorOr<long> sys_clone3(uint64_t user_args, size_t size) {
    static_assert(sizeof(clone_args) == CLONE_ARGS_SIZE_VER2);
    constexpr uint64_t CLONE_LEGACY_FLAGS = 0xffffffffull;
    if (size > PAGE_SIZE)
        return Error::from_errno(E2BIG);
    if (size < CLONE_ARGS_SIZE_VER0)
        return Error::from_errno(EINVAL);
    clone_args uargs;
    TRY(copy_struct_from_user(&uargs, sizeof(uargs), user_args, size));
    if (uargs.set_tid_size > MAX_PID_NS_LEVEL)
        return Error::from_errno(EINVAL);
    if (!uargs.set_tid && uargs.set_tid_size > 0)
        return Error::from_errno(EINVAL);
    if (uargs.set_tid && uargs.set_tid_size == 0)
        return Error::from_errno(EINVAL);
    // The exit signal is a whole 64-bit field: nothing above CSIGNAL, and a real signal (or 0).
    if ((uargs.exit_signal & ~uint64_t(CSIGNAL)) || !valid_signal(int(uargs.exit_signal)))
        return Error::from_errno(EINVAL);
    if ((uargs.flags & CLONE_INTO_CGROUP) && (uargs.cgroup > uint64_t(0x7fffffff) /* INT_MAX */ || size < CLONE_ARGS_SIZE_VER2))
        return Error::from_errno(EINVAL);
    int set_tid[MAX_PID_NS_LEVEL];
    if (uargs.set_tid)
        TRY(copy_from_user(set_tid, uargs.set_tid, uargs.set_tid_size * sizeof(int)));

    KernelCloneArgs args;
    args.flags = uargs.flags;
    args.pidfd = uargs.pidfd;
    args.child_tid = uargs.child_tid;
    args.parent_tid = uargs.parent_tid;
    args.exit_signal = int(uargs.exit_signal);
    args.stack = uargs.stack;
    args.stack_size = uargs.stack_size;
    args.tls = uargs.tls;
    args.set_tid = uargs.set_tid ? set_tid : nullptr;
    args.set_tid_size = uargs.set_tid_size;
    args.cgroup = uargs.cgroup;

    // clone3_args_valid: no unknown flags; CLONE_DETACHED and the CSIGNAL bits are reserved
    // for new uses (one is: CLONE_NEWTIME, which legacy clone cannot pass, its bit being part
    // of the exit signal byte); a thread or a sibling (CLONE_PARENT) cannot choose its exit
    // signal.
    if (args.flags & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
        return Error::from_errno(EINVAL);
    if (args.flags & (CLONE_DETACHED | (CSIGNAL & ~uint64_t(CLONE_NEWTIME))))
        return Error::from_errno(EINVAL);
    if ((args.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) == (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
        return Error::from_errno(EINVAL);
    if ((args.flags & (CLONE_THREAD | CLONE_PARENT)) && args.exit_signal)
        return Error::from_errno(EINVAL);
    // clone3_stack_valid: a stack comes with its size and lies in user space; the child starts
    // at its top (the stack grows down).
    if (!args.stack) {
        if (args.stack_size)
            return Error::from_errno(EINVAL);
    } else {
        if (!args.stack_size || !is_user_range(args.stack, args.stack_size))
            return Error::from_errno(EINVAL);
        args.stack += args.stack_size;
    }
    return TRY(kernel_clone(args));
}

// ---- process groups and sessions ------------------------------------------------------------

ErrorOr<long> sys_getpgid(int pid) {
    SpinlockGuard guard(tasklist_lock());
    Task* task = pid == 0 ? current() : find_task_by_vpid_locked(pid);
    if (!task || !task->m_signal)
        return Error::from_errno(ESRCH);
    return pid_vnr_from_nr(task->m_signal->pgrp);
}

ErrorOr<long> sys_getpgrp() { return sys_getpgid(0); }

ErrorOr<long> sys_getsid(int pid) {
    SpinlockGuard guard(tasklist_lock());
    Task* task = pid == 0 ? current() : find_task_by_vpid_locked(pid);
    if (!task || !task->m_signal)
        return Error::from_errno(ESRCH);
    return pid_vnr_from_nr(task->m_signal->session);
}

// setpgid's rules (Linux's kernel/sys.c): the target is the caller or one of its children that
// has not exec'd, in the caller's session and not a session leader; the group must exist in
// the same session unless it is the target's own pid.
ErrorOr<long> sys_setpgid(int pid, int pgid) {
    Task* self = current()->m_group_leader;
    if (pid == 0)
        pid = task_tgid_vnr(*self);
    if (pgid == 0)
        pgid = pid;
    if (pgid < 0)
        return Error::from_errno(EINVAL);
    SpinlockGuard guard(tasklist_lock());
    Task* target = find_task_by_vpid_locked(pid);
    if (!target || target->m_group_leader != target)
        return Error::from_errno(ESRCH);
    // From here on, initial-namespace numbers (what pgrp and session hold).
    bool own_group = pgid == pid;
    pid = task_tgid_nr(*target);
    pgid = own_group ? pid : pid_nr_from_vnr(pgid);
    if (target->m_real_parent == self || (target->m_real_parent && target->m_real_parent->m_group_leader == self)) {
        if (target->m_signal->session != self->m_signal->session)
            return Error::from_errno(EPERM);
        if (target->m_did_exec)
            return Error::from_errno(EACCES);
    } else if (target != self) {
        return Error::from_errno(ESRCH);
    }
    if (target->m_signal->session == task_tgid_nr(*target))
        return Error::from_errno(EPERM);  // a session leader keeps its group
    if (pgid != pid) {
        bool found = false;
        for_each_process([&](Task& t) {
            if (t.m_signal && t.m_signal->pgrp == pgid && t.m_signal->session == self->m_signal->session)
                found = true;
            return found;
        });
        if (!found)
            return Error::from_errno(EPERM);
    }
    target->m_signal->pgrp = pgid;
    return 0;
}

ErrorOr<long> sys_setsid() {
    Task* self = current()->m_group_leader;
    int pid = task_tgid_nr(*self);
    SpinlockGuard guard(tasklist_lock());
    // Fail if a process group with our pid exists (we lead one, or someone joined ours).
    bool group_exists = false;
    for_each_process([&](Task& t) {
        if (t.m_signal && t.m_signal->pgrp == pid)
            group_exists = true;
        return group_exists;
    });
    if (group_exists)
        return Error::from_errno(EPERM);
    self->m_signal->session = pid;
    self->m_signal->pgrp = pid;
    self->m_signal->leader = true;
    self->m_signal->tty = nullptr;  // proc_clear_tty: a new session has no terminal
    return task_tgid_vnr(*self);
}

// ---- prctl ----------------------------------------------------------------------------------

ErrorOr<long> sys_prctl(int option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5) {
    // The capability options come first, as Linux's security_task_prctl does; ENOSYS: not one.
    auto capability_option = cred_prctl(option, arg2, arg3, arg4, arg5);
    if (!capability_option.is_error() || capability_option.error().code() != ENOSYS)
        return capability_option;
    Task* self = current();
    switch (option) {
    case PR_SET_PDEATHSIG:
        if (!valid_signal(int(arg2)))
            return Error::from_errno(EINVAL);
        self->m_pdeath_signal = int(arg2);
        return 0;
    case PR_GET_PDEATHSIG:
        TRY(copy_to_user(arg2, &self->m_pdeath_signal, sizeof(int)));
        return 0;
    case PR_GET_DUMPABLE:
        return self->m_mm && self->m_mm->dumpable() ? 1 : 0;
    case PR_SET_DUMPABLE:
        // SUID_DUMP_DISABLE or SUID_DUMP_USER; 2 (root-only dumps) is refused as Linux does.
        if (arg2 != 0 && arg2 != 1)
            return Error::from_errno(EINVAL);
        if (self->m_mm)
            self->m_mm->set_dumpable(arg2 == 1);
        return 0;
    case PR_SET_NAME: {
        char name[16];
        auto length = strncpy_from_user(name, arg2, sizeof(name));
        if (length.is_error() && length.error().code() != ENAMETOOLONG)
            return length.release_error();
        name[15] = 0;  // no NUL within 16 bytes: the first 15 make the name, as Linux's
        set_task_comm(*self, name);
        return 0;
    }
    case PR_GET_NAME:
        TRY(copy_to_user(arg2, self->m_comm, sizeof(self->m_comm)));
        return 0;
    case PR_SET_CHILD_SUBREAPER:
        self->m_signal->is_child_subreaper = arg2 != 0;
        if (arg2)
            self->m_signal->has_child_subreaper = true;
        return 0;
    case PR_GET_CHILD_SUBREAPER: {
        int value = self->m_signal->is_child_subreaper;
        TRY(copy_to_user(arg2, &value, sizeof(value)));
        return 0;
    }
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<long> sys_set_tid_address(uint64_t tidptr) {
    current()->m_clear_child_tid = tidptr;
    return task_pid_vnr(*current());
}

// uname(2): the names of the caller's uts namespace.
ErrorOr<long> sys_uname(UserPtr<new_utsname> buffer) {
    new_utsname name;
    UtsNamespace& uts = *current()->m_nsproxy->uts_ns;
    {
        SpinlockGuard guard(uts.lock);
        name = uts.name;
    }
    TRY(copy_to_user(buffer, name));
    return 0;
}

// sethostname(2), setdomainname(2): CAP_SYS_ADMIN, at most __NEW_UTS_LEN bytes (no NUL
// needed), the rest of the field cleared.
ErrorOr<long> set_uts_field(char (new_utsname::*field)[__NEW_UTS_LEN + 1], uint64_t user_name, int length) {
    UtsNamespace& uts = *current()->m_nsproxy->uts_ns;
    if (!ns_capable(*uts.user_ns, CAP_SYS_ADMIN))
        return Error::from_errno(EPERM);
    if (length < 0 || length > __NEW_UTS_LEN)
        return Error::from_errno(EINVAL);
    char text[__NEW_UTS_LEN];
    TRY(copy_from_user(text, user_name, size_t(length)));
    SpinlockGuard guard(uts.lock);
    char* target = uts.name.*field;
    __builtin_memcpy(target, text, size_t(length));
    __builtin_memset(target + length, 0, sizeof(uts.name.*field) - size_t(length));
    return 0;
}

ErrorOr<long> sys_sethostname(uint64_t name, int length) { return set_uts_field(&new_utsname::nodename, name, length); }
ErrorOr<long> sys_setdomainname(uint64_t name, int length) {
    return set_uts_field(&new_utsname::domainname, name, length);
}

// ---- limits ---------------------------------------------------------------------------------

ErrorOr<long> sys_prlimit64(int pid, unsigned resource, UserPtr<Rlimit64> new_limit, UserPtr<Rlimit64> old_limit) {
    if (resource >= RLIM_NLIMITS)
        return Error::from_errno(EINVAL);
    Task* target = current();
    if (pid != 0 && pid != task_tgid_vnr(*target)) {
        target = find_task_by_vpid(pid);
        if (!target || !target->m_signal)
            return Error::from_errno(ESRCH);
        // check_prlimit_permission: another process needs all its ids to be ours, or
        // CAP_SYS_RESOURCE.
        SpinlockGuard guard(tasklist_lock());
        const Cred& cred = *current()->m_cred;
        const Cred& tcred = *target->m_cred;
        bool ids_match = cred.uid == tcred.uid && cred.uid == tcred.euid && cred.uid == tcred.suid &&
                         cred.gid == tcred.gid && cred.gid == tcred.egid && cred.gid == tcred.sgid;
        if (!ids_match && !cred.capable_in(*tcred.user_ns, CAP_SYS_RESOURCE))
            return Error::from_errno(EPERM);
    }
    auto& limits = target->m_signal->rlim;
    Rlimit64 replacement{};
    if (!new_limit.is_null()) {
        TRY(copy_from_user(&replacement, new_limit));
        if (replacement.rlim_cur > replacement.rlim_max)
            return Error::from_errno(EINVAL);
        // NOFILE is capped by fs.nr_open (1048576 by default); raising a hard limit needs
        // CAP_SYS_RESOURCE.
        if (resource == RLIMIT_NOFILE && replacement.rlim_max > 1048576)
            return Error::from_errno(EPERM);
        if (replacement.rlim_max > limits[resource].max && !capable(CAP_SYS_RESOURCE))
            return Error::from_errno(EPERM);
    }
    if (!old_limit.is_null())
        TRY(copy_to_user(old_limit, Rlimit64{limits[resource].cur, limits[resource].max}));
    if (!new_limit.is_null())
        limits[resource] = {replacement.rlim_cur, replacement.rlim_max};
    return 0;
}

// getrlimit/setrlimit always transfer the limit: a NULL pointer is EFAULT here, unlike
// prlimit64's "do not get/set".
ErrorOr<long> sys_getrlimit(unsigned resource, UserPtr<Rlimit64> limit) {
    if (limit.is_null())
        return resource >= RLIM_NLIMITS ? Error::from_errno(EINVAL) : Error::from_errno(EFAULT);
    return sys_prlimit64(0, resource, UserPtr<Rlimit64>(), limit);
}

ErrorOr<long> sys_setrlimit(unsigned resource, UserPtr<Rlimit64> limit) {
    if (limit.is_null())
        return resource >= RLIM_NLIMITS ? Error::from_errno(EINVAL) : Error::from_errno(EFAULT);
    return sys_prlimit64(0, resource, limit, UserPtr<Rlimit64>());
}

// ---- time -----------------------------------------------------------------------------------

ErrorOr<long> sys_clock_gettime(int clock_id, UserPtr<KernelTimespec> result) {
    uint64_t now = TRY(clock_now(clock_id));
    TRY(copy_to_user(result, to_timespec(now)));
    return 0;
}

ErrorOr<long> sys_clock_getres(int clock_id, UserPtr<KernelTimespec> result) {
    TRY(clock_now(clock_id));
    bool coarse = clock_id == CLOCK_REALTIME_COARSE || clock_id == CLOCK_MONOTONIC_COARSE;
    if (!result.is_null())
        TRY(copy_to_user(result, to_timespec(coarse ? TICK_NS : 1)));
    return 0;
}

// Linux's sys_tz: the struct timezone settimeofday stored (minutes west, dst type), which
// gettimeofday hands back and nothing else uses.
constinit int32_t g_sys_tz[2] = {0, 0};

ErrorOr<long> sys_gettimeofday(UserPtr<KernelTimeval> tv, uint64_t tz) {
    if (!tv.is_null()) {
        uint64_t now = arch::realtime_ns();
        TRY(copy_to_user(tv, KernelTimeval{int64_t(now / NSEC_PER_SEC), int64_t(now % NSEC_PER_SEC / 1000)}));
    }
    if (tz) {
        int32_t zone[2] = {g_sys_tz[0], g_sys_tz[1]};
        TRY(copy_to_user(tz, zone, sizeof(zone)));
    }
    return 0;
}

// do_sys_settimeofday64: a time the clock can hold (timespec64_valid_settod: not negative,
// below KTIME_SEC_MAX less 30 years of uptime), else EINVAL; then CAP_SYS_TIME (EPERM); a
// zone within +-15 hours (EINVAL). Sleepers on absolute CLOCK_REALTIME deadlines keep the
// monotonic deadline they computed (Linux re-arms them: clock_was_set).
ErrorOr<long> do_settimeofday(const KernelTimespec* ts, const int32_t* zone) {
    constexpr int64_t TIME_SETTOD_SEC_MAX = 9223372036ll - 30ll * 365 * 86400;
    if (ts && (ts->tv_sec < 0 || ts->tv_sec >= TIME_SETTOD_SEC_MAX || ts->tv_nsec < 0 ||
               uint64_t(ts->tv_nsec) >= NSEC_PER_SEC))
        return Error::from_errno(EINVAL);
    if (!capable(CAP_SYS_TIME))
        return Error::from_errno(EPERM);
    if (zone) {
        if (zone[0] > 15 * 60 || zone[0] < -15 * 60)
            return Error::from_errno(EINVAL);
        g_sys_tz[0] = zone[0];
        g_sys_tz[1] = zone[1];
    }
    if (ts)
        arch::set_realtime_ns(uint64_t(ts->tv_sec) * NSEC_PER_SEC + uint64_t(ts->tv_nsec));
    return 0;
}

ErrorOr<long> sys_settimeofday(UserPtr<KernelTimeval> user_tv, uint64_t user_tz) {
    KernelTimespec ts;
    int32_t zone[2];
    if (!user_tv.is_null()) {
        KernelTimeval tv;
        TRY(copy_from_user(&tv, user_tv));
        if (tv.tv_usec > 1000000 || tv.tv_usec < 0)
            return Error::from_errno(EINVAL);
        ts = {tv.tv_sec, tv.tv_usec * 1000};
    }
    if (user_tz)
        TRY(copy_from_user(zone, user_tz, sizeof zone));
    return do_settimeofday(user_tv.is_null() ? nullptr : &ts, user_tz ? zone : nullptr);
}

// clock_settime: only CLOCK_REALTIME can be set (no other clock has a clock_set): EINVAL.
ErrorOr<long> sys_clock_settime(int clock_id, UserPtr<KernelTimespec> user_ts) {
    if (clock_id != CLOCK_REALTIME)
        return Error::from_errno(EINVAL);
    KernelTimespec ts;
    TRY(copy_from_user(&ts, user_ts));
    return do_settimeofday(&ts, nullptr);
}

ErrorOr<long> sys_time(UserPtr<int64_t> tloc) {
    int64_t seconds = int64_t(arch::realtime_ns() / NSEC_PER_SEC);
    if (!tloc.is_null())
        TRY(copy_to_user(tloc, seconds));
    return seconds;
}

// Sleeps until `deadline` on the monotonic clock, as Linux's hrtimer_nanosleep. A signal cuts
// it: with a handler, EINTR and the time left in `remaining` (when given); with none (a stop
// and SIGCONT, an ignored signal), the sleep resumes through restart_syscall toward the same
// deadline. An absolute sleep restarts from its own arguments and reports no time left.
ErrorOr<long> interruptible_sleep(uint64_t deadline, UserPtr<KernelTimespec> remaining, bool absolute);

ErrorOr<long> nanosleep_restart(Task::RestartBlock& restart) {
    return interruptible_sleep(restart.nanosleep.deadline_ns, UserPtr<KernelTimespec>(restart.nanosleep.rmtp), false);
}

ErrorOr<long> interruptible_sleep(uint64_t deadline, UserPtr<KernelTimespec> remaining, bool absolute) {
    if (sleep_interruptible_until(deadline, [] { return false; }))
        return 0;
    if (absolute)
        return Error::from_errno(ERESTARTNOHAND);
    if (!remaining.is_null()) {
        uint64_t now = arch::monotonic_ns();
        if (deadline <= now)
            return 0;
        TRY(copy_to_user(remaining, to_timespec(deadline - now)));
    }
    auto& restart = current()->m_restart_block;
    restart.nanosleep = {deadline, remaining.address()};
    restart.fn = nanosleep_restart;
    return Error::from_errno(ERESTART_RESTARTBLOCK);
}

uint64_t deadline_after(uint64_t duration) {
    uint64_t now = arch::monotonic_ns();
    return duration > ~uint64_t(0) - now - 1 ? ~uint64_t(0) - 1 : now + duration;
}

ErrorOr<long> sys_nanosleep(UserPtr<KernelTimespec> request, UserPtr<KernelTimespec> remaining) {
    KernelTimespec ts = TRY(timespec_from_user(request));
    return interruptible_sleep(deadline_after(timespec_ns(ts)), remaining, false);
}

ErrorOr<long> sys_clock_nanosleep(int clock_id, int flags, UserPtr<KernelTimespec> request,
                                  UserPtr<KernelTimespec> remaining) {
    switch (clock_id) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_TAI:
        break;
    case CLOCK_THREAD_CPUTIME_ID:
    case CLOCK_PROCESS_CPUTIME_ID:
        return Error::from_errno(EINVAL);
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
        return Error::from_errno(EOPNOTSUPP);  // clocks without nsleep in Linux
    default:
        return Error::from_errno(EINVAL);
    }
    KernelTimespec ts = TRY(timespec_from_user(request));
    uint64_t value = timespec_ns(ts);
    // Sleeping happens on the monotonic clock; an absolute realtime deadline is converted once,
    // and an absolute time of the caller's time namespace is measured on its clock (as
    // timens_ktime_to_host takes it to the host's).
    uint64_t clock_value = TRY(clock_now(clock_id));
    uint64_t duration = (flags & TIMER_ABSTIME) ? (value > clock_value ? value - clock_value : 0) : value;
    // An absolute sleep reports no remaining time when interrupted (Linux leaves it alone).
    bool absolute = flags & TIMER_ABSTIME;
    return interruptible_sleep(deadline_after(duration), absolute ? UserPtr<KernelTimespec>() : remaining, absolute);
}

// ---- usage and priority ---------------------------------------------------------------------

// struct rusage: CPU time is not split between user and kernel mode yet, so all of it is
// reported as user time.
struct Rusage {
    KernelTimeval utime;
    KernelTimeval stime;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw,
        nivcsw;
};

KernelTimeval to_timeval(uint64_t ns) { return {int64_t(ns / NSEC_PER_SEC), int64_t(ns % NSEC_PER_SEC / 1000)}; }

// ru_maxrss as Linux's getrusage: the children's high-water mark for RUSAGE_CHILDREN; for
// RUSAGE_SELF and RUSAGE_THREAD the process's (address spaces it left) raised to the current
// address space's.
ErrorOr<long> sys_getrusage(int who, UserPtr<Rusage> user_usage) {
    Rusage usage{};
    Task* self = current();
    uint64_t maxrss_pages = 0;
    switch (who) {
    case RUSAGE_SELF: {
        // The process: its live threads and those already gone.
        SpinlockGuard guard(tasklist_lock());
        uint64_t runtime = self->m_signal->dead_threads_runtime_ns;
        uint64_t min_flt = self->m_signal->dead_threads_min_flt;
        for_each_thread(*self, [&](Task& thread) {
            runtime += task_runtime_ns(thread);
            min_flt += thread.m_min_flt;
            return false;
        });
        usage.utime = to_timeval(runtime);
        usage.minflt = int64_t(min_flt);
        maxrss_pages = self->m_signal->maxrss;
        if (self->m_mm)
            setmax_mm_hiwater_rss(maxrss_pages, *self->m_mm);
        break;
    }
    case RUSAGE_THREAD:
        usage.utime = to_timeval(task_runtime_ns(*self));
        usage.minflt = int64_t(self->m_min_flt);
        maxrss_pages = self->m_signal->maxrss;
        if (self->m_mm)
            setmax_mm_hiwater_rss(maxrss_pages, *self->m_mm);
        break;
    case RUSAGE_CHILDREN:
        usage.utime = to_timeval(self->m_signal->children_runtime_ns);
        usage.minflt = int64_t(self->m_signal->children_min_flt);
        maxrss_pages = self->m_signal->children_maxrss;
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    usage.maxrss = int64_t(maxrss_pages * (PAGE_SIZE / 1024));
    TRY(copy_to_user(user_usage, usage));
    return 0;
}

// times(2): in clock ticks of USER_HZ (100 per second).
ErrorOr<long> sys_times(uint64_t user_buffer) {
    constexpr uint64_t NS_PER_TICK = NSEC_PER_SEC / 100;
    Task* self = current();
    if (user_buffer) {
        uint64_t runtime = self->m_signal->dead_threads_runtime_ns;
        {
            SpinlockGuard guard(tasklist_lock());
            for_each_thread(*self, [&](Task& thread) {
                runtime += task_runtime_ns(thread);
                return false;
            });
        }
        int64_t tms[4] = {int64_t(runtime / NS_PER_TICK), 0,
                          int64_t(self->m_signal->children_runtime_ns / NS_PER_TICK), 0};
        TRY(copy_to_user(user_buffer, tms, sizeof(tms)));
    }
    return long(arch::monotonic_ns() / NS_PER_TICK);
}

// getpriority returns 20 - nice (so the result is never negative, unlike the libc wrapper's).
// The tasks getpriority/setpriority act on (Linux's sys_getpriority walk): PRIO_PROCESS names
// one thread by its id (0: the caller), PRIO_PGRP every thread of a process group, PRIO_USER
// every thread of a real uid. Tasklist lock held; live tasks only.
template <typename F>
void for_each_priority_target(int which, int who, F fn) {
    const Cred& cred = *current()->m_cred;
    auto live = [](const Task& task) { return task.m_exit_state == Task::ExitState::Alive; };
    if (which == PRIO_PROCESS) {
        Task* task = who ? find_task_by_vpid_locked(who) : current();
        if (task && live(*task))
            fn(*task);
        return;
    }
    int pgrp = who ? pid_nr_from_vnr(who) : current()->m_signal->pgrp;
    uint32_t uid = who ? make_kuid(*cred.user_ns, uint32_t(who)) : cred.uid;
    for_each_process([&](Task& process) {
        for_each_thread(process, [&](Task& thread) {
            if (live(thread) && (which == PRIO_PGRP ? thread.m_signal->pgrp == pgrp : thread.m_cred->uid == uid))
                fn(thread);
            return false;
        });
        return false;
    });
}

ErrorOr<long> sys_getpriority(int which, int who) {
    if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
        return Error::from_errno(EINVAL);
    SpinlockGuard guard(tasklist_lock());
    int best = -1;
    for_each_priority_target(which, who, [&](Task& task) {
        if (20 - task.m_nice > best)
            best = 20 - task.m_nice;
    });
    if (best < 0)
        return Error::from_errno(ESRCH);
    return best;
}

ErrorOr<long> sys_setpriority(int which, int who, int nice) {
    if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
        return Error::from_errno(EINVAL);
    if (nice < -20)
        nice = -20;
    if (nice > 19)
        nice = 19;
    SpinlockGuard guard(tasklist_lock());
    const Cred& cred = *current()->m_cred;
    int error = ESRCH;
    for_each_priority_target(which, who, [&](Task& task) {
        // set_one_prio: our euid must be the target's real or effective uid, and a lower nice
        // value must fit RLIMIT_NICE (as 20 - nice), unless CAP_SYS_NICE. A failure sticks.
        const Cred& pcred = *task.m_cred;
        uint64_t nice_rlim = uint64_t(20 - nice);
        if (pcred.uid != cred.euid && pcred.euid != cred.euid && !cred.capable_in(*pcred.user_ns, CAP_SYS_NICE)) {
            error = EPERM;
        } else if (nice < task.m_nice && nice_rlim > task.m_signal->rlim[RLIMIT_NICE].cur &&
                   !capable(CAP_SYS_NICE)) {
            error = EACCES;
        } else {
            if (error == ESRCH)
                error = 0;
            task.m_nice = nice;
        }
    });
    if (error)
        return Error::from_errno(error);
    return 0;
}

// sysinfo(2): uptime, memory from the page allocator's exact counters, process count.
ErrorOr<long> sys_sysinfo(uint64_t user_info) {
    struct {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char padding[4];
    } info{};
    static_assert(sizeof(info) == 112);
    // Boot time in the caller's time namespace, a started second counted whole (do_sysinfo).
    uint64_t boottime = timens_add_boottime(arch::monotonic_ns());
    info.uptime = int64_t(boottime / NSEC_PER_SEC + (boottime % NSEC_PER_SEC ? 1 : 0));
    info.totalram = page_allocator().total_pages() * PAGE_SIZE;
    info.freeram = page_allocator().free_pages() * PAGE_SIZE;
    // Shared memory is shmem (/proc/meminfo's Shmem: the in-memory files and shared anonymous
    // memory); there are no block-device buffers.
    info.sharedram = (PageMap::total_pages() + SharedMemory::total_resident_pages()) * PAGE_SIZE;
    info.procs = uint16_t(nr_threads());
    info.mem_unit = 1;
    TRY(copy_to_user(user_info, &info, sizeof(info)));
    return 0;
}

// ---- randomness, scheduling -----------------------------------------------------------------

ErrorOr<long> sys_getrandom(uint64_t buffer, size_t count, unsigned flags) {
    constexpr unsigned GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;
    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return Error::from_errno(EINVAL);
    if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
        return Error::from_errno(EINVAL);
    constexpr size_t MAX_RW_COUNT = 0x7ffff000;  // Linux caps every read at this
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    uint8_t chunk[256];
    size_t done = 0;
    while (done < count) {
        size_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
        get_random_bytes(chunk, n);
        size_t copied = copy_to_user_partial(buffer + done, chunk, n);
        done += copied;
        if (copied < n)
            return done ? ErrorOr<long>(long(done)) : ErrorOr<long>(Error::from_errno(EFAULT));
    }
    return long(done);
}

// The task `pid` names in the caller's pid namespace, current for 0 (Linux's
// find_process_by_pid); tasklist lock held.
Task* find_process_by_pid_locked(int pid) { return pid ? find_task_by_vpid_locked(pid) : current(); }

// sched_getaffinity/sched_setaffinity: one CPU, so every task may run on CPU 0 alone. The
// length must cover nr_cpu_ids bits in whole longs (EINVAL); a new mask must name CPU 0, the
// only CPU there is (EINVAL), and may be set by the task's owner or with CAP_SYS_NICE (EPERM).
constexpr uint64_t ONLINE_CPUS = 1;
constexpr unsigned CPUMASK_SIZE = 8;  // cpumask_size(): one long while nr_cpu_ids <= 64

ErrorOr<long> sys_sched_getaffinity(int pid, unsigned length, uint64_t mask) {
    if (length * 8 < 1 || (length & 7))
        return Error::from_errno(EINVAL);
    {
        SpinlockGuard guard(tasklist_lock());
        if (pid < 0 || !find_process_by_pid_locked(pid))
            return Error::from_errno(ESRCH);
    }
    TRY(copy_to_user(mask, &ONLINE_CPUS, sizeof ONLINE_CPUS));
    return long(CPUMASK_SIZE);
}

ErrorOr<long> sys_sched_setaffinity(int pid, unsigned length, uint64_t user_mask) {
    // get_user_cpu_mask: a shorter buffer leaves the rest of the mask clear.
    uint64_t mask = 0;
    TRY(copy_from_user(&mask, user_mask, length < CPUMASK_SIZE ? length : CPUMASK_SIZE));
    SpinlockGuard guard(tasklist_lock());
    Task* task = pid < 0 ? nullptr : find_process_by_pid_locked(pid);
    if (!task)
        return Error::from_errno(ESRCH);
    const Cred& cred = *current()->m_cred;
    const Cred& pcred = *task->m_cred;
    if (cred.euid != pcred.euid && cred.euid != pcred.uid && !cred.capable_in(*pcred.user_ns, CAP_SYS_NICE))
        return Error::from_errno(EPERM);
    if (!(mask & ONLINE_CPUS))
        return Error::from_errno(EINVAL);
    return 0;
}

// ---- ioprio_get/ioprio_set (block/ioprio.c) -------------------------------------------------

constexpr int IOPRIO_CLASS(int ioprio) { return (ioprio >> IOPRIO_CLASS_SHIFT) & IOPRIO_CLASS_MASK; }
constexpr int IOPRIO_LEVEL(int ioprio) { return ioprio & (IOPRIO_NR_LEVELS - 1); }  // 6.1: the low 3 bits

// ioprio_check_cap.
ErrorOr<void> ioprio_check_cap(int ioprio) {
    switch (IOPRIO_CLASS(ioprio)) {
    case IOPRIO_CLASS_RT:
        if (!capable(CAP_SYS_NICE) && !capable(CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        return {};
    case IOPRIO_CLASS_BE:
    case IOPRIO_CLASS_IDLE:
        return {};
    case IOPRIO_CLASS_NONE:
        if (IOPRIO_LEVEL(ioprio))
            return Error::from_errno(EINVAL);
        return {};
    default:
        return Error::from_errno(EINVAL);
    }
}

// Calls fn(task) for every thread that `which`/`who` names (a task, a process group, a user's
// tasks), until it returns false. EINVAL for an unknown `which`; the tasklist lock is held.
template <typename F>
ErrorOr<void> for_each_ioprio_target(int which, int who, F fn) {
    const Cred& cred = *current()->m_cred;
    switch (which) {
    case IOPRIO_WHO_PROCESS: {
        Task* task = who < 0 ? nullptr : find_process_by_pid_locked(who);
        if (task)
            fn(*task);
        return {};
    }
    case IOPRIO_WHO_PGRP: {
        int pgrp = who ? pid_nr_from_vnr(who) : current()->m_signal->pgrp;
        bool going = true;
        for_each_process([&](Task& process) {
            if (process.m_signal->pgrp == pgrp)
                for_each_thread(process, [&](Task& thread) { return !(going = fn(thread)); });
            return !going;
        });
        return {};
    }
    case IOPRIO_WHO_USER: {
        uint32_t uid = who ? make_kuid(*cred.user_ns, uint32_t(who)) : cred.uid;
        if (uid == INVALID_ID)
            return {};
        bool going = true;
        for_each_process([&](Task& process) {
            for_each_thread(process, [&](Task& thread) {
                if (thread.m_cred->uid == uid)
                    going = fn(thread);
                return !going;
            });
            return !going;
        });
        return {};
    }
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<long> sys_ioprio_set(int which, int who, int ioprio) {
    TRY(ioprio_check_cap(ioprio));
    SpinlockGuard guard(tasklist_lock());
    const Cred& cred = *current()->m_cred;
    int error = ESRCH;
    TRY(for_each_ioprio_target(which, who, [&](Task& task) {
        // set_task_ioprio: the caller's real or effective uid must be the task's, or CAP_SYS_NICE.
        const Cred& pcred = *task.m_cred;
        if (pcred.uid != cred.euid && pcred.uid != cred.uid && !capable(CAP_SYS_NICE)) {
            error = EPERM;
            return false;
        }
        task.m_ioprio = ioprio;
        error = 0;
        return true;
    }));
    if (error)
        return Error::from_errno(error);
    return 0;
}

ErrorOr<long> sys_ioprio_get(int which, int who) {
    SpinlockGuard guard(tasklist_lock());
    long best = -ESRCH;
    TRY(for_each_ioprio_target(which, who, [&](Task& task) {
        // ioprio_best: the lower value, "none" counting as best-effort level 4 (IOPRIO_DEFAULT).
        auto effective = [](long value) {
            return IOPRIO_CLASS(int(value)) == IOPRIO_CLASS_NONE ? long(IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, IOPRIO_NORM))
                                                                 : value;
        };
        if (best == -ESRCH || which == IOPRIO_WHO_PROCESS)
            best = task.m_ioprio;
        else
            best = effective(best) < effective(task.m_ioprio) ? effective(best) : effective(task.m_ioprio);
        return true;
    }));
    if (best < 0)
        return Error::from_errno(ESRCH);
    return best;
}

ErrorOr<long> sys_sched_yield() {
    yield();
    return 0;
}

// ---- TLS, exit, power -----------------------------------------------------------------------

ErrorOr<long> sys_arch_prctl(int code, uint64_t address) {
    auto& ctx = current()->m_context;
    switch (code) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
        if (address >= USER_SPACE_END)
            return Error::from_errno(EPERM);
        if (code == ARCH_SET_FS)
            arch::set_user_fs_base(ctx, address);
        else
            arch::set_user_gs_base(ctx, address);
        return 0;
    case ARCH_GET_FS:
        TRY(copy_to_user(UserPtr<uint64_t>(address), arch::user_fs_base(ctx)));
        return 0;
    case ARCH_GET_GS:
        TRY(copy_to_user(UserPtr<uint64_t>(address), arch::user_gs_base(ctx)));
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}

ErrorOr<long> sys_execve(uint64_t user_path, uint64_t user_argv, uint64_t user_envp) {
    constexpr size_t PATH_MAX = 4096;
    char* path = static_cast<char*>(kmalloc(PATH_MAX));
    if (!path)
        return Error::from_errno(ENOMEM);
    ScopeGuard free_path([&] { kfree(path); });
    size_t length = TRY(strncpy_from_user(path, user_path, PATH_MAX));
    if (length == 0)
        return Error::from_errno(ENOENT);
    ArgStrings argv, envp;
    TRY(argv.append_from_user(user_argv));
    TRY(envp.append_from_user(user_envp));
    // Since Linux 5.18 an empty argv gets an empty argv[0], so that programs that trust
    // argv[0] to exist do not read envp instead.
    if (argv.count() == 0)
        TRY(argv.append(""));
    // Linux's bprm_stack_limits: strings and pointers together may use a quarter of the stack
    // limit (at most 6 MiB, at least ARG_MAX = 128 KiB).
    uint64_t limit = current()->m_signal->rlim[RLIMIT_STACK].cur / 4;
    if (limit > 6 * 1024 * 1024)
        limit = 6 * 1024 * 1024;
    if (limit < 128 * 1024)
        limit = 128 * 1024;
    uint64_t needed = argv.total_bytes() + envp.total_bytes() + (argv.count() + envp.count()) * sizeof(uint64_t);
    if (needed > limit)
        return Error::from_errno(E2BIG);
    Task* task = current();
    TRY(do_execve(StringView(path, length), argv, envp, *arch::task_user_frame(task->stack_top())));
    return 0;
}

ErrorOr<long> sys_exit(int code) { do_exit(exit_status_code(code)); }
ErrorOr<long> sys_exit_group(int code) { do_group_exit(exit_status_code(code)); }

ErrorOr<long> sys_reboot(unsigned magic1, unsigned magic2, unsigned command, uint64_t) {
    if (!capable(CAP_SYS_BOOT))
        return Error::from_errno(EPERM);
    if (magic1 != LINUX_REBOOT_MAGIC1 ||
        (magic2 != LINUX_REBOOT_MAGIC2 && magic2 != LINUX_REBOOT_MAGIC2A && magic2 != LINUX_REBOOT_MAGIC2B &&
         magic2 != LINUX_REBOOT_MAGIC2C))
        return Error::from_errno(EINVAL);
    switch (command) {
    case LINUX_REBOOT_CMD_POWER_OFF:
    case LINUX_REBOOT_CMD_HALT:
    case LINUX_REBOOT_CMD_RESTART:
        // A VM with -no-reboot: restarting would end QEMU all the same.
        arch::power_off(0);
    case LINUX_REBOOT_CMD_CAD_ON:
    case LINUX_REBOOT_CMD_CAD_OFF:
        return 0;
    default:
        return Error::from_errno(EINVAL);
    }
}

}  // namespace

void register_process_syscalls(SyscallTable& table) {
    table.add<sys_getpid>(__NR_getpid);
    table.add<sys_gettid>(__NR_gettid);
    table.add<sys_getppid>(__NR_getppid);
    table.add<sys_fork>(__NR_fork);
    table.add<sys_vfork>(__NR_vfork);
    table.add<sys_clone>(__NR_clone);
    table.add<sys_clone3>(__NR_clone3);
    table.add<sys_wait4>(__NR_wait4);
    table.add<sys_waitid>(__NR_waitid);
    table.add<sys_getpgid>(__NR_getpgid);
    table.add<sys_getpgrp>(__NR_getpgrp);
    table.add<sys_getsid>(__NR_getsid);
    table.add<sys_setpgid>(__NR_setpgid);
    table.add<sys_setsid>(__NR_setsid);
    table.add<sys_prctl>(__NR_prctl);
    table.add<sys_rseq>(__NR_rseq);
    table.add<sys_set_tid_address>(__NR_set_tid_address);
    table.add<sys_uname>(__NR_uname);
    table.add<sys_sethostname>(__NR_sethostname);
    table.add<sys_setdomainname>(__NR_setdomainname);
    table.add<sys_unshare>(__NR_unshare);
    table.add<sys_setns>(__NR_setns);
    table.add<sys_prlimit64>(__NR_prlimit64);
    table.add<sys_getrlimit>(__NR_getrlimit);
    table.add<sys_setrlimit>(__NR_setrlimit);
    table.add<sys_clock_gettime>(__NR_clock_gettime);
    table.add<sys_clock_getres>(__NR_clock_getres);
    table.add<sys_gettimeofday>(__NR_gettimeofday);
    table.add<sys_settimeofday>(__NR_settimeofday);
    table.add<sys_clock_settime>(__NR_clock_settime);
    table.add<sys_time>(__NR_time);
    table.add<sys_nanosleep>(__NR_nanosleep);
    table.add<sys_clock_nanosleep>(__NR_clock_nanosleep);
    table.add<sys_getrandom>(__NR_getrandom);
    table.add<sys_sched_getaffinity>(__NR_sched_getaffinity);
    table.add<sys_sched_setaffinity>(__NR_sched_setaffinity);
    table.add<sys_ioprio_get>(__NR_ioprio_get);
    table.add<sys_ioprio_set>(__NR_ioprio_set);
    table.add<sys_sched_yield>(__NR_sched_yield);
    table.add<sys_arch_prctl>(__NR_arch_prctl);
    table.add<sys_execve>(__NR_execve);
    table.add<sys_exit>(__NR_exit);
    table.add<sys_exit_group>(__NR_exit_group);
    table.add<sys_reboot>(__NR_reboot);
    table.add<sys_sysinfo>(__NR_sysinfo);
    table.add<sys_getrusage>(__NR_getrusage);
    table.add<sys_times>(__NR_times);
    table.add<sys_getpriority>(__NR_getpriority);
    table.add<sys_setpriority>(__NR_setpriority);
}

}  // namespace kernel
