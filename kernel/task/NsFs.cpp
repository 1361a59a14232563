// nsfs: an internal mount with one inode per namespace looked at, numbered by the namespace's
// inode number, made like anon_inodefs (fs/AnonInode.cpp).
#include "task/NsFs.h"

#include <linux/sched.h>

#include "fs/Inode.h"
#include "fs/File.h"
#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "lib/OwnPtr.h"
#include "mm/AddressSpace.h"
#include "task/Cred.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/TaskCred.h"

namespace kernel {

uint32_t NsRef::inum() const {
    switch (type) {
    case CLONE_NEWUTS:
        return uts->inum;
    case CLONE_NEWPID:
        return pid->inum;
    case CLONE_NEWUSER:
        return user->inum();
    case CLONE_NEWNS:
        return mnt->inum;
    case CLONE_NEWIPC:
        return ipc->inum;
    case CLONE_NEWTIME:
        return time->inum;
    default:
        return 0;
    }
}

StringView NsRef::name() const {
    switch (type) {
    case CLONE_NEWUTS:
        return "uts";
    case CLONE_NEWPID:
        return "pid";
    case CLONE_NEWUSER:
        return "user";
    case CLONE_NEWNS:
        return "mnt";
    case CLONE_NEWIPC:
        return "ipc";
    case CLONE_NEWTIME:
        return "time";
    default:
        return "";
    }
}

namespace {

class NsFs final : public FileSystem {
public:
    StringView name() const override { return "nsfs"; }
};

class NsFsRoot final : public Inode {
public:
    explicit NsFsRoot(FileSystem& fs) : Inode(fs, 1, S_TYPE_DIR | 0555, 0) {}
};

// ns_get_path's inode: S_IFREG | S_IRUGO, numbered by the namespace.
class NsInode final : public Inode {
public:
    NsInode(FileSystem& fs, NsRef ns) : Inode(fs, ns.inum(), S_TYPE_REG | 0444, 0), m_ns(std::move(ns)) {}
    const NsRef& ns() const { return m_ns; }

private:
    NsRef m_ns;
};

struct NsMount {
    FileSystem* fs;
    Mount* mount;
};

constinit std::atomic<NsMount*> g_nsfs{nullptr};

ErrorOr<NsMount*> nsfs() {
    if (NsMount* ns = g_nsfs.load(std::memory_order_acquire))
        return ns;
    auto fs = TRY(try_make_ref_counted<NsFs>());
    auto root = TRY(try_make_ref_counted<NsFsRoot>(*fs));
    auto mount = TRY(Mount::create(std::move(root), 0));
    auto* made = new (std::nothrow) NsMount{fs.ptr(), mount.ptr()};
    if (!made)
        return Error::from_errno(ENOMEM);
    NsMount* expected = nullptr;
    if (!g_nsfs.compare_exchange_strong(expected, made, std::memory_order_acq_rel)) {
        delete made;  // another task made it first
        return expected;
    }
    (void)fs.leak_ref();
    (void)mount.leak_ref();
    return made;
}

}  // namespace

ErrorOr<Path> ns_get_path(const NsRef& ns) {
    NsMount* mount = TRY(nsfs());
    auto inode = TRY(try_make_ref_counted<NsInode>(*mount->fs, ns));
    return Path{mount->mount, std::move(inode)};
}

const NsRef* ns_of_inode(const Inode& inode) {
    NsMount* mount = g_nsfs.load(std::memory_order_acquire);
    if (!mount || &inode.fs() != mount->fs || inode.ino() == 1)
        return nullptr;
    return &static_cast<const NsInode&>(inode).ns();
}

}  // namespace kernel

// ---- setns(2) (kernel/nsproxy.c) ---------------------------------------------------------------

