// Restartable sequences: see task/Rseq.h.
#include "task/Rseq.h"

#include <arch/SignalFrame.h>
#include <linux/rseq.h>
#include <linux/sched.h>

#include "mm/UserAccess.h"
#include "task/Scheduler.h"
#include "task/SignalDelivery.h"
#include "task/Task.h"

namespace kernel {

namespace {

// Linux 6.1's struct rseq: cpu_id_start, cpu_id, rseq_cs, flags, 32 bytes aligned on 32.
constexpr uint32_t RSEQ_SIZE = 32;
constexpr uint64_t RSEQ_CPU_ID_START_OFFSET = 0;
constexpr uint64_t RSEQ_CPU_ID_OFFSET = 4;
constexpr uint64_t RSEQ_CS_OFFSET = 8;
constexpr uint64_t RSEQ_FLAGS_OFFSET = 16;
static_assert(sizeof(struct rseq_cs) == 32);

ErrorOr<void> put_u32(uint64_t address, uint32_t value) { return copy_to_user(address, &value, sizeof(value)); }

// rseq_update_cpu_id: this CPU, the only one.
ErrorOr<void> update_cpu_id(const Task& task) {
    TRY(put_u32(task.m_rseq + RSEQ_CPU_ID_START_OFFSET, 0));
    TRY(put_u32(task.m_rseq + RSEQ_CPU_ID_OFFSET, 0));
    return {};
}

// rseq_reset_rseq_cpu_id: what an unregistered area says.
ErrorOr<void> reset_cpu_id(const Task& task) {
    TRY(put_u32(task.m_rseq + RSEQ_CPU_ID_START_OFFSET, 0));
    TRY(put_u32(task.m_rseq + RSEQ_CPU_ID_OFFSET, uint32_t(RSEQ_CPU_ID_UNINITIALIZED)));
    return {};
}

// rseq_get_rseq_cs: the critical section the thread is in, validated (zeros when none).
ErrorOr<struct rseq_cs> get_rseq_cs(const Task& task) {
    uint64_t pointer = 0;
    TRY(copy_from_user(&pointer, task.m_rseq + RSEQ_CS_OFFSET, sizeof(pointer)));
    struct rseq_cs cs {};
    if (!pointer)
        return cs;
    if (pointer >= USER_SPACE_END)
        return Error::from_errno(EINVAL);
    TRY(copy_from_user(&cs, pointer, sizeof(cs)));
    if (cs.start_ip >= USER_SPACE_END || cs.start_ip + cs.post_commit_offset >= USER_SPACE_END ||
        cs.abort_ip >= USER_SPACE_END || cs.version > 0)
        return Error::from_errno(EINVAL);
    // No overflow of the section's end, and the abort handler outside the section.
    if (cs.start_ip + cs.post_commit_offset < cs.start_ip)
        return Error::from_errno(EINVAL);
    if (cs.abort_ip - cs.start_ip < cs.post_commit_offset)
        return Error::from_errno(EINVAL);
    // The abort handler must follow the signature the thread registered.
    uint32_t signature = 0;
    TRY(copy_from_user(&signature, cs.abort_ip - sizeof(signature), sizeof(signature)));
    if (signature != task.m_rseq_sig)
        return Error::from_errno(EINVAL);
    return cs;
}

// rseq_need_restart: the deprecated no-restart flags are refused (EINVAL); otherwise restart
// when an event happened since the last return to user mode.
ErrorOr<bool> need_restart(Task& task, uint32_t cs_flags) {
    uint32_t flags = 0;
    TRY(copy_from_user(&flags, task.m_rseq + RSEQ_FLAGS_OFFSET, sizeof(flags)));
    constexpr uint32_t NO_RESTART =
        RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT | RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL | RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE;
    if ((flags | cs_flags) & NO_RESTART)
        return Error::from_errno(EINVAL);
    unsigned events = task.m_rseq_event_mask;
    task.m_rseq_event_mask = 0;
    return events != 0;
}

// rseq_ip_fixup
ErrorOr<void> ip_fixup(Task& task, arch::TrapFrame& frame) {
    uint64_t ip = arch::frame_ip(frame);
    struct rseq_cs cs = TRY(get_rseq_cs(task));
    // in_rseq_cs: outside the section (or none: all zeros), nothing to do.
    if (ip - cs.start_ip >= cs.post_commit_offset)
        return {};
    if (!TRY(need_restart(task, cs.flags)))
        return {};
    // clear_rseq_cs, then resume at the abort handler.
    uint64_t zero = 0;
    TRY(copy_to_user(task.m_rseq + RSEQ_CS_OFFSET, &zero, sizeof(zero)));
    arch::frame_set_ip(frame, cs.abort_ip);
    return {};
}

}  // namespace

ErrorOr<long> sys_rseq(uint64_t rseq, uint32_t rseq_len, int flags, uint32_t sig) {
    Task& task = *current();
    if (flags & RSEQ_FLAG_UNREGISTER) {
        if (flags & ~RSEQ_FLAG_UNREGISTER)
            return Error::from_errno(EINVAL);
        // Unregister only what is registered, with the same length and signature.
        if (!task.m_rseq || task.m_rseq != rseq || rseq_len != task.m_rseq_len)
            return Error::from_errno(EINVAL);
        if (task.m_rseq_sig != sig)
            return Error::from_errno(EPERM);
        TRY(reset_cpu_id(task));
        task.m_rseq = 0;
        task.m_rseq_len = 0;
        task.m_rseq_sig = 0;
        return 0;
    }
    if (flags)
        return Error::from_errno(EINVAL);
    if (task.m_rseq) {
        // Registering the same area again is EBUSY; another one, EINVAL; another signature, EPERM.
        if (task.m_rseq != rseq || rseq_len != task.m_rseq_len)
            return Error::from_errno(EINVAL);
        if (task.m_rseq_sig != sig)
            return Error::from_errno(EPERM);
        return Error::from_errno(EBUSY);
    }
    if (rseq % RSEQ_SIZE || rseq_len != RSEQ_SIZE)
        return Error::from_errno(EINVAL);
    if (rseq >= USER_SPACE_END || USER_SPACE_END - rseq < rseq_len)
        return Error::from_errno(EFAULT);
    task.m_rseq = rseq;
    task.m_rseq_len = rseq_len;
    task.m_rseq_sig = sig;
    // rseq_set_notify_resume: the cpu ids are written on the way out.
    task.m_notify_resume = true;
    return 0;
}

void rseq_handle_notify_resume(Task& task, arch::TrapFrame& frame, int sig) {
    if (!task.m_rseq || task.m_exiting)
        return;
    auto fixed = ip_fixup(task, frame);
    if (fixed.is_error() || update_cpu_id(task).is_error())
        force_sigsegv(sig);
}

void rseq_signal_deliver(Task& task, arch::TrapFrame& frame, int sig) {
    if (!task.m_rseq)
        return;
    task.m_rseq_event_mask |= RSEQ_EVENT_SIGNAL;
    rseq_handle_notify_resume(task, frame, sig);
}

void rseq_fork(Task& child, const Task& parent, uint64_t clone_flags) {
    if (clone_flags & CLONE_VM) {
        child.m_rseq = 0;
        child.m_rseq_len = 0;
        child.m_rseq_sig = 0;
        child.m_rseq_event_mask = 0;
    } else {
        child.m_rseq = parent.m_rseq;
        child.m_rseq_len = parent.m_rseq_len;
        child.m_rseq_sig = parent.m_rseq_sig;
        child.m_rseq_event_mask = parent.m_rseq_event_mask;
    }
}

void rseq_execve(Task& task) {
    task.m_rseq = 0;
    task.m_rseq_len = 0;
    task.m_rseq_sig = 0;
    task.m_rseq_event_mask = 0;
}

}  // namespace kernel
