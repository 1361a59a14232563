#pragma once
// Process ids (Linux's struct pid and alloc_pid). A Pid is refcounted: it outlives its task
// while anything still names it (a zombie's parent, a process group). One number per pid
// namespace level; until pid namespaces exist (the namespaces issue) there is one level.
#include "lib/ErrorOr.h"
#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"
#include "task/WaitQueue.h"

namespace kernel {

struct Task;

inline constexpr int PID_MAX_DEFAULT = 32768;  // Linux's pid_max on small machines
inline constexpr int RESERVED_PIDS = 300;      // wrap-around restarts above these

class Pid : public RefCounted<Pid> {
public:
    ~Pid();
    int number() const { return m_number; }
    // From the "pid" slab cache; only alloc_pid makes them.
    static void operator delete(void* pid) noexcept;
    // The task this pid names while it is alive (or a zombie); null once it has been reaped.
    Task* task() const { return m_task; }
    // Pollers of pidfds (Linux's wait_pidfd), woken when the process exits (do_notify_pidfd).
    WaitQueue m_wait_pidfd;

private:
    friend ErrorOr<NonnullRefPtr<Pid>> alloc_pid(const int*, size_t);
    friend void attach_pid(Pid&, Task&);
    friend void detach_pid(Pid&);
    friend Task* find_task_by_pid(int);

public:
    IntrusiveListNode m_hash_node;  // the pid hash (task/Process.cpp); tasklist lock

private:
    explicit Pid(int number) : m_number(number) {}
    int m_number;
    Task* m_task{nullptr};
};

// The next free number (wrapping at pid_max to RESERVED_PIDS, as Linux does); EAGAIN when all
// are taken. Freed when the last reference goes. clone3's set_tid asks for given numbers, one
// per pid namespace level from the innermost: more entries than levels, or a number outside
// [1, pid_max), is EINVAL; EPERM without CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN); EEXIST
// when the number is taken.
inline constexpr size_t MAX_PID_NS_LEVEL = 32;
ErrorOr<NonnullRefPtr<Pid>> alloc_pid(const int* set_tid = nullptr, size_t set_tid_size = 0);
// Publishes / unpublishes the task a pid names (the pid hash). Called with the tasklist lock held.
void attach_pid(Pid& pid, Task& task);
void detach_pid(Pid& pid);
// The task with this pid number, or null. Tasklist lock held.
Task* find_task_by_pid(int number);
// Pids in use (for leak checks).
size_t nr_pids_allocated();

}  // namespace kernel
