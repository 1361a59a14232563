// poll(2), ppoll(2), select(2) and pselect6(2), after Linux 6.1's fs/select.c: the same order of
// checks, the same results on every edge (POLLNVAL, EBADF for select, fd_set sizes clipped to
// the descriptor table), the remaining time written back by select, ppoll and pselect6, and the
// signal rules: a handled signal makes them EINTR, one that runs no handler restarts them
// (poll through restart_syscall with its original deadline), and ppoll/pselect6's temporary
// mask stays in force until the handler has run, as sigsuspend's does.
//
// The waiting is Linux's poll_wqueues: a first pass asks each file's poll() with a table, which
// puts this task on every wait queue that matters (fs/Poll.h); the task then sleeps until one of
// them wakes it, the deadline passes or a signal comes, and asks again without a table. Each
// pass runs with the task already marked sleeping (sleep_interruptible_until's condition), so a
// wake-up between the pass and the sleep is never lost.
#include <asm-generic/poll.h>
#include <arch/Time.h>
#include <linux/resource.h>

#include "fs/FilesStruct.h"
#include "fs/KernelBuffer.h"
#include "fs/Poll.h"
#include "syscalls/Syscall.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "task/WaitQueue.h"

namespace kernel {

namespace {

constexpr uint64_t NSEC_PER_SEC = 1'000'000'000ull;
constexpr uint64_t NSEC_PER_USEC = 1'000ull;
constexpr uint64_t NSEC_PER_MSEC = 1'000'000ull;
constexpr int64_t USEC_PER_SEC = 1'000'000;
// How long a poller that watches the console sleeps before looking at the UART again: a tick.
constexpr uint64_t REPOLL_NS = NSEC_PER_SEC / 250;

// A poll deadline on the monotonic clock. "Do not wait" and "wait for ever" are the two ends:
// Linux's end_time of {0, 0} and its NULL.
constexpr uint64_t DONT_WAIT = 0;
constexpr uint64_t NO_TIMEOUT = ~uint64_t(0);

struct KernelTimespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};
struct KernelTimeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

// Linux's poll_select_set_timeout: a relative timeout as a deadline; EINVAL for a negative one
// or nanoseconds out of range. Zero means "do not wait".
ErrorOr<uint64_t> deadline_after(int64_t sec, int64_t nsec) {
    if (sec < 0 || nsec < 0 || uint64_t(nsec) >= NSEC_PER_SEC)
        return Error::from_errno(EINVAL);
    if (!sec && !nsec)
        return DONT_WAIT;
    uint64_t now = arch::monotonic_ns();
    // timespec64_add_safe: an overflow saturates, which is "for ever" in practice.
    if (uint64_t(sec) > (NO_TIMEOUT - 1 - now - uint64_t(nsec)) / NSEC_PER_SEC)
        return NO_TIMEOUT - 1;
    return now + uint64_t(sec) * NSEC_PER_SEC + uint64_t(nsec);
}

// ---- The wait table (Linux's poll_wqueues) --------------------------------------------------

class PollWaitTable final : public PollTable {
public:
    PollWaitTable() = default;
    // poll_freewait: off every queue, and the files it kept are released.
    ~PollWaitTable() {
        for (size_t i = 0; i < m_inline_used; ++i)
            m_inline[i].release();
        while (Chunk* chunk = m_chunks) {
            m_chunks = chunk->next;
            for (size_t i = 0; i < chunk->used; ++i)
                chunk->entries[i].release();
            delete chunk;
        }
    }
    PollWaitTable(const PollWaitTable&) = delete;
    PollWaitTable& operator=(const PollWaitTable&) = delete;

    void queue(File& file, WaitQueue& queue) override {
        Entry* entry = next_entry();
        if (!entry) {
            m_error = ENOMEM;  // the pass goes on; the call fails if nothing was ready
            return;
        }
        entry->file = &file;
        entry->queue = &queue;
        entry->wait.task = current();
        queue.add(entry->wait);
    }
    void poll_again_soon() override { m_poll_again_soon = true; }
    int error() const { return m_error; }

