#pragma once
// Task: Linux's task_struct. For now it carries what kernel threads need — state, kernel stack,
// saved context, scheduling links; the fork issue adds the shared per-task objects (mm, files,
// fs, sighand, signal, nsproxy, cred, pid) as refcounted members.
#include <arch/Context.h>

#include "lib/ErrorOr.h"
#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"
#include "task/SigPending.h"

namespace kernel {

class MmStruct;       // mm/AddressSpace.h: the address space (mm_struct)
class FilesStruct;    // fs/FilesStruct.h: the descriptor table (files_struct)
class FsStruct;       // fs/FsStruct.h: root, cwd, umask (fs_struct)
class SighandStruct;  // task/Signal.h: the signal handlers (sighand_struct)
class SignalStruct;   // task/Signal.h: process-wide signal state, limits (signal_struct)
class Cred;           // task/Cred.h: credentials (cred)
class Pid;            // task/Pid.h: the process id (struct pid)
class NsProxy;        // task/NsProxy.h: the namespaces (nsproxy)
class Completion;     // task/WaitQueue.h

enum class TaskState : uint8_t {
    Running,          // TASK_RUNNING: on a run queue or on a CPU
    Interruptible,    // TASK_INTERRUPTIBLE
    Uninterruptible,  // TASK_UNINTERRUPTIBLE
    Stopped,          // TASK_STOPPED: a group stop; only SIGCONT or SIGKILL wakes it (wake_up_state)
    Dead,             // EXIT_DEAD: switched away from for the last time; freed by the next task
};

const char* task_state_name(TaskState);

inline constexpr size_t KERNEL_STACK_ORDER = 2;  // 16 KiB, as Linux's THREAD_SIZE on x86-64
inline constexpr size_t KERNEL_STACK_SIZE = PAGE_SIZE << KERNEL_STACK_ORDER;
inline constexpr uint64_t STACK_END_MAGIC = 0x57AC6E9D;  // Linux's, at the lowest stack word

struct Task {
    // Out of line (task/Process.cpp): destroying the RefPtr members needs their full types.
    Task();
    ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    arch::ThreadContext m_context;
    TaskState m_state{TaskState::Running};
    // True from wake-up until the task blocks: queued, or running on a CPU (Linux's on_rq).
    bool m_on_rq{false};
    bool m_is_idle{false};
    uint32_t m_timeslice{0};
    int m_tid{0};
    char m_comm[16]{};  // TASK_COMM_LEN
    PhysAddr m_stack_phys{0};
    uint64_t* m_stack_base{nullptr};  // lowest address; holds STACK_END_MAGIC
    IntrusiveListNode m_run_node;     // run queue; guarded by the run-queue lock
    IntrusiveListNode m_all_node;     // the list of all tasks; guarded by g_tasklist_lock

    // CPU time, accounted at every context switch (CLOCK_THREAD_CPUTIME_ID, times()).
    uint64_t m_runtime_ns{0};
    uint64_t m_last_switch_ns{0};
    uint64_t m_nvcsw{0};   // context switches because it blocked (Linux's nvcsw)
    uint64_t m_nivcsw{0};  // context switches because it was preempted (nivcsw)
    uint64_t m_min_flt{0};  // page faults resolved without I/O (getrusage's ru_minflt)
    int m_nice{0};          // -20..19, inherited at fork
    int m_ioprio{0};        // ioprio_set's class and level (Linux's io_context->ioprio); 0: none
    uint64_t m_start_time_ns{0};  // monotonic time at fork (Linux's start_boottime): /proc/<pid>/stat

    // Set by set_tid_address / CLONE_CHILD_CLEARTID; set_robust_list's registration.
    uint64_t m_clear_child_tid{0};
    uint64_t m_robust_list_head{0};
    // Restartable sequences (Linux's rseq, rseq_len, rseq_sig, rseq_event_mask and the
    // TIF_NOTIFY_RESUME it raises; task/Rseq.h): the registered struct rseq, and whether the task
    // was switched out or signalled since its fields were last brought up to date.
    uint64_t m_rseq{0};
    uint32_t m_rseq_len{0};
    uint32_t m_rseq_sig{0};
    bool m_rseq_event{false};
    bool m_rseq_notify{false};

