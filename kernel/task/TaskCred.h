#pragma once
// Credentials on tasks (kernel only): installing new ones (kernel/cred.c's commit_creds,
// override_creds) and the count of tasks per real uid that RLIMIT_NPROC limits (kernel/fork.c's
// copy_creds and copy_process check, release_task, kernel/sys.c's flag_nproc_exceeded, fs/exec.c's
// re-check). The rules that compute credentials are in task/Cred.h.
#include "task/Cred.h"

namespace kernel {

struct Task;

// commit_creds: `cred` becomes the current task's. A new real uid moves the task to that
// uid's count; a change of euid, egid, fsuid or fsgid, or permitted capabilities gained, clears
// the parent-death signal (so a parent cannot signal a now privileged child).
void commit_creds(NonnullRefPtr<Cred> cred);
// Linux's __ptrace_may_access with the REALCREDS modes, without an LSM: may the current task
// read or attach to `target`? Yes for a thread of its own process; else its real uid and gid
// must be every one of the target's (real, effective, saved) and the target dumpable, unless it
// has CAP_SYS_PTRACE. Tasklist lock held (it keeps the target's credentials and mm in place).
bool ptrace_may_access(const Task& target);

// flag_nproc_exceeded: set*uid does not fail when the new real uid already has more tasks than
// RLIMIT_NPROC (too many programs do not check); it marks the task so that its next execve
// fails instead (Linux's PF_NPROC_EXCEEDED). Call before commit_creds.
void flag_nproc_exceeded(const Cred& cred);
// execve's half: EAGAIN if the mark is set and the user is still over the limit; clears it.
ErrorOr<void> check_nproc_at_exec();
// enforced_nproc_rlimit: the RLIMIT_NPROC a new user namespace's tasks are held to at its
// creator's level: the creator's, unless it is the initial namespace's root (no limit).
uint64_t enforced_nproc_rlimit();

// copy_creds: the child shares the parent's credentials (with CLONE_NEWUSER, a copy in a new
// user namespace: create_user_ns's errors) and counts as one more task of its real uid;
// release_task (and a fork that fails after copy_creds) counts it out.
ErrorOr<void> copy_creds(Task& child, const Task& parent, uint64_t clone_flags);
void release_creds(Task& task);

// override_creds for one scope: the current task acts with `cred` (faccessat's real ids) while
// others still see its own (Linux's subjective and objective credentials).
class [[nodiscard]] OverrideCreds {
public:
    explicit OverrideCreds(const Cred& cred);
    ~OverrideCreds();
    OverrideCreds(const OverrideCreds&) = delete;
    OverrideCreds& operator=(const OverrideCreds&) = delete;

private:
    const Cred* m_previous;
};

}  // namespace kernel
