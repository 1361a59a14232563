#pragma once
// Restartable sequences (Linux 6.1's kernel/rseq.c). A thread registers a struct rseq; the
// kernel keeps its cpu_id fields current, and when the thread is preempted or gets a signal
// while inside a critical section its struct rseq_cs describes, the thread resumes at that
// section's abort handler instead. One CPU: the cpu ids are always 0, and migration never
// happens.
#include <arch/TrapFrame.h>

#include "lib/ErrorOr.h"

namespace kernel {

struct Task;

// The events that restart a critical section (Linux's RSEQ_EVENT_*).
inline constexpr unsigned RSEQ_EVENT_PREEMPT = 1u << 0;
inline constexpr unsigned RSEQ_EVENT_SIGNAL = 1u << 1;

// rseq(2): register, or with RSEQ_FLAG_UNREGISTER unregister, Linux's checks in its order.
ErrorOr<long> sys_rseq(uint64_t rseq, uint32_t rseq_len, int flags, uint32_t sig);

// __rseq_handle_notify_resume: on the way to user mode, or before a signal frame is built
// (`sig` the signal, else 0): abort a critical section an event interrupted, then update the
// cpu ids. A struct rseq or rseq_cs that cannot be read or is invalid kills the thread with
// SIGSEGV (force_sigsegv), as Linux does. Interrupts on; may fault on user memory.
void rseq_handle_notify_resume(Task& task, arch::TrapFrame& frame, int sig);

// rseq_signal_deliver: a signal handler is about to run.
void rseq_signal_deliver(Task& task, arch::TrapFrame& frame, int sig);

// rseq_fork (a child not sharing memory keeps the registration, others lose it) and
// rseq_execve (the registration ends).
void rseq_fork(Task& child, const Task& parent, uint64_t clone_flags);
void rseq_execve(Task& task);

}  // namespace kernel
