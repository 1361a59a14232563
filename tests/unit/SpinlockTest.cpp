// Hosted tests for lib/Spinlock.h. The host fake of the arch contract models "interrupts
// enabled" as a per-thread flag, so irq save/restore is observable through
// arch::irqs_enabled(); mutual exclusion is tested with real threads.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "lib/Spinlock.h"

using namespace kernel;

namespace {

// Each test starts from "interrupts on" regardless of what an earlier test left behind.
class SpinlockTest : public ::testing::Test {
protected:
    void SetUp() override { arch::irq_restore(1); }
    void TearDown() override { EXPECT_TRUE(arch::irqs_enabled()) << "test leaked an irq-off state"; }
};

}  // namespace

TEST_F(SpinlockTest, LockDisablesAndUnlockRestoresIrqs) {
    Spinlock lock;
    EXPECT_FALSE(lock.is_locked());
    ASSERT_TRUE(arch::irqs_enabled());
    auto flags = lock.lock();
    EXPECT_TRUE(lock.is_locked());
    EXPECT_TRUE(lock.is_locked_by_current_cpu());
    EXPECT_FALSE(arch::irqs_enabled());
    lock.unlock(flags);
    EXPECT_FALSE(lock.is_locked());
    EXPECT_FALSE(lock.is_locked_by_current_cpu());
    EXPECT_TRUE(arch::irqs_enabled());
}

TEST_F(SpinlockTest, UnlockKeepsIrqsOffIfTheyWereOff) {
    Spinlock lock;
    auto outer = arch::irq_save();
    ASSERT_FALSE(arch::irqs_enabled());
    auto flags = lock.lock();
    EXPECT_FALSE(arch::irqs_enabled());
    lock.unlock(flags);
    // Taking the lock with interrupts already off must not turn them on when it is released.
    EXPECT_FALSE(arch::irqs_enabled());
    arch::irq_restore(outer);
    EXPECT_TRUE(arch::irqs_enabled());
}

TEST_F(SpinlockTest, NestingRestoresInReverseOrder) {
    Spinlock a, b, c;
    auto fa = a.lock();
    auto fb = b.lock();
    auto fc = c.lock();
    EXPECT_FALSE(arch::irqs_enabled());
    c.unlock(fc);
    EXPECT_FALSE(arch::irqs_enabled());
    b.unlock(fb);
    EXPECT_FALSE(arch::irqs_enabled());
    EXPECT_TRUE(a.is_locked());
    a.unlock(fa);
    EXPECT_TRUE(arch::irqs_enabled());
}

TEST_F(SpinlockTest, GuardNesting) {
    Spinlock a, b;
    {
        SpinlockGuard ga(a);
        EXPECT_FALSE(arch::irqs_enabled());
        {
            SpinlockGuard gb(b);
            EXPECT_TRUE(a.is_locked());
            EXPECT_TRUE(b.is_locked());
            b.assert_held();
        }
        EXPECT_FALSE(b.is_locked());
        EXPECT_FALSE(arch::irqs_enabled());
        a.assert_held();
    }
    EXPECT_FALSE(a.is_locked());
    EXPECT_TRUE(arch::irqs_enabled());
}

TEST_F(SpinlockTest, AssertHeldPassesWhileHeld) {
    Spinlock lock;
    auto flags = lock.lock();
    lock.assert_held();
    lock.unlock(flags);
}

TEST_F(SpinlockTest, ConstexprConstructible) {
    // Global locks must not need a constructor to run (no .init_array dependence).
    static constinit Spinlock global_lock;
    auto flags = global_lock.lock();
    global_lock.unlock(flags);
}

TEST_F(SpinlockTest, ProtectedWithRunsUnderLock) {
    SpinlockProtected<int> value(5);
    EXPECT_FALSE(value.lock().is_locked());
    int seen = value.with([&](int& v) {
        EXPECT_TRUE(value.lock().is_locked());
        EXPECT_FALSE(arch::irqs_enabled());
        value.lock().assert_held();
        v += 1;
        return v;
    });
    EXPECT_EQ(seen, 6);
    EXPECT_FALSE(value.lock().is_locked());
    EXPECT_TRUE(arch::irqs_enabled());
    EXPECT_EQ(value.with([](int& v) { return v; }), 6);
}

