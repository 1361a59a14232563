#include "task/WaitQueue.h"

#include "task/Signal.h"

namespace kernel {

void WaitQueue::add(WaitQueueEntry& entry) {
    SpinlockGuard guard(m_lock);
    m_waiters.push_back(entry);
}

void WaitQueue::remove(WaitQueueEntry& entry) {
    SpinlockGuard guard(m_lock);
    m_waiters.remove(entry);
}

bool WaitQueue::has_waiters() {
    SpinlockGuard guard(m_lock);
    return !m_waiters.is_empty();
}

size_t WaitQueue::wake_up(size_t count) {
    SpinlockGuard guard(m_lock);
    size_t woken = 0;
    for (auto& entry : m_waiters) {
        // A waiter stays queued until it removes itself, so a waiter already made runnable
        // by an earlier wake-up does not count twice.
        if (wake_up_process(entry.task))
            ++woken;
        if (count && woken >= count)
            break;
    }
    return woken;
}

void Completion::complete() {
    uint32_t done = m_done.load();
    while (done != DONE_ALL && !m_done.compare_exchange_weak(done, done + 1)) {
    }
    m_wait.wake_one();
}

void Completion::complete_all() {
    m_done.store(DONE_ALL);
    m_wait.wake_all();
}

void Completion::wait_for_completion() {
    for (;;) {
        uint32_t done = m_done.load();
        if (done == DONE_ALL)
            return;
        if (done > 0) {
            if (m_done.compare_exchange_weak(done, done - 1))
                return;
            continue;
        }
        m_wait.wait_event([&] { return m_done.load() != 0; });
    }
}

bool Completion::wait_for_completion_killable() {
    // Sprout has no TASK_KILLABLE: the sleep is interruptible, and a signal that is not fatal
    // only makes the loop go round again.
    WaitQueueEntry entry{current(), {}};
    m_wait.add(entry);
    bool done = false;
    for (;;) {
        set_current_state(TaskState::Interruptible);
        uint32_t value = m_done.load();
        if (value == DONE_ALL) {
            done = true;
            break;
        }
        if (value > 0) {
            if (m_done.compare_exchange_weak(value, value - 1)) {
                done = true;
                break;
            }
            continue;
        }
        if (fatal_signal_pending(*current()))
            break;
        schedule();
    }
    set_current_state(TaskState::Running);
    m_wait.remove(entry);
    return done;
}

bool Completion::is_done() { return m_done.load() != 0; }
void Completion::reinit() { m_done.store(0); }

}  // namespace kernel
