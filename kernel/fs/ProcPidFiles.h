#pragma once
// procfs's per-process files beyond the first ones (fs/ProcFs.cpp has the directories and
// comm, stat, cmdline, ns/ and the id maps), each after its Linux 6.1 counterpart:
//
//   status    fs/proc/array.c proc_pid_status (task_state, task_mem, task_sig, task_cap, ...)
//   maps      fs/proc/task_mmu.c show_map_vma
//   statm     fs/proc/array.c proc_pid_statm (task_statm)
//   limits    fs/proc/base.c proc_pid_limits
//   mounts    fs/proc_namespace.c show_vfsmnt
//   environ   fs/proc/base.c environ_read (mm_access: ptrace_may_access)
//   fd/       fs/proc/fd.c: a link per descriptor, leading to the open file (proc_fd_link)
//   fdinfo/   fs/proc/fd.c seq_show: each descriptor's position, flags, mount id, inode
//   exe, cwd, root   fs/proc/base.c proc_exe_link, proc_cwd_link, proc_root_link
//
// And what ProcFs.cpp and these files share: with_task (get_proc_task) and TaskFile.
#include "fs/PseudoFs.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Task.h"

namespace kernel {

// Runs fn(task) under the tasklist lock while `pid` names a task (get_proc_task); ESRCH once
// it has been reaped.
template <typename F>
auto with_task(const Pid& pid, F fn) -> ErrorOr<decltype(fn(std::declval<Task&>()))> {
    SpinlockGuard guard(tasklist_lock());
    Task* task = pid.task();
    if (!task)
        return Error::from_errno(ESRCH);
    if constexpr (std::is_void_v<decltype(fn(*task))>) {
        fn(*task);
        return {};
    } else {
        return fn(*task);
    }
}

// A file about one task; Linux's proc files say EIO to writes they do not take.
class TaskFile : public PseudoFile {
public:
    TaskFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, Style style, NonnullRefPtr<Pid> pid,
             uint32_t permissions = 0644)
        : PseudoFile(fs, ino, permissions, parent, name, style, EIO), m_pid(std::move(pid)) {}

protected:
    // proc_mem_open's (and proc_fdinfo_access_allowed's) check for files that show a task's
    // memory or descriptors: the reader must be allowed to read the task (EACCES).
    ErrorOr<void> check_may_read() const;

    NonnullRefPtr<Pid> m_pid;
};

// The owner of a task's private files (task_dump_owner): its euid and egid while it is
// dumpable, else root. ENOENT once the task is reaped.
ErrorOr<Inode::Ownership> task_dump_owner(const Pid& pid);

// The files. `pid` is the task the file is about; `whole` says /proc/<pid>/ rather than
// task/<tid>/ (status counts the process's threads either way, as Linux does); `ns` is the
// mount's pid namespace.
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_status(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid, PidNamespace& ns);
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_maps(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                   NonnullRefPtr<Pid> pid);
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_statm(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                    NonnullRefPtr<Pid> pid);
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_limits(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid);
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_mounts(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid);
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_environ(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                      NonnullRefPtr<Pid> pid);
// fd/, or fdinfo/ when `info_ns` (the mount's pid namespace) is given: its entries are numbered
// ino_base + fd * 256 (the low byte is the caller's kind).
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_fd_dir(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid, uint64_t link_ino_base,
                                                     PidNamespace* info_ns = nullptr);

// exe, cwd, root: links to the task's program, working directory and root.
enum class PlaceKind : uint8_t { Exe, Cwd, Root };
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_place_link(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                         StringView name, const Pid& pid, PlaceKind kind);

}  // namespace kernel
