#pragma once
// A task's file descriptor table (Linux's files_struct + fdtable): descriptor number -> open
// File, plus the close-on-exec bit of each descriptor. CLONE_FILES shares the table (by
// reference count); fork without it copies it (clone(), Linux's dup_fd): the copy refers to the
// same open files, so positions and status flags stay shared, as POSIX says.
//
// The table starts with 64 slots (NR_OPEN_DEFAULT) and doubles up to the descriptor limit
// (1024, RLIMIT_NOFILE's default soft limit). New descriptors take the lowest free number.
// One spinlock guards it; files whose last reference the table drops are released after the
// lock, since closing a file may do real work.
#include "fs/File.h"
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"

namespace kernel {

class FilesStruct : public RefCounted<FilesStruct> {
public:
    static constexpr int DEFAULT_NOFILE = 1024;  // RLIMIT_NOFILE soft limit: fds 0..1023
    static constexpr int INITIAL_SLOTS = 64;

    static ErrorOr<NonnullRefPtr<FilesStruct>> create();
    ~FilesStruct();
    // Linux's dup_fd: a new table holding the same files and close-on-exec bits.
    ErrorOr<NonnullRefPtr<FilesStruct>> clone() const;

    // The open file at `fd`: EBADF when none.
    ErrorOr<NonnullRefPtr<File>> get(int fd) const;
    // Installs `file` at the lowest free descriptor >= min_fd (alloc_fd + fd_install); EMFILE
    // when every descriptor below `limit` is taken.
    ErrorOr<int> install(NonnullRefPtr<File> file, bool close_on_exec, int min_fd = 0, int limit = DEFAULT_NOFILE);
    // dup2/dup3's do_dup2: `fd` refers to `file` from now on, closing what it held. EBADF for
    // fd outside [0, limit).
    ErrorOr<int> install_at(int fd, NonnullRefPtr<File> file, bool close_on_exec, int limit = DEFAULT_NOFILE);
    // EBADF when `fd` is not open.
    ErrorOr<void> close(int fd);
    ErrorOr<bool> close_on_exec(int fd) const;
    ErrorOr<void> set_close_on_exec(int fd, bool value);
    // execve: closes every descriptor marked close-on-exec.
    void close_on_exec();
    // Open descriptors, for tests and /proc later.
    int count() const;

private:
    FilesStruct() = default;
    ErrorOr<void> grow_locked(int needed, int limit);
    bool cloexec_locked(int fd) const { return m_cloexec[fd / 64] & (uint64_t(1) << (fd % 64)); }
    void set_cloexec_locked(int fd, bool value);

    mutable Spinlock m_lock;
    // Each non-null slot owns one reference to its File. Guarded by m_lock.
    File** m_files{nullptr};
    uint64_t* m_cloexec{nullptr};  // one bit per slot
    int m_slots{0};
};

}  // namespace kernel
