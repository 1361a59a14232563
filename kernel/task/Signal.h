#pragma once
// Signals (Linux's kernel/signal.c): the per-task and shared state, and the operations the
// rest of the kernel needs. SighandStruct (the handlers) is shared by CLONE_SIGHAND;
// SignalStruct (process-wide state: shared pending signals, child-wait queue, rlimits, process
// group and session, group exit) is shared by the threads of a process (CLONE_THREAD).
#include <arch/TrapFrame.h>

#include "lib/ErrorOr.h"
#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"
#include "lib/kstd.h"
#include "task/SigPending.h"
#include "task/Task.h"
#include "task/WaitQueue.h"

namespace kernel {

struct Task;
struct Tty;

class SighandStruct : public RefCounted<SighandStruct> {
public:
    static ErrorOr<NonnullRefPtr<SighandStruct>> create();
    // copy_sighand without CLONE_SIGHAND: the same handlers in a new object.
    ErrorOr<NonnullRefPtr<SighandStruct>> copy() const;

    mutable Spinlock siglock;  // protects action[] and every signal field of the tasks using it
    KSigAction action[NSIG_COUNT];
};

struct RLimit {
    uint64_t cur;
    uint64_t max;
};
inline constexpr int RLIMIT_COUNT = 16;  // RLIM_NLIMITS

class SignalStruct : public RefCounted<SignalStruct> {
public:
    ~SignalStruct();
    // The process-wide state of init (limits as Linux 6.1's INIT_RLIMITS, derived from memory
    // where fork_init derives them).
    static ErrorOr<NonnullRefPtr<SignalStruct>> create_for_init();
    // copy_signal: a new process inherits limits, process group, session, subreaper flag.
    ErrorOr<NonnullRefPtr<SignalStruct>> copy_for_fork() const;

