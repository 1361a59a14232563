// pidfd_open(2) and pidfd_getfd(2) (Linux's kernel/pid.c). The pidfd itself is task/PidFd.h;
// pidfd_send_signal is with the other senders in syscalls/SignalSyscalls.cpp and waitid's
// P_PIDFD in task/Exit.cpp.
#include <asm-generic/fcntl.h>
#include <linux/pidfd.h>

#include "fs/FilesStruct.h"
#include "syscalls/Syscall.h"
#include "task/PidFd.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/TaskCred.h"

namespace kernel {

namespace {

ErrorOr<long> sys_pidfd_open(int pid, unsigned flags) {
    if (flags & ~unsigned(PIDFD_NONBLOCK))
        return Error::from_errno(EINVAL);
    if (pid <= 0)
        return Error::from_errno(EINVAL);
    RefPtr<Pid> found;
    {
        // find_get_pid: a number whose process has been reaped names nothing any more.
        SpinlockGuard guard(tasklist_lock());
        Task* task = find_task_by_vpid_locked(pid);
        if (!task)
            return Error::from_errno(ESRCH);
        found = task->m_pid;
    }
    return TRY(pidfd_create(*found, int(flags)));
}

// The target's descriptor `fd`, duplicated into the caller's table close-on-exec (Linux's
// pidfd_getfd with receive_fd), if the caller may attach to the target (EPERM).
ErrorOr<long> sys_pidfd_getfd(int pidfd, int fd, unsigned flags) {
    if (flags)
        return Error::from_errno(EINVAL);
    auto pid = TRY(pidfd_get_pid(pidfd, nullptr));
    RefPtr<FilesStruct> target_files;
    {
        // get_pid_task: the task while it exists, zombie or not. Its table (fget_task) goes
        // in do_exit, and Linux then says ESRCH rather than EBADF: the task is exiting.
        SpinlockGuard guard(tasklist_lock());
        Task* task = pid->task();
        if (!task || !task->m_files)
            return Error::from_errno(ESRCH);
        if (!ptrace_may_access(*task))
            return Error::from_errno(EPERM);
        target_files = task->m_files;
    }
    auto file = TRY(target_files->get(fd));
    Task* self = current();
    if (!self->m_files)
        return Error::from_errno(EMFILE);
    return TRY(self->m_files->install(std::move(file), true));
}

}  // namespace

void register_pidfd_syscalls(SyscallTable& table) {
    table.add<sys_pidfd_open>(__NR_pidfd_open);
    table.add<sys_pidfd_getfd>(__NR_pidfd_getfd);
}

}  // namespace kernel
