// Signals (Linux's kernel/signal.c, much reduced): generating a signal (send_signal_locked with
// prepare_signal and complete_signal), taking it on the way back to user mode (get_signal),
// the default actions, syscall restart (arch_do_signal_or_restart), and ITIMER_REAL. The frame
// a handler runs on is the arch's (arch/x86_64/SignalFrame.cpp); the syscalls are
// syscalls/SignalSyscalls.cpp.
//
// Locking. A task's m_pending, m_blocked, m_saved_sigmask and m_restore_sigmask, its process's
// shared_pending and the handler table are guarded by the sighand lock (SighandStruct::siglock),
// as in Linux. signal_pending() reads without it: a racy look whose answer the locked dequeue
// settles, which is what Linux's TIF_SIGPENDING is. Lock order:
//     itimer lock -> tasklist lock -> siglock -> run-queue lock
// (exit_notify sends SIGCHLD with the tasklist lock held; the timer tick finds the process to
// send SIGALRM to under the tasklist lock).
//
// A process is a thread group: a signal sent to the group is queued on the shared set and taken
// by whichever thread does not block it (complete_signal picks one to wake); a fatal one kills
// every thread. The thread list is walked under the siglock.
#include <arch/Cpu.h>
#include <arch/SignalFrame.h>
#include <arch/Time.h>
#include <asm/unistd_64.h>
#include <linux/resource.h>

#include "lib/Printk.h"
#include "mm/Slab.h"
#include "task/Cred.h"
#include "task/Exit.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Rseq.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {

// Queued siginfo, one per pending instance of a signal (Linux's sigqueue_cachep).
constinit SlabCache g_sigqueue_cache("sigqueue", sizeof(SigQueueEntry), alignof(SigQueueEntry));
// Queued entries, counted against RLIMIT_SIGPENDING. Linux counts per user (ucounts); every
// process runs as root today, so one counter is the per-user count.
constinit std::atomic<uint64_t> g_sigqueue_count{0};

SigSet read_set(const SigSet& set) { return __atomic_load_n(&set, __ATOMIC_RELAXED); }

// Linux's SIGNAL_UNKILLABLE: the global init, and a pid namespace's init, get no signal they do
// not handle (a namespace's init still dies of SIGKILL from an ancestor namespace).
bool is_unkillable(const Task& task) { return is_global_init(task) || (task.m_signal && task.m_signal->unkillable); }

// Linux's has_si_pid_and_uid: the siginfo layouts that name a sender (kill, rt, SIGCHLD).
bool has_si_pid_and_uid(int sig, const siginfo_t& info) {
    int code = info.si_code;
    if (code > SI_USER && code < SI_KERNEL)
        return sig == SIGCHLD;
    return code != SI_TIMER && code != SI_SIGIO;
}

// Linux's __sigqueue_alloc: the rlimit applies unless the caller overrides it (legacy signals
// from the kernel or kill()).
SigQueueEntry* sigqueue_alloc(const Task& task, bool override_rlimit) {
    uint64_t count = g_sigqueue_count.fetch_add(1) + 1;
    uint64_t limit = task.m_signal ? task.m_signal->rlim[RLIMIT_SIGPENDING].cur : RLIM_INFINITY;
    void* memory = nullptr;
    if (override_rlimit || count <= limit)
        memory = g_sigqueue_cache.allocate();
    if (!memory) {
        g_sigqueue_count.fetch_sub(1);
        return nullptr;
    }
    return new (memory) SigQueueEntry{};
}

void sigqueue_free(SigQueueEntry* entry) {
    VERIFY(!entry->node.is_linked());
    entry->~SigQueueEntry();
    g_sigqueue_count.fetch_sub(1);
    g_sigqueue_cache.free(entry);
}

// Drops the signals of `mask` from a pending set, with their queued siginfo
// (Linux's flush_sigqueue_mask). Siglock held.
void flush_sigqueue_mask(SigSet mask, SigPending& pending) {
    if (!(pending.signal & mask))
        return;
    pending.signal &= ~mask;
    for (auto& entry : pending.queue) {
        if (sigmask(entry.info.si_signo) & mask) {
            entry.node.unlink();
            sigqueue_free(&entry);
        }
    }
}

// From the process's queue and every thread's.
void flush_signal_everywhere(Task& task, SigSet mask) {
    if (!task.m_signal) {
        flush_sigqueue_mask(mask, task.m_pending);
        return;
    }
    flush_sigqueue_mask(mask, task.m_signal->shared_pending);
    for_each_thread(task, [&](Task& thread) {
        flush_sigqueue_mask(mask, thread.m_pending);
        return false;
    });
}

uint64_t sig_handler(const Task& task, int sig) { return task.m_sighand->action[sig - 1].handler; }

// Is the signal ignored, explicitly or by default? (sig_handler_ignored)
bool sig_handler_ignored(uint64_t handler, int sig) {
    return handler == uint64_t(SIG_IGN) || (handler == uint64_t(SIG_DFL) && sig_kernel_ignore(sig));
}

// Linux's sig_ignored / sig_task_ignored: may the signal be dropped right now? A blocked signal
// never is (the handler may change before it is unblocked).
bool sig_ignored(const Task& task, int sig, bool force) {
    if (task.m_blocked & sigmask(sig))
        return false;
    uint64_t handler = sig_handler(task, sig);
    if (is_global_init(task)) {
        // SIGKILL and SIGSTOP may not be sent to the global init, nor anything it leaves at
        // SIG_DFL, unless the kernel forces it (a fault).
        if (sig_kernel_only(sig))
            return true;
        if (handler == uint64_t(SIG_DFL) && !force)
            return true;
    } else if (is_unkillable(task) && handler == uint64_t(SIG_DFL) && !(force && sig_kernel_only(sig))) {
        // A namespace's init: only SIGKILL and SIGSTOP from an ancestor namespace (or the
        // kernel) reach it unhandled.
        return true;
    }
    return sig_handler_ignored(handler, sig);
}

// Linux's task_clear_jobctl_pending: dropping STOP_PENDING also drops CONSUME and DEQUEUED.
void task_clear_jobctl_pending(Task& task, unsigned mask) {
    if (mask & JOBCTL_STOP_PENDING)
        mask |= JOBCTL_STOP_CONSUME | JOBCTL_STOP_DEQUEUED;
    __atomic_store_n(&task.m_jobctl, task.m_jobctl & ~mask, __ATOMIC_RELAXED);
}

