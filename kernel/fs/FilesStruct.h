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
    // Linux's get_unused_fd_flags: the lowest free descriptor (EMFILE), held for a file that is
    // not ready yet. Until install_reserved gives it the file, or unreserve frees it, every
    // other call sees no file there (EBADF) and install skips it; dup2 onto it is EBUSY.
    ErrorOr<int> reserve(int limit = DEFAULT_NOFILE);
    // fd_install into a reserved descriptor.
    void install_reserved(int fd, NonnullRefPtr<File> file, bool close_on_exec);
    // put_unused_fd: the reservation is dropped, the number free again.
    void unreserve(int fd);
    // EBADF when `fd` is not open.
    ErrorOr<void> close(int fd);
    ErrorOr<bool> close_on_exec(int fd) const;
    ErrorOr<void> set_close_on_exec(int fd, bool value);
    // execve: closes every descriptor marked close-on-exec.
    void close_on_exec();
    // Open descriptors, for tests and /proc later.
    int count() const;
    // The descriptors the table has room for now (Linux's fdt->max_fds): select looks no
    // further.
    int max_fds() const;
    // Whether `fd` is taken, by a file (O_PATH ones too) or a reservation (Linux's open_fds).
    bool is_open(int fd) const;

private:
    FilesStruct() = default;
    ErrorOr<void> grow_locked(int needed, int limit);
    bool cloexec_locked(int fd) const { return m_cloexec[fd / 64] & (uint64_t(1) << (fd % 64)); }
    // What a reserved slot holds: not a file, but not free either.
    static File* reserved_slot() { return reinterpret_cast<File*>(alignof(File)); }
    // The file at `fd`, or null for a free or reserved slot. Lock held.
    File* file_locked(int fd) const {
        File* file = fd >= 0 && fd < m_slots ? m_files[fd] : nullptr;
        return file == reserved_slot() ? nullptr : file;
    }
    void set_cloexec_locked(int fd, bool value);

    mutable Spinlock m_lock;
    // Each slot that holds a file owns one reference to it. Guarded by m_lock.
    File** m_files{nullptr};
    uint64_t* m_cloexec{nullptr};  // one bit per slot
    int m_slots{0};
};

}  // namespace kernel