    // poll_schedule_timeout: sleeps until a registered queue wakes us and `ready()` (a new pass)
    // finds something, until `deadline`, or until a signal is pending. False when the deadline
    // passed without anything ready; true otherwise (the caller looks at the pass and at
    // signals). The task is marked sleeping before each pass, so no wake-up is missed.
    template <typename Ready>
    bool sleep(uint64_t deadline, Ready ready) {
        for (;;) {
            uint64_t until = deadline;
            if (m_poll_again_soon) {
                uint64_t soon = arch::monotonic_ns() + REPOLL_NS;
                if (soon < until)
                    until = soon;
            }
            bool found = false;
            bool not_interrupted = sleep_interruptible_until(until, [&] { return found = ready(); });
            if (found || !not_interrupted)
                return true;
            if (until == deadline)
                return false;
        }
    }

private:
    struct Entry {
        WaitQueueEntry wait{nullptr, {}};
        WaitQueue* queue{nullptr};
        RefPtr<File> file;
        void release() {
            queue->remove(wait);
            file = nullptr;
        }
    };
    // Linux keeps the first entries inline and the rest in pages; chunks of the heap here.
    static constexpr size_t INLINE_ENTRIES = 8;
    static constexpr size_t CHUNK_ENTRIES = 48;
    struct Chunk {
        Chunk* next{nullptr};
        size_t used{0};
        Entry entries[CHUNK_ENTRIES];
    };

    Entry* next_entry() {
        if (m_inline_used < INLINE_ENTRIES)
            return &m_inline[m_inline_used++];
        if (!m_chunks || m_chunks->used == CHUNK_ENTRIES) {
            auto* chunk = new (std::nothrow) Chunk;
            if (!chunk)
                return nullptr;
            chunk->next = m_chunks;
            m_chunks = chunk;
        }
        return &m_chunks->entries[m_chunks->used++];
    }

