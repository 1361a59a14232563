// The process tree, task lifetime and pids.
#include "task/Process.h"

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "mm/AddressSpace.h"
#include "mm/Slab.h"
#include "task/Cred.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {
constinit Spinlock g_tasklist_lock;
constinit Task* g_init_process = nullptr;
constinit std::atomic<uint64_t> g_total_forks{0};
constinit IntrusiveList<Task, &Task::m_tasks_node> g_process_list;

// The pid hash: numbers to Pid objects, and the allocation cursor (Linux's idr + last_pid).
constexpr size_t PID_HASH_BUCKETS = 256;
constinit IntrusiveList<Pid, &Pid::m_hash_node> g_pid_hash[PID_HASH_BUCKETS] = {};
constinit int g_last_pid = 0;
constinit size_t g_nr_pids = 0;
constinit SlabCache g_pid_cache("pid", sizeof(Pid), alignof(Pid));

auto& bucket(int number) { return g_pid_hash[unsigned(number) % PID_HASH_BUCKETS]; }

Pid* lookup_pid_locked(int number) {
    for (auto& pid : bucket(number))
        if (pid.number() == number)
            return &pid;
    return nullptr;
}
}  // namespace

Task::Task() = default;
// Signals still queued for a task that is gone are freed with it.
Task::~Task() { flush_sigqueue(m_pending); }

Spinlock& tasklist_lock() { return g_tasklist_lock; }
IntrusiveList<Task, &Task::m_tasks_node>& process_list() { return g_process_list; }

void get_task_struct(Task& task) { task.m_usage.fetch_add(1, std::memory_order_relaxed); }

Task* init_process() { return g_init_process; }
void set_init_process(Task& task) { g_init_process = &task; }
uint64_t total_forks() { return g_total_forks.load(); }
int nr_threads() { return int(nr_tasks()); }
void count_fork() { g_total_forks.fetch_add(1); }

int task_pid_nr(const Task& task) { return task.m_tid; }
int task_tgid_nr(const Task& task) { return task.m_tgid; }

Task* find_task_by_vpid(int number) {
    SpinlockGuard guard(g_tasklist_lock);
    return find_task_by_pid(number);
}

// ---- Pids -----------------------------------------------------------------------------------

Pid::~Pid() {
    SpinlockGuard guard(g_tasklist_lock);
    m_hash_node.unlink();
    --g_nr_pids;
}

ErrorOr<NonnullRefPtr<Pid>> alloc_pid() {
    void* memory = g_pid_cache.allocate();
    if (!memory)
        return Error::from_errno(ENOMEM);
    SpinlockGuard guard(g_tasklist_lock);
    // The next number after the last one handed out, wrapping to RESERVED_PIDS (pid 1 is
    // init's forever; low numbers stay for daemons, as Linux does).
    int candidate = g_last_pid;
    for (int tries = 0; tries < PID_MAX_DEFAULT; ++tries) {
        ++candidate;
        if (candidate >= PID_MAX_DEFAULT)
            candidate = RESERVED_PIDS;
        if (!lookup_pid_locked(candidate)) {
            g_last_pid = candidate;
            Pid* pid = new (memory) Pid(candidate);
            bucket(candidate).push_back(*pid);
            ++g_nr_pids;
            return adopt_ref(*pid);
        }
    }
    g_pid_cache.free(memory);
    return Error::from_errno(EAGAIN);
}

void Pid::operator delete(void* pid) noexcept { g_pid_cache.free(pid); }

void attach_pid(Pid& pid, Task& task) {
    g_tasklist_lock.assert_held();
    pid.m_task = &task;
}

void detach_pid(Pid& pid) {
    g_tasklist_lock.assert_held();
    pid.m_task = nullptr;
}

Task* find_task_by_pid(int number) {
    g_tasklist_lock.assert_held();
    Pid* pid = lookup_pid_locked(number);
    return pid ? pid->m_task : nullptr;
}

size_t nr_pids_allocated() {
    SpinlockGuard guard(g_tasklist_lock);
    return g_nr_pids;
}

// ---- Credentials and namespaces -------------------------------------------------------------

ErrorOr<NonnullRefPtr<Cred>> Cred::create_root() { return try_make_ref_counted<Cred>(); }
ErrorOr<NonnullRefPtr<NsProxy>> NsProxy::create_initial() { return try_make_ref_counted<NsProxy>(); }

}  // namespace kernel
