// Task death and reaping (Linux's kernel/exit.c): do_exit releases what the task holds in
// Linux's order, exit_notify hands its children to a reaper and tells its parent, and the
// parent's wait4/waitid (do_wait) collects the zombie.
#include "task/Exit.h"

#include <arch/Power.h>
#include <arch/Time.h>
#include <linux/resource.h>
#include <linux/wait.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "lib/Printk.h"
#include "lib/ScopeGuard.h"
#include "mm/AddressSpace.h"
#include "mm/UserAccess.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "trace/Trace.h"

namespace kernel {

void mm_release(Task& task) {
    // The word is only worth clearing when someone else can see it: another user of this
    // address space (a thread, a CLONE_VM child). The futex wake-up arrives with futexes.
    if (task.m_clear_child_tid) {
        if (task.m_mm && task.m_mm->ref_count() > 1) {
            int zero = 0;
            (void)copy_to_user(task.m_clear_child_tid, &zero, sizeof(zero));
        }
        task.m_clear_child_tid = 0;
    }
    if (Completion* vfork = std::exchange(task.m_vfork_done, nullptr))
        vfork->complete();
}

namespace {

bool signal_pending_for_wait(const Task& task) { return signal_pending(task); }

// The parent (or, for PR_SET_PDEATHSIG, the child) learns of a death by signal.
void notify_parent_signal(Task& target, int sig, const siginfo_t& info) { (void)send_signal_to_group(target, sig, info); }


// Where an orphan goes: the nearest ancestor that is a child subreaper, else init
// (Linux's find_new_reaper without pid namespaces).
Task* find_new_reaper(Task& father) {
    if (father.m_signal->has_child_subreaper) {
        for (Task* ancestor = father.m_real_parent; ancestor && ancestor != init_process();
             ancestor = ancestor->m_real_parent) {
            if (ancestor->m_signal->is_child_subreaper && ancestor->m_exit_state == Task::ExitState::Alive)
                return ancestor->m_group_leader;
        }
    }
    return init_process();
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
        info.si_pid = task_tgid_nr(child);
        info.si_uid = 0;
        info.si_status = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f;
        notify_parent_signal(*parent, child.m_exit_signal, info);
    }
    parent->m_signal->wait_chldexit.wake_all();
    return autoreap;
}

// Unlinks a dead task from the tree and its pid (Linux's release_task, minus the final put,
// which the caller makes outside the tasklist lock). Tasklist lock held.
void unhash_task_locked(Task& task) {
    task.m_sibling_node.unlink();
    task.m_tasks_node.unlink();
    detach_pid(*task.m_pid);
    if (task.m_group_leader != &task && task.m_signal)
        task.m_signal->nr_threads--;
}

// exit_notify: give the children to a reaper, then become a zombie (or vanish).
// Returns true when the task reaped itself (autoreap), so nobody will wait for it.
bool exit_notify(Task& task) {
    SpinlockGuard guard(tasklist_lock());
    Task* reaper = find_new_reaper(task);
    while (Task* child = task.m_children.take_first()) {
        child->m_real_parent = child->m_parent = reaper;
        reaper->m_children.push_back(*child);
        // "We don't want people slaying init": an orphan reports to its new parent with SIGCHLD,
        // whatever exit signal it was created with (Linux's reparent_leader).
        if (child->m_exit_signal != -1)
            child->m_exit_signal = SIGCHLD;
        // PR_SET_PDEATHSIG: the child learns its parent died.
        if (child->m_pdeath_signal && child->m_exit_state == Task::ExitState::Alive)
            notify_parent_signal(*child, child->m_pdeath_signal,
                                 make_kill_info(child->m_pdeath_signal, task_tgid_nr(task), 0));
        // A zombie handed over must be announced to its new parent.
        if (child->m_exit_state == Task::ExitState::Zombie)
            (void)do_notify_parent(*child);
    }
    bool autoreap = task.m_exit_signal < 0 || do_notify_parent(task);
    if (autoreap) {
        task.m_exit_state = Task::ExitState::Dead;
        unhash_task_locked(task);
    } else {
        task.m_exit_state = Task::ExitState::Zombie;
    }
    return autoreap;
}

}  // namespace

