// pidfds: the file, its poll, and the descriptor steps that clone and pidfd_open share.
#include "task/PidFd.h"

#include <asm-generic/fcntl.h>

#include "fs/AnonInode.h"
#include "fs/FilesStruct.h"
#include "fs/Poll.h"
#include "lib/OwnPtr.h"
#include "task/Process.h"
#include "task/Scheduler.h"

namespace kernel {

PidFdFile::PidFdFile(Path anon_inode, NonnullRefPtr<Pid> pid, int flags) : m_pid(std::move(pid)) {
    // anon_inode_getfile keeps the access mode and O_NONBLOCK; O_CLOEXEC is the descriptor's.
    set_open_state(std::move(anon_inode), O_RDWR | (flags & O_NONBLOCK));
}

unsigned PidFdFile::poll(PollTable* table) {
    poll_wait(*this, m_pid->m_wait_pidfd, table);
    // Only the exit of the whole process counts: a leader that exits before its threads leaves
    // the pidfd unready, as wait() would.
    return thread_group_exited(*m_pid) ? POLLIN | POLLRDNORM : 0u;
}

bool thread_group_exited(Pid& pid) {
    SpinlockGuard guard(tasklist_lock());
    Task* task = pid.task();
    return !task || (task->m_exit_state != Task::ExitState::Alive && thread_group_empty(*task));
}

void do_notify_pidfd(Task& task) {
    if (task.m_pid)
        task.m_pid->m_wait_pidfd.wake_all();
}

ErrorOr<int> pidfd_create(Pid& pid, int flags) {
    {
        // pid_has_task(pid, PIDTYPE_TGID): the pid leads a process that has not been reaped.
        SpinlockGuard guard(tasklist_lock());
        Task* task = pid.task();
        if (!task || !thread_group_leader(*task))
            return Error::from_errno(EINVAL);
    }
    Task* self = current();
    if (!self->m_files)
        return Error::from_errno(EMFILE);
    auto file = TRY(try_make_ref_counted<PidFdFile>(TRY(anon_inode_path()), NonnullRefPtr<Pid>(pid), flags));
    return self->m_files->install(std::move(file), true);
}

ErrorOr<NonnullRefPtr<Pid>> pidfd_get_pid(int fd, int* file_flags) {
    Task* self = current();
    if (!self->m_files)
        return Error::from_errno(EBADF);
    auto file = TRY(self->m_files->get(fd));
    Pid* pid = file->pidfd_pid();
    if (!pid)
        return Error::from_errno(EBADF);
    if (file_flags)
        *file_flags = file->flags();
    return NonnullRefPtr<Pid>(*pid);
}

PidfdReservation::~PidfdReservation() {
    if (m_files && m_fd >= 0)
        m_files->unreserve(m_fd);  // put_unused_fd; the file goes with m_file
}

ErrorOr<int> PidfdReservation::prepare(FilesStruct* files, Pid& pid) {
    if (!files)
        return Error::from_errno(EMFILE);
    int fd = TRY(files->reserve());
    m_files = files;
    m_fd = fd;
    m_file = TRY(try_make_ref_counted<PidFdFile>(TRY(anon_inode_path()), NonnullRefPtr<Pid>(pid), O_RDWR));
    return fd;
}

void PidfdReservation::install() {
    if (!m_files || m_fd < 0)
        return;
    m_files->install_reserved(m_fd, NonnullRefPtr<File>(*m_file), true);
    m_fd = -1;
    m_file = nullptr;
}

}  // namespace kernel
