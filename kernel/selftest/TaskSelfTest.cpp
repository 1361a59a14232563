// Kernel threads, the scheduler, wait queues and the tick.
#include <arch/Cpu.h>
#include <arch/Time.h>

#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "selftest/SelfTest.h"
#include "task/Scheduler.h"
#include "task/WaitQueue.h"

namespace kernel {

namespace {

// Waits (yielding) until every task but the ones counted in `expected` is gone: exited tasks
// are freed by whoever runs after them, so this may take a few switches.
bool wait_for_task_count(size_t expected) {
    uint64_t deadline = arch::monotonic_ns() + 5'000'000'000ull;
    while (nr_tasks() != expected) {
        if (arch::monotonic_ns() > deadline)
            return false;
        yield();
    }
    return true;
}

struct ThreadBatch {
    std::atomic<size_t> ran{0};
    std::atomic<size_t> remaining{0};
    Completion all_done;
};

void counting_thread(void* arg) {
    auto* batch = static_cast<ThreadBatch*>(arg);
    batch->ran.fetch_add(1);
    if (batch->remaining.fetch_sub(1) == 1)
        batch->all_done.complete();
}

}  // namespace

void selftest_threads(SelfTestContext& ctx) {
    constexpr size_t TOTAL = 10000;
    constexpr size_t BATCH = 500;  // live at once: keeps peak memory modest on 128 MiB guests
    size_t tasks_before = nr_tasks();
    size_t pages_before = page_allocator().free_pages();
    HeapStats heap_before = heap_stats();
    uint64_t switches_before = nr_context_switches();
    uint64_t start = arch::monotonic_ns();

    size_t created = 0;
    ThreadBatch batch;
    while (created < TOTAL) {
        batch.remaining.store(BATCH);
        batch.all_done.reinit();
        for (size_t i = 0; i < BATCH; ++i) {
            auto task = kthread_run(counting_thread, &batch, "selftest");
            ST_CHECK(ctx, !task.is_error());
            if (task.is_error())
                return;
        }
        created += BATCH;
        batch.all_done.wait_for_completion();
    }
    ST_CHECK(ctx, wait_for_task_count(tasks_before));
    uint64_t elapsed = arch::monotonic_ns() - start;
    ST_CHECK_EQ(ctx, batch.ran.load(), TOTAL);
    ST_CHECK_EQ(ctx, nr_tasks(), tasks_before);
    ST_CHECK_EQ(ctx, page_allocator().free_pages(), pages_before);
    ST_CHECK(ctx, heap_stats() == heap_before);
    printk("  {} threads created, run and reaped in {} ms ({} context switches); nothing left behind\n", TOTAL,
           elapsed / 1000000, nr_context_switches() - switches_before);
}

namespace {

struct SpinState {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> progress[2]{};
    std::atomic<int> finished{0};
};

struct Spinner {
    SpinState* state;
    int index;
};

// Never yields: only preemption by the timer lets anybody else run.
void spinning_thread(void* arg) {
    auto* s = static_cast<Spinner*>(arg);
    while (!s->state->stop.load())
        s->state->progress[s->index].fetch_add(1);
    s->state->finished.fetch_add(1);
}

}  // namespace

void selftest_preempt(SelfTestContext& ctx) {
    SpinState state;
    Spinner spinners[2] = {{&state, 0}, {&state, 1}};
    size_t tasks_before = nr_tasks();
    for (auto& s : spinners)
        ST_CHECK(ctx, !kthread_run(spinning_thread, &s, "spinner").is_error());
    // We (the test thread) are one of three runnable tasks: sleep on the tick by spinning on
    // jiffies; we only get the CPU back through round robin.
    uint64_t until = jiffies() + 40;
    while (jiffies() < until)
        arch::cpu_relax();
    uint64_t a = state.progress[0].load(), b = state.progress[1].load();
    state.stop.store(true);
    while (state.finished.load() != 2)
        yield();
    ST_CHECK(ctx, wait_for_task_count(tasks_before));
    printk("  two busy threads progressed {} and {} iterations while the test thread also ran\n", a, b);
    ST_CHECK(ctx, a > 0 && b > 0);
}

namespace {

struct PingPong {
    WaitQueue queue;
    std::atomic<int> turn{0};  // 0: ping's turn, 1: pong's
    std::atomic<int> rounds{0};
    Completion done;
};

void pong_thread(void* arg) {
    auto* p = static_cast<PingPong*>(arg);
    for (int i = 0; i < 1000; ++i) {
        p->queue.wait_event([&] { return p->turn.load() == 1; });
        p->rounds.fetch_add(1);
        p->turn.store(0);
        p->queue.wake_all();
    }
    p->done.complete();
}

}  // namespace

void selftest_waitqueue(SelfTestContext& ctx) {
    PingPong p;
    size_t tasks_before = nr_tasks();
    ST_CHECK(ctx, !kthread_run(pong_thread, &p, "pong").is_error());
    for (int i = 0; i < 1000; ++i) {
        p.turn.store(1);
        p.queue.wake_all();
        p.queue.wait_event([&] { return p.turn.load() == 0; });
    }
    p.done.wait_for_completion();
    ST_CHECK_EQ(ctx, p.rounds.load(), 1000);
    ST_CHECK(ctx, !p.queue.has_waiters());
    ST_CHECK(ctx, wait_for_task_count(tasks_before));

    // complete() before wait_for_completion() must not be lost; complete_all() releases all.
    Completion c;
    c.complete();
    c.wait_for_completion();
    ST_CHECK(ctx, !c.is_done());
    c.complete_all();
    c.wait_for_completion();
    c.wait_for_completion();
    ST_CHECK(ctx, c.is_done());
}

void selftest_tick(SelfTestContext& ctx) {
    ST_CHECK(ctx, arch::irqs_enabled());
    uint64_t j0 = jiffies();
    uint64_t t0 = arch::monotonic_ns();
    // Sleep in hlt until 100 ms of monotonic time pass; the tick must wake us meanwhile.
    uint64_t last = t0;
    while (arch::monotonic_ns() - t0 < 100'000'000ull) {
        uint64_t now = arch::monotonic_ns();
        ST_CHECK(ctx, now >= last);
        last = now;
        asm volatile("hlt");
    }
    uint64_t ticks = jiffies() - j0;
    uint64_t elapsed_ms = (arch::monotonic_ns() - t0) / 1000000;
    printk("  {} ticks in {} ms of monotonic time\n", ticks, elapsed_ms);
    // HZ=250: 25 ticks expected; TCG is not a precise clock, so allow a wide margin.
    ST_CHECK(ctx, ticks >= 12 && ticks <= 50);
}

}  // namespace kernel
