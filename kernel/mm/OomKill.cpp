#include "mm/OomKill.h"

#include <arch/Time.h>

#include "lib/Printk.h"
#include "mm/AddressSpace.h"
#include "mm/PageAllocator.h"
#include "task/Cred.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {

constexpr uint64_t OOM_WAIT_NS = 4'000'000;  // a tick: the victim gets the CPU meanwhile
// Fewer free pages than a fault can need (the page and its tables) and a margin: memory has
// run out. More, and the failure was passing (another task freed meanwhile) or injected
// (fail-nth, which Linux's allocator honours without invoking the OOM killer).
constexpr size_t OOM_FREE_PAGES = 32;

// Linux's oom_badness without swap entries or oom_score_adj: the resident pages.
uint64_t oom_badness(const Task& task) { return task.m_mm ? task.m_mm->rss() : 0; }

// Linux's oom_unkillable_task and the checks of oom_evaluate_task.
bool oom_unkillable(const Task& task) { return !task.m_mm || !task.m_signal || is_global_init(task); }

uint64_t total_vm_pages(const MmStruct& mm) {
    uint64_t pages = 0;
    mm.for_each_vma([&](const Vma& vma) { pages += (vma.m_end - vma.m_start) / PAGE_SIZE; });
    return pages;
}

// Linux's __oom_kill_process: the report, then SIGKILL to the victim's thread group and to
// every other process using the same memory (CLONE_VM without CLONE_THREAD), global init aside.
void oom_kill_process(Task& victim) {
    MmStruct& mm = *victim.m_mm;
    mm.mark_oom_victim();
    auto kb = [](uint64_t pages) { return pages * (PAGE_SIZE / 1024); };
    printk("sprout: Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB, "
           "UID:{} oom_score_adj:0\n",
           victim.m_tgid, victim.m_comm, kb(total_vm_pages(mm)), kb(mm.rss_counter(MmCounter::AnonPages)),
           kb(mm.rss_counter(MmCounter::FilePages)), kb(mm.rss_counter(MmCounter::ShmemPages)),
           victim.m_cred ? victim.m_cred->uid : 0);
    siginfo_t info = make_kernel_info(SIGKILL);
    (void)send_signal_to_group(victim, SIGKILL, info);
    for_each_process([&](Task& other) {
        if (&other != &victim && other.m_mm.ptr() == &mm && !is_global_init(other))
            (void)send_signal_to_group(other, SIGKILL, info);
        return false;
    });
}

}  // namespace

OomOutcome out_of_memory() {
    Task* self = current();
    // Linux's task_will_free_mem(current): a task already dying gives its memory back soon.
    if (fatal_signal_pending(*self))
        return OomOutcome::Retry;
    if (page_allocator().free_pages() >= OOM_FREE_PAGES)
        return OomOutcome::Retry;
    if (MmStruct::oom_victims_alive() == 0) {
        SpinlockGuard guard(tasklist_lock());
        Task* chosen = nullptr;
        uint64_t chosen_points = 0;
        for_each_process([&](Task& task) {
            if (oom_unkillable(task))
                return false;
            uint64_t points = oom_badness(task);
            if (!chosen || points > chosen_points) {
                chosen = &task;
                chosen_points = points;
            }
            return false;
        });
        if (!chosen)
            return OomOutcome::NoVictim;
        oom_kill_process(*chosen);
        if (chosen->m_signal == self->m_signal)
            return OomOutcome::Retry;
    }
    // Someone else's memory is on its way back: let the victim run to its exit.
    sleep_interruptible_until(arch::monotonic_ns() + OOM_WAIT_NS, [] { return MmStruct::oom_victims_alive() == 0; });
    return OomOutcome::Retry;
}

}  // namespace kernel
