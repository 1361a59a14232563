#pragma once
// pidfds (Linux's pidfd_fops in kernel/fork.c; pidfd_create and pidfd_get_pid in kernel/pid.c):
// an open file that names a process by its struct pid, so that it can be signalled, waited for
// and polled without the races of a recycled pid number. CLONE_PIDFD (clone, clone3) and
// pidfd_open make them; syscalls/PidFdSyscalls.cpp has pidfd_open and pidfd_getfd,
// syscalls/SignalSyscalls.cpp pidfd_send_signal, task/Exit.cpp waitid(P_PIDFD).
//
// The file holds a reference on the Pid. Sprout keeps a number taken while its Pid lives, so a
// pidfd also keeps its process's number from being reused after the process is reaped (Linux
// frees the number at the reap and keeps only the struct).
#include "fs/File.h"
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "task/Pid.h"

namespace kernel {

class FilesStruct;
struct Task;

// Linux's "[pidfd]" file on the shared anonymous inode (fs/AnonInode.h): O_RDWR plus
// O_NONBLOCK when asked; read, write and lseek fail as on any file without those operations.
class PidFdFile final : public File {
public:
    PidFdFile(Path anon_inode, NonnullRefPtr<Pid> pid, int flags);
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
    // pidfd_poll: POLLIN | POLLRDNORM once the whole process has exited (thread_group_exited).
    unsigned poll(PollTable* table) override;
    Pid* pidfd_pid() const override { return m_pid.ptr(); }

private:
    NonnullRefPtr<Pid> m_pid;
};

// pidfd_open's pidfd_create: a pidfd for the process `pid` names, at the lowest free descriptor
// of the caller, close-on-exec. EINVAL unless `pid` leads a thread group that has not been
// reaped; EMFILE, ENOMEM.
ErrorOr<int> pidfd_create(Pid& pid, int flags);

// pidfd_get_pid: the Pid that descriptor `fd` of the caller names, and its file's flags. EBADF
// when `fd` is not open or is not a pidfd.
ErrorOr<NonnullRefPtr<Pid>> pidfd_get_pid(int fd, int* file_flags);

// CLONE_PIDFD's descriptor, in Linux's order: copy_process reserves the number and makes the
// file (prepare) once the pid exists, and the descriptor is filled only after everything that
// can fail has succeeded (install, Linux's fd_install). Destroyed without install, it gives the
// number back and drops the file: a failed fork leaves no descriptor behind.
class PidfdReservation {
public:
    PidfdReservation() = default;
    ~PidfdReservation();
    PidfdReservation(const PidfdReservation&) = delete;
    PidfdReservation& operator=(const PidfdReservation&) = delete;

    // get_unused_fd_flags(O_RDWR | O_CLOEXEC) in `files` and the file for `pid`: the descriptor
    // number (EMFILE, ENOMEM; EMFILE too without a table).
    ErrorOr<int> prepare(FilesStruct* files, Pid& pid);
    void install();

private:
    RefPtr<FilesStruct> m_files;
    RefPtr<File> m_file;
    int m_fd{-1};
};

// Linux's thread_group_exited: the process `pid` named is reaped, or is a zombie whose threads
// are all gone too. Takes the tasklist lock.
bool thread_group_exited(Pid& pid);

// Linux's do_notify_pidfd: wakes whoever polls a pidfd of `task`'s pid. Called where the exit
// of a whole process is announced (do_notify_parent), tasklist lock held.
void do_notify_pidfd(Task& task);

}  // namespace kernel