// Linux's task_set_jobctl_pending: not for a thread that is dying anyway.
bool task_set_jobctl_pending(Task& task, unsigned mask) {
    if (fatal_signal_pending(task) || task.m_exiting)
        return false;
    __atomic_store_n(&task.m_jobctl, task.m_jobctl | mask, __ATOMIC_RELAXED);
    return true;
}

void signal_set_stop_flags(SignalStruct& signal, unsigned flags) {
    signal.stop_flags = (signal.stop_flags & ~SIGNAL_STOP_MASK) | flags;
}

// Linux's signal_wake_up: make the target notice. A task sleeping interruptibly is woken even
// for a signal it blocks, because rt_sigtimedwait sleeps for blocked signals; every
// interruptible sleep re-checks its condition, so the extra wake-up costs a loop. `resume`
// (SIGKILL) also wakes a stopped task.
void signal_wake_up(Task& task, bool resume = false) {
    if (!wake_up_state(&task, TaskState::Interruptible) && resume)
        wake_up_state(&task, TaskState::Stopped);
}

// Linux's prepare_signal: job-control side effects, then whether to queue at all.
bool prepare_signal(Task& task, int sig, bool force, bool group) {
    SignalStruct& signal = *task.m_signal;
    // The process is dying (or, for a thread-directed signal, that thread is): the signal could
    // not matter any more. A group signal still reaches a process whose leader has exited.
    if (signal.group_exiting || (!group && task.m_exit_state != Task::ExitState::Alive))
        return false;
    if (sig_kernel_stop(sig)) {
        // A stop signal cancels a pending SIGCONT...
        flush_signal_everywhere(task, sigmask(SIGCONT));
    } else if (sig == SIGCONT) {
        // ...and SIGCONT every pending stop signal, and resumes every thread.
        flush_signal_everywhere(task, SIG_KERNEL_STOP_MASK);
        for_each_thread(task, [](Task& thread) {
            task_clear_jobctl_pending(thread, JOBCTL_STOP_PENDING);
            wake_up_state(&thread, TaskState::Stopped);
            return false;
        });
        // The parent hears CLD_CONTINUED if the process was stopped. Caught in the middle of a
        // group stop, the stop counts as finished and then continued: SIGCHLD does not queue, so
        // only CLD_STOPPED is reported, as if the CLD_CONTINUED after it were dropped. The first
        // thread back in get_signal sends it.
        unsigned why = 0;
        if (signal.stop_flags & SIGNAL_STOP_STOPPED)
            why = SIGNAL_CLD_CONTINUED;
        else if (signal.group_stop_count)
            why = SIGNAL_CLD_STOPPED;
        if (why) {
            signal_set_stop_flags(signal, why | SIGNAL_STOP_CONTINUED);
            signal.group_stop_count = 0;
            signal.group_exit_code = 0;
        }
    }
    return !sig_ignored(task, sig, force);
}

// Linux's wants_signal: could this thread take `sig` now? Not if it blocks it or is exiting;
// a thread already busy with another pending signal is passed over unless it is running.
bool wants_signal(int sig, Task& thread) {
    if (thread.m_blocked & sigmask(sig))
        return false;
    if (thread.m_exiting || thread.m_exit_state != Task::ExitState::Alive)
        return false;
    if (sig == SIGKILL)
        return true;
    // A stopped thread takes nothing but SIGKILL: the signal waits for SIGCONT.
    if (thread.m_state == TaskState::Stopped)
        return false;
    if (&thread == current())
        return true;
    // Linux asks whether the thread was already told of a signal (TIF_SIGPENDING); here: has it
    // another deliverable signal than this one, which was just queued.
    SigSet others = (read_set(thread.m_pending.signal) | read_set(thread.m_signal->shared_pending.signal)) & ~sigmask(sig);
    return !(others & ~thread.m_blocked);
}

// Linux's complete_signal: pick the thread that will take the signal (the target if it can,
// else, for a group signal, any thread that can; none: it stays pending until one unblocks it).
// A signal that will kill takes the whole process down at once (SIGKILL for every thread),
// except the core-dumping ones, which go through get_signal so the dump can be made.
void complete_signal(Task& task, int sig, bool group) {
    SignalStruct& signal = *task.m_signal;
    Task* chosen = nullptr;
    if (wants_signal(sig, task)) {
        chosen = &task;
    } else if (group) {
        for_each_thread(task, [&](Task& thread) {
            if (!wants_signal(sig, thread))
                return false;
            chosen = &thread;
            return true;
        });
    }
    if (!chosen) {
        // Nobody takes it now; it waits for a thread to unblock it. A thread in rt_sigtimedwait
        // takes blocked signals (Linux unblocks them in ->blocked for the wait, keeping
        // real_blocked; Sprout keeps one mask), so the sleepers are woken to look.
        if (group)
            for_each_thread(task, [](Task& thread) {
                signal_wake_up(thread);
                return false;
            });
        else
            signal_wake_up(task);
        return;
    }
    bool fatal = !sig_in_mask(sig, SIG_KERNEL_IGNORE_MASK | SIG_KERNEL_STOP_MASK) &&
                 sig_handler(task, sig) == uint64_t(SIG_DFL);
    // A namespace's init dies of SIGKILL from an ancestor namespace (prepare_signal let it
    // through) as fast as any process, killable sleeps included; another fatal signal reaches it
    // only while blocked by the thread it was sent to, and is dropped when it is dequeued.
    if (fatal && !(chosen->m_blocked & sigmask(sig)) && !signal.group_exiting && !sig_kernel_coredump(sig) &&
        (!is_unkillable(task) || sig == SIGKILL)) {
        // The group exit ends any stop: stopped threads wake to die.
        signal.group_exiting = true;
        signal.group_exit_code = killed_by_signal(sig);
        signal.stop_flags = 0;
        signal.group_stop_count = 0;
        for_each_thread(task, [](Task& thread) {
            task_clear_jobctl_pending(thread, JOBCTL_PENDING_MASK);
            thread.m_pending.signal |= sigmask(SIGKILL);
            signal_wake_up(thread, true);
            return false;
        });
        return;
    }
    signal_wake_up(*chosen, sig == SIGKILL);
}

