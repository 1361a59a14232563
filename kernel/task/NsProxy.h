#pragma once
// The namespaces a task lives in (Linux's nsproxy): its uts namespace and the pid namespace its
// children are created in. Immutable once published, as Linux's: unshare and clone with
// CLONE_NEW* make a new NsProxy and swap the pointer. The task's own pid namespace is that of
// its Pid (task_active_pid_ns), which never changes.
#include <linux/sched.h>
#include <linux/utsname.h>

#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"
#include "fs/FsStruct.h"
#include "task/Pid.h"

namespace kernel {

struct Task;

// Linux's uts_namespace: what uname(2) reports. The names are written by sethostname and
// setdomainname under `lock` (Linux's uts_sem).
class UtsNamespace : public RefCounted<UtsNamespace> {
public:
    static UtsNamespace& initial();
    // copy_utsname / clone_uts_ns: a copy of `old`'s names, owned by `user_ns`.
    static ErrorOr<NonnullRefPtr<UtsNamespace>> clone(UtsNamespace& old, UserNamespace& user_ns);

    Spinlock lock;
    new_utsname name{};
    RefPtr<UserNamespace> user_ns{UserNamespace::initial()};  // the owner: sethostname's CAP_SYS_ADMIN
    uint32_t inum{PROC_UTS_INIT_INO};
};

// Linux's mnt_namespace: a tree of mounts of its own. The initial namespace is the tree the
// root file system heads (no root kept here: it lives as long as the system); a new one holds
// the root of its copy and detaches the tree when it dies (put_mnt_ns's umount_tree).
class MntNamespace : public RefCounted<MntNamespace> {
public:
    static MntNamespace& initial();
    // copy_mnt_ns: a copy of the tree `fs`'s root is in, owned by `user_ns` (its mounts locked
    // when that is another owner than `old`'s); `fs`'s root and cwd move to the copies.
    static ErrorOr<NonnullRefPtr<MntNamespace>> copy(MntNamespace& old, UserNamespace& user_ns, FsStruct& fs);
    ~MntNamespace();

    uint32_t tree_id() const { return m_root ? inum : 0; }  // Mount::ns_id of its mounts
    // The root of the tree (setns's new root and cwd). ENOENT before the root file system.
    ErrorOr<Path> root_path() const;
    RefPtr<UserNamespace> user_ns{UserNamespace::initial()};
    uint32_t inum{0};

private:
    RefPtr<Mount> m_root;
};

class NsProxy : public RefCounted<NsProxy> {
public:
    // init's: the initial namespaces.
    static ErrorOr<NonnullRefPtr<NsProxy>> create_initial();
    // Linux's create_new_namespaces: a copy of `task`'s proxy with a new namespace of each kind
    // `flags` asks for, owned by `user_ns`. CLONE_NEWPID fails with EINVAL when the task has already unshared one
    // that has no process yet, ENOSPC beyond MAX_PID_NS_LEVEL levels; the kinds Sprout lacks
    // (mount, ipc, net, cgroup, time) are EINVAL, as Linux built without them answers.
    // CLONE_NEWNS moves `new_fs`'s root and cwd into the copied tree.
    static ErrorOr<NonnullRefPtr<NsProxy>> create_new_namespaces(uint64_t flags, const Task& task,
                                                                 UserNamespace& user_ns, FsStruct* new_fs);

    RefPtr<UtsNamespace> uts_ns;
    RefPtr<PidNamespace> pid_ns_for_children;
    RefPtr<MntNamespace> mnt_ns;
};

// The CLONE_NEW* flags; Sprout has the user, mount, uts and pid kinds.
inline constexpr uint64_t CLONE_NEW_ANY = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                          CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

// Linux's copy_namespaces for fork: share the parent's proxy, or (CLONE_NEW* but
// CLONE_NEWUSER: CAP_SYS_ADMIN in the child's user namespace, else EPERM) a new one.
ErrorOr<void> copy_namespaces(uint64_t flags, Task& p, const Task& parent);

// Linux's zap_pid_ns_processes: the namespace's reaper is dying. No process may enter the
// namespace any more; every other one gets SIGKILL, and the caller waits until they are gone.
void zap_pid_ns_processes(PidNamespace& ns);

}  // namespace kernel
