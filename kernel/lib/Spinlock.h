#pragma once
// IRQ-safe spinlocks. Taking a Spinlock disables interrupts on this CPU and restores the
// previous state on release, so a lock shared with an interrupt handler cannot deadlock
// against it (Linux's spin_lock_irqsave). We never rely on "interrupts off means exclusive":
// other CPUs exist, or will.
#include <arch/Cpu.h>

#include "lib/Assert.h"
#include "lib/kstd.h"

namespace kernel {

class Spinlock {
public:
    constexpr Spinlock() = default;
    Spinlock(const Spinlock&) = delete;
    Spinlock& operator=(const Spinlock&) = delete;

    [[nodiscard]] arch::IrqFlags lock() {
        arch::IrqFlags flags = arch::irq_save();
        lock_no_irq();
        return flags;
    }
    void unlock(arch::IrqFlags flags) {
        unlock_no_irq();
        arch::irq_restore(flags);
    }
    // For the scheduler only: the run-queue lock is taken in schedule() and released by the
    // next task in finish_task_switch(), so interrupt state is handled by the caller.
    void lock_no_irq() {
        // Taking a lock this CPU already holds would spin forever: make it a panic instead.
        VERIFY(!is_locked_by_current_cpu());
        while (m_locked.exchange(true, std::memory_order_acquire)) {
            while (m_locked.load(std::memory_order_relaxed))
                arch::cpu_relax();
        }
        m_owner_cpu = arch::current_cpu_id();
    }
    void unlock_no_irq() {
        VERIFY(is_locked());
        m_owner_cpu = -1;
        m_locked.store(false, std::memory_order_release);
    }
    bool is_locked() const { return m_locked.load(std::memory_order_relaxed); }
    bool is_locked_by_current_cpu() const { return is_locked() && m_owner_cpu == arch::current_cpu_id(); }
    void assert_held() const { VERIFY(is_locked_by_current_cpu()); }

private:
    std::atomic<bool> m_locked{false};
    int m_owner_cpu{-1};
};

class [[nodiscard]] SpinlockGuard {
public:
    explicit SpinlockGuard(Spinlock& lock) : m_lock(lock), m_flags(lock.lock()) {}
    ~SpinlockGuard() { m_lock.unlock(m_flags); }
    SpinlockGuard(const SpinlockGuard&) = delete;
    SpinlockGuard& operator=(const SpinlockGuard&) = delete;

private:
    Spinlock& m_lock;
    arch::IrqFlags m_flags;
};

// A value that may only be touched with its lock held: the type says what the lock protects
// (Serenity's SpinlockProtected). `with` runs the callback under the lock.
template <typename T>
class SpinlockProtected {
public:
    template <typename... Args>
    constexpr explicit SpinlockProtected(Args&&... args) : m_value(std::forward<Args>(args)...) {}

    template <typename F>
    decltype(auto) with(F&& callback) {
        SpinlockGuard guard(m_lock);
        return callback(m_value);
    }
    template <typename F>
    decltype(auto) with(F&& callback) const {
        SpinlockGuard guard(m_lock);
        return callback(m_value);
    }
    Spinlock& lock() const { return m_lock; }

private:
    mutable Spinlock m_lock;
    T m_value;
};

}  // namespace kernel
