#pragma once
// Task death and reaping (Linux's kernel/exit.c).
#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

struct Task;

// Wait-status encoding, as wait4 reports it: an exit code in bits 8..15, or a signal number
// in bits 0..6 (with 0x80 for a core dump).
constexpr int exit_status_code(int code) { return (code & 0xff) << 8; }
constexpr int killed_by_signal(int signal) { return signal & 0x7f; }

// Ends the calling task (exit(2)): releases its mm, files, fs, notifies the parent (exit_signal,
// usually SIGCHLD), reparents its children, becomes a zombie for wait() — or is reaped at once
// when its parent ignores SIGCHLD.
[[noreturn]] void do_exit(int wait_status);

// Linux's mm_release, when a task lets go of its address space (exit, and exec before the new
// one): CLONE_CHILD_CLEARTID's word is cleared and the vfork parent released.
void mm_release(Task& task);
// Ends every thread of the process (exit_group(2), fatal signals).
[[noreturn]] void do_group_exit(int wait_status);
// Unlinks a dead task from the process tree, its thread list and its pid (release_task without
// the final put_task_struct). Tasklist lock held.
void unhash_task_locked(Task& task);

// Linux's is_current_pgrp_orphaned: no member of the caller's process group has a parent in
// another group of the same session, so nobody could continue it if it stopped on SIGTSTP,
// SIGTTIN or SIGTTOU (POSIX's orphaned process group). Takes the tasklist lock.
bool is_current_pgrp_orphaned();
// Waits, uninterruptibly, until every child of the process has exited and been reaped (the
// kernel_wait4 loop of zap_pid_ns_processes).
void reap_all_children();

// wait4(2) and waitid(2) (do_wait), registered with the process syscalls.
ErrorOr<long> sys_wait4(int pid, uint64_t user_status, int options, uint64_t user_rusage);
ErrorOr<long> sys_waitid(int type, int id, uint64_t user_info, int options, uint64_t user_rusage);

}  // namespace kernel
