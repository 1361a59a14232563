#pragma once
// Process ids and pid namespaces (Linux's struct pid, struct upid, struct pid_namespace and
// alloc_pid). A Pid is refcounted: it outlives its task while anything still names it (a
// zombie's parent, a pidfd). It has one number per pid namespace level, from the initial
// namespace (level 0, the number the kernel itself uses) down to the one it was made in.
#include "lib/ErrorOr.h"
#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"
#include "task/UserNamespace.h"
#include "lib/kstd.h"
#include "task/WaitQueue.h"

namespace kernel {

struct Task;
class Pid;

inline constexpr int PID_MAX_DEFAULT = 32768;  // Linux's pid_max on small machines
inline constexpr int RESERVED_PIDS = 300;      // wrap-around restarts above these
inline constexpr unsigned MAX_PID_NS_LEVEL = 32;
inline constexpr int PID_MAX_LIMIT = 4 * 1024 * 1024;  // the highest pid_max on 64-bit

// kernel.pid_max (/proc/sys/kernel/pid_max): numbers are handed out below it. Root may set it
// between RESERVED_PIDS + 1 and PID_MAX_LIMIT.
int pid_max();
void set_pid_max(int value);

// Linux's struct pid_namespace: the numbering of one level. Each namespace numbers from 1 with
// its own cursor; its first process (number 1) is its child_reaper. Fields other than the
// constants are guarded by the tasklist lock.
class PidNamespace : public RefCounted<PidNamespace> {
public:
    // The initial namespace, level 0: never freed.
    static PidNamespace& initial();
    // create_pid_namespace: a child of `parent` owned by `user_ns`; EINVAL when `user_ns` is not
    // within the parent's owner, ENOSPC beyond MAX_PID_NS_LEVEL levels.
    static ErrorOr<NonnullRefPtr<PidNamespace>> create(PidNamespace& parent, UserNamespace& user_ns);
    ~PidNamespace();

    unsigned level() const { return m_level; }
    PidNamespace* parent() const { return m_parent; }

    // The process that adopts orphans here (the thread-group leader numbered 1), null until it
    // is forked. Kept (as Linux keeps it) after it dies: fork then fails on `adding` instead.
    Task* child_reaper{nullptr};
    int last_pid{0};         // the allocation cursor (Linux's idr cursor)
    unsigned nr_pids{0};     // numbers taken at this level (Linux's pid_allocated)
    bool adding{true};       // Linux's PIDNS_ADDING: cleared when the reaper dies
    // The thread running zap_pid_ns_processes (tasklist lock): each process of the namespace
    // that goes wakes it. Linux wakes child_reaper, which it has moved to that thread; here
    // the role stays with the group leader, which may be a zombie by then.
    Task* zapper{nullptr};
    bool has_reaper{false};  // a number 1 was ever attached
    RefPtr<UserNamespace> user_ns{UserNamespace::initial()};  // the owner: its capabilities rule here
    uint32_t inum{PROC_PID_INIT_INO};

private:
    PidNamespace(unsigned level, PidNamespace* parent) : m_level(level), m_parent(parent) {}
    unsigned m_level;
    PidNamespace* m_parent;  // holds a reference, dropped by the destructor
};

// Linux's struct upid: one level's number, and its link in the pid hash.
struct UPid {
    int nr;
    PidNamespace* ns;
    Pid* pid;
    IntrusiveListNode hash_node;  // tasklist lock
};

class Pid : public RefCounted<Pid> {
public:
    ~Pid();
    // The number in the initial namespace (Linux's pid_nr).
    int number() const { return m_numbers[0].nr; }
    // The deepest level: the namespace the pid was made in (Linux's ns_of_pid).
    unsigned level() const { return m_level; }
    PidNamespace& ns() const { return *m_numbers[m_level].ns; }
    // The number `ns` sees, 0 when the pid is not visible there (Linux's pid_nr_ns).
    int nr_in(const PidNamespace& ns) const {
        return ns.level() <= m_level && m_numbers[ns.level()].ns == &ns ? m_numbers[ns.level()].nr : 0;
    }
    const UPid& upid(unsigned level) const { return m_numbers[level]; }
    // From kmalloc, sized for its levels; only alloc_pid makes them.
    static void operator delete(void* pid) noexcept;
    // The task this pid names while it is alive (or a zombie); null once it has been reaped.
    Task* task() const { return m_task; }
    // Pollers of pidfds (Linux's wait_pidfd), woken when the process exits (do_notify_pidfd).
    WaitQueue m_wait_pidfd;

private:
    friend ErrorOr<NonnullRefPtr<Pid>> alloc_pid(PidNamespace&, const int*, size_t);
    friend void attach_pid(Pid&, Task&);
    friend void detach_pid(Pid&);

    Pid(unsigned level, UPid* numbers) : m_level(level), m_numbers(numbers) {}
    unsigned m_level;
    UPid* m_numbers;  // m_level + 1 entries, right after the object
    Task* m_task{nullptr};
};

// A number in each level from `ns` up to the initial namespace: the next free one after each
// level's cursor (wrapping at pid_max to RESERVED_PIDS, as Linux does), EAGAIN when a level is
// full, ENOMEM when `ns` no longer takes processes (its reaper died). clone3's set_tid asks
// for given numbers, one per level from the innermost: more entries than levels, a number
// outside [1, pid_max), or one other than 1 in a namespace without its first process is
// EINVAL; EPERM without CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN); EEXIST when it is taken.
// The numbers are freed when the last reference goes.
ErrorOr<NonnullRefPtr<Pid>> alloc_pid(PidNamespace& ns, const int* set_tid = nullptr, size_t set_tid_size = 0);
// Publishes / unpublishes the task a pid names. Called with the tasklist lock held.
void attach_pid(Pid& pid, Task& task);
void detach_pid(Pid& pid);
// The pid `ns` numbers `nr`, or null (Linux's find_pid_ns). Tasklist lock held.
Pid* find_pid_ns(int nr, const PidNamespace& ns);
// The task with this number in the initial namespace, or null. Tasklist lock held.
Task* find_task_by_pid(int number);
// The task with this number in `ns`, or null (find_task_by_pid_ns). Tasklist lock held.
Task* find_task_by_pid_ns(int number, const PidNamespace& ns);
// Pids in use (for leak checks).
size_t nr_pids_allocated();

}  // namespace kernel
