// Process creation, in the seed's order: kernel_clone (do_fork) → copy_process →
// dup_task_struct, then the copy_* steps, alloc_pid, and publishing the child.
//
// Every step returns an owning handle. A Task's shared objects are RefPtr members, so a child
// that fails half-built is released by destroying it: each reference it took is dropped,
// which is exactly what Linux's bad_fork_cleanup_* ladder undoes by hand. The steps that
// publish the child (the pid hash, the parent's children list, the run queue) come last and
// cannot fail.
#include "task/Fork.h"

#include <arch/Context.h>
#include <arch/Time.h>
#include <arch/TrapFrame.h>
#include <linux/capability.h>
#include <linux/resource.h>
#include <linux/sched.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "lib/Printk.h"
#include "mm/AddressSpace.h"
#include "mm/PageAllocator.h"
#include "mm/UserAccess.h"
#include "task/Cred.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/PidFd.h"
#include "task/Process.h"
#include "task/Rseq.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/TaskCred.h"
#include "task/WaitQueue.h"
#include "trace/Trace.h"

namespace kernel {

void count_fork();  // task/Process.cpp

namespace {

// ---- Fault injection ------------------------------------------------------------------------

// fail_nth= on the command line and the fork_fail_nth self-test: a one-shot setting that the
// next copy_process gives to its task's own counter for the duration of the fork.
constinit std::atomic<unsigned> g_fork_fail_nth{0};

// The allocator's hook (Linux's should_fail, fail_nth part): each allocation counts the
// current task's fail_nth down, and the one that brings it to 0 fails. Allocations happen only
// in task context, so current() is the task that asked.
bool task_fail_nth_hook() {
    Task* task = current();
    unsigned n = task ? task->m_fail_nth.load(std::memory_order_relaxed) : 0;
    if (!n)
        return false;
    task->m_fail_nth.store(n - 1, std::memory_order_relaxed);
    return n == 1;
}

// Arms the current task's counter with the one-shot setting for one copy_process, and disarms
// it after, so that a setting larger than the fork's allocations fails nothing else.
class FailNthScope {
public:
    FailNthScope() {
        unsigned n = g_fork_fail_nth.exchange(0);
        if (!n)
            return;
        current()->m_fail_nth.store(n);
        m_armed = true;
    }
    ~FailNthScope() {
        if (m_armed)
            current()->m_fail_nth.store(0);
    }

private:
    bool m_armed{false};
};

// ---- The unborn child -----------------------------------------------------------------------

// Owns a child under construction. Until commit(), destroying it releases the task and,
// through the task's RefPtr members, everything copy_process attached to it.
class UnbornTask {
public:
    explicit UnbornTask(Task* task) : m_task(task) {}
    ~UnbornTask() {
        if (m_task) {
            release_creds(*m_task);  // bad_fork_cleanup_count
            arch::release_thread_state(m_task->m_context);
            put_task_struct(*m_task);
        }
    }
    UnbornTask(const UnbornTask&) = delete;
    UnbornTask& operator=(const UnbornTask&) = delete;
    Task* operator->() const { return m_task; }
    Task& operator*() const { return *m_task; }
    Task* commit() { return std::exchange(m_task, nullptr); }

private:
    Task* m_task;
};

// dup_task_struct: a new Task with its own kernel stack (canary at the end), and the fields a
// child inherits from its parent by value.
ErrorOr<Task*> dup_task_struct(Task& orig) {
    Task* task = TRY(alloc_task_struct());
    __builtin_memcpy(task->m_comm, orig.m_comm, sizeof(task->m_comm));
    task->m_blocked = orig.m_blocked;
    task->m_nice = orig.m_nice;
    // copy_io: an I/O priority that was set is inherited (class "none" is not a setting).
    task->m_ioprio = (orig.m_ioprio >> 13) & 7 ? orig.m_ioprio : 0;
    task->m_start_time_ns = arch::monotonic_ns();
    task->m_sas_ss_sp = orig.m_sas_ss_sp;
    task->m_sas_ss_size = orig.m_sas_ss_size;
    task->m_sas_ss_flags = orig.m_sas_ss_flags;
    task->m_nproc_exceeded = orig.m_nproc_exceeded;  // part of Linux's task flags
    return task;
}

// ---- The copy_* steps: share the object (CLONE_x) or give the child its own copy ----------

ErrorOr<void> copy_files(uint64_t flags, Task& p, const Task& parent) {
    if (!parent.m_files)
        return {};
    if (flags & CLONE_FILES)
        p.m_files = parent.m_files;
    else
        p.m_files = TRY(parent.m_files->clone());
    return {};
}

ErrorOr<void> copy_fs(uint64_t flags, Task& p, const Task& parent) {
    if (!parent.m_fs)
        return {};
    if (flags & CLONE_FS)
        p.m_fs = parent.m_fs;
    else
        p.m_fs = TRY(parent.m_fs->clone());
    return {};
}

ErrorOr<void> copy_sighand(uint64_t flags, Task& p, const Task& parent) {
    if (flags & CLONE_SIGHAND) {
        p.m_sighand = parent.m_sighand;
        return {};
    }
    p.m_sighand = TRY(parent.m_sighand->copy());
    if (flags & CLONE_CLEAR_SIGHAND) {
        // clone3's CLONE_CLEAR_SIGHAND: handlers back to default, ignored ones stay ignored.
        for (auto& action : p.m_sighand->action)
            if (action.handler != uint64_t(SIG_IGN))
                action = {};
    }
    return {};
}

ErrorOr<void> copy_signal(uint64_t flags, Task& p, const Task& parent) {
    if (flags & CLONE_THREAD) {
        p.m_signal = parent.m_signal;
        return {};
    }
    p.m_signal = TRY(parent.m_signal->copy_for_fork());
    return {};
}

ErrorOr<void> copy_mm(uint64_t flags, Task& p, const Task& parent) {
    if (!parent.m_mm)
        return {};
    if (flags & CLONE_VM)
        p.m_mm = parent.m_mm;
    else
        p.m_mm = TRY(parent.m_mm->dup());  // copy-on-write (dup_mmap)
    return {};
}

// copy_thread: the child's registers are the parent's at the syscall, except that it sees 0
// from the call, may run on a new stack, and may get a new TLS base.
ErrorOr<void> copy_thread(const KernelCloneArgs& args, Task& p, Task& parent) {
    // A TLS base must be a user address (do_set_thread_area_64's EPERM, as arch_prctl).
    if ((args.flags & CLONE_SETTLS) && args.tls >= USER_SPACE_END)
        return Error::from_errno(EPERM);
    if (!arch::copy_thread_state(p.m_context, parent.m_context))
        return Error::from_errno(ENOMEM);
    auto* parent_frame = arch::task_user_frame(parent.stack_top());
    auto* child_frame = arch::task_user_frame(p.stack_top());
    *child_frame = *parent_frame;
    child_frame->rax = 0;
    if (args.stack)
        child_frame->rsp = args.stack;
    if (args.flags & CLONE_SETTLS)
        p.m_context.fs_base = args.tls;
    arch::prepare_fork_child(p.m_context, p.stack_top());
    return {};
}

// RLIMIT_NPROC bounds the tasks of the child's real uid, the child already counted (copy_creds),
// threads and zombies included (Linux's ucounts). Uid 0 is exempt, as are holders of
// CAP_SYS_RESOURCE or CAP_SYS_ADMIN. max_threads bounds everybody.
ErrorOr<void> check_process_limits(const Task& p, Task& parent) {
    const Cred& cred = *p.m_cred;
    if (cred.ucounts && cred.ucounts->nproc_over(parent.m_signal->rlim[RLIMIT_NPROC].cur) && cred.uid != 0 &&
        !capable(CAP_SYS_RESOURCE) && !capable(CAP_SYS_ADMIN))
        return Error::from_errno(EAGAIN);
    parent.m_nproc_exceeded = false;
    if (uint64_t(nr_threads()) >= max_threads())
        return Error::from_errno(EAGAIN);
    return {};
}

// The flag rules of Linux 6.1's copy_process, each with its errno.
ErrorOr<void> check_clone_flags(uint64_t flags, const Task& parent) {
    if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
        return Error::from_errno(EINVAL);
    if ((flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
        return Error::from_errno(EINVAL);
    // Thread groups must share signals as well, and detached threads can only be started up
    // within the thread group.
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return Error::from_errno(EINVAL);
    // Shared signal handlers imply shared VM.
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return Error::from_errno(EINVAL);
    // Siblings of an init (the global one or a namespace's: unkillable) would be reaped by
    // nobody, and the tree would have two roots: inits may not use CLONE_PARENT.
    if ((flags & CLONE_PARENT) && (&parent == init_process() || parent.m_signal->unkillable))
        return Error::from_errno(EINVAL);
    // A thread cannot live in another pid or user namespace than its group (nor in the one
    // unshare(CLONE_NEWPID) prepared for the caller's children).
    if ((flags & CLONE_THREAD) && ((flags & (CLONE_NEWUSER | CLONE_NEWPID)) ||
                                   &task_active_pid_ns(parent) != parent.m_nsproxy->pid_ns_for_children.ptr()))
        return Error::from_errno(EINVAL);
    // A task entering another time namespace may not share the address space or the thread
    // group it leaves (vfork included: Linux 6.1 has no entering at exec).
    if ((flags & (CLONE_THREAD | CLONE_VM)) && parent.m_nsproxy->time_ns != parent.m_nsproxy->time_ns_for_children)
        return Error::from_errno(EINVAL);
    // CLONE_DETACHED is reserved for a future use with pidfds; threads cannot have pidfds yet.
    if ((flags & CLONE_PIDFD) && (flags & (CLONE_DETACHED | CLONE_THREAD)))
        return Error::from_errno(EINVAL);
    return {};
}

// copy_process: builds the child, returns it not yet running. CLONE_PIDFD's descriptor is
// prepared in `pidfd`, for the caller to install once the child is published.
ErrorOr<Task*> copy_process(const KernelCloneArgs& args, PidfdReservation& pidfd) {
    uint64_t flags = args.flags;
    Task& parent = *current();
    TRY(check_clone_flags(flags, parent));
    // security_task_alloc would go here (no LSM).

    FailNthScope fail_nth;
    UnbornTask p(TRY(dup_task_struct(parent)));
    // ptrace_init_task, cgroup_fork: no ptrace or cgroups yet; their hooks belong here.

    TRY(copy_creds(*p, parent, flags));
    TRY(check_process_limits(*p, parent));
    // sched_fork: the child starts with a fresh slice and no CPU time.
    p->m_timeslice = SCHED_TIMESLICE_TICKS;
    p->m_runtime_ns = 0;

    // A task being created may not share the sigaltstack of a task it shares memory with but
    // is not vforked from: its stack would be used by two threads at once.
    if ((flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM) {
        p->m_sas_ss_sp = p->m_sas_ss_size = 0;
        p->m_sas_ss_flags = 0;
    }
    rseq_fork(*p, parent, flags);

    // copy_semundo: no SysV semaphores yet.
    TRY(copy_files(flags, *p, parent));
    TRY(copy_fs(flags, *p, parent));
    TRY(copy_sighand(flags, *p, parent));
    TRY(copy_signal(flags, *p, parent));
    TRY(copy_mm(flags, *p, parent));
    TRY(copy_namespaces(flags, *p, parent));
    // copy_io: no block-I/O contexts.
    TRY(copy_thread(args, *p, parent));
    p->m_pid = TRY(alloc_pid(*p->m_nsproxy->pid_ns_for_children, args.set_tid, args.set_tid_size));

    // After copy_files, so that a child with a table of its own does not get the descriptor.
    // The number is written out now (a bad pointer fails the fork), the file installed last.
    if (flags & CLONE_PIDFD) {
        int fd = TRY(pidfd.prepare(parent.m_files.ptr(), *p->m_pid));
        TRY(copy_to_user(args.pidfd, &fd, sizeof(fd)));
    }
    // cgroup_can_fork: there is no cgroup2 file system, so no descriptor can name a cgroup
    // directory; Linux says EBADF for a descriptor that does not.
    if (flags & CLONE_INTO_CGROUP)
        return Error::from_errno(EBADF);

    p->m_set_child_tid = (flags & CLONE_CHILD_SETTID) ? args.child_tid : 0;
    p->m_clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? args.child_tid : 0;
    p->m_tid = p->m_pid->number();

    // No more failure paths after this point (except a pending signal, which restarts the
    // fork, below, before anything is published).
    SpinlockGuard guard(tasklist_lock());
    // A signal that arrived during the fork must be handled first; the fork is then restarted
    // transparently (ERESTARTNOINTR), so the child never misses a signal sent to the group.
    if (signal_pending(parent))
        return Error::from_errno(ERESTARTNOINTR);
    // No more processes in a dying pid namespace (Linux re-checks PIDNS_ADDING here too): its
    // reaper may have finished zap_pid_ns_processes, which waits only for attached tasks,
    // while this child's number was taken and not yet attached (a parent outside the
    // namespace, through setns or unshare(CLONE_NEWPID), preempted in between).
    for (unsigned level = 1; level <= p->m_pid->level(); ++level)
        if (!p->m_pid->upid(level).ns->adding)
            return Error::from_errno(ENOMEM);

    if (flags & CLONE_THREAD) {
        p->m_exit_signal = -1;
        p->m_group_leader = parent.m_group_leader;
        p->m_tgid = parent.m_tgid;
        p->m_signal->nr_threads++;
        p->m_signal->live.fetch_add(1, std::memory_order_relaxed);
    } else {
        p->m_exit_signal = args.exit_signal;
        p->m_group_leader = &*p;
        p->m_tgid = p->m_tid;
        // A namespace's first process is its init (attach_pid makes it the child_reaper).
        if (p->m_pid->level() && p->m_pid->upid(p->m_pid->level()).nr == 1)
            p->m_signal->unkillable = true;
    }
    // CLONE_PARENT re-uses the old parent (and inherits its exit signal for its children).
    if (flags & (CLONE_PARENT | CLONE_THREAD)) {
        p->m_real_parent = parent.m_real_parent;
        if (flags & CLONE_PARENT)
            p->m_exit_signal = parent.m_group_leader->m_exit_signal;
    } else {
        p->m_real_parent = &parent;
    }
    p->m_parent = p->m_real_parent;
    attach_pid(*p->m_pid, *p);
    if (thread_group_leader(*p)) {
        // A process: its parent's child, and the first of its own threads.
        if (p->m_real_parent)
            p->m_real_parent->m_children.push_back(*p);
        process_list().push_back(*p);
        p->m_signal->thread_head.push_back(*p);
    } else {
        // A thread: one more in its group's list (walked under either lock).
        SpinlockGuard siglock(p->m_sighand->siglock);
        p->m_signal->thread_head.push_back(*p);
    }
    get_task_struct(*p);  // the process tree's reference, dropped when the child is reaped
    count_fork();
    trace::emit(trace::Event::TaskNewtask, "pid={} comm={} clone_flags={:x} oom_score_adj=0", p->m_tid,
                StringView(p->m_comm), flags | uint64_t(args.exit_signal > 0 ? args.exit_signal : 0));
    return p.commit();
}

// Guards every task's m_vfork_done (Linux takes the child's task_lock): the Completion lives
// on the parent's stack, so the child completes it, and a killed parent takes it back, under
// this lock; a parent that returned can no longer be completed.
constinit Spinlock g_vfork_lock;

// Sleeps until the vfork child execs or exits; killable (the parent may die meanwhile: then
// the child keeps running, and no longer points at the parent's Completion).
void wait_for_vfork_done(Task& child, Completion& vfork) {
    if (!vfork.wait_for_completion_killable()) {
        SpinlockGuard guard(g_vfork_lock);
        child.m_vfork_done = nullptr;
    }
}

}  // namespace

void complete_vfork_done(Task& child) {
    SpinlockGuard guard(g_vfork_lock);
    if (Completion* vfork = std::exchange(child.m_vfork_done, nullptr))
        vfork->complete();
}

void set_fork_fail_nth(unsigned n) { g_fork_fail_nth.store(n); }

void fault_injection_init() { mm::set_fail_hook(task_fail_nth_hook); }

void fork_child_started(Task& child) {
    // Written by the child itself, in its own address space; a bad pointer is ignored.
    if (child.m_set_child_tid) {
        int tid = task_pid_vnr(child);
        (void)copy_to_user(child.m_set_child_tid, &tid, sizeof(tid));
    }
}

ErrorOr<Task*> copy_process_for_test(const KernelCloneArgs& args) {
    PidfdReservation pidfd;
    Task* child = TRY(copy_process(args, pidfd));
    pidfd.install();
    return child;
}

void discard_unstarted_child(Task* child) {
    {
        SpinlockGuard guard(tasklist_lock());
        child->m_sibling_node.unlink();
        child->m_tasks_node.unlink();
        {
            SpinlockGuard siglock(child->m_sighand->siglock);
            child->m_thread_node.unlink();
        }
        detach_pid(*child->m_pid);
        release_creds(*child);
        if (child->m_group_leader != child) {
            child->m_signal->nr_threads--;
            child->m_signal->live.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    arch::release_thread_state(child->m_context);
    put_task_struct(*child);  // the tree's reference
    put_task_struct(*child);  // its own: it never ran, so no context switch will drop it
}

// Linux's ksys_unshare: the calling task stops sharing what `flags` names. The address space,
// the handlers and the thread group cannot be unshared once shared (EINVAL, as in Linux); when
// nothing shares them — a single-threaded caller — asking succeeds and changes nothing.
ErrorOr<long> sys_unshare(uint64_t flags) {
    Task& self = *current();
    // What each flag implies (a new user namespace would need its own thread group and fs).
    if (flags & CLONE_NEWUSER)
        flags |= CLONE_THREAD | CLONE_FS;
    if (flags & CLONE_VM)
        flags |= CLONE_SIGHAND;
    if (flags & CLONE_SIGHAND)
        flags |= CLONE_THREAD;
    if (flags & CLONE_NEWNS)
        flags |= CLONE_FS;
    // A new ipc namespace leaves the semaphore undo list of the old one.
    if (flags & CLONE_NEWIPC)
        flags |= CLONE_SYSVSEM;
    // check_unshare_flags
    if (flags & ~uint64_t(CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEW_ANY))
        return Error::from_errno(EINVAL);
    if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) {
        SpinlockGuard guard(tasklist_lock());
        if (!thread_group_empty(self))
            return Error::from_errno(EINVAL);
    }
    if ((flags & (CLONE_SIGHAND | CLONE_VM)) && self.m_sighand->ref_count() > 1)
        return Error::from_errno(EINVAL);
    if ((flags & CLONE_VM) && self.m_mm && self.m_mm->ref_count() > 1)
        return Error::from_errno(EINVAL);
    // unshare_fs, unshare_fd: copies only when the object is shared.
    RefPtr<FsStruct> new_fs;
    if ((flags & CLONE_FS) && self.m_fs && self.m_fs->ref_count() > 1)
        new_fs = TRY(self.m_fs->clone());
    RefPtr<FilesStruct> new_files;
    if ((flags & CLONE_FILES) && self.m_files && self.m_files->ref_count() > 1)
        new_files = TRY(self.m_files->clone());
    // unshare_userns: new credentials in a new user namespace, committed with the rest.
    RefPtr<Cred> new_cred;
    if (flags & CLONE_NEWUSER) {
        new_cred = TRY(self.m_cred->prepare());
        TRY(UserNamespace::create(*new_cred, enforced_nproc_rlimit()));
    }
    // unshare_nsproxy_namespaces: CAP_SYS_ADMIN in the user namespace that will own them.
    RefPtr<NsProxy> new_nsproxy;
    if (flags & (CLONE_NEW_ANY & ~uint64_t(CLONE_NEWUSER))) {
        UserNamespace& user_ns = new_cred ? *new_cred->user_ns : *self.m_cred->user_ns;
        if (!self.m_cred->capable_in(user_ns, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        // A new mount namespace moves the unshared fs context, or our own when it is not shared.
        FsStruct* fs = new_fs ? new_fs.ptr() : self.m_fs.ptr();
        new_nsproxy = TRY(NsProxy::create_new_namespaces(flags, self, user_ns, fs));
    }
    // CLONE_SYSVSEM detaches from the semaphore undo list: there are no SysV semaphores.
    if (new_cred)
        commit_creds(NonnullRefPtr<Cred>(*new_cred));
    SpinlockGuard guard(tasklist_lock());
    if (new_nsproxy)
        self.m_nsproxy.swap(new_nsproxy);
    if (new_fs)
        self.m_fs.swap(new_fs);
    if (new_files)
        self.m_files.swap(new_files);
    return 0;
}

ErrorOr<int> kernel_clone(const KernelCloneArgs& args) {
    uint64_t flags = args.flags;
    // For legacy clone, CLONE_PIDFD returns the fd through parent_tid, so both flags naming
    // the same word makes no sense; clone3 keeps the rule.
    if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID) && args.pidfd == args.parent_tid)
        return Error::from_errno(EINVAL);

    PidfdReservation pidfd;
    Task* p = TRY(copy_process(args, pidfd));
    pidfd.install();  // fd_install: the child is published, nothing can fail any more
    int nr = task_pid_vnr(*p);  // as the parent sees it (pid_vnr)
    trace::emit(trace::Event::SchedProcessFork, "comm={} pid={} child_comm={} child_pid={}",
                StringView(current()->m_comm), current()->m_tid, StringView(p->m_comm), p->m_tid);

    // A bad parent_tid pointer is ignored, as Linux's put_user result is.
    if (flags & CLONE_PARENT_SETTID)
        (void)copy_to_user(args.parent_tid, &nr, sizeof(nr));

    Completion vfork;
    if (flags & CLONE_VFORK) {
        p->m_vfork_done = &vfork;
        get_task_struct(*p);
    }
    wake_up_new_task(p);
    if (flags & CLONE_VFORK) {
        wait_for_vfork_done(*p, vfork);
        put_task_struct(*p);
    }
    return nr;
}

}  // namespace kernel
