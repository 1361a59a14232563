// The process tree, task lifetime and pids.
#include "task/Process.h"

#include <linux/capability.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
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

// The pid hash: (namespace, number) to the level's UPid (Linux's per-namespace idr).
constexpr size_t PID_HASH_BUCKETS = 256;
constinit IntrusiveList<UPid, &UPid::hash_node> g_pid_hash[PID_HASH_BUCKETS] = {};
constinit size_t g_nr_pids = 0;

auto& bucket(const PidNamespace& ns, int number) {
    return g_pid_hash[(unsigned(number) + unsigned(reinterpret_cast<uintptr_t>(&ns) >> 6)) % PID_HASH_BUCKETS];
}

UPid* lookup_upid_locked(const PidNamespace& ns, int number) {
    for (auto& upid : bucket(ns, number))
        if (upid.nr == number && upid.ns == &ns)
            return &upid;
    return nullptr;
}

constinit std::atomic<int> g_pid_max{PID_MAX_DEFAULT};

// The next free number of `ns` after its cursor; 0 when every one is taken.
int next_free_number(PidNamespace& ns) {
    int candidate = ns.last_pid;
    int max = pid_max();
    for (int tries = 0; tries < max; ++tries) {
        ++candidate;
        if (candidate >= max)
            candidate = RESERVED_PIDS;
        if (!lookup_upid_locked(ns, candidate)) {
            ns.last_pid = candidate;
            return candidate;
        }
    }
    return 0;
}
}  // namespace

int pid_max() { return g_pid_max.load(std::memory_order_relaxed); }
void set_pid_max(int value) { g_pid_max.store(value, std::memory_order_relaxed); }

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

PidNamespace& task_active_pid_ns(const Task& task) {
    return task.m_pid ? task.m_pid->ns() : PidNamespace::initial();
}

int task_pid_nr_ns(const Task& task, const PidNamespace& ns) { return task.m_pid ? task.m_pid->nr_in(ns) : 0; }
int task_tgid_nr_ns(const Task& task, const PidNamespace& ns) {
    const Task* leader = task.m_group_leader ? task.m_group_leader : &task;
    return task_pid_nr_ns(*leader, ns);
}
int task_pid_vnr(const Task& task) { return task_pid_nr_ns(task, task_active_pid_ns(*current())); }
int task_tgid_vnr(const Task& task) { return task_tgid_nr_ns(task, task_active_pid_ns(*current())); }

int pid_vnr_from_nr(int number) {
    g_tasklist_lock.assert_held();
    // In the initial namespace the number is the view, whether or not its pid still exists (a
    // group outlives its leader's pid).
    PidNamespace& ns = task_active_pid_ns(*current());
    if (!ns.level())
        return number;
    UPid* upid = number > 0 ? lookup_upid_locked(PidNamespace::initial(), number) : nullptr;
    return upid ? upid->pid->nr_in(ns) : 0;
}

int pid_nr_from_vnr(int number) {
    g_tasklist_lock.assert_held();
    PidNamespace& ns = task_active_pid_ns(*current());
    if (!ns.level())
        return number;
    Pid* pid = number > 0 ? find_pid_ns(number, ns) : nullptr;
    return pid ? pid->number() : -1;
}

Task* find_task_by_vpid_locked(int number) { return find_task_by_pid_ns(number, task_active_pid_ns(*current())); }

Task* find_task_by_vpid(int number) {
    SpinlockGuard guard(g_tasklist_lock);
    return find_task_by_vpid_locked(number);
}

// ---- Pids -----------------------------------------------------------------------------------

Pid::~Pid() {
    {
        SpinlockGuard guard(g_tasklist_lock);
        for (unsigned level = 0; level <= m_level; ++level) {
            m_numbers[level].hash_node.unlink();
            --m_numbers[level].ns->nr_pids;
        }
        --g_nr_pids;
    }
    m_numbers[m_level].ns->unref();  // the reference alloc_pid took (Linux's put_pid_ns in put_pid)
}

