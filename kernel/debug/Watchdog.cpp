// The hang watchdog, show_state and the invariant counters (debug/Watchdog.h).
#include "debug/Watchdog.h"

#include <arch/Time.h>

#include "arch/x86_64/Traps.h"
#include "fs/PageMap.h"
#include "lib/Printk.h"
#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"
#include "mm/Vma.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Scheduler.h"

namespace kernel {

namespace {

constexpr uint64_t HZ = 250;

constinit std::atomic<uint64_t> g_syscalls{0};
constinit std::atomic<unsigned> g_watchdog_seconds{0};
constinit std::atomic<uint64_t> g_beats{0};  // watchdog_beat() calls; once one came, only they count
// Tick-side state: only the timer interrupt touches it.
constinit uint64_t g_last_seen_syscalls = 0;
constinit uint64_t g_last_progress_jiffies = 0;
constinit bool g_reported = false;

const char* exit_state_name(Task::ExitState state) {
    switch (state) {
    case Task::ExitState::Alive:
        return "alive";
    case Task::ExitState::Zombie:
        return "zombie";
    case Task::ExitState::Dead:
        return "dead";
    }
    return "?";
}

}  // namespace

void note_syscall_progress() { g_syscalls.fetch_add(1, std::memory_order_relaxed); }

void watchdog_beat() { g_beats.fetch_add(1, std::memory_order_relaxed); }

void watchdog_set(unsigned seconds) {
    g_watchdog_seconds.store(seconds, std::memory_order_relaxed);
}

void show_state() {
    printk("show_state: {} tasks\n", nr_threads());
    for_each_task_unlocked(
        [](Task& task, bool running, void*) {
            printk("task {} ({}) tgid {}: {}, {}{}{}\n", task.m_tid, task.m_comm, task.m_tgid,
                   task_state_name(task.m_state), exit_state_name(task.m_exit_state),
                   task.m_on_rq ? ", on the run queue" : "", running ? ", running (the interrupted code above)" : "");
            if (running || !task.m_stack_base || !task.m_context.rsp)
                return;
            // What x86_switch_context left on the stack: r15, r14, r13, r12, rbx, rbp, return.
            auto* saved = reinterpret_cast<const uint64_t*>(task.m_context.rsp);
            uint64_t base = reinterpret_cast<uint64_t>(task.m_stack_base);
            if (task.m_context.rsp < base || task.m_context.rsp + 7 * 8 > task.stack_top())
                return;
            x86::print_backtrace(saved[6], saved[5]);
        },
        nullptr);
}

void watchdog_tick(uint64_t rip, uint64_t rbp, bool from_user) {
    unsigned seconds = g_watchdog_seconds.load(std::memory_order_relaxed);
    uint64_t now = jiffies();
    uint64_t beats = g_beats.load(std::memory_order_relaxed);
    uint64_t calls = beats ? beats : g_syscalls.load(std::memory_order_relaxed);
    if (!seconds || calls != g_last_seen_syscalls) {
        g_last_seen_syscalls = calls;
        g_last_progress_jiffies = now;
        g_reported = false;
        return;
    }
    if (g_reported || now - g_last_progress_jiffies < seconds * HZ)
        return;
    g_reported = true;
    printk("watchdog: no {} for {} s; the interrupted code ({} mode):\n",
           g_beats.load(std::memory_order_relaxed) ? "heartbeat" : "system call", seconds, from_user ? "user" : "kernel");
    if (!from_user)
        x86::print_backtrace(rip, rbp);
    show_state();
    printk("watchdog: end of report\n");
}

void format_invariant_counters(FormatSink& out) {
    format_to(out, "pages_free {}\n", page_allocator().free_pages());
    HeapStats heap = heap_stats();
    format_to(out, "kmalloc_objects {}\n", heap.objects_in_use);
    format_to(out, "kmalloc_large {}\n", heap.large_allocations);
    format_to(out, "kmalloc_pages {}\n", heap.pages_in_use);
    format_to(out, "page_cache_pages {}\n", PageMap::total_pages());
    format_to(out, "shared_memory_pages {}\n", SharedMemory::total_resident_pages());
    format_to(out, "tasks {}\n", nr_tasks());
    format_to(out, "pids {}\n", nr_pids_allocated());
    for_each_slab_cache([&](const SlabCache& cache) {
        format_to(out, "slab {} {} objects {} pages\n", cache.name(), cache.objects_in_use(), cache.pages_in_use());
    });
}

}  // namespace kernel