namespace kernel {

namespace {

// Linux's struct nsset: what the caller will be once every namespace is installed.
struct NsSet {
    uint64_t flags;
    RefPtr<NsProxy> nsproxy;  // a private copy of the caller's, changed in place
    RefPtr<Cred> cred;        // new credentials for CLONE_NEWUSER, else null
    Path root;                // CLONE_NEWNS: the new root and cwd
};

const Cred& nsset_cred(const NsSet& set) { return set.cred ? *set.cred : *current()->m_cred; }

// current_is_single_threaded: one thread, and no other process shares the address space.
bool current_is_single_threaded(Task& self) {
    SpinlockGuard guard(tasklist_lock());
    return thread_group_empty(self) && (!self.m_mm || self.m_mm->ref_count() == 1);
}

// The install operation of each kind (utsns_install, ipcns_install, pidns_install,
// timens_install, userns_install, mntns_install).
ErrorOr<void> install(NsSet& set, const NsRef& ns) {
    Task& self = *current();
    const Cred& cred = *self.m_cred;
    switch (ns.type) {
    case CLONE_NEWUTS:
        if (!cred.capable_in(*ns.uts->user_ns, CAP_SYS_ADMIN) || !cred.capable_in(*nsset_cred(set).user_ns, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        set.nsproxy->uts_ns = ns.uts;
        return {};
    case CLONE_NEWIPC:
        if (!cred.capable_in(*ns.ipc->user_ns, CAP_SYS_ADMIN) || !cred.capable_in(*nsset_cred(set).user_ns, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        set.nsproxy->ipc_ns = ns.ipc;
        return {};
    case CLONE_NEWTIME:
        // The clocks of every thread sharing the address space would change.
        if (!current_is_single_threaded(self))
            return Error::from_errno(EUSERS);
        if (!cred.capable_in(*ns.time->user_ns, CAP_SYS_ADMIN) || !cred.capable_in(*nsset_cred(set).user_ns, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        // The task itself and its children.
        set.nsproxy->time_ns = ns.time;
        set.nsproxy->time_ns_for_children = ns.time;
        return {};
    case CLONE_NEWPID: {
        if (!cred.capable_in(*ns.pid->user_ns, CAP_SYS_ADMIN) || !cred.capable_in(*nsset_cred(set).user_ns, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        // Only the active pid namespace or one below it: the caller's children go there.
        PidNamespace& active = task_active_pid_ns(self);
        if (ns.pid->level() < active.level())
            return Error::from_errno(EINVAL);
        PidNamespace* ancestor = ns.pid.ptr();
        while (ancestor->level() > active.level())
            ancestor = ancestor->parent();
        if (ancestor != &active)
            return Error::from_errno(EINVAL);
        set.nsproxy->pid_ns_for_children = ns.pid;
        return {};
    }
    case CLONE_NEWNS: {
        // mntns_install: a private fs context, CAP_SYS_ADMIN over the namespace, CAP_SYS_CHROOT
        // and CAP_SYS_ADMIN in our (new) user namespace.
        if (self.m_fs && self.m_fs->ref_count() != 1)
            return Error::from_errno(EINVAL);
        UserNamespace& own = *nsset_cred(set).user_ns;
        if (!cred.capable_in(*ns.mnt->user_ns, CAP_SYS_ADMIN) || !cred.capable_in(own, CAP_SYS_CHROOT) ||
            !cred.capable_in(own, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        set.root = TRY(ns.mnt->root_path());
        set.nsproxy->mnt_ns = ns.mnt;
        return {};
    }
    case CLONE_NEWUSER: {
        // Reentering our own namespace would give back every capability.
        if (ns.user.ptr() == cred.user_ns.ptr())
            return Error::from_errno(EINVAL);
        // Tasks that share a thread group or a file system context share a user namespace.
        {
            SpinlockGuard guard(tasklist_lock());
            if (!thread_group_empty(self))
                return Error::from_errno(EINVAL);
        }
        if (self.m_fs && self.m_fs->ref_count() != 1)
            return Error::from_errno(EINVAL);
        if (!cred.capable_in(*ns.user, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        if (!set.cred)
            return Error::from_errno(EINVAL);
        // set_cred_user_ns: every capability in the namespace entered.
        set.cred->securebits = SECUREBITS_DEFAULT;
        set.cred->cap_inheritable = 0;
        set.cred->cap_permitted = CAP_FULL_SET;
        set.cred->cap_effective = CAP_FULL_SET;
        set.cred->cap_ambient = 0;
        set.cred->cap_bset = CAP_FULL_SET;
        set.cred->user_ns = ns.user;
        // set_cred_ucounts: from now on the task counts in (namespace, uid).
        if (set.cred->set_ucounts().is_error())
            return Error::from_errno(EINVAL);
        return {};
    }
    default:
        return Error::from_errno(EINVAL);
    }
}

// validate_nsset for a pidfd: every namespace `flags` names, taken from the target.
ErrorOr<void> install_from_task(NsSet& set, Pid& pid) {
    NsRef user, mnt, uts, ipc, pidns, time;
    {
        SpinlockGuard guard(tasklist_lock());
        Task* task = pid.task();
        if (!task || !task->m_nsproxy)
            return Error::from_errno(ESRCH);
        user = NsRef{CLONE_NEWUSER, nullptr, nullptr, task->m_cred->user_ns};
        uts = NsRef{CLONE_NEWUTS, task->m_nsproxy->uts_ns, nullptr, nullptr};
        mnt.type = CLONE_NEWNS;
        mnt.mnt = task->m_nsproxy->mnt_ns;
        pidns = NsRef{CLONE_NEWPID, nullptr, task_active_pid_ns(*task), nullptr};
        ipc.type = CLONE_NEWIPC;
        ipc.ipc = task->m_nsproxy->ipc_ns;
        time.type = CLONE_NEWTIME;
        time.time = task->m_nsproxy->time_ns;
    }
    // Linux's order: user, mnt, uts, ipc, pid, cgroup, net, time.
    if (set.flags & CLONE_NEWUSER)
        TRY(install(set, user));
    if (set.flags & CLONE_NEWNS)
        TRY(install(set, mnt));
    if (set.flags & CLONE_NEWUTS)
        TRY(install(set, uts));
    if (set.flags & CLONE_NEWIPC)
        TRY(install(set, ipc));
    if (set.flags & CLONE_NEWPID)
        TRY(install(set, pidns));
    if (set.flags & CLONE_NEWTIME)
        TRY(install(set, time));
    return {};
}

}  // namespace

ErrorOr<long> sys_setns(int fd, int flags) {
    Task& self = *current();
    if (!self.m_files)
        return Error::from_errno(EBADF);
    auto file = TRY(self.m_files->get(fd));
    if (file->is_path_only())
        return Error::from_errno(EBADF);
    const NsRef* ns = file->inode() ? ns_of_inode(*file->inode()) : nullptr;
    Pid* pid = file->pidfd_pid();
    uint64_t set_flags;
    if (ns) {
        if (flags && ns->type != flags)
            return Error::from_errno(EINVAL);
        set_flags = uint64_t(ns->type);
    } else if (pid) {
        // check_setns_flags: the kinds Sprout has, as Linux built without the others answers.
        if (!flags || (uint64_t(unsigned(flags)) &
                       ~uint64_t(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME)))
            return Error::from_errno(EINVAL);
        set_flags = uint64_t(unsigned(flags));
    } else {
        return Error::from_errno(EINVAL);
    }
    // prepare_nsset
    NsSet set{set_flags, TRY(NsProxy::create_new_namespaces(0, self, *self.m_cred->user_ns, nullptr)), nullptr};
    if (set_flags & CLONE_NEWUSER)
        set.cred = TRY(self.m_cred->prepare());
    if (ns)
        TRY(install(set, *ns));
    else
        TRY(install_from_task(set, *pid));
    // commit_nsset: the credentials first, then the namespaces.
    if (set.cred)
        commit_creds(NonnullRefPtr<Cred>(*set.cred));
    if (set.root.is_valid() && self.m_fs) {
        self.m_fs->set_root(set.root);
        self.m_fs->set_cwd(set.root);
    }
    // timens_commit: the namespace entered takes no more offset changes.
    if (set_flags & CLONE_NEWTIME)
        set.nsproxy->time_ns->freeze();
    RefPtr<NsProxy> proxy = set.nsproxy;
    {
        SpinlockGuard guard(tasklist_lock());
        self.m_nsproxy.swap(proxy);
    }
    return 0;
}

}  // namespace kernel