// Linux's __send_signal_locked. Siglock held.
ErrorOr<void> send_signal_locked(Task& task, int sig, const siginfo_t& info, bool group, bool force) {
    task.m_sighand->siglock.assert_held();
    if (!prepare_signal(task, sig, force, group))
        return {};
    SigPending& pending = group ? task.m_signal->shared_pending : task.m_pending;
    // One instance of a legacy signal at a time: a second one merges with the first.
    if (sig < SIGRTMIN_KERNEL && (pending.signal & sigmask(sig)))
        return {};
    if (sig != SIGKILL) {
        bool override_rlimit = sig < SIGRTMIN_KERNEL && info.si_code >= 0;
        if (SigQueueEntry* entry = sigqueue_alloc(task, override_rlimit)) {
            entry->info = info;
            entry->info.si_signo = sig;
            pending.queue.push_back(*entry);
        } else if (sig >= SIGRTMIN_KERNEL && info.si_code != SI_USER) {
            // Queue overflow: an rt signal from sigqueue() and friends is refused...
            return Error::from_errno(EAGAIN);
        }
        // ...anything else is still sent, without its siginfo.
    }
    pending.signal |= sigmask(sig);
    complete_signal(task, sig, group);
    return {};
}

ErrorOr<void> do_send_signal(Task& task, int sig, const siginfo_t& info, bool group, bool force) {
    if (sig == 0)
        return {};
    if (!valid_signal(sig))
        return Error::from_errno(EINVAL);
    // Kernel threads and tasks already released take no signals.
    if (!task.m_sighand || !task.m_signal)
        return {};
    // Linux's send_signal_locked: a kernel signal is forced through; a sender the target's pid
    // namespace cannot see (an ancestor's process) is reported as pid 0 and forces SIGKILL and
    // SIGSTOP onto a namespace init.
    siginfo_t translated;
    const siginfo_t* sent = &info;
    if (!force && has_si_pid_and_uid(sig, info)) {
        force = info.si_code == SI_KERNEL;
        Task* sender = current();
        if (sender && sender->m_pid && !task_pid_nr_ns(*sender, task_active_pid_ns(task))) {
            translated = info;
            translated.si_pid = 0;
            sent = &translated;
            force = true;
        }
    }
    SpinlockGuard guard(task.m_sighand->siglock);
    return send_signal_locked(task, sig, *sent, group, force);
}

enum class ForceHandler { Current, SigDfl, Exit };

// Linux's force_sig_info_to_task: the signal must be seen, whatever the program did with it.
void force_sig_info_to_task(Task& task, const siginfo_t& info, ForceHandler mode) {
    int sig = info.si_signo;
    if (!task.m_sighand)
        return;
    SpinlockGuard guard(task.m_sighand->siglock);
    KSigAction& action = task.m_sighand->action[sig - 1];
    bool ignored = action.handler == uint64_t(SIG_IGN);
    bool blocked = task.m_blocked & sigmask(sig);
    if (blocked || ignored || mode != ForceHandler::Current) {
        action.handler = uint64_t(SIG_DFL);
        if (mode == ForceHandler::Exit)
            action.flags |= SA_IMMUTABLE;
        task.m_blocked &= ~sigmask(sig);
    }
    // A fault a namespace's init does not handle kills it (Linux clears SIGNAL_UNKILLABLE).
    if (action.handler == uint64_t(SIG_DFL) && task.m_signal)
        task.m_signal->unkillable = false;
    (void)send_signal_locked(task, sig, info, false, true);
}

// ---- Dequeuing ------------------------------------------------------------------------------

// Takes the siginfo of `sig` from a pending set; the bit goes when no other instance is
// queued (Linux's collect_signal). A signal whose siginfo was lost (or never queued: SIGKILL)
// reads as SI_USER from pid 0.
void collect_signal(int sig, SigPending& pending, siginfo_t& info) {
    SigQueueEntry* first = nullptr;
    bool another = false;
    for (auto& entry : pending.queue) {
        if (entry.info.si_signo != sig)
            continue;
        if (first) {
            another = true;
            break;
        }
        first = &entry;
    }
    if (!another)
        pending.signal &= ~sigmask(sig);
    if (first) {
        first->node.unlink();
        info = first->info;
        sigqueue_free(first);
    } else {
        info = siginfo_t{};
        info.si_signo = sig;
        info.si_code = SI_USER;
    }
}

// The lowest-numbered signal of `pending` outside `mask`, synchronous ones first (next_signal).
int next_signal(const SigPending& pending, SigSet mask) {
    SigSet x = pending.signal & ~mask;
    if (!x)
        return 0;
    if (x & SYNCHRONOUS_MASK)
        x &= SYNCHRONOUS_MASK;
    return std::countr_zero(x) + 1;
}

int dequeue_from(SigPending& pending, SigSet mask, siginfo_t& info) {
    int sig = next_signal(pending, mask);
    if (sig)
        collect_signal(sig, pending, info);
    return sig;
}

// Linux's dequeue_signal: thread-directed signals first, then the process's. Siglock held.
int dequeue_signal_locked(Task& task, SigSet mask, siginfo_t& info) {
    int sig = dequeue_from(task.m_pending, mask, info);
    if (!sig)
        sig = dequeue_from(task.m_signal->shared_pending, mask, info);
    // The stop signal is out of the pending sets while get_signal checks the process group
    // without the siglock: a SIGCONT (or SIGKILL) meanwhile clears this mark, and the stop is
    // then called off (do_signal_stop).
    if (sig && sig_kernel_stop(sig))
        task.m_jobctl |= JOBCTL_STOP_DEQUEUED;
    return sig;
}

// A fault raised by the current instruction goes before everything queued earlier, so the
// handler's frame names the faulting instruction (Linux's dequeue_synchronous_signal).
// Synchronous signals carry a positive si_code; a SIGSEGV from kill() does not count.
int dequeue_synchronous_signal(Task& task, siginfo_t& info) {
    SigPending& pending = task.m_pending;
    if (!(pending.signal & ~task.m_blocked & SYNCHRONOUS_MASK))
        return 0;
    SigQueueEntry* sync = nullptr;
    for (auto& entry : pending.queue) {
        if (entry.info.si_code > SI_USER && (sigmask(entry.info.si_signo) & SYNCHRONOUS_MASK)) {
            sync = &entry;
            break;
        }
    }
    if (!sync)
        return 0;
    int sig = sync->info.si_signo;
    bool another = false;
    for (SigQueueEntry* e = pending.queue.next(*sync); e; e = pending.queue.next(*e))
        if (e->info.si_signo == sig)
            another = true;
    if (!another)
        pending.signal &= ~sigmask(sig);
    sync->node.unlink();
    info = sync->info;
    sigqueue_free(sync);
    return sig;
}

