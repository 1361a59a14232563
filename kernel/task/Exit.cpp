// Task death and reaping (Linux's kernel/exit.c): do_exit releases what the task holds in
// Linux's order, exit_notify hands its children to a reaper and tells its parent, and the
// parent's wait4/waitid (do_wait) collects the zombie.
#include "task/Exit.h"

#include <arch/Power.h>
#include <arch/Time.h>
#include <asm-generic/fcntl.h>
#include <linux/resource.h>
#include <linux/wait.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/Tty.h"
#include "lib/Printk.h"
#include "lib/ScopeGuard.h"
#include "mm/AddressSpace.h"
#include "mm/UserAccess.h"
#include "task/Fork.h"
#include "task/Futex.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/PidFd.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "task/TaskCred.h"
#include "trace/Trace.h"

namespace kernel {

void mm_release(Task& task) {
    // Robust futexes the task still holds go first (Linux's exit_mm_release and
    // exec_mm_release call futex_exit_release / futex_exec_release before mm_release).
    futex_cleanup(task);
    // The word is only worth clearing when someone else can see it: another user of this
    // address space (a thread, a CLONE_VM child), which may wait for it with a futex (a join).
    // The wake is shared, as Linux's do_futex(FUTEX_WAKE) here, and made whatever the store did.
    if (task.m_clear_child_tid) {
        if (task.m_mm && task.m_mm->ref_count() > 1) {
            int zero = 0;
            (void)copy_to_user(task.m_clear_child_tid, &zero, sizeof(zero));
            (void)futex_wake(task.m_clear_child_tid, FUTEX_FLAG_SHARED, 1, FUTEX_BITSET_MATCH_ANY);
        }
        task.m_clear_child_tid = 0;
    }
    complete_vfork_done(task);
}

namespace {

bool signal_pending_for_wait(const Task& task) { return signal_pending(task); }

// The parent (or, for PR_SET_PDEATHSIG, the child) learns of a death by signal.
void notify_parent_signal(Task& target, int sig, const siginfo_t& info) { (void)send_signal_to_group(target, sig, info); }


// Linux's find_alive_thread: another thread of the process that is not exiting.
Task* find_alive_thread(Task& task) {
    Task* found = nullptr;
    for_each_thread(task, [&](Task& thread) {
        if (thread.m_exiting)
            return false;
        found = &thread;
        return true;
    });
    return found;
}

// Where an orphan goes: another thread of the dying one's process, else the nearest ancestor
// in the same pid namespace that is a child subreaper, else the namespace's init (Linux's
// find_new_reaper). The ancestors' pid level tells where the namespace ends.
Task* find_new_reaper(Task& father) {
    if (Task* thread = find_alive_thread(father))
        return thread;
    unsigned level = father.m_pid->level();
    // A live thread of the reaper, never its leader as such: a leader that exited stays a
    // zombie while its threads live, and is released without handing on what it was given
    // (an exec from another thread frees it), which left orphans pointing at a freed task.
    if (father.m_signal->has_child_subreaper) {
        for (Task* ancestor = father.m_real_parent;
             ancestor && ancestor != init_process() && ancestor->m_pid && ancestor->m_pid->level() == level;
             ancestor = ancestor->m_real_parent) {
            if (!ancestor->m_signal || !ancestor->m_signal->is_child_subreaper)
                continue;
            if (Task* thread = find_alive_thread(*ancestor))
                return thread;
        }
    }
    // The namespace's init: a live thread of it when the thread holding the role has exited
    // (the role itself stays with the leader, whose group's death runs zap_pid_ns_processes);
    // an init with no live thread left is dying.
    PidNamespace* ns = &task_active_pid_ns(father);
    Task* reaper = ns->child_reaper;
    if (reaper && reaper->m_exiting)
        if (Task* thread = find_alive_thread(*reaper))
            return thread;
    // A namespace whose init is gone (its number detached) takes no orphans: the nearest
    // ancestor namespace's init does, which waits for every process of its namespace, these
    // included — never the global init, which waits for nothing of theirs. (Linux keeps the
    // dead init as child_reaper; with its zap waiting for all, it has no orphans to place.)
    while (!reaper && ns->parent()) {
        ns = ns->parent();
        reaper = ns->child_reaper;
    }
    return reaper ? reaper : init_process();
}

// Should the parent ignore this child's death entirely (SIGCHLD set to SIG_IGN, or
// SA_NOCLDWAIT)? Then the child is reaped at once and wait() never sees it.
bool parent_autoreaps(Task& parent, int exit_signal) {
    if (exit_signal != SIGCHLD || !parent.m_sighand)
        return false;
    const auto& action = parent.m_sighand->action[SIGCHLD - 1];
    return action.handler == uint64_t(SIG_IGN) || (action.flags & SA_NOCLDWAIT);
}

// do_notify_parent: exit_signal with a CLD_* siginfo, and a wake-up of the waiters.
// Returns true when the child must be reaped now (autoreap).
bool do_notify_parent(Task& child) {
    do_notify_pidfd(child);
    Task* parent = child.m_parent;
    if (!parent)
        return true;
    int status = child.m_exit_code;
    bool autoreap = parent_autoreaps(*parent, child.m_exit_signal);
    if (child.m_exit_signal > 0 && valid_signal(child.m_exit_signal) && !(child.m_exit_signal == SIGCHLD && parent->m_sighand &&
                                     parent->m_sighand->action[SIGCHLD - 1].handler == uint64_t(SIG_IGN))) {
        siginfo_t info{};
        info.si_signo = child.m_exit_signal;
        info.si_code = (status & 0x7f) == 0 ? CLD_EXITED : (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
        info.si_pid = task_pid_nr_ns(child, task_active_pid_ns(*parent));  // as the parent sees it
        info.si_uid = 0;
        info.si_status = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f;
        notify_parent_signal(*parent, child.m_exit_signal, info);
    }
    parent->m_signal->wait_chldexit.wake_all();
    return autoreap;
}

}  // namespace

// Unlinks a dead task from the tree, its process's thread list and its pid (Linux's
// __unhash_process and __exit_signal, minus the final put, which the caller makes outside the
// tasklist lock). A thread's usage joins its process's. Tasklist lock held.
void unhash_task_locked(Task& task) {
    release_creds(task);  // release_task's dec_rlimit_ucounts: one task fewer for its uid
    task.m_sibling_node.unlink();
    task.m_tasks_node.unlink();
    if (task.m_sighand) {
        SpinlockGuard siglock(task.m_sighand->siglock);
        task.m_thread_node.unlink();
    }
    detach_pid(*task.m_pid);
    if (!thread_group_leader(task) && task.m_signal) {
        task.m_signal->nr_threads--;
        task.m_signal->dead_threads_runtime_ns += task.m_runtime_ns;
        task.m_signal->dead_threads_min_flt += task.m_min_flt;
    }
}

namespace {

// Dead tasks waiting for their final put, linked through their (now unused) sibling node.
using ReleasedTasks = IntrusiveList<Task, &Task::m_sibling_node>;

// Linux's release_task: `task` is dead and gone from everywhere. If it was the last thread of a
// process whose leader is a zombie already, the leader's death is announced now (it was
// delayed while its threads lived), and the leader too goes if its parent does not wait.
void release_task_locked(Task& task, ReleasedTasks& released) {
    unhash_task_locked(task);
    released.push_back(task);
    Task* leader = task.m_group_leader;
    if (leader != &task && leader->m_exit_state == Task::ExitState::Zombie && thread_group_empty(*leader) &&
        do_notify_parent(*leader)) {
        leader->m_exit_state = Task::ExitState::Dead;
        unhash_task_locked(*leader);
        released.push_back(*leader);
    }
}

// Linux's delay_group_leader: a zombie leader is not reaped while its threads live.
bool delay_group_leader(const Task& task) { return thread_group_leader(task) && !thread_group_empty(task); }

bool is_global_init(const Task* task) {
    Task* init = init_process();
    return init && task && task->m_signal == init->m_signal;
}

// Linux's will_become_orphaned_pgrp: does no process of `pgrp` (but `ignored`, which is on its
// way out) have a parent in another process group of the same session? Processes that are
// gone and children of init do not count. Tasklist lock held.
bool will_become_orphaned_pgrp(int pgrp, const Task* ignored) {
    bool orphaned = true;
    for_each_process([&](Task& p) {
        if (!p.m_signal || p.m_signal->pgrp != pgrp || &p == ignored ||
            (p.m_exit_state != Task::ExitState::Alive && thread_group_empty(p)) || !p.m_real_parent ||
            is_global_init(p.m_real_parent))
            return false;
        SignalStruct& parent = *p.m_real_parent->m_signal;
        if (parent.pgrp != pgrp && parent.session == p.m_signal->session)
            orphaned = false;
        return !orphaned;
    });
    return orphaned;
}

// Linux's has_stopped_jobs: is a process of `pgrp` stopped? Tasklist lock held.
bool has_stopped_jobs(int pgrp) {
    bool stopped = false;
    for_each_process([&](Task& p) {
        stopped = p.m_signal && p.m_signal->pgrp == pgrp && (p.m_signal->stop_flags & SIGNAL_STOP_STOPPED);
        return stopped;
    });
    return stopped;
}

// Linux's kill_orphaned_pgrp (POSIX 3.2.2.2): a process group that becomes orphaned while one of
// its processes is stopped gets SIGHUP and then SIGCONT, since no job control shell could resume
// it any more. `task` exits (parent null: its own group may lose its link to the outside through
// its parent), or `task` is a child being reparented away from `parent`. Tasklist lock held.
void kill_orphaned_pgrp(Task& task, Task* parent) {
    const Task* ignored = &task;
    if (!parent)
        parent = task.m_real_parent;
    else
        ignored = nullptr;
    if (!parent || !parent->m_signal || !task.m_signal)
        return;
    int pgrp = task.m_signal->pgrp;
    if (parent->m_signal->pgrp == pgrp || parent->m_signal->session != task.m_signal->session ||
        !will_become_orphaned_pgrp(pgrp, ignored) || !has_stopped_jobs(pgrp))
        return;
    const int signals[] = {SIGHUP, SIGCONT};
    for (int sig : signals) {
        for_each_process([&](Task& p) {
            if (p.m_signal && p.m_signal->pgrp == pgrp)
                (void)send_signal_to_group(p, sig, make_kernel_info(sig));
            return false;
        });
    }
}

// exit_notify: give the children to a reaper, then become a zombie (or vanish). The tasks to
// put afterwards (outside the lock) are added to `released`.
void exit_notify(Task& task, bool group_dead, ReleasedTasks& released) {
    SpinlockGuard guard(tasklist_lock());
    Task* reaper = find_new_reaper(task);
    bool same_process = reaper->m_signal == task.m_signal;
    while (Task* child = task.m_children.take_first()) {
        reaper->m_children.push_back(*child);
        // Every thread of the child names its process's parent (Linux's forget_original_parent
        // walks them all): a thread left pointing at us would report to a freed task, through
        // getppid, a CLONE_PARENT child, or as the leader after an exec. PR_SET_PDEATHSIG: the
        // child's threads learn that the thread that created it died.
        for_each_thread(*child, [&](Task& thread) {
            thread.m_real_parent = thread.m_parent = reaper;
            if (thread.m_pdeath_signal && thread.m_exit_state == Task::ExitState::Alive)
                notify_parent_signal(thread, thread.m_pdeath_signal,
                                     make_kill_info(thread.m_pdeath_signal, task_tgid_nr_ns(task, task_active_pid_ns(thread)), 0));
            return false;
        });
        if (same_process)
            continue;  // still a child of the same process: nothing else changes
        // Linux's reparent_leader. "We don't want people slaying init": an orphan reports to its
        // new parent with SIGCHLD, whatever exit signal it was created with.
        if (child->m_exit_signal != -1)
            child->m_exit_signal = SIGCHLD;
        // A zombie handed over must be announced to its new parent, who may not wait for it.
        if (child->m_exit_state == Task::ExitState::Zombie && thread_group_empty(*child) && do_notify_parent(*child)) {
            child->m_exit_state = Task::ExitState::Dead;
            unhash_task_locked(*child);
            released.push_back(*child);
        }
        kill_orphaned_pgrp(*child, &task);
    }
    if (group_dead)
        kill_orphaned_pgrp(*task.m_group_leader, nullptr);
    // A leader's death is announced when its process is empty (release_task of the last thread
    // does it otherwise); a thread vanishes at once.
    bool autoreap = true;
    if (thread_group_leader(task))
        autoreap = thread_group_empty(task) && (task.m_exit_signal < 0 || do_notify_parent(task));
    if (autoreap) {
        task.m_exit_state = Task::ExitState::Dead;
        release_task_locked(task, released);
    } else {
        task.m_exit_state = Task::ExitState::Zombie;
    }
    // An exec from another thread (de_thread) waits for this one to be gone.
    if (Task* exec_task = task.m_signal->group_exec_task)
        wake_up_process(exec_task);
}

}  // namespace

bool is_current_pgrp_orphaned() {
    SpinlockGuard guard(tasklist_lock());
    return will_become_orphaned_pgrp(current()->m_signal->pgrp, nullptr);
}

[[noreturn]] void do_exit(int wait_status) {
    Task* self = current();
    exit_signals(*self);
    bool group_dead = !self->m_signal || self->m_signal->live.fetch_sub(1, std::memory_order_acq_rel) == 1;
    // Linux panics when init dies. We report how it ended — the status a parent would see: the
    // code, or 128 + the signal — and power off; tools/vmrun reads that line.
    if (!self->m_signal || (group_dead && init_process() && self->m_signal == init_process()->m_signal)) {
        int status = (wait_status & 0x7f) ? 128 + (wait_status & 0x7f) : (wait_status >> 8) & 0xff;
        printk("sprout: init exited with status {}\n", status);
        arch::power_off(0);
    }
    self->m_exit_code = wait_status;
    trace::emit(trace::Event::SchedProcessExit, "comm={} pid={} prio=120", StringView(self->m_comm), self->m_tid);
    // The last thread of a process takes the process timer with it.
    if (group_dead) {
        disassociate_ctty(true);
        exit_itimers(*self);
        // ...and records the address space's high-water mark for its parent's wait.
        if (self->m_mm)
            setmax_mm_hiwater_rss(self->m_signal->maxrss, *self->m_mm);
    }
    // exit_mm (after mm_release, which needs the address space for clear_child_tid), then
    // files, fs — Linux's order.
    mm_release(*self);
    exit_mm(self);
    self->m_files = nullptr;
    self->m_fs = nullptr;
    arch::release_thread_state(self->m_context);
    // The last thread of a pid namespace's init takes the namespace's processes with it
    // (Linux's find_child_reaper, before the children are handed on).
    if (group_dead && self->m_pid) {
        PidNamespace& ns = task_active_pid_ns(*self);
        Task* reaper = ns.child_reaper;
        if (ns.level() > 0 && reaper && reaper->m_signal == self->m_signal)
            zap_pid_ns_processes(ns);
    }
    ReleasedTasks released;
    exit_notify(*self, group_dead, released);
    while (Task* task = released.take_first())
        put_task_struct(*task);  // the tree's reference; our running one goes after the switch
    kernel_thread_exit();
}

// Linux's do_group_exit: exit_group(2), and a fatal signal's end. The first thread to get here
// sets the process's exit status and kills the others; they die with that status. Threads
// killed by another thread's execve (de_thread) die quietly.
[[noreturn]] void do_group_exit(int wait_status) {
    Task& self = *current();
    if (self.m_signal && self.m_sighand) {
        SignalStruct& signal = *self.m_signal;
        SpinlockGuard guard(self.m_sighand->siglock);
        if (signal.group_exiting) {
            wait_status = signal.group_exit_code;
        } else if (signal.group_exec_task && signal.group_exec_task != &self) {
            wait_status = 0;
        } else {
            signal.group_exiting = true;
            signal.group_exit_code = wait_status;
            signal.stop_flags = 0;  // the group exit ends any stop
            zap_other_threads(self);
        }
    }
    do_exit(wait_status);
}

// ---- wait4 / waitid -------------------------------------------------------------------------

namespace {

struct WaitOptions {
    int type;  // P_ALL, P_PID, P_PGID
    int id;
    int flags;  // WNOHANG, WEXITED, WNOWAIT, __WCLONE, __WALL, __WNOTHREAD
};

struct WaitResult {
    int pid;
    // A wait status: an exit, or stopped ((signal << 8) | 0x7f), or continued (0xffff).
    int status;
    int why;  // CLD_STOPPED, CLD_CONTINUED; 0 for an exit (the CLD_* follows from status)
    uint64_t runtime_ns;  // the child's, with its reaped children's
    uint64_t min_flt;
    uint64_t maxrss;  // pages: the largest of the child's and its reaped children's
    uint32_t uid{0};  // the child's real uid (waitid's si_uid)
};

// What wait reports of a child (Linux's getrusage(p, RUSAGE_BOTH)): its threads', live and
// gone, and its reaped children's usage; the high-water mark of its address spaces, the
// current one included. Tasklist lock held.
WaitResult child_usage(Task& child) {
    SignalStruct& signal = *child.m_signal;
    WaitResult result{task_tgid_vnr(child), 0, 0, signal.dead_threads_runtime_ns + signal.children_runtime_ns,
                      signal.dead_threads_min_flt + signal.children_min_flt,
                      signal.maxrss > signal.children_maxrss ? signal.maxrss : signal.children_maxrss};
    for_each_thread(child, [&](Task& thread) {
        result.runtime_ns += task_runtime_ns(thread);
        result.min_flt += thread.m_min_flt;
        return false;
    });
    if (child.m_mm)
        setmax_mm_hiwater_rss(result.maxrss, *child.m_mm);
    if (child.m_cred)
        result.uid = child.m_cred->uid;
    return result;
}

// Linux's wait_task_stopped (WUNTRACED, WSTOPPED): a stopped child's stop signal, reported once
// (consumed unless WNOWAIT). 0 when there is none to report. Tasklist lock held.
int wait_task_stopped(const WaitOptions& wo, Task& child) {
    if (!(wo.flags & WUNTRACED) || !child.m_sighand)
        return 0;
    SignalStruct& signal = *child.m_signal;
    SpinlockGuard guard(child.m_sighand->siglock);
    if (!(signal.stop_flags & SIGNAL_STOP_STOPPED))
        return 0;
    int code = signal.group_exit_code;
    if (!(wo.flags & WNOWAIT))
        signal.group_exit_code = 0;
    return code;
}

// Linux's wait_task_continued (WCONTINUED): true once per SIGCONT that resumed a stopped child
// (kept for later with WNOWAIT). Tasklist lock held.
bool wait_task_continued(const WaitOptions& wo, Task& child) {
    if (!(wo.flags & WCONTINUED) || !child.m_sighand)
        return false;
    SignalStruct& signal = *child.m_signal;
    SpinlockGuard guard(child.m_sighand->siglock);
    if (!(signal.stop_flags & SIGNAL_STOP_CONTINUED))
        return false;
    if (!(wo.flags & WNOWAIT))
        signal.stop_flags &= ~SIGNAL_STOP_CONTINUED;
    return true;
}

bool eligible(const WaitOptions& wo, Task& child) {
    switch (wo.type) {
    case P_PID:  // the ids are initial-namespace numbers (sys_wait4 and sys_waitid convert)
        if (task_tgid_nr(child) != wo.id)
            return false;
        break;
    case P_PGID:
        if (child.m_signal->pgrp != wo.id)
            return false;
        break;
    default:
        break;
    }
    // A "clone" child reports with a signal other than SIGCHLD: only __WCLONE waits for those,
    // only without it for the others, and __WALL for both.
    bool clone_child = child.m_exit_signal != SIGCHLD;
    if ((clone_child != bool(wo.flags & __WCLONE)) && !(wo.flags & __WALL))
        return false;
    return true;
}

// One pass over the children (Linux's wait_consider_task on each). Returns the pid of a reaped
// (or, WNOWAIT, seen) zombie or of a stop or continue to report, 0 when there are eligible
// children but nothing to report yet, or ECHILD.
ErrorOr<WaitResult> wait_scan(const WaitOptions& wo, Task*& to_release) {
    Task* self = current();
    SpinlockGuard guard(tasklist_lock());
    bool any = false;
    WaitResult found{0, 0, 0, 0, 0, 0};
    // The children of every thread of the process are ours to wait for, unless __WNOTHREAD.
    for_each_thread(*self, [&](Task& thread) {
        if ((wo.flags & __WNOTHREAD) && &thread != self)
            return false;
        for (auto& child : thread.m_children) {
            if (!eligible(wo, child))
                continue;
            if (child.m_exit_state != Task::ExitState::Zombie || delay_group_leader(child)) {
                // Alive (or a leader whose threads live): it may stop, continue or exit, so
                // there is something to wait for.
                any = true;
                if (int code = wait_task_stopped(wo, child)) {
                    found = child_usage(child);
                    found.status = (code << 8) | 0x7f;
                    found.why = CLD_STOPPED;
                    return true;
                }
                if (wait_task_continued(wo, child)) {
                    found = child_usage(child);
                    found.status = 0xffff;
                    found.why = CLD_CONTINUED;
                    return true;
                }
                continue;
            }
            // A zombie is only worth waiting for with WEXITED (wait_task_zombie).
            if (!(wo.flags & WEXITED))
                continue;
            any = true;
            SignalStruct& signal = *child.m_signal;
            WaitResult result = child_usage(child);
            // The process's status: the group exit's when there was one (wait_task_zombie).
            result.status = signal.group_exiting ? signal.group_exit_code : child.m_exit_code;
            if (!(wo.flags & WNOWAIT)) {
                // The child's usage (and its own reaped children's) joins ours (Linux's
                // __exit_signal/wait_task_zombie accounting into signal->c*); the high-water mark
                // is a maximum, not a sum.
                self->m_signal->children_runtime_ns += result.runtime_ns;
                self->m_signal->children_min_flt += result.min_flt;
                if (self->m_signal->children_maxrss < result.maxrss)
                    self->m_signal->children_maxrss = result.maxrss;
                child.m_exit_state = Task::ExitState::Dead;
                unhash_task_locked(child);
                to_release = &child;
            }
            found = result;
            return true;
        }
        return false;
    });
    if (found.pid)
        return found;
    if (!any)
        return Error::from_errno(ECHILD);
    return found;
}

ErrorOr<WaitResult> do_wait(const WaitOptions& wo) {
    Task* self = current();
    trace::emit(trace::Event::SchedProcessWait, "comm={} pid={} prio=120", StringView(self->m_comm),
                wo.type == P_PID ? wo.id : 0);
    WaitQueue& queue = self->m_signal->wait_chldexit;
    WaitQueueEntry entry{self, {}};
    queue.add(entry);
    ScopeGuard remove([&] { queue.remove(entry); });
    for (;;) {
        set_current_state(TaskState::Interruptible);
        Task* to_release = nullptr;
        auto result = wait_scan(wo, to_release);
        if (to_release)
            put_task_struct(*to_release);  // the tree's reference: the zombie is gone
        if (result.is_error() || result.value().pid != 0 || (wo.flags & WNOHANG)) {
            set_current_state(TaskState::Running);
            return result;
        }
        if (signal_pending_for_wait(*self)) {
            set_current_state(TaskState::Running);
            return Error::from_errno(ERESTARTSYS);
        }
        schedule();
    }
}

}  // namespace

void reap_all_children() {
    Task* self = current();
    WaitOptions wo{P_ALL, 0, WEXITED | __WALL};
    WaitQueue& queue = self->m_signal->wait_chldexit;
    WaitQueueEntry entry{self, {}};
    queue.add(entry);
    ScopeGuard remove([&] { queue.remove(entry); });
    for (;;) {
        // Uninterruptible: the caller is dying, a pending signal must not end the wait.
        set_current_state(TaskState::Uninterruptible);
        Task* to_release = nullptr;
        auto result = wait_scan(wo, to_release);
        if (to_release)
            put_task_struct(*to_release);
        if (result.is_error())
            break;  // ECHILD: no child left
        if (result.value().pid)
            continue;
        schedule();
    }
    set_current_state(TaskState::Running);
}

namespace {

struct KernelTimeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

ErrorOr<void> put_rusage(uint64_t user_rusage, const WaitResult& result) {
    uint64_t runtime_ns = result.runtime_ns;
    if (!user_rusage)
        return {};
    // struct rusage: ru_utime, ru_stime, then 14 longs. CPU time is not split between user and
    // system mode yet: all of it is reported as user time.
    struct {
        KernelTimeval utime;
        KernelTimeval stime;
        int64_t rest[14];
    } usage{};
    usage.utime = {int64_t(runtime_ns / 1000000000), int64_t(runtime_ns % 1000000000 / 1000)};
    usage.rest[0] = int64_t(result.maxrss * (PAGE_SIZE / 1024));  // ru_maxrss, in KiB
    usage.rest[4] = int64_t(result.min_flt);  // ru_minflt (after maxrss, ixrss, idrss, isrss)
    return copy_to_user(user_rusage, &usage, sizeof(usage));
}

}  // namespace

ErrorOr<long> sys_wait4(int pid, uint64_t user_status, int options, uint64_t user_rusage) {
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
        return Error::from_errno(EINVAL);
    WaitOptions wo{P_ALL, 0, options | WEXITED};
    if (pid == int(0x80000000))
        return Error::from_errno(ESRCH);  // -INT_MIN would overflow
    if (pid == -1) {
        wo.type = P_ALL;
    } else if (pid < 0) {
        wo.type = P_PGID;
        wo.id = -pid;
        SpinlockGuard guard(tasklist_lock());
        wo.id = pid_nr_from_vnr(wo.id);
    } else if (pid == 0) {
        wo.type = P_PGID;
        wo.id = current()->m_signal->pgrp;
    } else {
        wo.type = P_PID;
        SpinlockGuard guard(tasklist_lock());
        wo.id = pid_nr_from_vnr(pid);
    }
    WaitResult result = TRY(do_wait(wo));
    if (result.pid) {
        if (user_status)
            TRY(copy_to_user(user_status, &result.status, sizeof(int)));
        TRY(put_rusage(user_rusage, result));
    }
    return result.pid;
}

namespace {

// Linux's kernel_waitid: the checks and the wait. A result with pid 0: WNOHANG found nothing.
ErrorOr<WaitResult> kernel_waitid(int type, int id, int options) {
    if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
        return Error::from_errno(EINVAL);
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return Error::from_errno(EINVAL);
    WaitOptions wo{type, id, options};
    int pidfd_flags = 0;
    switch (type) {
    case P_ALL:
        break;
    case P_PID: {
        if (id <= 0)
            return Error::from_errno(EINVAL);
        SpinlockGuard guard(tasklist_lock());
        wo.id = pid_nr_from_vnr(id);
        break;
    }
    case P_PGID:
        if (id < 0)
            return Error::from_errno(EINVAL);
        if (id == 0) {
            wo.id = current()->m_signal->pgrp;
        } else {
            SpinlockGuard guard(tasklist_lock());
            wo.id = pid_nr_from_vnr(id);
        }
        break;
    case P_PIDFD: {
        if (id < 0)
            return Error::from_errno(EINVAL);
        // The pidfd's process by its number, which cannot be reused while the pidfd is open.
        auto pid = TRY(pidfd_get_pid(id, &pidfd_flags));
        wo.type = P_PID;
        wo.id = pid->number();
        if (pidfd_flags & O_NONBLOCK)
            wo.flags |= WNOHANG;
        break;
    }
    default:
        return Error::from_errno(EINVAL);
    }
    WaitResult result = TRY(do_wait(wo));
    // A non-blocking pidfd turns "not exited yet" into EAGAIN (unless WNOHANG asked for 0).
    if (!result.pid && !(options & WNOHANG) && (pidfd_flags & O_NONBLOCK))
        return Error::from_errno(EAGAIN);
    return result;
}

}  // namespace

ErrorOr<long> sys_waitid(int type, int id, uint64_t user_info, int options, uint64_t user_rusage) {
    auto waited = kernel_waitid(type, id, options);
    bool found = !waited.is_error() && waited.value().pid;
    // The usage only when a child was found, the siginfo whatever happened: Linux writes these
    // six fields (zeroes when nothing was found, after an error too) and leaves the rest of the
    // caller's siginfo alone.
    if (found)
        TRY(put_rusage(user_rusage, waited.value()));
    if (user_info) {
        struct {
            int32_t signo, errno_value, code;
        } head{};
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status;
        } sigchld{};
        if (found) {
            const WaitResult& result = waited.value();
            int status = result.status;
            head.signo = SIGCHLD;
            head.code = (status & 0x7f) == 0 ? CLD_EXITED : (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
            sigchld = {result.pid, result.uid, (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f};
            if (result.why == CLD_STOPPED) {
                head.code = CLD_STOPPED;
                sigchld.status = (status >> 8) & 0xff;
            } else if (result.why == CLD_CONTINUED) {
                head.code = CLD_CONTINUED;
                sigchld.status = SIGCONT;
            }
        }
        static_assert(offsetof(siginfo_t, si_pid) == 16 && offsetof(siginfo_t, si_status) == 24);
        TRY(copy_to_user(user_info, &head, sizeof(head)));
        TRY(copy_to_user(user_info + offsetof(siginfo_t, si_pid), &sigchld, sizeof(sigchld)));
    }
    if (waited.is_error())
        return waited.release_error();
    return 0;
}

}  // namespace kernel
