// The futex syscalls (Linux's kernel/futex/syscalls.c): futex(2)'s argument decoding and
// timeouts, and the robust-list registration. The futexes themselves are task/Futex.cpp.
#include <arch/Time.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/time.h>
#include <linux/time_types.h>

#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Futex.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/TaskCred.h"

namespace kernel {

namespace {

constexpr uint64_t NSEC_PER_SEC = 1'000'000'000ull;
constexpr uint64_t KTIME_MAX = uint64_t(std::numeric_limits<int64_t>::max());

// The operations that take a timeout (futex_cmd_has_timeout); for the others the fourth
// argument is a number (val2).
bool futex_cmd_has_timeout(int cmd) {
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_BITSET:
    case FUTEX_WAIT_REQUEUE_PI:
        return true;
    default:
        return false;
    }
}

// futex_init_timeout: FUTEX_WAIT's timeout is relative to now on CLOCK_MONOTONIC; the others'
// are absolute, on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME (and for FUTEX_LOCK_PI), else on
// CLOCK_MONOTONIC. Sleeps run on the monotonic clock: a realtime deadline is converted once.
ErrorOr<uint64_t> futex_init_timeout(int cmd, int op, const __kernel_timespec& ts) {
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || uint64_t(ts.tv_nsec) >= NSEC_PER_SEC)
        return Error::from_errno(EINVAL);
    // timespec64_to_ktime saturates at KTIME_MAX, and ktime_add_safe does too.
    uint64_t t = uint64_t(ts.tv_sec) >= KTIME_MAX / NSEC_PER_SEC
                     ? KTIME_MAX
                     : uint64_t(ts.tv_sec) * NSEC_PER_SEC + uint64_t(ts.tv_nsec);
    uint64_t now = arch::monotonic_ns();
    if (cmd == FUTEX_WAIT)
        return t > KTIME_MAX - now ? KTIME_MAX : now + t;
    // A monotonic deadline is the caller's time namespace's.
    if (cmd != FUTEX_LOCK_PI && !(op & FUTEX_CLOCK_REALTIME))
        return timens_ktime_to_host(CLOCK_MONOTONIC, t);
    uint64_t realtime = arch::realtime_ns();
    if (t <= realtime)
        return now;
    uint64_t left = t - realtime;
    return left > KTIME_MAX - now ? KTIME_MAX : now + left;
}

ErrorOr<long> do_futex(uint64_t uaddr, int op, uint32_t val, const uint64_t* deadline, uint64_t uaddr2, uint32_t val2,
                       uint32_t val3) {
    int cmd = op & FUTEX_CMD_MASK;
    unsigned flags = 0;
    if (!(op & FUTEX_PRIVATE_FLAG))
        flags |= FUTEX_FLAG_SHARED;
    if (op & FUTEX_CLOCK_REALTIME) {
        flags |= FUTEX_FLAG_CLOCKRT;
        if (cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
            return Error::from_errno(ENOSYS);
    }
    switch (cmd) {
    case FUTEX_WAIT:
        val3 = FUTEX_BITSET_MATCH_ANY;
        [[fallthrough]];
    case FUTEX_WAIT_BITSET:
        return futex_wait(uaddr, flags, val, deadline, val3);
    case FUTEX_WAKE:
        val3 = FUTEX_BITSET_MATCH_ANY;
        [[fallthrough]];
    case FUTEX_WAKE_BITSET:
        return futex_wake(uaddr, flags, int(val), val3);
    case FUTEX_REQUEUE:
        return futex_requeue(uaddr, flags, uaddr2, int(val), int(val2), nullptr);
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(uaddr, flags, uaddr2, int(val), int(val2), &val3);
    case FUTEX_WAKE_OP:
        return futex_wake_op(uaddr, flags, uaddr2, int(val), int(val2), val3);
    default:
        // The priority-inheritance operations (LOCK_PI, LOCK_PI2, UNLOCK_PI, TRYLOCK_PI,
        // WAIT_REQUEUE_PI, CMP_REQUEUE_PI) are not implemented: Linux built without
        // CONFIG_FUTEX_PI answers ENOSYS too. FUTEX_FD left Linux in 2.6.26.
        return Error::from_errno(ENOSYS);
    }
}

ErrorOr<long> sys_futex(uint64_t uaddr, int op, uint32_t val, uint64_t utime, uint64_t uaddr2, uint32_t val3) {
    int cmd = op & FUTEX_CMD_MASK;
    uint64_t deadline = 0;
    const uint64_t* timeout = nullptr;
    if (utime && futex_cmd_has_timeout(cmd)) {
        __kernel_timespec ts;
        TRY(copy_from_user(&ts, utime, sizeof(ts)));
        deadline = TRY(futex_init_timeout(cmd, op, ts));
        timeout = &deadline;
    }
    // For the operations without a timeout the pointer's value is the count val2.
    return do_futex(uaddr, op, val, timeout, uaddr2, uint32_t(utime), val3);
}

ErrorOr<long> sys_set_robust_list(uint64_t head, size_t length) {
    // The kernel knows only one size of the list head.
    if (length != sizeof(robust_list_head))
        return Error::from_errno(EINVAL);
    current()->m_robust_list_head = head;
    return 0;
}

ErrorOr<long> sys_get_robust_list(int pid, uint64_t head_ptr, uint64_t len_ptr) {
    uint64_t head = 0;
    {
        SpinlockGuard guard(tasklist_lock());
        Task* task = pid ? find_task_by_vpid_locked(pid) : current();
        if (!task)
            return Error::from_errno(ESRCH);
        if (!ptrace_may_access(*task))
            return Error::from_errno(EPERM);
        head = task->m_robust_list_head;
    }
    uint64_t length = sizeof(robust_list_head);
    TRY(copy_to_user(len_ptr, &length, sizeof(length)));
    TRY(copy_to_user(head_ptr, &head, sizeof(head)));
    return 0;
}

}  // namespace

void register_futex_syscalls(SyscallTable& table) {
    table.add<sys_futex>(__NR_futex);
    table.add<sys_set_robust_list>(__NR_set_robust_list);
    table.add<sys_get_robust_list>(__NR_get_robust_list);
}

}  // namespace kernel