    // What restart_syscall(2) resumes (Linux's restart_block): a sleep interrupted with
    // -ERESTART_RESTARTBLOCK saves its arguments here; with no handler run, the syscall is
    // re-entered as restart_syscall, which calls fn. fn null: EINTR (do_no_restart_syscall).
    struct RestartBlock {
        ErrorOr<long> (*fn)(RestartBlock&){nullptr};
        struct {
            uint64_t uaddr;
            uint64_t deadline_ns;  // monotonic
            uint32_t val;
            uint32_t bitset;
            unsigned flags;
        } futex{};
        struct {
            uint64_t ufds;
            uint64_t deadline_ns;  // monotonic; ~0: no timeout
            unsigned nfds;
        } poll{};
        struct {
            uint64_t deadline_ns;  // monotonic
            uint64_t rmtp;         // where the time left goes; 0: nowhere
        } nanosleep{};
    } m_restart_block;

    // Shared per-task state: null for kernel threads (they borrow the kernel's page tables and
    // have no descriptors), set for user tasks. Each CLONE_* flag decides "share or copy".
    RefPtr<MmStruct> m_mm;
    RefPtr<FilesStruct> m_files;
    RefPtr<FsStruct> m_fs;
    RefPtr<SighandStruct> m_sighand;
    RefPtr<SignalStruct> m_signal;
    RefPtr<Cred> m_cred;
    RefPtr<NsProxy> m_nsproxy;
    // Credentials the task acts with for a while instead of m_cred (override_creds, as
    // faccessat's real-id check); null otherwise. Only the task itself sets and reads it.
    const Cred* m_override_cred{nullptr};
    // Linux's PF_NPROC_EXCEEDED: a set*uid moved the task to a user over RLIMIT_NPROC, so its
    // next execve re-checks the limit (task/TaskCred.h).
    bool m_nproc_exceeded{false};

    // Identity and the process tree (Linux's pid, tgid, group_leader, real_parent, parent,
    // children, sibling). Guarded by the tasklist lock (task/Process.h).
    RefPtr<Pid> m_pid;
    int m_tgid{0};
    Task* m_group_leader{nullptr};
    Task* m_real_parent{nullptr};
    Task* m_parent{nullptr};
    IntrusiveListNode m_sibling_node;
    IntrusiveListNode m_tasks_node;  // process_list(), for leaders
    // The process's thread list (SignalStruct::thread_head, Linux's thread_node): changed under
    // the tasklist lock and the siglock, so either is enough to walk it.
    IntrusiveListNode m_thread_node;
    IntrusiveList<Task, &Task::m_sibling_node> m_children;

    // Death (Linux's exit_signal, exit_code, exit_state). exit_code is a wait status.
    enum class ExitState : uint8_t { Alive, Zombie, Dead };
    ExitState m_exit_state{ExitState::Alive};
    bool m_exiting{false};  // Linux's PF_EXITING: in do_exit, no longer a reaper for orphans
    int m_exit_signal{0};  // sent to the parent at exit; -1 for threads
    int m_exit_code{0};
    int m_pdeath_signal{0};
    Completion* m_vfork_done{nullptr};  // the vfork parent's, completed at exec or exit
    uint64_t m_set_child_tid{0};
    bool m_did_exec{false};  // setpgid refuses children that have exec'd (EACCES)
    // Linux's fail_nth (/proc/<pid>/fail-nth): while N > 0, each allocation the task makes
    // counts it down, and the one that brings it to 0 fails (task/Fork.cpp's allocator hook).
    std::atomic<unsigned> m_fail_nth{0};

    // Signals (Linux's pending, blocked, saved_sigmask, sas_ss_*).
    SigPending m_pending;
    SigSet m_blocked{0};
    SigSet m_saved_sigmask{0};
    bool m_restore_sigmask{false};
    uint64_t m_sas_ss_sp{0};
    uint64_t m_sas_ss_size{0};
    int m_sas_ss_flags{2};  // SS_DISABLE until sigaltstack installs one
    // Job control (Linux's jobctl, JOBCTL_* in task/Signal.h): this thread's part in a group
    // stop. Under the siglock; signal_pending() reads it without.
    unsigned m_jobctl{0};

    // get_task_struct/put_task_struct: the running task holds one reference, the process tree
    // another until the task is reaped; the last one frees it.
    std::atomic<uint32_t> m_usage{1};

    uint64_t stack_top() const { return reinterpret_cast<uint64_t>(m_stack_base) + KERNEL_STACK_SIZE; }
    bool stack_intact() const { return !m_stack_base || *m_stack_base == STACK_END_MAGIC; }
};

}  // namespace kernel
