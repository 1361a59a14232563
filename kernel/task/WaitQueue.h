#pragma once
// Wait queues and completions (Linux's wait_queue_head_t and struct completion).
//
// The sleeping protocol, as in Linux: enqueue yourself, set your state, *then* test the
// condition, and only sleep if it is still false. A waker changes the condition first and then
// wakes the queue. Whatever the interleaving, either the sleeper sees the new condition or the
// waker sees the sleeper on the queue and makes it runnable.
#include "lib/IntrusiveList.h"
#include "lib/Spinlock.h"
#include "task/Scheduler.h"

namespace kernel {

struct WaitQueueEntry {
    Task* task;
    IntrusiveListNode node;
};

class WaitQueue {
public:
    WaitQueue() = default;
    // A queue must not die with sleepers on it: they would wake through a dangling entry.
    ~WaitQueue() { m_waiters.assert_empty(); }
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    void add(WaitQueueEntry& entry);
    void remove(WaitQueueEntry& entry);
    // Wake up to `count` waiters (0 = all) in FIFO order; returns how many were woken.
    size_t wake_up(size_t count = 0);
    size_t wake_one() { return wake_up(1); }
    size_t wake_all() { return wake_up(0); }
    bool has_waiters();

    // Sleeps (uninterruptibly) until `condition()` is true.
    template <typename Condition>
    void wait_event(Condition condition) {
        if (condition())
            return;
        WaitQueueEntry entry{current(), {}};
        add(entry);
        for (;;) {
            set_current_state(TaskState::Uninterruptible);
            if (condition())
                break;
            schedule();
        }
        set_current_state(TaskState::Running);
        remove(entry);
    }

private:
    Spinlock m_lock;
    IntrusiveList<WaitQueueEntry, &WaitQueueEntry::node> m_waiters;
};

// A one-shot (or counted) event: the seed's vfork parent waits on one until the child execs
// or exits.
class Completion {
public:
    void complete();      // releases one waiter (or the next one to wait)
    void complete_all();  // releases everyone, now and later
    void wait_for_completion();
    // Linux's wait_for_completion_killable: also ends when a fatal signal (SIGKILL, a group
    // exit) is pending; true when the completion came, false when killed.
    [[nodiscard]] bool wait_for_completion_killable();
    bool is_done();
    void reinit();

private:
    static constexpr uint32_t DONE_ALL = ~0u;
    // `m_done` is read and written under the wait queue's own ordering: the waker updates it
    // before waking, the waiter re-checks it after setting its state.
    std::atomic<uint32_t> m_done{0};
    WaitQueue m_wait;
};

}  // namespace kernel