[[noreturn]] void do_exit(int wait_status) {
    Task* self = current();
    // Linux panics when init dies. We report how it ended — the status a parent would see: the
    // code, or 128 + the signal — and power off; tools/vmrun reads that line.
    if (self == init_process() || !self->m_signal) {
        int status = (wait_status & 0x7f) ? 128 + (wait_status & 0x7f) : (wait_status >> 8) & 0xff;
        printk("sprout: init exited with status {}\n", status);
        arch::power_off(0);
    }
    self->m_exit_code = wait_status;
    trace::emit(trace::Event::SchedProcessExit, "comm={} pid={} prio=120", StringView(self->m_comm), self->m_tid);
    // exit_mm (after mm_release, which needs the address space for clear_child_tid), then
    // files, fs — Linux's order.
    // The last thread of a process takes the process timer with it, and records the address
    // space's high-water mark for its parent's wait (Linux's group_dead block).
    if (self->m_signal->nr_threads <= 1) {
        exit_itimers(*self);
        if (self->m_mm)
            setmax_mm_hiwater_rss(self->m_signal->maxrss, *self->m_mm);
    }
    mm_release(*self);
    exit_mm(self);
    self->m_files = nullptr;
    self->m_fs = nullptr;
    arch::release_thread_state(self->m_context);
    bool self_reaped = exit_notify(*self);
    if (self_reaped)
        put_task_struct(*self);  // the tree's reference; the running one goes after the switch
    kernel_thread_exit();
}

[[noreturn]] void do_group_exit(int wait_status) {
    // Other threads of the group die with it (the threads issue finishes this: SIGKILL to each).
    if (current()->m_signal) {
        current()->m_signal->group_exiting = true;
        current()->m_signal->group_exit_code = wait_status;
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
    int status;
    uint64_t runtime_ns;  // the child's, with its reaped children's
    uint64_t min_flt;
    uint64_t maxrss;  // pages: the largest of the child's and its reaped children's
};

bool eligible(const WaitOptions& wo, Task& child) {
    switch (wo.type) {
    case P_PID:
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

// One pass over the children. Returns the pid of a reaped (or, WNOWAIT, seen) zombie, 0 when
// there are eligible children but none has exited, or ECHILD.
ErrorOr<WaitResult> wait_scan(const WaitOptions& wo, Task*& to_release) {
    Task* self = current();
    SpinlockGuard guard(tasklist_lock());
    bool any = false;
    for (auto& child : self->m_children) {
        if (!eligible(wo, child))
            continue;
        any = true;
        if (child.m_exit_state != Task::ExitState::Zombie || !(wo.flags & WEXITED))
            continue;
        bool own_signal = child.m_signal && child.m_signal != self->m_signal;
        uint64_t maxrss = 0;
        if (own_signal) {
            const SignalStruct& sig = *child.m_signal;
            maxrss = sig.maxrss > sig.children_maxrss ? sig.maxrss : sig.children_maxrss;
        }
        WaitResult result{task_tgid_nr(child), child.m_exit_code,
                          child.m_runtime_ns + (own_signal ? child.m_signal->children_runtime_ns : 0),
                          child.m_min_flt + (own_signal ? child.m_signal->children_min_flt : 0), maxrss};
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
        return result;
    }
    if (!any)
        return Error::from_errno(ECHILD);
    return WaitResult{0, 0, 0, 0, 0};
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
    } else if (pid == 0) {
        wo.type = P_PGID;
        wo.id = current()->m_signal->pgrp;
    } else {
        wo.type = P_PID;
        wo.id = pid;
    }
    WaitResult result = TRY(do_wait(wo));
    if (result.pid) {
        if (user_status)
            TRY(copy_to_user(user_status, &result.status, sizeof(int)));
        TRY(put_rusage(user_rusage, result));
    }
    return result.pid;
}

ErrorOr<long> sys_waitid(int type, int id, uint64_t user_info, int options, uint64_t user_rusage) {
    if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
        return Error::from_errno(EINVAL);
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return Error::from_errno(EINVAL);
    WaitOptions wo{type, id, options};
    switch (type) {
    case P_ALL:
        break;
    case P_PID:
        if (id <= 0)
            return Error::from_errno(EINVAL);
        break;
    case P_PGID:
        if (id < 0)
            return Error::from_errno(EINVAL);
        if (id == 0)
            wo.id = current()->m_signal->pgrp;
        break;
    default:
        return Error::from_errno(EINVAL);  // P_PIDFD arrives with pidfds
    }
    WaitResult result = TRY(do_wait(wo));
    if (user_info) {
        siginfo_t info{};
        if (result.pid) {
            int status = result.status;
            info.si_signo = SIGCHLD;
            info.si_code = (status & 0x7f) == 0 ? CLD_EXITED : (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
            info.si_pid = result.pid;
            info.si_uid = 0;
            info.si_status = (status & 0x7f) == 0 ? (status >> 8) & 0xff : status & 0x7f;
        }
        TRY(copy_to_user(user_info, &info, sizeof(info)));
    }
    TRY(put_rusage(user_rusage, result));
    return 0;
}

}  // namespace kernel
