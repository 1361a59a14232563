#pragma once
// Restartable sequences (Linux's kernel/rseq.c). A thread registers a struct rseq; the kernel
// keeps its cpu_id fields current, and when the thread is switched out or gets a signal while
// its instruction pointer is inside the critical section its rseq_cs names, the kernel moves
// it to the section's abort handler before it runs user code again.
#include "lib/ErrorOr.h"

namespace kernel {

struct Task;
namespace arch {
struct TrapFrame;
}

// rseq(2): register, re-register (EBUSY), or unregister current's area, with Linux 6.1's
// rules and errnos.
ErrorOr<long> sys_rseq(uint64_t rseq, uint32_t rseq_len, int flags, uint32_t sig);

// The task leaves the CPU (Linux's rseq_preempt, from prepare_task_switch).
inline void rseq_preempt(Task& task);
// On the way back to user mode when notified (Linux's __rseq_handle_notify_resume with no
// signal), and before a signal's frame is built (rseq_signal_deliver, with its number): the
// abort fix-up of `frame`, then the cpu_id fields. A bad area or descriptor is SIGSEGV.
void rseq_handle_notify_resume(Task& task, arch::TrapFrame& frame, int sig);
void rseq_signal_deliver(Task& task, arch::TrapFrame& frame, int sig);
// fork keeps the registration, a thread (CLONE_VM) starts with none; exec forgets it.
void rseq_fork(Task& child, const Task& parent, uint64_t clone_flags);
void rseq_execve(Task& task);

}  // namespace kernel

#include "task/Task.h"

namespace kernel {
inline void rseq_preempt(Task& task) {
    if (task.m_rseq) {
        task.m_rseq_event = true;
        task.m_rseq_notify = true;
    }
}
}  // namespace kernel