void rearm_real_timer_after_sigalrm(Task& task);

// Linux's do_notify_parent_cldstop: the process's parent (its leader's real parent) learns that
// it stopped or continued: SIGCHLD, unless it ignores SIGCHLD or set SA_NOCLDSTOP, and a wake-up
// of its wait4/waitid in any case. Takes the tasklist lock: no siglock may be held.
void do_notify_parent_cldstop(Task& task, int why) {
    SpinlockGuard tasks(tasklist_lock());
    Task* leader = task.m_group_leader;
    Task* parent = leader->m_real_parent;
    if (!parent || !parent->m_sighand || !parent->m_signal)
        return;
    siginfo_t info{};
    info.si_signo = SIGCHLD;
    info.si_code = why;
    info.si_pid = task_tgid_nr(*leader);
    // The child's uid as the parent's user namespace names it.
    info.si_uid = leader->m_cred && parent->m_cred ? from_kuid_munged(*parent->m_cred->user_ns, leader->m_cred->uid) : 0;
    info.si_status = why == CLD_CONTINUED ? SIGCONT : leader->m_signal->group_exit_code & 0x7f;
    SpinlockGuard guard(parent->m_sighand->siglock);
    const KSigAction& action = parent->m_sighand->action[SIGCHLD - 1];
    if (action.handler != uint64_t(SIG_IGN) && !(action.flags & SA_NOCLDSTOP))
        (void)send_signal_locked(*parent, SIGCHLD, info, true, false);
    parent->m_signal->wait_chldexit.wake_all();
}

// Linux's task_participate_group_stop: this thread's stop is accounted for; the last thread of
// a fresh group stop marks the process stopped and is the one to tell the parent (true).
bool task_participate_group_stop(Task& task) {
    SignalStruct& signal = *task.m_signal;
    bool consume = task.m_jobctl & JOBCTL_STOP_CONSUME;
    task_clear_jobctl_pending(task, JOBCTL_STOP_PENDING);
    if (!consume)
        return false;
    if (signal.group_stop_count > 0)
        signal.group_stop_count--;
    if (!signal.group_stop_count && !(signal.stop_flags & SIGNAL_STOP_STOPPED)) {
        signal_set_stop_flags(signal, SIGNAL_STOP_STOPPED);
        return true;
    }
    return false;
}

// Linux's do_signal_stop, entered with the siglock held (taken with `flags`). The first thread
// to act on a stop signal starts the group stop: it records the signal and marks every other
// thread to stop, waking those asleep so they notice. Each thread then stops here. Returns true
// once stopped and resumed (SIGCONT, SIGKILL), the siglock released; false, still locked, when
// the stop was called off: a SIGCONT or SIGKILL came while get_signal had dropped the lock.
bool do_signal_stop(Task& task, int signr, arch::IrqFlags flags) {
    SignalStruct& signal = *task.m_signal;
    if (!(task.m_jobctl & JOBCTL_STOP_PENDING)) {
        if (!(task.m_jobctl & JOBCTL_STOP_DEQUEUED) || signal.group_exiting || signal.group_exec_task)
            return false;
        // Already stopped (Linux: possible under ptrace): the first stop's signal stays.
        if (!(signal.stop_flags & SIGNAL_STOP_STOPPED))
            signal.group_exit_code = signr;
        signal.group_stop_count = 0;
        constexpr unsigned gstop = JOBCTL_STOP_PENDING | JOBCTL_STOP_CONSUME;
        if (task_set_jobctl_pending(task, gstop))
            signal.group_stop_count++;
        for_each_thread(task, [&](Task& thread) {
            if (&thread != &task && thread.m_state != TaskState::Stopped && task_set_jobctl_pending(thread, gstop)) {
                signal.group_stop_count++;
                signal_wake_up(thread);
            }
            return false;
        });
        if (!(task.m_jobctl & JOBCTL_STOP_PENDING))
            return false;  // dying: get_signal's next round takes the SIGKILL
    }
    int notify = task_participate_group_stop(task) ? CLD_STOPPED : 0;
    // Set under the siglock, which SIGCONT holds to wake us: the wake-up cannot be missed.
    set_current_state(TaskState::Stopped);
    task.m_sighand->siglock.unlock(flags);
    if (notify)
        do_notify_parent_cldstop(task, notify);
    schedule();
    return true;
}

enum class NextStep { Relock, NoSignal, Handler, Fatal };

