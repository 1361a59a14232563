// Credentials on tasks: commit_creds, override_creds and the per-uid task count that
// RLIMIT_NPROC limits. The count moves with the real uid: copy_creds adds the child to its
// parent's uid, release_task takes a task out, and commit_creds moves a task whose real uid
// changed — so a zombie still counts until it is reaped, as in Linux.
#include "task/TaskCred.h"

#include <linux/capability.h>
#include <linux/resource.h>
#include <linux/sched.h>

#include "mm/AddressSpace.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/UserNamespace.h"

namespace kernel {

const Cred* current_cred() {
    Task* task = current();
    if (!task)
        return nullptr;
    return task->m_override_cred ? task->m_override_cred : task->m_cred.ptr();
}

namespace {
// Linux's cred_cap_issubset: does `subset` hold no capability `set` lacks? In one user namespace
// that compares the permitted sets; across namespaces it holds when `subset` lives in a
// namespace below `set`'s whose owner (or an owner on the way) is `set`'s euid — entering one's
// own new user namespace gains nothing over what one had.
bool cred_cap_issubset(const Cred& set, const Cred& subset) {
    if (set.user_ns == subset.user_ns)
        return cap_issubset(subset.cap_permitted, set.cap_permitted);
    for (UserNamespace* ns = subset.user_ns.ptr(); ns && ns->parent(); ns = ns->parent())
        if (ns->parent() == set.user_ns.ptr() && ns->owner() == set.euid)
            return true;
    return false;
}
}  // namespace

void commit_creds(NonnullRefPtr<Cred> cred) {
    Task& task = *current();
    RefPtr<Cred> old = task.m_cred;
    VERIFY(old);
    if (old->euid != cred->euid || old->egid != cred->egid || old->fsuid != cred->fsuid ||
        old->fsgid != cred->fsgid || !cred_cap_issubset(*old, *cred)) {
        if (task.m_mm)
            task.m_mm->set_dumpable(false);
        task.m_pdeath_signal = 0;
    }
    bool moves = old->ucounts != cred->ucounts;
    if (moves)
        cred->inc_nproc();
    {
        // Other tasks read our credentials under the tasklist lock (kill, capget, prlimit):
        // the swap must not happen in the middle of their read.
        SpinlockGuard guard(tasklist_lock());
        task.m_cred = cred;
    }
    if (moves)
        old->dec_nproc();
}

bool ptrace_may_access(const Task& target) {
    const Task& self = *current();
    if (self.m_signal && self.m_signal == target.m_signal)
        return true;
    const Cred* cred = self.m_cred.ptr();
    const Cred* tcred = target.m_cred.ptr();
    if (!cred || !tcred)
        return false;
    // CAP_SYS_PTRACE over the target's user namespace (ptrace_has_cap).
    if (cred->capable_in(*tcred->user_ns, CAP_SYS_PTRACE))
        return true;
    bool same_ids = cred->uid == tcred->uid && cred->uid == tcred->euid && cred->uid == tcred->suid &&
                    cred->gid == tcred->gid && cred->gid == tcred->egid && cred->gid == tcred->sgid;
    return same_ids && (!target.m_mm || target.m_mm->dumpable());
}

void flag_nproc_exceeded(const Cred& cred) {
    Task& task = *current();
    if (cred.ucounts == task.m_cred->ucounts)
        return;
    task.m_nproc_exceeded =
        cred.uid != 0 && cred.ucounts && cred.ucounts->nproc_over(task.m_signal->rlim[RLIMIT_NPROC].cur);
}

ErrorOr<void> check_nproc_at_exec() {
    Task& task = *current();
    if (task.m_nproc_exceeded && task.m_cred->ucounts &&
        task.m_cred->ucounts->nproc_over(task.m_signal->rlim[RLIMIT_NPROC].cur))
        return Error::from_errno(EAGAIN);
    // Below the limit (still or again): later execs need not check.
    task.m_nproc_exceeded = false;
    return {};
}

uint64_t enforced_nproc_rlimit() {
    Task& task = *current();
    const Cred& cred = *task.m_cred;
    if (cred.uid != 0 || cred.user_ns.ptr() != &UserNamespace::initial())
        return task.m_signal->rlim[RLIMIT_NPROC].cur;
    return RLIM_INFINITY;
}

ErrorOr<void> copy_creds(Task& child, const Task& parent, uint64_t clone_flags) {
    if (clone_flags & CLONE_NEWUSER) {
        auto cred = TRY(parent.m_cred->prepare());
        TRY(UserNamespace::create(*cred, enforced_nproc_rlimit()));
        child.m_cred = cred;
    } else {
        child.m_cred = parent.m_cred;  // immutable: sharing the reference is copying
    }
    child.m_cred->inc_nproc();
    return {};
}

void release_creds(Task& task) {
    if (task.m_cred)
        task.m_cred->dec_nproc();
}

OverrideCreds::OverrideCreds(const Cred& cred) : m_previous(current()->m_override_cred) {
    current()->m_override_cred = &cred;
}

OverrideCreds::~OverrideCreds() { current()->m_override_cred = m_previous; }

}  // namespace kernel
