#include "task/Rseq.h"

#include <arch/TrapFrame.h>
#include <linux/rseq.h>
#include <linux/sched.h>

#include "mm/UserAccess.h"
#include "task/Scheduler.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {

constexpr uint32_t RSEQ_AREA_SIZE = 32;  // sizeof(struct rseq) in Linux 6.1: the only length taken
// Sprout runs on one CPU: the number rseq reports, and node 0.
constexpr uint32_t THIS_CPU = 0;

ErrorOr<void> put_u32(uint64_t address, uint32_t value) { return copy_to_user(address, &value, sizeof value); }

// rseq_update_cpu_id / rseq_reset_rseq_cpu_id.
ErrorOr<void> write_cpu_ids(const Task& task, uint32_t start, uint32_t id) {
    TRY(put_u32(task.m_rseq + offsetof(struct rseq, cpu_id_start), start));
    return put_u32(task.m_rseq + offsetof(struct rseq, cpu_id), id);
}

// rseq_get_rseq_cs: the descriptor rseq->rseq_cs points at, checked as Linux checks it (a
// zero pointer is an all-zero descriptor, which contains no address).
ErrorOr<struct rseq_cs> get_rseq_cs(const Task& task) {
    uint64_t pointer;
    TRY(copy_from_user(&pointer, task.m_rseq + offsetof(struct rseq, rseq_cs), sizeof pointer));
    struct rseq_cs cs {};
    if (!pointer)
        return cs;
    if (pointer >= USER_SPACE_END)
        return Error::from_errno(EINVAL);
    TRY(copy_from_user(&cs, pointer, sizeof cs));
    if (cs.start_ip >= USER_SPACE_END || cs.start_ip + cs.post_commit_offset >= USER_SPACE_END ||
        cs.abort_ip >= USER_SPACE_END || cs.version > 0)
        return Error::from_errno(EINVAL);
    if (cs.start_ip + cs.post_commit_offset < cs.start_ip)
        return Error::from_errno(EINVAL);
    // The abort handler may not lie inside the section it aborts.
    if (cs.abort_ip - cs.start_ip < cs.post_commit_offset)
        return Error::from_errno(EINVAL);
    uint32_t signature;
    TRY(copy_from_user(&signature, cs.abort_ip - sizeof signature, sizeof signature));
    if (signature != task.m_rseq_sig)
        return Error::from_errno(EINVAL);
    return cs;
}

ErrorOr<void> clear_rseq_cs(const Task& task) {
    uint64_t zero = 0;
    return copy_to_user(task.m_rseq + offsetof(struct rseq, rseq_cs), &zero, sizeof zero);
}

// rseq_need_restart: any flag, in the descriptor or the area, is EINVAL (the NO_RESTART flags
// are deprecated since Linux 6.0, and there are no others); otherwise a preemption or a signal
// since the last visit means the section was interrupted.
ErrorOr<bool> need_restart(Task& task, uint32_t cs_flags) {
    if (cs_flags)
        return Error::from_errno(EINVAL);
    uint32_t flags;
    TRY(copy_from_user(&flags, task.m_rseq + offsetof(struct rseq, flags), sizeof flags));
    if (flags)
        return Error::from_errno(EINVAL);
    return std::exchange(task.m_rseq_event, false);
}

// rseq_ip_fixup.
ErrorOr<void> ip_fixup(Task& task, arch::TrapFrame& frame) {
    struct rseq_cs cs = TRY(get_rseq_cs(task));
    if (frame.rip - cs.start_ip >= cs.post_commit_offset)
        return clear_rseq_cs(task);
    if (!TRY(need_restart(task, cs.flags)))
        return {};
    TRY(clear_rseq_cs(task));
    frame.rip = cs.abort_ip;
    return {};
}

}  // namespace

void rseq_handle_notify_resume(Task& task, arch::TrapFrame& frame, int sig) {
    task.m_rseq_notify = false;
    if (!task.m_rseq || task.m_exiting)
        return;
    auto result = ip_fixup(task, frame);
    if (!result.is_error())
        result = write_cpu_ids(task, THIS_CPU, THIS_CPU);
    if (result.is_error())
        force_sigsegv(sig);
}

void rseq_signal_deliver(Task& task, arch::TrapFrame& frame, int sig) {
    if (!task.m_rseq)
        return;
    task.m_rseq_event = true;
    rseq_handle_notify_resume(task, frame, sig);
}

void rseq_fork(Task& child, const Task& parent, uint64_t clone_flags) {
    if (clone_flags & CLONE_VM) {
        child.m_rseq = 0;
        child.m_rseq_len = child.m_rseq_sig = 0;
        child.m_rseq_event = child.m_rseq_notify = false;
        return;
    }
    child.m_rseq = parent.m_rseq;
    child.m_rseq_len = parent.m_rseq_len;
    child.m_rseq_sig = parent.m_rseq_sig;
    child.m_rseq_event = parent.m_rseq_event;
    child.m_rseq_notify = parent.m_rseq != 0;
}

void rseq_execve(Task& task) {
    task.m_rseq = 0;
    task.m_rseq_len = task.m_rseq_sig = 0;
    task.m_rseq_event = task.m_rseq_notify = false;
}

ErrorOr<long> sys_rseq(uint64_t rseq, uint32_t rseq_len, int flags, uint32_t sig) {
    Task& task = *current();
    if (flags & RSEQ_FLAG_UNREGISTER) {
        if (flags & ~RSEQ_FLAG_UNREGISTER)
            return Error::from_errno(EINVAL);
        if (!task.m_rseq || task.m_rseq != rseq || rseq_len != task.m_rseq_len)
            return Error::from_errno(EINVAL);
        if (sig != task.m_rseq_sig)
            return Error::from_errno(EPERM);
        TRY(write_cpu_ids(task, 0, uint32_t(RSEQ_CPU_ID_UNINITIALIZED)));
        rseq_execve(task);
        return 0;
    }
    if (flags)
        return Error::from_errno(EINVAL);
    if (task.m_rseq) {
        // Registered already: the same registration again is EBUSY (glibc probes with it).
        if (task.m_rseq != rseq || rseq_len != task.m_rseq_len)
            return Error::from_errno(EINVAL);
        if (sig != task.m_rseq_sig)
            return Error::from_errno(EPERM);
        return Error::from_errno(EBUSY);
    }
    if (rseq % RSEQ_AREA_SIZE || rseq_len != RSEQ_AREA_SIZE)
        return Error::from_errno(EINVAL);
    if (!is_user_range(rseq, rseq_len))
        return Error::from_errno(EFAULT);
    task.m_rseq = rseq;
    task.m_rseq_len = rseq_len;
    task.m_rseq_sig = sig;
    task.m_rseq_notify = true;  // the cpu_id fields are written on the way out
    return 0;
}

}  // namespace kernel