    Entry m_inline[INLINE_ENTRIES];
    size_t m_inline_used{0};
    Chunk* m_chunks{nullptr};
    int m_error{0};
    bool m_poll_again_soon{false};
};

// The file at `fd` for polling (Linux's fdget: O_PATH descriptors are not open for I/O), or null.
RefPtr<File> poll_fdget(FilesStruct* files, int fd) {
    if (!files)
        return nullptr;
    auto file = files->get(fd);
    if (file.is_error() || file.value()->is_path_only())
        return nullptr;
    return file.release_value();
}

// ---- poll -----------------------------------------------------------------------------------

// do_pollfd: one entry's events. A negative fd is skipped; one that is not open reports
// POLLNVAL (and counts as ready); POLLERR and POLLHUP are reported whether asked or not.
unsigned do_pollfd(pollfd& pfd, FilesStruct* files, PollTable* table) {
    unsigned mask = 0;
    if (pfd.fd >= 0) {
        mask = POLLNVAL;
        if (auto file = poll_fdget(files, pfd.fd)) {
            unsigned filter = unsigned(uint16_t(pfd.events)) | POLLERR | POLLHUP;
            mask = file->poll(table) & filter;
        }
    }
    pfd.revents = short(mask);
    return mask;
}

// do_poll: the number of entries with events, 0 at the deadline, or an error: ERESTARTNOHAND
// for a signal, ENOMEM when the table could not grow and nothing was ready.
ErrorOr<long> do_poll(pollfd* fds, unsigned nfds, uint64_t deadline) {
    Task& self = *current();
    RefPtr<FilesStruct> files = self.m_files;
    PollWaitTable table;
    bool timed_out = deadline == DONT_WAIT;
    PollTable* registering = timed_out ? nullptr : &table;
    auto pass = [&] {
        long count = 0;
        for (unsigned i = 0; i < nfds; ++i) {
            if (do_pollfd(fds[i], files.ptr(), registering)) {
                ++count;
                registering = nullptr;  // something is ready: no need to wait on the rest
            }
        }
        registering = nullptr;  // every queue is registered after the first pass
        return count;
    };
    long count = pass();
    for (;;) {
        if (!count) {
            // A signal wins over a table that could not grow.
            if (signal_pending(self))
                return Error::from_errno(ERESTARTNOHAND);
            if (table.error())
                return Error::from_errno(table.error());
        }
        if (count || timed_out)
            return count;
        if (!table.sleep(deadline, [&] { return (count = pass()) != 0; }))
            timed_out = true;
    }
}

// do_sys_poll: the array in, the passes, every revents out (even after a signal, as Linux).
ErrorOr<long> do_sys_poll(uint64_t ufds, unsigned nfds, uint64_t deadline) {
    Task& self = *current();
    if (nfds > self.m_signal->rlim[RLIMIT_NOFILE].cur)
        return Error::from_errno(EINVAL);
    auto buffer = TRY(KernelBuffer::allocate(size_t(nfds) * sizeof(pollfd)));
    auto* fds = reinterpret_cast<pollfd*>(buffer.data());
    TRY(copy_from_user(fds, ufds, size_t(nfds) * sizeof(pollfd)));
    auto result = do_poll(fds, nfds, deadline);
    if (!is_user_range(ufds, size_t(nfds) * sizeof(pollfd)))
        return Error::from_errno(EFAULT);
    for (unsigned i = 0; i < nfds; ++i)
        TRY(copy_to_user(ufds + i * sizeof(pollfd) + __builtin_offsetof(pollfd, revents), &fds[i].revents,
                         sizeof(fds[i].revents)));
    return result;
}

// restart_syscall after a poll that a signal without handler interrupted: the same array and
// the same absolute deadline (Linux's do_restart_poll).
ErrorOr<long> do_restart_poll(Task::RestartBlock& restart) {
    auto result = do_sys_poll(restart.poll.ufds, restart.poll.nfds, restart.poll.deadline_ns);
    if (result.is_error() && result.error().code() == ERESTARTNOHAND) {
        restart.fn = do_restart_poll;
        return Error::from_errno(ERESTART_RESTARTBLOCK);
    }
    return result;
}

// ---- The signal mask and the time left (ppoll, pselect6, select) ----------------------------

// set_user_sigmask: ppoll and pselect6 run with `umask` blocked; the old mask comes back at the
// end, or after the handler of the signal that interrupted them.
ErrorOr<void> set_user_sigmask(uint64_t umask, size_t sigsetsize) {
    if (!umask)
        return {};
    if (sigsetsize != sizeof(SigSet))
        return Error::from_errno(EINVAL);
    SigSet mask;
    TRY(copy_from_user(&mask, umask, sizeof(mask)));
    Task& self = *current();
    self.m_saved_sigmask = self.m_blocked;
    self.m_restore_sigmask = true;
    set_current_blocked(mask);
    return {};
}

enum class TimeFormat { Timeval, Timespec };

// poll_select_finish: the saved mask back (unless a signal's handler must run with the
// temporary one first), then the time left written where the timeout came from. A timeout
// that cannot be written back is not an error, but the call can then no longer be restarted.
ErrorOr<long> poll_select_finish(uint64_t deadline, uint64_t user_time, TimeFormat format, ErrorOr<long> result) {
    Task& self = *current();
    bool interrupted = result.is_error() && result.error().code() == ERESTARTNOHAND;
    if (!interrupted && self.m_restore_sigmask) {
        self.m_restore_sigmask = false;
        set_current_blocked(self.m_saved_sigmask);
    }
    if (!user_time || deadline == DONT_WAIT)
        return result;
    uint64_t now = arch::monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    ErrorOr<void> written;
    if (format == TimeFormat::Timeval) {
        KernelTimeval tv{int64_t(left / NSEC_PER_SEC), int64_t(left % NSEC_PER_SEC / NSEC_PER_USEC)};
        written = copy_to_user(user_time, &tv, sizeof(tv));
    } else {
        KernelTimespec ts{int64_t(left / NSEC_PER_SEC), int64_t(left % NSEC_PER_SEC)};
        written = copy_to_user(user_time, &ts, sizeof(ts));
    }
    if (written.is_error() && interrupted)
        return Error::from_errno(EINTR);
    return result;
}

ErrorOr<uint64_t> timespec_deadline(uint64_t user_ts) {
    KernelTimespec ts;
    TRY(copy_from_user(&ts, user_ts, sizeof(ts)));
    return deadline_after(ts.tv_sec, ts.tv_nsec);
}

// ---- select ---------------------------------------------------------------------------------

// POLLIN_SET, POLLOUT_SET and POLLEX_SET: which poll events make a descriptor readable,
// writable or exceptional for select.
constexpr unsigned POLLIN_SET = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
constexpr unsigned POLLOUT_SET = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
constexpr unsigned POLLEX_SET = POLLPRI;

constexpr size_t BITS_PER_WORD = 64;
// FDS_BYTES: an fd_set of n descriptors, in whole longs.
constexpr size_t fds_words(size_t n) { return (n + BITS_PER_WORD - 1) / BITS_PER_WORD; }

struct FdSetBits {
    uint64_t* in;
    uint64_t* out;
    uint64_t* ex;
    uint64_t* res_in;
    uint64_t* res_out;
    uint64_t* res_ex;
};

bool test_bit(const uint64_t* set, size_t fd) { return set[fd / BITS_PER_WORD] & (uint64_t(1) << (fd % BITS_PER_WORD)); }
void set_bit(uint64_t* set, size_t fd) { set[fd / BITS_PER_WORD] |= uint64_t(1) << (fd % BITS_PER_WORD); }

// max_select_fd: EBADF when a set names a descriptor that is not open; else one past the
// highest descriptor named.
ErrorOr<int> max_select_fd(int n, const FdSetBits& fds, FilesStruct* files) {
    int max = 0;
    for (int fd = 0; fd < n; ++fd) {
        if (!test_bit(fds.in, fd) && !test_bit(fds.out, fd) && !test_bit(fds.ex, fd))
            continue;
        if (!files || !files->is_open(fd))
            return Error::from_errno(EBADF);
        max = fd + 1;
    }
    return max;
}

// do_select: the number of (descriptor, set) pairs that are ready, 0 at the deadline or when
// a signal came (core_sys_select tells those apart), or an error.
ErrorOr<long> do_select(int n, FdSetBits& fds, uint64_t deadline) {
    Task& self = *current();
    RefPtr<FilesStruct> files = self.m_files;
    n = TRY(max_select_fd(n, fds, files.ptr()));
    PollWaitTable table;
    bool timed_out = deadline == DONT_WAIT;
    PollTable* registering = timed_out ? nullptr : &table;
    size_t words = fds_words(size_t(n));
    auto pass = [&] {
        long count = 0;
        for (size_t w = 0; w < words; ++w)
            fds.res_in[w] = fds.res_out[w] = fds.res_ex[w] = 0;
        for (int fd = 0; fd < n; ++fd) {
            bool in = test_bit(fds.in, fd), out = test_bit(fds.out, fd), ex = test_bit(fds.ex, fd);
            if (!in && !out && !ex)
                continue;
            auto file = poll_fdget(files.ptr(), fd);
            if (!file)
                continue;  // closed meanwhile: POLLNVAL, which select does not report
            unsigned mask = file->poll(registering);
            if ((mask & POLLIN_SET) && in) {
                set_bit(fds.res_in, fd);
                ++count;
                registering = nullptr;
            }
            if ((mask & POLLOUT_SET) && out) {
                set_bit(fds.res_out, fd);
                ++count;
                registering = nullptr;
            }
            if ((mask & POLLEX_SET) && ex) {
                set_bit(fds.res_ex, fd);
                ++count;
                registering = nullptr;
            }
        }
        registering = nullptr;
        return count;
    };
    long count = pass();
    for (;;) {
        if (count || timed_out || signal_pending(self))
            return count;
        if (table.error())
            return Error::from_errno(table.error());
        if (!table.sleep(deadline, [&] { return (count = pass()) != 0; }))
            timed_out = true;
    }
}

ErrorOr<void> get_fd_set(size_t words, uint64_t user_set, uint64_t* set) {
    if (user_set)
        return copy_from_user(set, user_set, words * sizeof(uint64_t));
    __builtin_memset(set, 0, words * sizeof(uint64_t));
    return {};
}

ErrorOr<void> set_fd_set(size_t words, uint64_t user_set, const uint64_t* set) {
    if (user_set)
        return copy_to_user(user_set, set, words * sizeof(uint64_t));
    return {};
}

// core_sys_select: the sets are only as large as the descriptor table (n is clipped to it);
// nothing is written back when a signal interrupted the wait.
ErrorOr<long> core_sys_select(int n, uint64_t inp, uint64_t outp, uint64_t exp, uint64_t deadline) {
    if (n < 0)
        return Error::from_errno(EINVAL);
    Task& self = *current();
    int max_fds = self.m_files ? self.m_files->max_fds() : 0;
    if (n > max_fds)
        n = max_fds;
    size_t words = fds_words(size_t(n));
    auto buffer = TRY(KernelBuffer::allocate(6 * words * sizeof(uint64_t)));
    auto* bits = reinterpret_cast<uint64_t*>(buffer.data());
    FdSetBits fds{bits, bits + words, bits + 2 * words, bits + 3 * words, bits + 4 * words, bits + 5 * words};
    TRY(get_fd_set(words, inp, fds.in));
    TRY(get_fd_set(words, outp, fds.out));
    TRY(get_fd_set(words, exp, fds.ex));
    for (size_t w = 0; w < words; ++w)
        fds.res_in[w] = fds.res_out[w] = fds.res_ex[w] = 0;
    long count = TRY(do_select(n, fds, deadline));
    if (!count && signal_pending(self))
        return Error::from_errno(ERESTARTNOHAND);
    if (set_fd_set(words, inp, fds.res_in).is_error() || set_fd_set(words, outp, fds.res_out).is_error() ||
        set_fd_set(words, exp, fds.res_ex).is_error())
        return Error::from_errno(EFAULT);
    return count;
}

// ---- The syscalls ---------------------------------------------------------------------------

ErrorOr<long> sys_poll(uint64_t ufds, unsigned nfds, int timeout_msecs) {
    uint64_t deadline = NO_TIMEOUT;
    if (timeout_msecs >= 0)
        deadline = TRY(deadline_after(timeout_msecs / 1000, int64_t(NSEC_PER_MSEC) * (timeout_msecs % 1000)));
    auto result = do_sys_poll(ufds, nfds, deadline);
    if (result.is_error() && result.error().code() == ERESTARTNOHAND) {
        // Restarted with the time that was left (the same deadline), unless a handler runs.
        auto& restart = current()->m_restart_block;
        restart.poll = {ufds, deadline, nfds};
        restart.fn = do_restart_poll;
        return Error::from_errno(ERESTART_RESTARTBLOCK);
    }
    return result;
}

ErrorOr<long> sys_ppoll(uint64_t ufds, unsigned nfds, uint64_t tsp, uint64_t sigmask, size_t sigsetsize) {
    uint64_t deadline = NO_TIMEOUT;
    if (tsp)
        deadline = TRY(timespec_deadline(tsp));
    TRY(set_user_sigmask(sigmask, sigsetsize));
    return poll_select_finish(deadline, tsp, TimeFormat::Timespec, do_sys_poll(ufds, nfds, deadline));
}

ErrorOr<long> sys_select(int n, uint64_t inp, uint64_t outp, uint64_t exp, uint64_t tvp) {
    uint64_t deadline = NO_TIMEOUT;
    if (tvp) {
        KernelTimeval tv;
        TRY(copy_from_user(&tv, tvp, sizeof(tv)));
        // Whole seconds of tv_usec move to tv_sec (select accepts tv_usec >= 1000000); the
        // sum wraps as the kernel's does.
        int64_t sec = int64_t(uint64_t(tv.tv_sec) + uint64_t(tv.tv_usec / USEC_PER_SEC));
        deadline = TRY(deadline_after(sec, (tv.tv_usec % USEC_PER_SEC) * int64_t(NSEC_PER_USEC)));
    }
    return poll_select_finish(deadline, tvp, TimeFormat::Timeval, core_sys_select(n, inp, outp, exp, deadline));
}

// pselect6's sixth argument points at {const sigset_t* mask; size_t size}, or is NULL.
ErrorOr<long> sys_pselect6(int n, uint64_t inp, uint64_t outp, uint64_t exp, uint64_t tsp, uint64_t sig) {
    uint64_t argpack[2] = {0, 0};
    if (sig)
        TRY(copy_from_user(argpack, sig, sizeof(argpack)));
    uint64_t deadline = NO_TIMEOUT;
    if (tsp)
        deadline = TRY(timespec_deadline(tsp));
    TRY(set_user_sigmask(argpack[0], size_t(argpack[1])));
    return poll_select_finish(deadline, tsp, TimeFormat::Timespec, core_sys_select(n, inp, outp, exp, deadline));
}

}  // namespace

void register_poll_syscalls(SyscallTable& table) {
    table.add<sys_poll>(__NR_poll);
    table.add<sys_ppoll>(__NR_ppoll);
    table.add<sys_select>(__NR_select);
    table.add<sys_pselect6>(__NR_pselect6);
}

}  // namespace kernel