    SigPending shared_pending;      // under the sighand lock
    WaitQueue wait_chldexit;        // parents sleeping in wait4/waitid
    // The threads (Linux's thread_head): see Task::m_thread_node for its locking.
    IntrusiveList<Task, &Task::m_thread_node> thread_head;
    int nr_threads{1};
    // Threads that have not reached do_exit's end yet (Linux's signal->live): the last one out
    // takes the process-wide state (timers) with it.
    std::atomic<int> live{1};
    // Linux's SIGNAL_GROUP_EXIT: every thread is dying with group_exit_code (exit_group, a fatal
    // signal). Under the siglock.
    // Also, as in Linux, the stop signal of a group stop while SIGNAL_STOP_STOPPED is set, until
    // wait consumes it (wait_task_stopped sets it to 0).
    int group_exit_code{0};
    bool group_exiting{false};
    // Job control (Linux's signal->flags stop bits and group_stop_count), under the siglock:
    // SIGNAL_STOP_* / SIGNAL_CLD_* below, and the threads that have yet to stop in a group stop.
    unsigned stop_flags{0};
    int group_stop_count{0};
    // execve from a thread (de_thread): the exec'ing thread, which the others wake as they die.
    // Threads killed for it exit quietly (status 0), not as a group exit.
    Task* group_exec_task{nullptr};
    // CPU time and minor faults of threads already released (Linux's sum_sched_runtime, min_flt):
    // with the live threads', the process's usage.
    uint64_t dead_threads_runtime_ns{0};
    uint64_t dead_threads_min_flt{0};
    RLimit rlim[RLIMIT_COUNT]{};
    int pgrp{0};                    // process group id (pid number)
    int session{0};                 // session id
    // Set by setsid (Linux's signal->leader): this process leads its session; not inherited.
    bool leader{false};
    // The controlling terminal (fs/Tty.h), inherited by fork; under the tasklist lock.
    Tty* tty{nullptr};
    bool is_child_subreaper{false};
    // Linux's SIGNAL_UNKILLABLE for a pid namespace's init (the global init is recognised as
    // such): signals it leaves at SIG_DFL are dropped, but for SIGKILL and SIGSTOP from outside.
    bool unkillable{false};
    // Totals of reaped children (and their reaped children): getrusage(RUSAGE_CHILDREN), times().
    uint64_t children_runtime_ns{0};
    uint64_t children_min_flt{0};
    // Resident-set high-water marks in pages (Linux's maxrss and cmaxrss): of this process's
    // address spaces once left (at exit and exec), and the largest of its reaped children's.
    uint64_t maxrss{0};
    uint64_t children_maxrss{0};
    bool has_child_subreaper{false};
    // alarm()/setitimer(ITIMER_REAL): the monotonic deadline, 0 when disarmed; the interval.
    uint64_t real_timer_deadline_ns{0};
    uint64_t real_timer_interval_ns{0};
};

// SignalStruct::stop_flags (Linux's include/linux/sched/signal.h): stopped, and continued
// (reported once to WCONTINUED); a CLD_* notification still owed to the parent.
inline constexpr unsigned SIGNAL_STOP_STOPPED = 0x1;
inline constexpr unsigned SIGNAL_STOP_CONTINUED = 0x2;
inline constexpr unsigned SIGNAL_CLD_STOPPED = 0x10;
inline constexpr unsigned SIGNAL_CLD_CONTINUED = 0x20;
inline constexpr unsigned SIGNAL_CLD_MASK = SIGNAL_CLD_STOPPED | SIGNAL_CLD_CONTINUED;
inline constexpr unsigned SIGNAL_STOP_MASK = SIGNAL_CLD_MASK | SIGNAL_STOP_STOPPED | SIGNAL_STOP_CONTINUED;

// Task::m_jobctl (Linux's include/linux/sched/jobctl.h; no ptrace bits): a stop signal was
// dequeued, the thread must stop, and its stop counts toward group_stop_count.
inline constexpr unsigned JOBCTL_STOP_DEQUEUED = 1u << 16;
inline constexpr unsigned JOBCTL_STOP_PENDING = 1u << 17;
inline constexpr unsigned JOBCTL_STOP_CONSUME = 1u << 18;
inline constexpr unsigned JOBCTL_PENDING_MASK = JOBCTL_STOP_PENDING;

// Linux's max_threads, derived from memory at boot (kernel/fork.c set_max_threads).
uint64_t max_threads();
// kernel.threads-max written (between 1 and FUTEX_TID_MASK, checked by the caller).
void set_max_threads(uint64_t value);
// Signals queued now with their siginfo, counted against RLIMIT_SIGPENDING (/proc/<pid>/status's
// SigQ; one count, as every queued signal counts for the one user Linux would charge).
uint64_t nr_queued_signals();

// ---- Operations (task/Signal.cpp) -----------------------------------------------------------

// Queues `sig` for `task` (thread-directed) or its whole process (group), with `info`, and wakes
// the target as Linux's complete_signal does. Signals that are ignored are dropped. EAGAIN when
// an rt signal cannot be queued (RLIMIT_SIGPENDING).
ErrorOr<void> send_signal_to_task(Task& task, int sig, const siginfo_t& info);
ErrorOr<void> send_signal_to_group(Task& task, int sig, const siginfo_t& info);
// A siginfo as kill(2) fills it: SI_USER with the sender's pid and uid.
siginfo_t make_kill_info(int sig, int sender_pid, unsigned sender_uid);

// True when `task` has an unblocked signal pending (or a fatal one): sleeps must end (EINTR or
// a restart) — Linux's signal_pending().
bool signal_pending(const Task& task);
// A SIGKILL is pending or the process is exiting: even uninterruptible-killable sleeps end.
bool fatal_signal_pending(const Task& task);

// execve: handlers that were caught go back to SIG_DFL; ignored ones stay ignored; the
// alternate stack is forgotten (Linux's flush_signal_handlers).
void flush_signal_handlers(Task& task);

// On every return to user mode: delivers pending signals (default actions, or a handler frame
// on the user stack) and restarts interrupted system calls (the ERESTART* codes in frame.rax).
void exit_to_user_mode(arch::TrapFrame& frame);

// Syscall return values that never reach user space: the signal code turns them into EINTR
// or a restart (Linux's include/linux/errno.h).
inline constexpr int ERESTARTSYS = 512;
inline constexpr int ERESTARTNOINTR = 513;
inline constexpr int ERESTARTNOHAND = 514;
inline constexpr int ERESTART_RESTARTBLOCK = 516;

}  // namespace kernel
