// The process tree, task lifetime and pids.
#include "task/Process.h"

#include <linux/capability.h>

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

void set_task_comm(Task& task, StringView name) {
    size_t n = name.size() < sizeof(task.m_comm) - 1 ? name.size() : sizeof(task.m_comm) - 1;
    __builtin_memcpy(task.m_comm, name.data(), n);
    __builtin_memset(task.m_comm + n, 0, sizeof(task.m_comm) - n);
}

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

ErrorOr<NonnullRefPtr<Pid>> alloc_pid(const int* set_tid, size_t set_tid_size) {
    // One pid namespace level so far: at most one number can be asked for. (Linux also refuses
    // any number but 1 in a namespace without an init, which the initial one always has.)
    if (set_tid_size > 1)
        return Error::from_errno(EINVAL);
    int wanted = set_tid_size ? set_tid[0] : 0;
    if (set_tid_size) {
        if (wanted < 1 || wanted >= PID_MAX_DEFAULT)
            return Error::from_errno(EINVAL);
        const Cred& cred = *current()->m_cred;
        if (!cred.capable(CAP_CHECKPOINT_RESTORE) && !cred.capable(CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
    }
    void* memory = g_pid_cache.allocate();
    if (!memory)
        return Error::from_errno(ENOMEM);
    SpinlockGuard guard(g_tasklist_lock);
    auto publish = [&](int number) {
        Pid* pid = new (memory) Pid(number);
        bucket(number).push_back(*pid);
        ++g_nr_pids;
        return adopt_ref(*pid);
    };
    if (wanted) {
        // idr_alloc of exactly that number: the cursor of the next automatic one stays.
        if (!lookup_pid_locked(wanted))
            return publish(wanted);
        g_pid_cache.free(memory);
        return Error::from_errno(EEXIST);
    }
    // The next number after the last one handed out, wrapping to RESERVED_PIDS (pid 1 is
    // init's forever; low numbers stay for daemons, as Linux does).
    int candidate = g_last_pid;
    for (int tries = 0; tries < PID_MAX_DEFAULT; ++tries) {
        ++candidate;
        if (candidate >= PID_MAX_DEFAULT)
            candidate = RESERVED_PIDS;
        if (!lookup_pid_locked(candidate)) {
            g_last_pid = candidate;
            return publish(candidate);
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

Task* next_task_by_pid_impl(int from, bool (*accept)(Task&, void*), void* context) {
    g_tasklist_lock.assert_held();
    Pid* best = nullptr;
    for (auto& chain : g_pid_hash)
        for (auto& pid : chain)
            if (pid.number() >= from && pid.task() && (!best || pid.number() < best->number()) &&
                accept(*pid.task(), context))
                best = &pid;
    return best ? best->task() : nullptr;
}

size_t nr_pids_allocated() {
    SpinlockGuard guard(g_tasklist_lock);
    return g_nr_pids;
}

// ---- Namespaces -----------------------------------------------------------------------------

ErrorOr<NonnullRefPtr<NsProxy>> NsProxy::create_initial() { return try_make_ref_counted<NsProxy>(); }

}  // namespace kernel