// get_signal's body, entered with the siglock held (taken with `flags`) and always left with
// it released: carries out default actions until a handler is to run (Handler), the process
// is to die (Fatal, `sig` and `exit_status` say how), nothing is left (NoSignal), or the lock
// had to be dropped and everything must be looked at again (Relock).
NextStep get_signal_locked(Task& task, arch::IrqFlags flags, arch::SignalDelivery& delivery, siginfo_t& info,
                           int& sig, int& exit_status) {
    SighandStruct& sighand = *task.m_sighand;
    SignalStruct& signal = *task.m_signal;
    // Every stopped thread comes back here when woken: the first to see a notification owed
    // (prepare_signal's SIGCONT sets it) sends it.
    if (signal.stop_flags & SIGNAL_CLD_MASK) {
        int why = (signal.stop_flags & SIGNAL_CLD_CONTINUED) ? CLD_CONTINUED : CLD_STOPPED;
        signal.stop_flags &= ~SIGNAL_CLD_MASK;
        sighand.siglock.unlock(flags);
        do_notify_parent_cldstop(task, why);
        return NextStep::Relock;
    }
    for (;;) {
        if (signal.group_exiting) {
            // Already marked for death (a fatal signal, exit_group from another thread).
            task.m_pending.signal &= ~sigmask(SIGKILL);
            exit_status = signal.group_exit_code;
            sig = SIGKILL;
            sighand.siglock.unlock(flags);
            return NextStep::Fatal;
        }
        if ((task.m_jobctl & JOBCTL_STOP_PENDING) && do_signal_stop(task, 0, flags))
            return NextStep::Relock;
        sig = dequeue_synchronous_signal(task, info);
        if (!sig)
            sig = dequeue_signal_locked(task, task.m_blocked, info);
        if (!sig) {
            sighand.siglock.unlock(flags);
            return NextStep::NoSignal;
        }
        KSigAction& action = sighand.action[sig - 1];
        bool ignore = false;
        if (action.handler == uint64_t(SIG_IGN)) {
            ignore = true;
        } else if (action.handler != uint64_t(SIG_DFL)) {
            delivery.sig = sig;
            delivery.info = info;
            delivery.action = action;
            if (action.flags & SA_RESETHAND)
                action.handler = uint64_t(SIG_DFL);
            sighand.siglock.unlock(flags);
            return NextStep::Handler;
        } else if (sig_kernel_ignore(sig)) {
            ignore = true;  // default action: nothing
        } else if (is_unkillable(task) && !sig_kernel_only(sig) &&
                   !((sigmask(sig) & SYNCHRONOUS_MASK) && info.si_code > 0)) {
            ignore = true;  // init gets no signal it does not want (a fault still kills it)
        } else if (sig_kernel_stop(sig)) {
            // Default action: stop every thread. SIGTSTP, SIGTTIN and SIGTTOU do nothing in an
            // orphaned process group (nobody is left to continue it); SIGSTOP always stops.
            // The group check needs the tasklist lock, which comes before the siglock: with the
            // lock dropped a SIGCONT may come, which calls the stop off (JOBCTL_STOP_DEQUEUED).
            int stop_sig = sig;
            sig = 0;
            if (stop_sig != SIGSTOP) {
                sighand.siglock.unlock(flags);
                if (is_current_pgrp_orphaned())
                    return NextStep::Relock;
                flags = sighand.siglock.lock();
            }
            if (do_signal_stop(task, stop_sig, flags))
                return NextStep::Relock;
            continue;
        } else {
            // Terminate, with a core dump for some (once the lock is dropped).
            exit_status = killed_by_signal(sig);
            sighand.siglock.unlock(flags);
            return NextStep::Fatal;
        }
        // A periodic ITIMER_REAL is re-armed when its SIGALRM is taken, which needs the siglock
        // dropped (lock order).
        if (ignore && sig == SIGALRM) {
            sighand.siglock.unlock(flags);
            return NextStep::Relock;
        }
    }
}

// Linux's get_signal, without ptrace: the next signal with a handler to run, after carrying
// out the default action of every signal before it (which may stop the process, or end it
// here and never return).
bool get_signal(arch::SignalDelivery& delivery, const arch::TrapFrame& frame) {
    Task& task = *current();
    for (;;) {
        int sig = 0;
        int exit_status = 0;
        siginfo_t info{};
        NextStep next = get_signal_locked(task, task.m_sighand->siglock.lock(), delivery, info, sig, exit_status);
        if (sig == SIGALRM)
            rearm_real_timer_after_sigalrm(task);
        switch (next) {
        case NextStep::Relock:
            continue;
        case NextStep::NoSignal:
            return false;
        case NextStep::Handler:
            return true;
        case NextStep::Fatal:
            arch::irq_enable();
            if (sig != SIGKILL && sig_kernel_coredump(sig) && do_coredump(info, frame))
                exit_status |= 0x80;  // WCOREDUMP: only for a core really written
            do_group_exit(exit_status);
        }
    }
}

// Linux's signal_delivered: the handler's mask (sa_mask, plus the signal itself unless
// SA_NODEFER) takes effect, the saved mask of sigsuspend was consumed by the frame, and an
// SS_AUTODISARM alternate stack is now in use and forgotten.
void signal_delivered(Task& task, const arch::SignalDelivery& delivery) {
    {
        SpinlockGuard guard(task.m_sighand->siglock);
        task.m_restore_sigmask = false;
        SigSet blocked = task.m_blocked | delivery.action.mask;
        if (!(delivery.action.flags & SA_NODEFER))
            blocked |= sigmask(delivery.sig);
        task.m_blocked = blocked & ~UNBLOCKABLE;
    }
    if (uint32_t(task.m_sas_ss_flags) & SS_AUTODISARM_FLAG) {
        task.m_sas_ss_sp = 0;
        task.m_sas_ss_size = 0;
        task.m_sas_ss_flags = SS_DISABLE_FLAG;
    }
}

// The mask sigreturn will restore: sigsuspend's saved one if there is one (sigmask_to_save).
SigSet sigmask_to_save(const Task& task) { return task.m_restore_sigmask ? task.m_saved_sigmask : task.m_blocked; }

void restore_saved_sigmask(Task& task) {
    if (!task.m_restore_sigmask)
        return;
    SpinlockGuard guard(task.m_sighand->siglock);
    task.m_restore_sigmask = false;
    task.m_blocked = task.m_saved_sigmask & ~UNBLOCKABLE;
}

// Linux's x86 handle_signal: settle the interrupted syscall, then build the frame.
void handle_signal(Task& task, const arch::SignalDelivery& delivery, arch::TrapFrame& frame) {
    if (arch::frame_in_syscall(frame)) {
        switch (-arch::frame_syscall_return(frame)) {
        case ERESTART_RESTARTBLOCK:
        case ERESTARTNOHAND:
            arch::frame_set_syscall_return(frame, -EINTR);
            break;
        case ERESTARTSYS:
            if (!(delivery.action.flags & SA_RESTART)) {
                arch::frame_set_syscall_return(frame, -EINTR);
                break;
            }
            [[fallthrough]];
        case ERESTARTNOINTR:
            arch::frame_restart_syscall(frame);
            break;
        default:
            break;
        }
    }
    rseq_signal_deliver(task, frame, delivery.sig);
    if (arch::setup_rt_frame(frame, task, delivery, sigmask_to_save(task)).is_error()) {
        force_sigsegv(delivery.sig);
        return;
    }
    signal_delivered(task, delivery);
}

