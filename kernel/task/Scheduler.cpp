// The scheduler. Round robin: a task runs for SCHED_TIMESLICE_TICKS ticks, then goes to the
// back of its CPU's run queue. The run-queue lock is held across the context switch and
// dropped by the incoming task (finish_task_switch), as in Linux, so no other CPU can pick up
// `prev` before its registers are saved.
#include "task/Scheduler.h"
#include "task/Rseq.h"

#include <arch/Context.h>
#include <arch/Cpu.h>
#include <arch/Memory.h>
#include <arch/Time.h>

#include "lib/Printk.h"
#include "lib/Spinlock.h"
#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/Tty.h"
#include "mm/AddressSpace.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/SignalDelivery.h"

extern "C" uint64_t boot_stack_bottom[];

namespace kernel {

namespace {

struct CpuRunQueue {
    Spinlock lock;  // protects queue, and every task's m_on_rq and m_run_node on this CPU
    IntrusiveList<Task, &Task::m_run_node> queue;
    Task* current{nullptr};
    Task* idle{nullptr};
    bool need_resched{false};
    int preempt_count{0};
    uint64_t nr_switches{0};
};

// One per CPU; only CPU 0 runs so far. All access goes through this_rq().
// The `= {}` is not decoration: g++ 12 silently zero-fills a constinit array that has no
// initializer when its elements' constant value points into themselves (each queue's empty
// list head points at itself), leaving null links; with an initializer it gets them right.
constinit CpuRunQueue g_run_queues[1] = {};
CpuRunQueue& this_rq() { return g_run_queues[arch::current_cpu_id()]; }

constinit SlabCache g_task_cache("task_struct", sizeof(Task), alignof(Task));
// The boot CPU's idle task lives in static storage, constructed by sched_init(): a Task global
// would need an exit-time destructor (its RefPtr members are not trivially destructible).
alignas(Task) constinit unsigned char g_boot_idle_storage[sizeof(Task)] = {};
constinit std::atomic<uint64_t> g_jiffies{0};

// All tasks, for leak checks now and /proc later.
constinit Spinlock g_all_tasks_lock;
constinit IntrusiveList<Task, &Task::m_all_node> g_all_tasks;
constinit size_t g_nr_tasks = 0;

// A task's kernel stack goes as soon as it has run for the last time (Linux's put_task_stack);
// the Task itself lives on while referenced (a zombie waits for its parent).
void release_task_stack(Task* task) {
    if (task->m_stack_phys) {
        page_allocator().free(task->m_stack_phys, KERNEL_STACK_ORDER);
        task->m_stack_phys = 0;
        task->m_stack_base = nullptr;
    }
}

void free_task(Task* task) {
    VERIFY(!task->m_run_node.is_linked() && !task->m_sibling_node.is_linked() &&
           !task->m_tasks_node.is_linked());
    {
        SpinlockGuard guard(g_all_tasks_lock);
        g_all_tasks.remove(*task);
        --g_nr_tasks;
    }
    arch::release_thread_state(task->m_context);
    release_task_stack(task);
    task->~Task();
    g_task_cache.free(task);
}

// Runs on the incoming task right after the switch (or first thing in a new task).
void finish_task_switch(Task* prev) {
    auto& rq = this_rq();
    rq.lock.unlock_no_irq();
    if (prev->m_state == TaskState::Dead) {
        release_task_stack(prev);
        put_task_struct(*prev);  // the reference the task held on itself while it ran
    }
}

void schedule_impl(bool preempt) {
    auto& rq = this_rq();
    VERIFY(rq.preempt_count == 0);  // scheduling while atomic is a bug
    arch::IrqFlags flags = arch::irq_save();
    rq.lock.lock_no_irq();
    Task* prev = rq.current;
    if (!prev->stack_intact())
        PANIC("kernel stack overflow: end-of-stack canary overwritten");

    if (prev->m_state == TaskState::Dead) {
        prev->m_on_rq = false;
    } else if (prev->m_state != TaskState::Running && !preempt) {
        // Blocking. A preempted task stays queued whatever its state: it was interrupted on
        // its way to sleep and will re-check its condition (Linux's preempt path).
        prev->m_on_rq = false;
    } else if (!prev->m_is_idle) {
        rq.queue.push_back(*prev);
    }

    Task* next = rq.queue.take_first();
    if (!next)
        next = rq.idle;
    rq.need_resched = false;
    if (next == prev) {
        rq.lock.unlock_no_irq();
        arch::irq_restore(flags);
        return;
    }
    next->m_timeslice = SCHED_TIMESLICE_TICKS;
    // __schedule's switch_count: a task that gave the CPU up to sleep switched voluntarily.
    if (!preempt && prev->m_state != TaskState::Running)
        ++prev->m_nvcsw;
    else
        ++prev->m_nivcsw;
    rseq_preempt(*prev);
    uint64_t now = arch::monotonic_ns();
    prev->m_runtime_ns += now - prev->m_last_switch_ns;
    next->m_last_switch_ns = now;
    arch::switch_task_state(prev->m_context, next->m_context, next->stack_top());
    // Kernel threads borrow the kernel's tables (Linux lends them the previous mm; ours are
    // shared in the kernel half anyway, so loading them costs one CR3 write).
    if (prev->m_mm != next->m_mm)
        activate_mm(next->m_mm.ptr());
    rq.current = next;
    ++rq.nr_switches;
    prev = arch::switch_to(prev, prev->m_context, next->m_context);
    finish_task_switch(prev);
    arch::irq_restore(flags);
}

}  // namespace

const char* task_state_name(TaskState state) {
    switch (state) {
    case TaskState::Running:
        return "R (running)";
    case TaskState::Interruptible:
        return "S (sleeping)";
    case TaskState::Uninterruptible:
        return "D (disk sleep)";
    case TaskState::Stopped:
        return "T (stopped)";
    case TaskState::Dead:
        return "X (dead)";
    }
    return "?";
}

void sched_init() {
    auto& rq = this_rq();
    rq.queue.assert_empty();  // also catches a zero-filled (never constructed) list head
    Task* idle = new (g_boot_idle_storage) Task();
    idle->m_is_idle = true;
    idle->m_on_rq = true;
    idle->m_tid = 0;
    __builtin_memcpy(idle->m_comm, "swapper/0", 10);
    idle->m_stack_base = boot_stack_bottom;
    *idle->m_stack_base = STACK_END_MAGIC;
    rq.idle = idle;
    rq.current = idle;
}

Task* current() { return this_rq().current; }

void schedule() { schedule_impl(false); }

void yield() {
    this_rq().need_resched = true;
    schedule_impl(true);
}

void set_current_state(TaskState state) {
    current()->m_state = state;
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

namespace {

constexpr unsigned state_bit(TaskState state) { return 1u << unsigned(state); }

// Linux's try_to_wake_up: runnable again if its state is one of `states`.
bool try_to_wake_up(Task* task, unsigned states) {
    auto& rq = this_rq();
    SpinlockGuard guard(rq.lock);
    if (!(state_bit(task->m_state) & states))
        return false;
    VERIFY(task->m_state != TaskState::Dead);
    task->m_state = TaskState::Running;
    if (!task->m_on_rq) {
        task->m_on_rq = true;
        rq.queue.push_back(*task);
        if (rq.current->m_is_idle)
            rq.need_resched = true;
    }
    return true;
}

}  // namespace

// Linux's TASK_NORMAL: a stopped task is left to SIGCONT and SIGKILL (wake_up_state). Waking a
// dead one is a bug, caught by the VERIFY.
bool wake_up_process(Task* task) {
    return try_to_wake_up(task, state_bit(TaskState::Interruptible) | state_bit(TaskState::Uninterruptible) |
                                    state_bit(TaskState::Dead));
}

bool wake_up_state(Task* task, TaskState state) { return try_to_wake_up(task, state_bit(state)); }

void wake_up_new_task(Task* task) {
    auto& rq = this_rq();
    SpinlockGuard guard(rq.lock);
    VERIFY(!task->m_on_rq);
    task->m_state = TaskState::Running;
    task->m_on_rq = true;
    rq.queue.push_back(*task);
    if (rq.current->m_is_idle)
        rq.need_resched = true;
}

namespace {

// Linux's calc_global_load (kernel/sched/loadavg.c): every LOAD_FREQ ticks the runnable tasks
// feed three exponential averages. Sprout counts no uninterruptible sleepers in them.
constexpr uint64_t FSHIFT = 11;
constexpr uint64_t FIXED_1 = 1 << FSHIFT;
constexpr uint64_t LOAD_EXP[3] = {1884, 2014, 2037};  // 1/exp(5s/1min), 5min, 15min
constexpr uint64_t LOAD_FREQ = 5 * 250 + 1;            // 5 s at HZ 250, and a tick
constinit std::atomic<uint64_t> g_avenrun[3] = {};

uint64_t calc_load(uint64_t load, uint64_t exp, uint64_t active) {
    uint64_t next = load * exp + active * (FIXED_1 - exp);
    if (active >= load)
        next += FIXED_1 - 1;
    return next / FIXED_1;
}

unsigned nr_running_locked(CpuRunQueue& rq) {
    unsigned n = rq.current->m_is_idle ? 0 : 1;
    for ([[maybe_unused]] Task& task : rq.queue)
        ++n;
    return n;
}

}  // namespace

void scheduler_tick() {
    uint64_t now = g_jiffies.fetch_add(1, std::memory_order_relaxed) + 1;
    if (now % LOAD_FREQ == 0) {
        uint64_t active = uint64_t(nr_running_locked(this_rq())) * FIXED_1;
        for (int i = 0; i < 3; ++i)
            g_avenrun[i].store(calc_load(g_avenrun[i].load(std::memory_order_relaxed), LOAD_EXP[i], active),
                               std::memory_order_relaxed);
    }
    signal_timer_tick();  // ITIMER_REAL and interruptible timed sleeps (task/Signal.cpp)
    tty_tick();           // what was typed on the console (fs/Tty.cpp)
    auto& rq = this_rq();
    Task* curr = rq.current;
    if (curr->m_is_idle) {
        if (!rq.queue.is_empty())
            rq.need_resched = true;
    } else if (curr->m_timeslice == 0 || --curr->m_timeslice == 0) {
        rq.need_resched = true;
    }
}

void preempt_on_interrupt_return() {
    auto& rq = this_rq();
    if (rq.need_resched && rq.preempt_count == 0)
        schedule_impl(true);
}

void preempt_disable() { ++this_rq().preempt_count; }
void preempt_enable() {
    auto& rq = this_rq();
    VERIFY(rq.preempt_count > 0);
    --rq.preempt_count;
}

uint64_t task_runtime_ns(const Task& task) {
    uint64_t runtime = task.m_runtime_ns;
    if (&task == current())
        runtime += arch::monotonic_ns() - task.m_last_switch_ns;
    return runtime;
}

uint64_t jiffies() { return g_jiffies.load(std::memory_order_relaxed); }
uint64_t nr_context_switches() { return this_rq().nr_switches; }

uint64_t idle_time_ns() { return task_runtime_ns(*this_rq().idle); }

unsigned nr_running() {
    auto& rq = this_rq();
    arch::IrqFlags flags = arch::irq_save();
    rq.lock.lock_no_irq();
    unsigned n = nr_running_locked(rq);
    rq.lock.unlock_no_irq();
    arch::irq_restore(flags);
    return n;
}

void load_averages(uint64_t out[3]) {
    for (int i = 0; i < 3; ++i)
        out[i] = g_avenrun[i].load(std::memory_order_relaxed);
}

size_t nr_tasks() {
    SpinlockGuard guard(g_all_tasks_lock);
    return g_nr_tasks;
}

int sched_check_consistency() {
    auto& rq = this_rq();
    arch::IrqFlags flags = arch::irq_save();
    g_all_tasks_lock.lock_no_irq();
    rq.lock.lock_no_irq();
    int problems = 0;
    auto problem = [&](const Task& task, const char* what) {
        printk("sched: inconsistent: task {} ({}): {}\n", task.m_tid, task.m_comm, what);
        ++problems;
    };
    size_t listed = 0;
    for (Task& task : g_all_tasks) {
        ++listed;
        if (!task.stack_intact())
            problem(task, "end-of-stack canary overwritten");
        if (task.m_on_rq && &task != rq.current && !task.m_run_node.is_linked())
            problem(task, "on_rq but neither queued nor running");
        if (!task.m_on_rq && task.m_run_node.is_linked())
            problem(task, "queued but not on_rq");
    }
    if (listed != g_nr_tasks) {
        printk("sched: inconsistent: {} tasks listed, {} counted\n", listed, g_nr_tasks);
        ++problems;
    }
    size_t queued = 0;
    for (Task& task : rq.queue) {
        if (++queued > listed + 1) {
            printk("sched: inconsistent: the run queue is longer than the task list (a cycle?)\n");
            ++problems;
            break;
        }
        if (!task.m_on_rq)
            problem(task, "queued without on_rq");
        if (task.m_state == TaskState::Dead)
            problem(task, "dead but queued");
        if (task.m_is_idle)
            problem(task, "the idle task is queued");
        if (!task.m_all_node.is_linked())
            problem(task, "queued but not in the task list");
        if (&task == rq.current)
            problem(task, "queued while running");
    }
    rq.lock.unlock_no_irq();
    g_all_tasks_lock.unlock_no_irq();
    arch::irq_restore(flags);
    return problems;
}

void for_each_task_unlocked(void (*fn)(Task&, bool running, void*), void* context) {
    Task* running = this_rq().current;
    if (running->m_is_idle)
        fn(*running, true, context);
    size_t limit = g_nr_tasks + 16;  // a corrupt list must not loop forever
    for (Task& task : g_all_tasks) {
        fn(task, &task == running, context);
        if (--limit == 0)
            break;
    }
}

ErrorOr<Task*> alloc_task_struct() {
    void* memory = g_task_cache.allocate();
    if (!memory)
        return Error::from_errno(ENOMEM);
    Task* task = new (memory) Task();
    auto stack = page_allocator().allocate(KERNEL_STACK_ORDER);
    if (stack.is_error()) {
        task->~Task();
        g_task_cache.free(memory);
        return stack.release_error();
    }
    task->m_stack_phys = stack.value();
    task->m_stack_base = static_cast<uint64_t*>(arch::phys_to_virt(task->m_stack_phys));
    *task->m_stack_base = STACK_END_MAGIC;
    task->m_state = TaskState::Uninterruptible;  // not runnable until wake_up_new_task
    {
        SpinlockGuard guard(g_all_tasks_lock);
        g_all_tasks.push_back(*task);
        ++g_nr_tasks;
    }
    return task;
}

void put_task_struct(Task& task) {
    uint32_t old = task.m_usage.fetch_sub(1, std::memory_order_acq_rel);
    VERIFY(old > 0);
    if (old == 1)
        free_task(&task);
}

ErrorOr<Task*> kthread_create(void (*fn)(void*), void* arg, const char* name) {
    Task* task = TRY(alloc_task_struct());
    auto pid = alloc_pid(PidNamespace::initial());
    if (pid.is_error()) {
        put_task_struct(*task);
        return pid.release_error();
    }
    // No more failure paths after this point.
    task->m_pid = pid.release_value();
    task->m_tid = task->m_tgid = task->m_pid->number();
    task->m_group_leader = task;
    size_t i = 0;
    for (; name && name[i] && i + 1 < sizeof(task->m_comm); ++i)
        task->m_comm[i] = name[i];
    task->m_comm[i] = 0;
    arch::prepare_kernel_thread(task->m_context, task->stack_top(), fn, arg);
    return task;
}

ErrorOr<Task*> kthread_run(void (*fn)(void*), void* arg, const char* name) {
    Task* task = TRY(kthread_create(fn, arg, name));
    wake_up_new_task(task);
    return task;
}

[[noreturn]] void cpu_idle_loop() {
    for (;;) {
        arch::irq_disable();
        if (this_rq().need_resched) {
            arch::irq_enable();
            schedule();
            continue;
        }
        // sti takes effect after the next instruction, so no interrupt can slip in between the
        // check above and the hlt and leave us sleeping with work queued.
        asm volatile("sti; hlt" ::: "memory");
    }
}

}  // namespace kernel

using namespace kernel;

extern "C" void schedule_tail(Task* prev) {
    finish_task_switch(prev);
    arch::irq_enable();
}

extern "C" [[noreturn]] void kernel_thread_exit() {
    set_current_state(TaskState::Dead);
    schedule();
    VERIFY_NOT_REACHED();
}
