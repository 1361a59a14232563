#pragma once
// Process creation (Linux's kernel/fork.c): kernel_clone → copy_process → dup_task_struct.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

struct Task;

// Linux's struct kernel_clone_args: what fork, vfork, clone and clone3 all become.
struct KernelCloneArgs {
    uint64_t flags{0};        // CLONE_* (without the exit signal)
    uint64_t pidfd{0};        // user address for CLONE_PIDFD's fd
    uint64_t child_tid{0};    // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
    uint64_t parent_tid{0};   // CLONE_PARENT_SETTID
    int exit_signal{0};       // sent to the parent at exit (0: none)
    uint64_t stack{0};        // the child's user stack pointer (0: the parent's)
    uint64_t stack_size{0};
    uint64_t tls{0};          // CLONE_SETTLS
    // clone3's set_tid: the pid number(s) the child must get, innermost namespace first.
    const int* set_tid{nullptr};
    size_t set_tid_size{0};
    uint64_t cgroup{0};  // CLONE_INTO_CGROUP's directory descriptor
};

// Creates a child of the current task and starts it; returns its pid (in the parent).
ErrorOr<int> kernel_clone(const KernelCloneArgs& args);

// unshare(2) (Linux's ksys_unshare): CLONE_FS, CLONE_FILES, CLONE_NEWPID (for the caller's
// children), CLONE_NEWUTS; CLONE_SYSVSEM does nothing; the other CLONE_NEW* are EINVAL, as Linux
// without those namespaces answers.
ErrorOr<long> sys_unshare(uint64_t flags);

// Linux's complete_vfork_done: a vfork child's exec or exit releases its waiting parent,
// unless the parent, killed while waiting, has let go of the child already.
void complete_vfork_done(Task& child);

// The child's first act, before its first return to user mode (Linux's schedule_tail):
// CLONE_CHILD_SETTID's write of its own tid.
void fork_child_started(Task& child);

// Fault injection (Linux's fail_nth). Each task has its own counter, Task::m_fail_nth, set at
// run time through /proc/<pid>/fail-nth: while it is N > 0, the task's Nth allocation from then
// on fails (ENOMEM) — for a fork right after, the Nth allocation of copy_process.
// fault_injection_init installs the allocator hook that does it (at boot).
void fault_injection_init();
// A one-shot setting for the next fork (fail_nth=N on the kernel command line, and the
// fork_fail_nth self-test): the Nth allocation inside the next copy_process fails (0: off);
// the counter is disarmed when that fork ends, whether it failed or not.
void set_fork_fail_nth(unsigned n);

// For the fault-injection self-test: copy_process on its own (the child is built and published
// but never woken), and the undoing of a child that never ran.
ErrorOr<Task*> copy_process_for_test(const KernelCloneArgs& args);
void discard_unstarted_child(Task* child);

}  // namespace kernel