// Linux's arch_do_signal_or_restart.
void do_signal(Task& task, arch::TrapFrame& frame) {
    arch::SignalDelivery delivery;
    if (get_signal(delivery, frame)) {
        handle_signal(task, delivery, frame);
        return;
    }
    // No handler ran: an interrupted syscall starts again, whatever it said.
    if (arch::frame_in_syscall(frame)) {
        switch (-arch::frame_syscall_return(frame)) {
        case ERESTARTNOHAND:
        case ERESTARTSYS:
        case ERESTARTNOINTR:
            arch::frame_restart_syscall(frame);
            break;
        case ERESTART_RESTARTBLOCK:
            arch::frame_restart_syscall_as(frame, __NR_restart_syscall);
            break;
        default:
            break;
        }
    }
    restore_saved_sigmask(task);
}

bool is_restart_code(int64_t value) {
    return value == -ERESTARTSYS || value == -ERESTARTNOINTR || value == -ERESTARTNOHAND ||
           value == -ERESTART_RESTARTBLOCK;
}

}  // namespace

// ---- The operations of task/Signal.h -------------------------------------------------------

ErrorOr<void> send_signal_to_task(Task& task, int sig, const siginfo_t& info) {
    return do_send_signal(task, sig, info, false, false);
}

ErrorOr<void> send_signal_to_group(Task& task, int sig, const siginfo_t& info) {
    return do_send_signal(task, sig, info, true, false);
}

ErrorOr<void> send_signal(Task& task, int sig, const siginfo_t& info, bool group) {
    return do_send_signal(task, sig, info, group, false);
}

siginfo_t make_kill_info(int sig, int sender_pid, unsigned sender_uid) {
    siginfo_t info{};
    info.si_signo = sig;
    info.si_errno = 0;
    info.si_code = SI_USER;
    info.si_pid = sender_pid;
    info.si_uid = sender_uid;
    return info;
}

uint64_t nr_queued_signals() { return g_sigqueue_count.load(std::memory_order_relaxed); }

siginfo_t make_kernel_info(int sig) {
    siginfo_t info{};
    info.si_signo = sig;
    info.si_code = SI_KERNEL;
    return info;
}

bool signal_pending(const Task& task) {
    if (!task.m_signal)
        return false;
    SigSet pending = read_set(task.m_pending.signal) | read_set(task.m_signal->shared_pending.signal);
    // A group stop to join counts too (Linux's recalc_sigpending_tsk).
    return (pending & ~read_set(task.m_blocked)) || fatal_signal_pending(task) ||
           (__atomic_load_n(&task.m_jobctl, __ATOMIC_RELAXED) & JOBCTL_PENDING_MASK);
}

bool fatal_signal_pending(const Task& task) {
    if (read_set(task.m_pending.signal) & sigmask(SIGKILL))
        return true;
    return task.m_signal && __atomic_load_n(&task.m_signal->group_exiting, __ATOMIC_RELAXED);
}

void flush_signal_handlers(Task& task) {
    // execve: caught signals go back to SIG_DFL, ignored ones stay ignored; flags, restorer and
    // masks are forgotten (Linux's flush_signal_handlers(t, 0)); the alternate stack is gone
    // (begin_new_exec). The blocked mask and pending signals survive.
    if (task.m_sighand) {
        SpinlockGuard guard(task.m_sighand->siglock);
        for (auto& action : task.m_sighand->action) {
            if (action.handler != uint64_t(SIG_IGN))
                action.handler = uint64_t(SIG_DFL);
            action.flags = 0;
            action.restorer = 0;
            action.mask = 0;
        }
    }
    task.m_sas_ss_sp = 0;
    task.m_sas_ss_size = 0;
}

void exit_to_user_mode(arch::TrapFrame& frame) {
    // Interrupts are off here (the caller is about to leave for user mode). Work that may
    // fault on user memory or sleep runs with them on, and the loop re-checks afterwards, as
    // Linux's exit_to_user_mode_loop does: a handler frame, then maybe another signal.
    Task& task = *current();
    if (!task.m_sighand || !task.m_signal)
        return;
    for (;;) {
        preempt_on_interrupt_return();
        bool work = signal_pending(task) || task.m_restore_sigmask ||
                    (arch::frame_in_syscall(frame) && is_restart_code(arch::frame_syscall_return(frame)));
        if (!work && !task.m_rseq_notify)
            return;
        arch::irq_enable();
        if (work)
            do_signal(task, frame);
        else
            rseq_handle_notify_resume(task, frame, 0);  // Linux's TIF_NOTIFY_RESUME work
        arch::irq_disable();
    }
}

// ---- The rest of task/SignalDelivery.h ------------------------------------------------------

int zap_other_threads(Task& task) {
    task.m_sighand->siglock.assert_held();
    int count = 0;
    // Any group stop is over: stopped threads wake to die.
    task.m_signal->group_stop_count = 0;
    for_each_thread(task, [&](Task& thread) {
        if (&thread == &task)
            return false;
        task_clear_jobctl_pending(thread, JOBCTL_PENDING_MASK);
        if (thread.m_exit_state != Task::ExitState::Alive)
            return false;
        ++count;
        thread.m_pending.signal |= sigmask(SIGKILL);
        signal_wake_up(thread, true);
        return false;
    });
    return count;
}

void exit_signals(Task& task) {
    if (!task.m_sighand || !task.m_signal)
        return;
    int group_stop = 0;
    {
        SpinlockGuard guard(task.m_sighand->siglock);
        task.m_exiting = true;
        if (thread_group_empty(task) || task.m_signal->group_exiting)
            return;
        // Linux's retarget_shared_pending: process-wide signals this thread could have taken go
        // to threads that can, which might otherwise sleep on with them pending.
        SigSet orphaned = task.m_signal->shared_pending.signal & ~task.m_blocked;
        if (orphaned) {
            for_each_thread(task, [&](Task& thread) {
                if (thread.m_exiting || !(orphaned & ~thread.m_blocked))
                    return false;
                orphaned &= thread.m_blocked;
                signal_wake_up(thread);
                return !orphaned;
            });
        }
        // A group stop this thread was to join need not wait for it; it may be the last.
        if ((task.m_jobctl & JOBCTL_STOP_PENDING) && task_participate_group_stop(task))
            group_stop = CLD_STOPPED;
    }
    if (group_stop)
        do_notify_parent_cldstop(task, group_stop);
}

void force_sig_fault(int sig, int code, uint64_t addr) {
    siginfo_t info{};
    info.si_signo = sig;
    info.si_code = code;
    info.si_addr = reinterpret_cast<void*>(addr);
    force_sig_info_to_task(*current(), info, ForceHandler::Current);
}