TEST_F(SpinlockTest, ProtectedWithVoidAndReference) {
    struct Pair {
        int a{0};
        int b{0};
    };
    SpinlockProtected<Pair> pair;
    pair.with([](Pair& p) {
        p.a = 1;
        p.b = 2;
    });
    // decltype(auto): a callback returning a reference returns that reference.
    int& a_ref = pair.with([](Pair& p) -> int& { return p.a; });
    EXPECT_EQ(&a_ref, &pair.with([](Pair& p) -> int& { return p.a; }));
    const auto& cpair = pair;
    EXPECT_EQ(cpair.with([](const Pair& p) { return p.a + p.b; }), 3);
}

TEST_F(SpinlockTest, ProtectedConstWithLocks) {
    const SpinlockProtected<int> value(3);
    value.with([&](const int& v) {
        EXPECT_EQ(v, 3);
        EXPECT_TRUE(value.lock().is_locked());
        EXPECT_FALSE(arch::irqs_enabled());
    });
    EXPECT_FALSE(value.lock().is_locked());
}

TEST_F(SpinlockTest, IrqFlagIsPerThread) {
    Spinlock lock;
    auto flags = lock.lock();
    bool other_thread_irqs = false;
    std::thread t([&] { other_thread_irqs = arch::irqs_enabled(); });
    t.join();
    EXPECT_TRUE(other_thread_irqs);
    lock.unlock(flags);
}

TEST_F(SpinlockTest, MutualExclusionAcrossThreads) {
    // The counter is updated by a non-atomic read-modify-write split in two steps (volatile, so
    // the compiler keeps both): without mutual exclusion the threads would lose updates.
    // `inside` counts the threads in the critical section at once; it must never exceed one.
    constexpr int threads = 4;
    constexpr int iterations = 20000;
    Spinlock lock;
    volatile long counter = 0;
    int max_inside = 0;
    std::atomic<int> inside{0};

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < iterations; ++i) {
                auto flags = lock.lock();
                EXPECT_FALSE(arch::irqs_enabled());
                int now = inside.fetch_add(1, std::memory_order_relaxed) + 1;
                if (now > max_inside)
                    max_inside = now;
                long v = counter;
                if (i % 1024 == 0)
                    std::this_thread::yield();  // widen the window a race would need
                counter = v + 1;
                inside.fetch_sub(1, std::memory_order_relaxed);
                lock.unlock(flags);
                EXPECT_TRUE(arch::irqs_enabled());
            }
        });
    }
    for (auto& w : workers)
        w.join();
    EXPECT_EQ(counter, long(threads) * iterations);
    EXPECT_EQ(max_inside, 1);
    EXPECT_FALSE(lock.is_locked());
}

TEST_F(SpinlockTest, ProtectedAcrossThreads) {
    constexpr int threads = 4;
    constexpr int iterations = 20000;
    struct Counters {
        long a{0};
        long b{0};
    };
    SpinlockProtected<Counters> counters;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < iterations; ++i) {
                counters.with([](Counters& c) {
                    // The invariant a == b holds whenever the lock is free.
                    EXPECT_EQ(c.a, c.b);
                    ++c.a;
                    ++c.b;
                });
            }
        });
    }
    for (auto& w : workers)
        w.join();
    counters.with([&](Counters& c) {
        EXPECT_EQ(c.a, long(threads) * iterations);
        EXPECT_EQ(c.b, c.a);
    });
}

TEST(SpinlockDeathTest, AssertHeldPanicsWhenNotHeld) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    Spinlock lock;
    EXPECT_DEATH(lock.assert_held(), "PANIC");
}

TEST(SpinlockDeathTest, UnlockOfUnlockedPanics) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    Spinlock lock;
    EXPECT_DEATH(lock.unlock(1), "PANIC");
}
