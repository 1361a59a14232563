#pragma once
// The namespaces a task lives in (Linux's nsproxy): its uts, ipc, mount and time namespaces,
// and the pid and time namespaces its children are created in. Immutable once published, as
// Linux's: unshare, setns and clone with CLONE_NEW* make a new NsProxy and swap the pointer.
// The task's own pid namespace is that of its Pid (task_active_pid_ns), which never changes.
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

// Linux's ipc_namespace: what SysV IPC and POSIX message queues would be private to. Sprout has
// neither (their system calls are ENOSYS), so a namespace is only its owner and its number.
class IpcNamespace : public RefCounted<IpcNamespace> {
public:
    static IpcNamespace& initial();
    // copy_ipcs: a new, empty namespace owned by `user_ns`.
    static ErrorOr<NonnullRefPtr<IpcNamespace>> create(UserNamespace& user_ns);

    RefPtr<UserNamespace> user_ns{UserNamespace::initial()};  // ipcns_install's CAP_SYS_ADMIN
    uint32_t inum{PROC_IPC_INIT_INO};
};

// Linux's timespec64 of a time namespace offset: seconds (signed) and nanoseconds [0, 1e9).
struct TimensOffset {
    int64_t tv_sec{0};
    int64_t tv_nsec{0};
    int64_t ns() const { return tv_sec * 1'000'000'000LL + tv_nsec; }
};

// Linux's time_namespace: offsets added to CLOCK_MONOTONIC (and its RAW and COARSE variants)
// and CLOCK_BOOTTIME as its tasks read them. The offsets may be set (timens_offsets) until a
// task enters the namespace (`frozen_offsets`, set by timens_commit).
class TimeNamespace : public RefCounted<TimeNamespace> {
public:
    static TimeNamespace& initial();
    // clone_time_ns: a copy of `old`'s offsets, not frozen, owned by `user_ns`.
    static ErrorOr<NonnullRefPtr<TimeNamespace>> clone(TimeNamespace& old, UserNamespace& user_ns);

    struct Offsets {
        TimensOffset monotonic;
        TimensOffset boottime;
    };
    Offsets offsets() const;
    // proc_timens_set_offset's last step under offset_lock: EACCES once frozen.
    ErrorOr<void> set_offsets(const TimensOffset* monotonic, const TimensOffset* boottime);
    // timens_set_vvar_page's part that matters without a vDSO: no more offset changes.
    void freeze();

    RefPtr<UserNamespace> user_ns{UserNamespace::initial()};
    uint32_t inum{PROC_TIME_INIT_INO};

private:
    mutable Spinlock m_lock;  // offset_lock
    Offsets m_offsets;
    bool m_frozen{false};
};

class NsProxy : public RefCounted<NsProxy> {
public:
    // init's: the initial namespaces.
    static ErrorOr<NonnullRefPtr<NsProxy>> create_initial();
    // Linux's create_new_namespaces: a copy of `task`'s proxy with a new namespace of each kind
    // `flags` asks for, owned by `user_ns`. CLONE_NEWPID fails with EINVAL when the task has already unshared one
    // that has no process yet, ENOSPC beyond MAX_PID_NS_LEVEL levels; the kinds Sprout lacks
    // (net, cgroup) are EINVAL, as Linux built without them answers. CLONE_NEWTIME changes
    // only time_ns_for_children.
    // CLONE_NEWNS moves `new_fs`'s root and cwd into the copied tree.
    static ErrorOr<NonnullRefPtr<NsProxy>> create_new_namespaces(uint64_t flags, const Task& task,
                                                                 UserNamespace& user_ns, FsStruct* new_fs);

    RefPtr<UtsNamespace> uts_ns;
    RefPtr<PidNamespace> pid_ns_for_children;
    RefPtr<MntNamespace> mnt_ns;
    RefPtr<IpcNamespace> ipc_ns;
    RefPtr<TimeNamespace> time_ns;               // the task's clocks
    RefPtr<TimeNamespace> time_ns_for_children;  // what fork (or exec) moves into
};

// The CLONE_NEW* flags; Sprout has the user, mount, uts, ipc, pid and time kinds.
inline constexpr uint64_t CLONE_NEW_ANY = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                          CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

// Linux's copy_namespaces for fork: share the parent's proxy, or (CLONE_NEW* but
// CLONE_NEWUSER: CAP_SYS_ADMIN in the child's user namespace, else EPERM) a new one.
ErrorOr<void> copy_namespaces(uint64_t flags, Task& p, const Task& parent);

// timens_on_fork: a new proxy's task enters time_ns_for_children (when it differs), which
// freezes that namespace's offsets (timens_commit).
void timens_on_fork(NsProxy& proxy);

// The clocks as the current task's time namespace shows them (timens_add_monotonic,
// timens_add_boottime), and an absolute time of the namespace's clock `clock_id` on the
// host's clock (timens_ktime_to_host: 0 when before the offset). Other clocks are unchanged.
uint64_t timens_add_monotonic(uint64_t host_ns);
uint64_t timens_add_boottime(uint64_t host_ns);
uint64_t timens_ktime_to_host(int clock_id, uint64_t ns);

// Linux's zap_pid_ns_processes: the namespace's reaper is dying. No process may enter the
// namespace any more; every other one gets SIGKILL, and the caller waits until they are gone.
void zap_pid_ns_processes(PidNamespace& ns);

}  // namespace kernel