void force_sigsegv(int sig) {
    siginfo_t info = make_kernel_info(SIGSEGV);
    // Failing to deliver SIGSEGV itself: it cannot be caught any more, it kills.
    force_sig_info_to_task(*current(), info, sig == SIGSEGV ? ForceHandler::SigDfl : ForceHandler::Current);
}

void flush_sigqueue(SigPending& pending) {
    pending.signal = 0;
    while (SigQueueEntry* entry = pending.queue.take_first())
        sigqueue_free(entry);
}

void set_current_blocked(SigSet mask) {
    Task& task = *current();
    SpinlockGuard guard(task.m_sighand->siglock);
    task.m_blocked = mask & ~UNBLOCKABLE;
}

SigSet pending_signals(const Task& task) {
    SpinlockGuard guard(task.m_sighand->siglock);
    return task.m_pending.signal | task.m_signal->shared_pending.signal;
}

int dequeue_signal_in(Task& task, SigSet wanted, siginfo_t& info) {
    int sig;
    {
        SpinlockGuard guard(task.m_sighand->siglock);
        sig = dequeue_signal_locked(task, ~(wanted & ~UNBLOCKABLE), info);
    }
    if (sig == SIGALRM)
        rearm_real_timer_after_sigalrm(task);
    return sig;
}

ErrorOr<void> do_sigaction(int sig, const KSigAction* act, KSigAction* oact) {
    Task& task = *current();
    if (!valid_signal(sig) || sig < 1 || (act && sig_kernel_only(sig)))
        return Error::from_errno(EINVAL);
    SpinlockGuard guard(task.m_sighand->siglock);
    KSigAction& k = task.m_sighand->action[sig - 1];
    if (k.flags & SA_IMMUTABLE)
        return Error::from_errno(EINVAL);
    if (oact) {
        *oact = k;
        oact->flags &= UAPI_SA_FLAGS;
    }
    if (act) {
        k = *act;
        k.flags &= UAPI_SA_FLAGS;  // unknown bits read back as 0: how programs probe support
        k.mask &= ~UNBLOCKABLE;
        // POSIX: making a pending signal ignored (explicitly, or SIG_DFL whose default is to
        // ignore) discards it, blocked or not.
        if (sig_handler_ignored(k.handler, sig))
            flush_signal_everywhere(task, sigmask(sig));
    }
    return {};
}

ErrorOr<void> do_sigaltstack(const UserStack* ss, UserStack* oss, uint64_t sp) {
    Task& task = *current();
    if (oss) {
        *oss = {};
        oss->ss_sp = task.m_sas_ss_sp;
        oss->ss_size = task.m_sas_ss_size;
        oss->ss_flags = sas_ss_flags(task, sp) | int32_t(uint32_t(task.m_sas_ss_flags) & SS_AUTODISARM_FLAG);
    }
    if (!ss)
        return {};
    // Changing the stack a handler is running on would pull it from under that handler.
    if (on_sig_stack(task, sp))
        return Error::from_errno(EPERM);
    uint32_t flags = uint32_t(ss->ss_flags);
    uint32_t mode = flags & ~SS_AUTODISARM_FLAG;
    if (mode != SS_DISABLE_FLAG && mode != SS_ONSTACK_FLAG && mode != 0)
        return Error::from_errno(EINVAL);
    uint64_t ss_sp = ss->ss_sp;
    uint64_t ss_size = ss->ss_size;
    if (mode == SS_DISABLE_FLAG) {
        ss_sp = 0;
        ss_size = 0;
    } else if (ss_size < MINSIGSTKSZ) {
        return Error::from_errno(ENOMEM);
    }
    task.m_sas_ss_sp = ss_sp;
    task.m_sas_ss_size = ss_size;
    task.m_sas_ss_flags = int(flags);
    return {};
}

// ---- Timed interruptible sleeps -------------------------------------------------------------

namespace {
constinit Spinlock g_sleepers_lock;
// Ordered by deadline; each node lives on its sleeper's kernel stack while linked.
constinit IntrusiveList<detail::TimedSleeper, &detail::TimedSleeper::node> g_timed_sleepers;
}  // namespace

namespace detail {

uint64_t now_ns() { return arch::monotonic_ns(); }

void add_timed_sleeper(TimedSleeper& sleeper) {
    SpinlockGuard guard(g_sleepers_lock);
    for (auto& other : g_timed_sleepers) {
        if (other.deadline_ns > sleeper.deadline_ns) {
            g_timed_sleepers.insert_before(other, sleeper);
            return;
        }
    }
    g_timed_sleepers.push_back(sleeper);
}

void remove_timed_sleeper(TimedSleeper& sleeper) {
    SpinlockGuard guard(g_sleepers_lock);
    sleeper.node.unlink();  // a no-op when the tick took it off already
}

}  // namespace detail

// ---- ITIMER_REAL ----------------------------------------------------------------------------
//
// A process's timer lives in its SignalStruct (real_timer_deadline_ns / _interval_ns, under the
// itimer lock); a RealTimer node puts the process on the list the tick looks at, so the tick
// costs one comparison however many processes exist. The node holds a reference on the
// SignalStruct, so its address cannot be reused by another process while the node exists; it
// finds the task to signal through the tgid, checking that the process is still the same.
// Nodes are freed only in process context (disarm, exit_itimers, or a sweep), never by the
// tick. As Linux does, a periodic timer is re-armed when its SIGALRM is dequeued, so a blocked
// SIGALRM does not pile up expirations.

