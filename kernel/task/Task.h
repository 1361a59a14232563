#pragma once
// Task: Linux's task_struct. For now it carries what kernel threads need — state, kernel stack,
// saved context, scheduling links; the fork issue adds the shared per-task objects (mm, files,
// fs, sighand, signal, nsproxy, cred, pid) as refcounted members.
#include <arch/Context.h>

#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

class MmStruct;     // mm/AddressSpace.h: the address space (mm_struct)
class FilesStruct;  // fs/FilesStruct.h: the descriptor table (files_struct)
class FsStruct;     // fs/FsStruct.h: root, cwd, umask (fs_struct)

enum class TaskState : uint8_t {
    Running,          // TASK_RUNNING: on a run queue or on a CPU
    Interruptible,    // TASK_INTERRUPTIBLE
    Uninterruptible,  // TASK_UNINTERRUPTIBLE
    Dead,             // EXIT_DEAD: switched away from for the last time; freed by the next task
};

const char* task_state_name(TaskState);

inline constexpr size_t KERNEL_STACK_ORDER = 2;  // 16 KiB, as Linux's THREAD_SIZE on x86-64
inline constexpr size_t KERNEL_STACK_SIZE = PAGE_SIZE << KERNEL_STACK_ORDER;
inline constexpr uint64_t STACK_END_MAGIC = 0x57AC6E9D;  // Linux's, at the lowest stack word

struct Task {
    arch::ThreadContext m_context;
    TaskState m_state{TaskState::Running};
    // True from wake-up until the task blocks: queued, or running on a CPU (Linux's on_rq).
    bool m_on_rq{false};
    bool m_is_idle{false};
    uint32_t m_timeslice{0};
    int m_tid{0};
    char m_comm[16]{};  // TASK_COMM_LEN
    PhysAddr m_stack_phys{0};
    uint64_t* m_stack_base{nullptr};  // lowest address; holds STACK_END_MAGIC
    IntrusiveListNode m_run_node;     // run queue; guarded by the run-queue lock
    IntrusiveListNode m_all_node;     // the list of all tasks; guarded by g_tasklist_lock
    IntrusiveListNode m_timer_node;   // sleepers ordered by wake-up time; guarded by the timer lock
    uint64_t m_wake_at_ns{0};

    // CPU time, accounted at every context switch (CLOCK_THREAD_CPUTIME_ID, times()).
    uint64_t m_runtime_ns{0};
    uint64_t m_last_switch_ns{0};

    // Set by set_tid_address / CLONE_CHILD_CLEARTID; set_robust_list's registration.
    uint64_t m_clear_child_tid{0};
    uint64_t m_robust_list_head{0};

    // Shared per-task state: null for kernel threads (they borrow the kernel's page tables and
    // have no descriptors), set for user tasks. Each CLONE_* flag will decide "share or copy".
    RefPtr<MmStruct> m_mm;
    RefPtr<FilesStruct> m_files;
    RefPtr<FsStruct> m_fs;

    uint64_t stack_top() const { return reinterpret_cast<uint64_t>(m_stack_base) + KERNEL_STACK_SIZE; }
    bool stack_intact() const { return !m_stack_base || *m_stack_base == STACK_END_MAGIC; }
};

}  // namespace kernel