ErrorOr<NonnullRefPtr<Pid>> alloc_pid(PidNamespace& ns, const int* set_tid, size_t set_tid_size) {
    if (set_tid_size > ns.level() + 1)
        return Error::from_errno(EINVAL);
    unsigned levels = ns.level() + 1;
    void* memory = kmalloc(sizeof(Pid) + levels * sizeof(UPid));
    if (!memory)
        return Error::from_errno(ENOMEM);
    auto* numbers = reinterpret_cast<UPid*>(static_cast<char*>(memory) + sizeof(Pid));
    const Cred* cred = set_tid_size ? current()->m_cred.ptr() : nullptr;
    // checkpoint_restore_ns_capable, asked of the owner of each level that gets a chosen number.
    auto may_set_tid = [cred](const PidNamespace& level) {
        return cred && (cred->capable_in(*level.user_ns, CAP_CHECKPOINT_RESTORE) ||
                        cred->capable_in(*level.user_ns, CAP_SYS_ADMIN));
    };
    SpinlockGuard guard(g_tasklist_lock);
    // From the innermost level outwards, as Linux does: set_tid[0] is the innermost number.
    // Nothing is published until every level has its number, so a failure takes nothing.
    PidNamespace* level_ns = &ns;
    for (unsigned i = 0; i < levels; ++i, level_ns = level_ns->parent()) {
        int nr = 0;
        int error = 0;
        if (i < set_tid_size) {
            nr = set_tid[i];
            // A number other than 1 needs the namespace's first process to exist.
            if (nr < 1 || nr >= pid_max() || (nr != 1 && !level_ns->has_reaper))
                error = EINVAL;
            else if (!may_set_tid(*level_ns))
                error = EPERM;
            else if (lookup_upid_locked(*level_ns, nr))
                error = EEXIST;  // idr_alloc of exactly that number: the cursor stays
        } else {
            nr = next_free_number(*level_ns);
            if (!nr)
                error = EAGAIN;
        }
        if (error) {
            kfree(memory);
            return Error::from_errno(error);
        }
        new (&numbers[ns.level() - i]) UPid{nr, level_ns, nullptr, {}};
    }
    // Linux's answer for a namespace that takes no more processes, documented as such.
    if (!ns.adding) {
        kfree(memory);
        return Error::from_errno(ENOMEM);
    }
    Pid* pid = new (memory) Pid(ns.level(), numbers);
    for (unsigned level = 0; level < levels; ++level) {
        UPid& upid = numbers[level];
        upid.pid = pid;
        bucket(*upid.ns, upid.nr).push_back(upid);
        ++upid.ns->nr_pids;
    }
    ++g_nr_pids;
    ns.ref();  // the pid's namespace lives as long as the pid
    return adopt_ref(*pid);
}

void Pid::operator delete(void* pid) noexcept { kfree(pid); }

void attach_pid(Pid& pid, Task& task) {
    g_tasklist_lock.assert_held();
    pid.m_task = &task;
    // The first process of a namespace is its init (Linux's is_child_reaper in copy_process);
    // an exec from one of its threads (de_thread) moves number 1, and the role, to that thread.
    if (pid.upid(pid.level()).nr == 1) {
        pid.ns().child_reaper = &task;
        pid.ns().has_reaper = true;
    }
}

void detach_pid(Pid& pid) {
    g_tasklist_lock.assert_held();
    Task* task = std::exchange(pid.m_task, nullptr);
    // A dying namespace's reaper waits in zap_pid_ns_processes for its last other process.
    for (unsigned level = 1; level <= pid.level(); ++level) {
        PidNamespace& ns = *pid.upid(level).ns;
        if (ns.child_reaper == task)
            ns.child_reaper = nullptr;
        else if (!ns.adding && ns.zapper)
            wake_up_process(ns.zapper);  // only while it waits: it clears the field when done
    }
}

Pid* find_pid_ns(int nr, const PidNamespace& ns) {
    g_tasklist_lock.assert_held();
    UPid* upid = lookup_upid_locked(ns, nr);
    return upid ? upid->pid : nullptr;
}

Task* find_task_by_pid(int number) { return find_task_by_pid_ns(number, PidNamespace::initial()); }

Task* find_task_by_pid_ns(int number, const PidNamespace& ns) {
    g_tasklist_lock.assert_held();
    Pid* pid = find_pid_ns(number, ns);
    return pid ? pid->task() : nullptr;
}

Task* next_task_by_pid_impl(const PidNamespace& ns, int from, bool (*accept)(Task&, void*), void* context) {
    g_tasklist_lock.assert_held();
    const UPid* best = nullptr;
    for (auto& chain : g_pid_hash)
        for (auto& upid : chain)
            if (upid.ns == &ns && upid.nr >= from && upid.pid->task() && (!best || upid.nr < best->nr) &&
                accept(*upid.pid->task(), context))
                best = &upid;
    return best ? best->pid->task() : nullptr;
}

size_t nr_pids_allocated() {
    SpinlockGuard guard(g_tasklist_lock);
    return g_nr_pids;
}

// ---- Namespaces -----------------------------------------------------------------------------


}  // namespace kernel
