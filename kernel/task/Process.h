#pragma once
// The process tree and task lifetime (Linux's tasklist_lock, get/put_task_struct, the pid
// lookups) — what fork, exit, wait and kill share.
#include "lib/Spinlock.h"
#include "task/Task.h"

namespace kernel {

// Guards every task's m_real_parent/m_parent/m_children/m_sibling_node, the pid hash and
// the process group/session fields (Linux's tasklist_lock, a spinlock here: nothing sleeps
// under it).
Spinlock& tasklist_lock();

void get_task_struct(Task& task);
void put_task_struct(Task& task);

// The task with pid `number` (any thread id), or null. Takes the tasklist lock; the result is
// only borrowed: take a reference (get_task_struct) to keep it past the lock.
Task* find_task_by_vpid(int number);
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

// The pid number of a task as its own namespace sees it (one level for now).
int task_pid_nr(const Task& task);
int task_tgid_nr(const Task& task);

// The first user process (pid 1): the reaper of orphans, and the one whose death ends the VM.
Task* init_process();
void set_init_process(Task& task);

// Total processes created since boot (Linux's total_forks) and live ones (nr_threads).
uint64_t total_forks();
int nr_threads();

}  // namespace kernel
