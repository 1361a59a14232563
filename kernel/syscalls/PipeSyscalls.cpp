// pipe(2) and pipe2(2) (Linux's fs/pipe.c do_pipe2), and the kernel-only half of fs/Pipe.h:
// the pipe mutex and the two wait queues, built on the scheduler, and the signal checks.
#include <asm-generic/fcntl.h>

#include "fs/FilesStruct.h"
#include "fs/Pipe.h"
#include "fs/Poll.h"
#include "lib/OwnPtr.h"
#include "lib/ScopeGuard.h"
#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/WaitQueue.h"

namespace kernel {

namespace {

// Linux's O_NOTIFICATION_PIPE (O_EXCL): a pipe for watch_queue notifications.
constexpr int O_NOTIFICATION_PIPE = O_EXCL;

// Linux's wait_event_interruptible: sleeps until `condition()` holds; ERESTARTSYS when a
// signal is pending first. The condition wins over the signal when both are true, as in
// Linux's ___wait_event. The same protocol as do_wait (task/Exit.cpp): queue ourselves, set
// the state, then test, so a waker that changes the condition cannot be missed.
template <typename Condition>
ErrorOr<void> wait_event_interruptible(WaitQueue& queue, Condition condition) {
    if (condition())
        return {};
    Task* self = current();
    WaitQueueEntry entry{self, {}};
    queue.add(entry);
    ScopeGuard remove([&] { queue.remove(entry); });
    for (;;) {
        set_current_state(TaskState::Interruptible);
        if (condition())
            break;
        if (signal_pending(*self)) {
            set_current_state(TaskState::Running);
            return Error::from_errno(ERESTARTSYS);
        }
        schedule();
    }
    set_current_state(TaskState::Running);
    return {};
}

// A pipe as the kernel runs it: Linux's pipe->mutex, rd_wait and wr_wait.
class KernelPipe final : public Pipe {
public:
    KernelPipe(FileSystem& fs, uint32_t uid, uint32_t gid) : Pipe(fs, uid, gid) {}

private:
    // A sleeping mutex: whoever finds it taken sleeps, uninterruptibly as mutex_lock does, on
    // m_mutex_wait. Taking it is the condition itself (an exchange), so a task that wakes and
    // loses the race to a newcomer just sleeps again; the winner's unlock wakes it later.
    void mutex_lock() override {
        m_mutex_wait.wait_event([this] { return !m_locked.exchange(true, std::memory_order_acquire); });
    }
    void mutex_unlock() override {
        m_locked.store(false, std::memory_order_release);
        m_mutex_wait.wake_one();
    }
    ErrorOr<void> wait_readable() override {
        return wait_event_interruptible(m_rd_wait, [this] { return readable(); });
    }
    ErrorOr<void> wait_writable() override {
        return wait_event_interruptible(m_wr_wait, [this] { return writable(); });
    }
    // Linux wakes one exclusive sleeper and lets it pass the wake-up on; we wake them all and
    // each re-tests its condition (more wake-ups, never a lost one).
    void wake_readers() override { m_rd_wait.wake_all(); }
    void wake_writers() override { m_wr_wait.wake_all(); }
    ErrorOr<void> check_signals() override {
        if (signal_pending(*current()))
            return Error::from_errno(ERESTARTSYS);
        return {};
    }
    void send_sigpipe() override {
        // send_sig(SIGPIPE, current, 0): thread-directed, SI_USER from ourselves.
        Task& self = *current();
        unsigned uid = self.m_cred ? self.m_cred->uid : 0;
        (void)send_signal_to_task(self, SIGPIPE, make_kill_info(SIGPIPE, task_tgid_vnr(self), uid));
    }
    void poll_wait_queues(File& file, PollTable* table, bool reader, bool writer) override {
        if (reader)
            poll_wait(file, m_rd_wait, table);
        if (writer)
            poll_wait(file, m_wr_wait, table);
    }

    std::atomic<bool> m_locked{false};
    WaitQueue m_mutex_wait;
    WaitQueue m_rd_wait;  // readers waiting for data or for the last writer to go
    WaitQueue m_wr_wait;  // writers waiting for room or for the last reader to go
};

ErrorOr<long> do_pipe2(UserPtr<int> user_fds, int flags) {
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE))
        return Error::from_errno(EINVAL);
    Task* task = current();
    if (!task->m_files)
        return Error::from_errno(EMFILE);  // kernel threads have no descriptor table
    NonnullRefPtr<FilesStruct> files(*task->m_files);
    // Notification pipes need CONFIG_WATCH_QUEUE, which Debian's 6.1 kernel (our oracle)
    // lacks too: watch_queue_init says ENOPKG.
    if (flags & O_NOTIFICATION_PIPE)
        return Error::from_errno(ENOPKG);

    // create_pipe_files: the pipe (its inode) and both ends. Owned by these handles until the
    // table takes them, so any failure releases what was made.
    auto mount = TRY(pipe_mount());
    unsigned uid = task->m_cred ? task->m_cred->fsuid : 0;
    unsigned gid = task->m_cred ? task->m_cred->fsgid : 0;
    auto pipe = TRY(try_make_ref_counted<KernelPipe>(mount->root().fs(), uid, gid));
    auto ends = TRY(create_pipe_files(mount, std::move(pipe), flags));

    // Two descriptors, lowest first for the read end (EMFILE).
    bool cloexec = flags & O_CLOEXEC;
    int fds[2];
    fds[0] = TRY(files->install(ends.read_end, cloexec));
    auto write_fd = files->install(ends.write_end, cloexec);
    if (write_fd.is_error()) {
        (void)files->close(fds[0]);
        return write_fd.release_error();
    }
    fds[1] = write_fd.value();

    // Linux reserves both numbers, copies them out and installs the files only when the copy
    // worked. Our table reserves and installs in one step, so a bad array closes the two
    // descriptors again: no descriptor is left behind, though another thread of the process
    // could have glimpsed them in between.
    if (auto copied = copy_to_user(user_fds.address(), fds, sizeof(fds)); copied.is_error()) {
        (void)files->close(fds[1]);
        (void)files->close(fds[0]);
        return copied.release_error();
    }
    return 0;
}

ErrorOr<long> sys_pipe2(UserPtr<int> fds, int flags) {
    return do_pipe2(fds, flags);
}
ErrorOr<long> sys_pipe(UserPtr<int> fds) {
    return do_pipe2(fds, 0);
}

}  // namespace

void register_pipe_syscalls(SyscallTable& table) {
    table.add<sys_pipe>(__NR_pipe);
    table.add<sys_pipe2>(__NR_pipe2);
}

}  // namespace kernel