namespace {

struct RealTimer {
    RefPtr<SignalStruct> signal;
    int tgid{0};
    bool armed{false};  // on g_armed_timers (ordered by deadline), else on g_idle_timers
    IntrusiveListNode node;
};

constinit Spinlock g_itimer_lock;
constinit IntrusiveList<RealTimer, &RealTimer::node> g_armed_timers;
constinit IntrusiveList<RealTimer, &RealTimer::node> g_idle_timers;
constinit SlabCache g_itimer_cache("itimer_real", sizeof(RealTimer), alignof(RealTimer));

RealTimer* find_timer_locked(const SignalStruct* signal) {
    for (auto& timer : g_armed_timers)
        if (timer.signal.ptr() == signal)
            return &timer;
    for (auto& timer : g_idle_timers)
        if (timer.signal.ptr() == signal)
            return &timer;
    return nullptr;
}

void arm_locked(RealTimer& timer, uint64_t deadline_ns) {
    timer.node.unlink();
    timer.signal->real_timer_deadline_ns = deadline_ns;
    timer.armed = true;
    for (auto& other : g_armed_timers) {
        if (other.signal->real_timer_deadline_ns > deadline_ns) {
            g_armed_timers.insert_before(other, timer);
            return;
        }
    }
    g_armed_timers.push_back(timer);
}

void disarm_locked(RealTimer& timer) {
    timer.node.unlink();
    timer.armed = false;
    g_idle_timers.push_back(timer);
}

void free_timer(RealTimer* timer) {
    VERIFY(!timer->node.is_linked());
    timer->~RealTimer();  // drops the SignalStruct reference: process context only
    g_itimer_cache.free(timer);
}

uint64_t clamp_add(uint64_t a, uint64_t b) { return b > ~uint64_t(0) - a ? ~uint64_t(0) : a + b; }

// Linux's hrtimer_forward: the first deadline after `now` in the timer's period.
uint64_t forward_deadline(uint64_t deadline, uint64_t interval, uint64_t now) {
    if (deadline > now || interval == 0)
        return deadline;
    uint64_t periods = (now - deadline) / interval + 1;
    if (periods > (~uint64_t(0) - deadline) / interval)
        return ~uint64_t(0);
    return deadline + periods * interval;
}

void rearm_real_timer_after_sigalrm(Task& task) {
    SpinlockGuard guard(g_itimer_lock);
    RealTimer* timer = find_timer_locked(task.m_signal.ptr());
    if (!timer || timer->armed || !task.m_signal->real_timer_interval_ns)
        return;
    uint64_t deadline = forward_deadline(task.m_signal->real_timer_deadline_ns, task.m_signal->real_timer_interval_ns,
                                         arch::monotonic_ns());
    arm_locked(*timer, deadline);
}

RealTimerValue read_timer_locked(const SignalStruct& signal, const RealTimer* timer) {
    RealTimerValue value{0, signal.real_timer_interval_ns};
    if (timer && timer->armed) {
        uint64_t now = arch::monotonic_ns();
        // An armed timer that is due but not fired yet reports 1 µs, never 0 (which would
        // read as "disarmed"): Linux's itimer_get_remtime.
        value.value_ns = signal.real_timer_deadline_ns > now ? signal.real_timer_deadline_ns - now : 1000;
    }
    return value;
}

}  // namespace

RealTimerValue get_real_timer() {
    SignalStruct& signal = *current()->m_signal;
    SpinlockGuard guard(g_itimer_lock);
    return read_timer_locked(signal, find_timer_locked(&signal));
}

ErrorOr<RealTimerValue> set_real_timer(RealTimerValue value) {
    Task& task = *current();
    SignalStruct& signal = *task.m_signal;
    // Sweep nodes of processes that went away without exit_itimers, outside the lock.
    constexpr size_t SWEEP = 16;
    RealTimer* dead[SWEEP];
    size_t nr_dead = 0;
    RealTimer* fresh = nullptr;
    {
        SpinlockGuard guard(g_itimer_lock);
        {
            SpinlockGuard tasks(tasklist_lock());
            for (auto& timer : g_idle_timers) {
                if (nr_dead == SWEEP)
                    break;
                Task* owner = find_task_by_pid(timer.tgid);
                if (owner && owner->m_signal == timer.signal && owner->m_exit_state == Task::ExitState::Alive)
                    continue;
                timer.node.unlink();
                dead[nr_dead++] = &timer;
            }
        }
        if (value.value_ns && !find_timer_locked(&signal)) {
            // The slab allocator's lock is IRQ-safe and below ours: allocating here keeps
            // "find or create" atomic.
            void* memory = g_itimer_cache.allocate();
            if (!memory) {
                // Leave the dead ones for the next sweep; nothing changed.
                for (size_t i = 0; i < nr_dead; ++i)
                    g_idle_timers.push_back(*dead[i]);
                return Error::from_errno(ENOMEM);
            }
            fresh = new (memory) RealTimer{};
            fresh->signal = signal;
            fresh->tgid = task_tgid_nr(task);
            g_idle_timers.push_back(*fresh);
        }
    }
    RealTimerValue old;
    RealTimer* to_free = nullptr;
    {
        SpinlockGuard guard(g_itimer_lock);
        RealTimer* timer = find_timer_locked(&signal);
        old = read_timer_locked(signal, timer);
        if (value.value_ns) {
            VERIFY(timer);
            signal.real_timer_interval_ns = value.interval_ns;
            arm_locked(*timer, clamp_add(arch::monotonic_ns(), value.value_ns));
        } else {
            signal.real_timer_interval_ns = 0;
            signal.real_timer_deadline_ns = 0;
            if (timer) {
                timer->node.unlink();
                to_free = timer;
            }
        }
    }
    for (size_t i = 0; i < nr_dead; ++i)
        free_timer(dead[i]);
    if (to_free)
        free_timer(to_free);
    return old;
}

void exit_itimers(Task& task) {
    if (!task.m_signal)
        return;
    RealTimer* timer;
    {
        SpinlockGuard guard(g_itimer_lock);
        timer = find_timer_locked(task.m_signal.ptr());
        if (timer)
            timer->node.unlink();
        task.m_signal->real_timer_deadline_ns = 0;
        task.m_signal->real_timer_interval_ns = 0;
    }
    if (timer)
        free_timer(timer);
}

void signal_timer_tick() {
    uint64_t now = arch::monotonic_ns();
    {
        SpinlockGuard guard(g_sleepers_lock);
        while (auto* sleeper = g_timed_sleepers.first()) {
            if (sleeper->deadline_ns > now)
                break;
            sleeper->node.unlink();
            wake_up_process(sleeper->task);
        }
    }
    SpinlockGuard guard(g_itimer_lock);
    while (RealTimer* timer = g_armed_timers.first()) {
        if (timer->signal->real_timer_deadline_ns > now)
            break;
        disarm_locked(*timer);  // re-armed when the SIGALRM is dequeued, if periodic
        SpinlockGuard tasks(tasklist_lock());
        Task* task = find_task_by_pid(timer->tgid);
        if (task && task->m_signal == timer->signal)
            (void)send_signal_to_group(*task, SIGALRM, make_kernel_info(SIGALRM));
    }
}

}  // namespace kernel
