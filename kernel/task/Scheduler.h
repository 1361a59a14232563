#pragma once
// The scheduler: per-CPU round-robin run queues, preemption from the timer tick, and kernel
// threads. Linux's names where Linux has the same step (schedule, wake_up_process,
// wake_up_new_task, schedule_tail, scheduler_tick), so the fork path can plug in sched_fork
// and wake_up_new_task later without reshaping anything.
#include "lib/ErrorOr.h"
#include "task/Task.h"

namespace kernel {

inline constexpr uint32_t SCHED_TIMESLICE_TICKS = 3;  // 12 ms at HZ=250

// Turns the running boot context into CPU 0's idle task.
void sched_init();
Task* current();

// Gives up the CPU. If current's state is not Running it blocks until woken.
void schedule();
void yield();
// Sets current's state with a full barrier, so a waker that sees the condition true after we
// set the state cannot miss us (Linux's set_current_state).
void set_current_state(TaskState state);

// Makes `task` runnable unless it is stopped (Linux's TASK_NORMAL sleepers). Returns false if
// it already was, or is stopped.
bool wake_up_process(Task* task);
// Makes `task` runnable only if it is in `state` (Linux's wake_up_state; SIGCONT wakes Stopped).
bool wake_up_state(Task* task, TaskState state);
// First wake-up of a freshly created task (the seed's wake_up_new_task).
void wake_up_new_task(Task* task);

// Timer interrupt: counts jiffies and ends the current slice when it is used up.
void scheduler_tick();
// Called on every return from an interrupt: preempts current if a reschedule is due.
void preempt_on_interrupt_return();
void preempt_disable();
void preempt_enable();

uint64_t jiffies();
uint64_t nr_context_switches();
// For /proc: the time the CPU spent idle, the tasks on the run queue (the running one
// included: Linux's nr_running), and the 1, 5 and 15 minute load averages in 11-bit fixed
// point (Linux's avenrun, FSHIFT 11).
uint64_t idle_time_ns();
unsigned nr_running();
void load_averages(uint64_t out[3]);

// A Task with its kernel stack (and end-of-stack canary), registered for leak checks, not yet
// runnable — dup_task_struct's allocation step. Freed by put_task_struct.
ErrorOr<Task*> alloc_task_struct();

// Creates a kernel thread that will run fn(arg); it does not run until wake_up_new_task.
ErrorOr<Task*> kthread_create(void (*fn)(void*), void* arg, const char* name);
// kthread_create + wake_up_new_task.
ErrorOr<Task*> kthread_run(void (*fn)(void*), void* arg, const char* name);

// CPU time the task has used, including the current slice if it is running.
uint64_t task_runtime_ns(const Task& task);

// Tasks that exist (created and not yet freed), for leak checks.
size_t nr_tasks();

// For the fuzzer's checks and the watchdog (debug/Watchdog.h). sched_check_consistency
// compares the run queue with the task list under both locks: every queued task is linked in
// the list, marked on_rq, alive and not the idle task; every task marked on_rq is queued or
// running; the list holds as many tasks as counted; every kernel stack's canary is intact.
// Prints each problem, returns how many. for_each_task_unlocked walks the task list without
// its lock (a hang report must not wait on a lock the hang may hold); fn gets whether the task
// is the one running on this CPU.
int sched_check_consistency();
void for_each_task_unlocked(void (*fn)(Task&, bool running, void*), void* context);

// The idle loop of this CPU; the boot thread ends up here.
[[noreturn]] void cpu_idle_loop();

}  // namespace kernel

extern "C" void schedule_tail(kernel::Task* prev);
extern "C" [[noreturn]] void kernel_thread_exit();
