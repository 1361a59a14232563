// The fork path's failure unwinding, proven (issue 4's fail_nth sweep): for N = 1, 2, ... the
// Nth allocation inside copy_process fails; each time fork must return ENOMEM and leave free
// pages, heap and slab objects, pids and tasks exactly at their baseline. The sweep ends at
// the first N that no longer fails, which means every allocation point was covered.
#include <arch/Memory.h>
#include <asm-generic/mman-common.h>
#include <asm/mman.h>
#include <linux/sched.h>

#include "fs/FilesStruct.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"
#include "selftest/SelfTest.h"
#include "task/Cred.h"
#include "task/Fork.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"

namespace kernel {

namespace {

struct Counters {
    size_t free_pages;
    HeapStats heap;
    size_t slab_objects;
    size_t pids;
    size_t tasks;
    bool operator==(const Counters&) const = default;
};

Counters counters() {
    size_t slab_objects = 0;
    for_each_slab_cache([&](const SlabCache& cache) { slab_objects += cache.objects_in_use(); });
    return {page_allocator().free_pages(), heap_stats(), slab_objects, nr_pids_allocated(), nr_tasks()};
}

// Gives the test thread what a user process has, so it can be a parent: an address space
// with touched private and shared memory (so copy_mm has pages to share), descriptors, the
// signal objects, credentials.
ErrorOr<void> become_user_parent(Task& self) {
    self.m_mm = TRY(MmStruct::create());
    activate_mm(self.m_mm.ptr());
    VirtAddr a = TRY(self.m_mm->do_mmap(nullptr, 0x10000000, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0));
    VirtAddr b = TRY(self.m_mm->do_mmap(nullptr, 0x20000000, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
                                         MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 0));
    for (VirtAddr p = a; p < a + 64 * PAGE_SIZE; p += PAGE_SIZE)
        TRY(copy_to_user(p, &p, sizeof(p)));
    for (VirtAddr p = b; p < b + 8 * PAGE_SIZE; p += PAGE_SIZE)
        TRY(copy_to_user(p, &p, sizeof(p)));
    self.m_files = TRY(FilesStruct::create());
    self.m_sighand = TRY(SighandStruct::create());
    self.m_signal = TRY(SignalStruct::create_for_init());
    self.m_cred = TRY(Cred::create_root());
    self.m_nsproxy = TRY(NsProxy::create_initial());
    self.m_tgid = self.m_tid;
    self.m_group_leader = &self;
    self.m_signal->thread_head.push_back(self);
    if (!arch::prepare_user_state(self.m_context))
        return Error::from_errno(ENOMEM);
    return {};
}

void stop_being_user_parent(Task& self) {
    arch::release_thread_state(self.m_context);
    exit_mm(&self);
    self.m_files = nullptr;
    self.m_sighand = nullptr;
    self.m_thread_node.unlink();
    self.m_signal = nullptr;
    self.m_cred = nullptr;
    self.m_nsproxy = nullptr;
    self.m_group_leader = nullptr;
}

void sweep(SelfTestContext& ctx, const char* what, uint64_t flags) {
    KernelCloneArgs args;
    args.flags = flags;
    args.exit_signal = SIGCHLD;
    Counters baseline = counters();
    unsigned n = 1;
    for (; n < 1000; ++n) {
        set_fork_fail_nth(n);
        auto child = copy_process_for_test(args);
        if (!child.is_error()) {
            // Past the last allocation point: a real child. Undo it, then the counters must be
            // back too.
            discard_unstarted_child(child.value());
            ST_CHECK(ctx, counters() == baseline);
            break;
        }
        if (child.error().code() != ENOMEM) {
            printk("  {}: fail_nth={} gave errno {} instead of ENOMEM\n", what, n, child.error().code());
            ctx.fail(__FILE__, __LINE__, "errno");
        }
        Counters now = counters();
        if (!(now == baseline)) {
            printk("  {}: fail_nth={} leaked: pages {} -> {}, heap objects {} -> {}, slab objects {} -> {}, pids {} -> {}, "
                   "tasks {} -> {}\n",
                   what, n, baseline.free_pages, now.free_pages, baseline.heap.objects_in_use, now.heap.objects_in_use,
                   baseline.slab_objects, now.slab_objects, baseline.pids, now.pids, baseline.tasks, now.tasks);
            ctx.fail(__FILE__, __LINE__, "counters back to baseline");
        }
    }
    set_fork_fail_nth(0);
    printk("  {}: {} allocation points, each failure unwound exactly\n", what, n - 1);
    ST_CHECK(ctx, n > 1 && n < 1000);
}

}  // namespace

void selftest_fork_fail_nth(SelfTestContext& ctx) {
    Task& self = *current();
    Counters before = counters();
    auto prepared = become_user_parent(self);
    ST_CHECK(ctx, !prepared.is_error());
    if (prepared.is_error())
        return;
    sweep(ctx, "fork", 0);
    sweep(ctx, "vfork-like (CLONE_VM|CLONE_VFORK)", CLONE_VM | CLONE_VFORK);
    sweep(ctx, "thread-like (VM|FS|FILES|SIGHAND|THREAD)",
          CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM);
    stop_being_user_parent(self);
    ST_CHECK(ctx, counters() == before);
}

}  // namespace kernel
