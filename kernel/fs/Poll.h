#pragma once
// What poll(2), select(2) and their kin ask of an open file (Linux's include/linux/poll.h).
//
// A file's poll() (File::poll) answers with the events that are ready now — POLLIN, POLLOUT,
// POLLHUP... as poll(2) spells them — and, when given a table, first puts the poller on each
// wait queue whose wake-up could change that answer (poll_wait). Registering before testing is
// what makes the racy test safe: a change after the test wakes the poller, which then asks
// again. syscalls/PollSyscalls.cpp owns the table (Linux's poll_wqueues) and the sleeping.
#include <asm-generic/poll.h>

namespace kernel {

class File;
class WaitQueue;

class PollTable {
public:
    // Linux's __pollwait: keep `file` alive and sleep on `queue` until the poll call ends.
    virtual void queue(File& file, WaitQueue& queue) = 0;
    // For a source whose changes wake nobody: the poller sleeps a tick at most before asking
    // again.
    virtual void poll_again_soon() = 0;

protected:
    ~PollTable() = default;
};

// Linux's poll_wait: registration happens on the first pass only; later passes give no table.
inline void poll_wait(File& file, WaitQueue& queue, PollTable* table) {
    if (table)
        table->queue(file, queue);
}

// What a file without a poll operation reports: always ready both ways (Linux's vfs_poll).
inline constexpr unsigned DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

}  // namespace kernel
