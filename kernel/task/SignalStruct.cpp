// Creating and copying the shared signal objects (Linux's copy_sighand, copy_signal). The
// delivery side is task/Signal.cpp.
#include <linux/resource.h>

#include "lib/OwnPtr.h"
#include "mm/PageAllocator.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "task/Task.h"

namespace kernel {

ErrorOr<NonnullRefPtr<SighandStruct>> SighandStruct::create() { return try_make_ref_counted<SighandStruct>(); }

ErrorOr<NonnullRefPtr<SighandStruct>> SighandStruct::copy() const {
    auto copy = TRY(create());
    SpinlockGuard guard(siglock);
    for (int i = 0; i < NSIG_COUNT; ++i)
        copy->action[i] = action[i];
    return copy;
}

SignalStruct::~SignalStruct() { flush_sigqueue(shared_pending); }

ErrorOr<NonnullRefPtr<SignalStruct>> SignalStruct::create_for_init() {
    auto signal = TRY(try_make_ref_counted<SignalStruct>());
    constexpr uint64_t INF = ~uint64_t(0);
    for (auto& r : signal->rlim)
        r = {INF, INF};
    // INIT_RLIMITS of Linux 6.1 (include/asm-generic/resource.h).
    signal->rlim[RLIMIT_STACK] = {8 << 20, INF};
    signal->rlim[RLIMIT_CORE] = {0, INF};
    signal->rlim[RLIMIT_NOFILE] = {1024, 4096};
    signal->rlim[RLIMIT_MEMLOCK] = {8 << 20, 8 << 20};
    signal->rlim[RLIMIT_MSGQUEUE] = {819200, 819200};
    signal->rlim[RLIMIT_NICE] = {0, 0};
    signal->rlim[RLIMIT_RTPRIO] = {0, 0};
    // fork_init: max_threads from memory (an eighth of RAM in kernel stacks), and NPROC and
    // SIGPENDING at half of it.
    uint64_t max = max_threads();
    signal->rlim[RLIMIT_NPROC] = {max / 2, max / 2};
    signal->rlim[RLIMIT_SIGPENDING] = {max / 2, max / 2};
    return signal;
}

ErrorOr<NonnullRefPtr<SignalStruct>> SignalStruct::copy_for_fork() const {
    auto signal = TRY(try_make_ref_counted<SignalStruct>());
    for (int i = 0; i < RLIMIT_COUNT; ++i)
        signal->rlim[i] = rlim[i];
    signal->pgrp = pgrp;
    signal->session = session;
    signal->tty = tty;
    // A subreaper's descendants look for it when orphaned (Linux's has_child_subreaper).
    signal->has_child_subreaper = has_child_subreaper || is_child_subreaper;
    return signal;
}

namespace {
// Set through /proc/sys/kernel/threads-max; 0 until then (the value from memory).
constinit std::atomic<uint64_t> g_max_threads_set{0};
}  // namespace

void set_max_threads(uint64_t value) { g_max_threads_set.store(value, std::memory_order_relaxed); }

uint64_t max_threads() {
    if (uint64_t set = g_max_threads_set.load(std::memory_order_relaxed))
        return set;
    // Linux's set_max_threads: totalram_pages / (8 * THREAD_SIZE / PAGE_SIZE), within
    // [MIN_THREADS = 20, MAX_THREADS = FUTEX_TID_MASK].
    uint64_t threads = page_allocator().total_pages() / (8 * (KERNEL_STACK_SIZE / PAGE_SIZE));
    if (threads < 20)
        threads = 20;
    if (threads > 0x3fffffff)
        threads = 0x3fffffff;
    return threads;
}

}  // namespace kernel
