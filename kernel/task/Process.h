#pragma once
// The process tree and task lifetime (Linux's tasklist_lock, get/put_task_struct, the pid
// lookups) — what fork, exit, wait and kill share.
#include "lib/Spinlock.h"
#include "task/Pid.h"
#include "task/Signal.h"
#include "task/Task.h"

namespace kernel {

// Guards every task's m_real_parent/m_parent/m_children/m_sibling_node, the pid hash and
// the process group/session fields (Linux's tasklist_lock, a spinlock here: nothing sleeps
// under it).
Spinlock& tasklist_lock();

void get_task_struct(Task& task);
void put_task_struct(Task& task);

// The task with pid `number` (any thread id) in the caller's pid namespace, or null. Takes the
// tasklist lock; the result is only borrowed: take a reference (get_task_struct) to keep it
// past the lock. The _locked form is called with the lock held.
Task* find_task_by_vpid(int number);
Task* find_task_by_vpid_locked(int number);
// Every process (thread-group leader), live or zombie: Linux's init_task.tasks list.
IntrusiveList<Task, &Task::m_tasks_node>& process_list();
// Calls fn(Task&) for every process until it returns true. Tasklist lock held by the caller.
template <typename F>
void for_each_process(F fn) {
    tasklist_lock().assert_held();
    for (auto& task : process_list())
        if (fn(task))
            return;
}

// Thread groups (Linux's for_each_thread, thread_group_leader, thread_group_empty). The thread
// list is walked with the tasklist lock or the process's siglock held; fn returns true to stop.
template <typename F>
void for_each_thread(Task& task, F fn) {
    for (auto& thread : task.m_signal->thread_head)
        if (fn(thread))
            return;
}
inline bool thread_group_leader(const Task& task) { return task.m_group_leader == &task; }
// No thread but `task` is left in its process's thread list.
inline bool thread_group_empty(const Task& task) {
    Task* first = task.m_signal->thread_head.first();
    return !first || (first == &task && !task.m_signal->thread_head.next(*first));
}

// The task with the smallest pid number >= `from` that `accept(task)` takes, or null (Linux's
// next_tgid walk of the pid numbers, for /proc's listings). Tasklist lock held.
// Numbers are those of `ns`.
Task* next_task_by_pid_impl(const PidNamespace& ns, int from, bool (*accept)(Task&, void*), void* context);
template <typename F>
Task* next_task_by_pid_locked(const PidNamespace& ns, int from, F accept) {
    return next_task_by_pid_impl(ns, from, [](Task& task, void* fn) { return (*static_cast<F*>(fn))(task); }, &accept);
}

// Linux's __set_task_comm: the name a task goes by, cut to 15 bytes, the rest of m_comm zeroed.
void set_task_comm(Task& task, StringView name);

// Pid numbers (Linux's helpers of the same names). _nr: in the initial namespace, the kernel's
// own view; _nr_ns: as `ns` sees the task, 0 when it is outside; _vnr: as the caller sees it.
int task_pid_nr(const Task& task);
int task_tgid_nr(const Task& task);
int task_pid_nr_ns(const Task& task, const PidNamespace& ns);
int task_tgid_nr_ns(const Task& task, const PidNamespace& ns);
int task_pid_vnr(const Task& task);
int task_tgid_vnr(const Task& task);
// The pid namespace a task lives in: its pid's (Linux's task_active_pid_ns).
PidNamespace& task_active_pid_ns(const Task& task);
// Process group and session ids are kept as initial-namespace numbers: these convert one to
// the caller's view (0 when it cannot see it) and back (-1 when the caller's namespace has no
// such number, which matches nothing). Tasklist lock held.
int pid_vnr_from_nr(int number);
int pid_nr_from_vnr(int number);

// The first user process (pid 1): the reaper of orphans, and the one whose death ends the VM.
Task* init_process();
void set_init_process(Task& task);
// A task of the first process's thread group (Linux's is_global_init).
inline bool is_global_init(const Task& task) {
    Task* init = init_process();
    return init && task.m_signal && init->m_signal == task.m_signal;
}

// Total processes created since boot (Linux's total_forks) and live ones (nr_threads).
uint64_t total_forks();
int nr_threads();

}  // namespace kernel
