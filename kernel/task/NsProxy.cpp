// Namespaces (Linux's kernel/nsproxy.c, kernel/pid_namespace.c, kernel/utsname.c,
// ipc/namespace.c and kernel/time/namespace.c): the pid, uts, ipc, mount and time namespace
// objects, the NsProxy that groups them, copy_namespaces for fork, the time namespaces' clock
// offsets, and the end of a pid namespace (zap_pid_ns_processes).
#include "task/NsProxy.h"

#include <linux/capability.h>
#include <linux/time.h>

#include "fs/Initramfs.h"
#include "fs/Vfs.h"
#include "lib/OwnPtr.h"
#include "task/Cred.h"
#include "task/Exit.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"

namespace kernel {

// ---- pid namespaces -------------------------------------------------------------------------

PidNamespace& PidNamespace::initial() {
    // Built on first use and never destroyed (no destructor runs for it).
    alignas(PidNamespace) static unsigned char storage[sizeof(PidNamespace)];
    static PidNamespace* ns = new (storage) PidNamespace(0, nullptr);
    return *ns;
}

ErrorOr<NonnullRefPtr<PidNamespace>> PidNamespace::create(PidNamespace& parent, UserNamespace& user_ns) {
    if (!parent.user_ns->is_ancestor_of(user_ns))
        return Error::from_errno(EINVAL);
    unsigned level = parent.level() + 1;
    if (level > MAX_PID_NS_LEVEL)
        return Error::from_errno(ENOSPC);
    auto* ns = new (std::nothrow) PidNamespace(level, &parent);
    if (!ns)
        return Error::from_errno(ENOMEM);
    parent.ref();
    ns->user_ns = user_ns;
    ns->inum = proc_alloc_inum();
    return adopt_ref(*ns);
}

PidNamespace::~PidNamespace() {
    if (m_parent)
        m_parent->unref();
}

// ---- uts namespaces -------------------------------------------------------------------------

UtsNamespace& UtsNamespace::initial() {
    alignas(UtsNamespace) static unsigned char storage[sizeof(UtsNamespace)];
    static UtsNamespace* ns = [] {
        auto* uts = new (storage) UtsNamespace;
        auto set = [](char* field, const char* value) {
            for (size_t i = 0; value[i] && i < __NEW_UTS_LEN; ++i)
                field[i] = value[i];
        };
        // "Linux" because programs test for it (as gVisor and WSL answer); the release says
        // which kernel this really is. Linux's nodename and domainname before anyone sets them.
        set(uts->name.sysname, "Linux");
        set(uts->name.nodename, "(none)");
        set(uts->name.release, "6.1.0-sprout");
        set(uts->name.version, "#1 SMP PREEMPT_DYNAMIC Sprout");
        set(uts->name.machine, "x86_64");
        set(uts->name.domainname, "(none)");
        return uts;
    }();
    return *ns;
}

ErrorOr<NonnullRefPtr<UtsNamespace>> UtsNamespace::clone(UtsNamespace& old, UserNamespace& user_ns) {
    auto uts = TRY(try_make_ref_counted<UtsNamespace>());
    uts->user_ns = user_ns;
    uts->inum = proc_alloc_inum();
    SpinlockGuard guard(old.lock);
    uts->name = old.name;
    return uts;
}

// ---- ipc namespaces --------------------------------------------------------------------------

IpcNamespace& IpcNamespace::initial() {
    alignas(IpcNamespace) static unsigned char storage[sizeof(IpcNamespace)];
    static IpcNamespace* ns = [] {
        auto* ipc = new (storage) IpcNamespace;
        ipc->ref();  // never freed
        return ipc;
    }();
    return *ns;
}

ErrorOr<NonnullRefPtr<IpcNamespace>> IpcNamespace::create(UserNamespace& user_ns) {
    auto ns = TRY(try_make_ref_counted<IpcNamespace>());
    ns->user_ns = user_ns;
    ns->inum = proc_alloc_inum();
    return ns;
}

// ---- time namespaces (kernel/time/namespace.c) ----------------------------------------------------

TimeNamespace& TimeNamespace::initial() {
    alignas(TimeNamespace) static unsigned char storage[sizeof(TimeNamespace)];
    static TimeNamespace* ns = [] {
        auto* time = new (storage) TimeNamespace;
        time->m_frozen = true;  // init_time_ns: zero offsets, for good
        time->ref();
        return time;
    }();
    return *ns;
}

ErrorOr<NonnullRefPtr<TimeNamespace>> TimeNamespace::clone(TimeNamespace& old, UserNamespace& user_ns) {
    auto ns = TRY(try_make_ref_counted<TimeNamespace>());
    ns->user_ns = user_ns;
    ns->inum = proc_alloc_inum();
    ns->m_offsets = old.offsets();
    return ns;
}

TimeNamespace::Offsets TimeNamespace::offsets() const {
    SpinlockGuard guard(m_lock);
    return m_offsets;
}

ErrorOr<void> TimeNamespace::set_offsets(const TimensOffset* monotonic, const TimensOffset* boottime) {
    SpinlockGuard guard(m_lock);
    if (m_frozen)
        return Error::from_errno(EACCES);
    if (monotonic)
        m_offsets.monotonic = *monotonic;
    if (boottime)
        m_offsets.boottime = *boottime;
    return {};
}

void TimeNamespace::freeze() {
    SpinlockGuard guard(m_lock);
    m_frozen = true;
}

void timens_on_fork(NsProxy& proxy) {
    if (proxy.time_ns == proxy.time_ns_for_children)
        return;
    proxy.time_ns = proxy.time_ns_for_children;
    proxy.time_ns->freeze();  // timens_commit
}

namespace {

// The current task's offset of `clock_id` (0 outside a time namespace or for other clocks).
int64_t timens_offset_ns(int clock_id) {
    Task* task = current();
    if (!task || !task->m_nsproxy)
        return 0;
    TimeNamespace& ns = *task->m_nsproxy->time_ns;
    if (&ns == &TimeNamespace::initial())
        return 0;
    switch (clock_id) {
    case CLOCK_MONOTONIC:
        return ns.offsets().monotonic.ns();
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
        return ns.offsets().boottime.ns();
    default:
        return 0;
    }
}

}  // namespace

// The offsets were checked to keep the namespace's clocks at or above 0 when they were set, so
// the sums do not wrap.
uint64_t timens_add_monotonic(uint64_t host_ns) { return host_ns + uint64_t(timens_offset_ns(CLOCK_MONOTONIC)); }
uint64_t timens_add_boottime(uint64_t host_ns) { return host_ns + uint64_t(timens_offset_ns(CLOCK_BOOTTIME)); }

uint64_t timens_ktime_to_host(int clock_id, uint64_t ns) {
    int64_t offset = timens_offset_ns(clock_id);
    // An absolute time before the offset has already passed.
    if (offset > 0 && ns < uint64_t(offset))
        return 0;
    uint64_t host = ns - uint64_t(offset);
    if (offset < 0 && host < ns)  // past KTIME_MAX
        return uint64_t(INT64_MAX);
    return host > uint64_t(INT64_MAX) ? uint64_t(INT64_MAX) : host;
}

// ---- mount namespaces ---------------------------------------------------------------------------

MntNamespace& MntNamespace::initial() {
    alignas(MntNamespace) static unsigned char storage[sizeof(MntNamespace)];
    static MntNamespace* ns = [] {
        auto* mnt = new (storage) MntNamespace;
        mnt->inum = proc_alloc_inum();
        mnt->ref();  // never freed
        return mnt;
    }();
    return *ns;
}

ErrorOr<NonnullRefPtr<MntNamespace>> MntNamespace::copy(MntNamespace& old, UserNamespace& user_ns, FsStruct& fs) {
    auto ns = TRY(try_make_ref_counted<MntNamespace>());
    ns->user_ns = user_ns;
    ns->inum = proc_alloc_inum();
    Path root = fs.root();
    if (!root.is_valid())
        return Error::from_errno(EINVAL);
    Mount* top;
    {
        SpinlockGuard guard(vfs_namespace_lock());
        top = root.mount.ptr();
        while (top->parent_locked())
            top = top->parent_locked();
    }
    // A less privileged owner may not take mounts apart to see what they cover.
    bool lock = old.user_ns.ptr() != &user_ns;
    auto copy = TRY(Mount::copy_tree(*top, ns->inum, lock));
    ns->m_root = copy.root();
    fs.set_root(copy.translate(fs.root()));
    fs.set_cwd(copy.translate(fs.cwd()));
    return ns;
}

ErrorOr<Path> MntNamespace::root_path() const {
    if (!m_root)
        return rootfs_root();
    return Path{m_root, &m_root->root()};
}

MntNamespace::~MntNamespace() {
    if (!m_root)
        return;
    Mount::Graveyard graveyard;  // after the guard: drops the detached tree
    SpinlockGuard guard(vfs_namespace_lock());
    m_root->detach_all_below_locked(graveyard);
}

uint32_t current_mnt_ns_id() {
    Task* task = current();
    return task && task->m_nsproxy ? task->m_nsproxy->mnt_ns->tree_id() : 0;
}

bool may_mount() {
    Task* task = current();
    UserNamespace& owner = task && task->m_nsproxy ? *task->m_nsproxy->mnt_ns->user_ns : UserNamespace::initial();
    return ns_capable(owner, CAP_SYS_ADMIN);
}

bool mount_capable(StringView type) {
    Task* task = current();
    if (!task)
        return true;
    if (type == "tmpfs" || type == "ramfs")
        return ns_capable(current_user_ns(), CAP_SYS_ADMIN);
    if (type == "proc")
        return ns_capable(*task_active_pid_ns(*task).user_ns, CAP_SYS_ADMIN);
    return capable(CAP_SYS_ADMIN);
}

// ---- NsProxy ----------------------------------------------------------------------------------

ErrorOr<NonnullRefPtr<NsProxy>> NsProxy::create_initial() {
    auto proxy = TRY(try_make_ref_counted<NsProxy>());
    proxy->uts_ns = UtsNamespace::initial();
    proxy->pid_ns_for_children = PidNamespace::initial();
    proxy->mnt_ns = MntNamespace::initial();
    proxy->ipc_ns = IpcNamespace::initial();
    proxy->time_ns = TimeNamespace::initial();
    proxy->time_ns_for_children = TimeNamespace::initial();
    return proxy;
}

ErrorOr<NonnullRefPtr<NsProxy>> NsProxy::create_new_namespaces(uint64_t flags, const Task& task,
                                                               UserNamespace& user_ns, FsStruct* new_fs) {
    const NsProxy& old = *task.m_nsproxy;
    auto proxy = TRY(try_make_ref_counted<NsProxy>());
    // Linux's order: mount, uts, ipc, pid, cgroup, net, time. Sprout has no net or cgroup
    // namespaces: EINVAL, as Linux built without them (CONFIG_*_NS off) answers.
    if ((flags & CLONE_NEWNS) && new_fs)
        proxy->mnt_ns = TRY(MntNamespace::copy(*old.mnt_ns, user_ns, *new_fs));
    else
        proxy->mnt_ns = old.mnt_ns;
    proxy->uts_ns = (flags & CLONE_NEWUTS) ? RefPtr<UtsNamespace>(TRY(UtsNamespace::clone(*old.uts_ns, user_ns))) : old.uts_ns;
    proxy->ipc_ns = (flags & CLONE_NEWIPC) ? RefPtr<IpcNamespace>(TRY(IpcNamespace::create(user_ns))) : old.ipc_ns;
    if (flags & CLONE_NEWPID) {
        // copy_pid_ns: a second unshare before a process has entered the first is refused.
        PidNamespace& active = task_active_pid_ns(task);
        if (old.pid_ns_for_children.ptr() != &active)
            return Error::from_errno(EINVAL);
        proxy->pid_ns_for_children = TRY(PidNamespace::create(active, user_ns));
    } else {
        proxy->pid_ns_for_children = old.pid_ns_for_children;
    }
    if (flags & (CLONE_NEWCGROUP | CLONE_NEWNET))
        return Error::from_errno(EINVAL);
    // copy_time_ns: a new namespace for the children, with the offsets of the one it copies;
    // the task's own clocks stay.
    proxy->time_ns_for_children = (flags & CLONE_NEWTIME)
                                      ? RefPtr<TimeNamespace>(TRY(TimeNamespace::clone(*old.time_ns_for_children, user_ns)))
                                      : old.time_ns_for_children;
    proxy->time_ns = old.time_ns;
    return proxy;
}

ErrorOr<void> copy_namespaces(uint64_t flags, Task& p, const Task& parent) {
    const NsProxy& old = *parent.m_nsproxy;
    // The child's user namespace owns what it creates; the parent needs CAP_SYS_ADMIN there
    // (which it has in a user namespace it has just made for the child).
    UserNamespace& user_ns = *p.m_cred->user_ns;
    if (!(flags & CLONE_NEW_ANY & ~uint64_t(CLONE_NEWUSER))) {
        // A new user namespace alone changes nothing here: it lives in the credentials.
        if (old.time_ns_for_children == old.time_ns) {
            p.m_nsproxy = parent.m_nsproxy;
            return {};
        }
    } else if (!parent.m_cred->capable_in(user_ns, CAP_SYS_ADMIN)) {
        return Error::from_errno(EPERM);
    }
    // CLONE_SYSVSEM shares the semaphore undo list, which belongs to the old ipc namespace.
    if ((flags & (CLONE_NEWIPC | CLONE_SYSVSEM)) == (CLONE_NEWIPC | CLONE_SYSVSEM))
        return Error::from_errno(EINVAL);
    auto proxy = TRY(NsProxy::create_new_namespaces(flags, parent, user_ns, p.m_fs.ptr()));
    timens_on_fork(*proxy);
    p.m_nsproxy = std::move(proxy);
    return {};
}

// ---- The end of a pid namespace ---------------------------------------------------------------

void zap_pid_ns_processes(PidNamespace& ns) {
    Task& me = *current();
    {
        SpinlockGuard guard(tasklist_lock());
        ns.adding = false;  // no process may enter any more (disable_pid_allocation)
        ns.zapper = &me;
    }
    // Children that die from now on are reaped at once.
    {
        SpinlockGuard guard(me.m_sighand->siglock);
        me.m_sighand->action[SIGCHLD - 1].handler = uint64_t(SIG_IGN);
    }
    {
        SpinlockGuard guard(tasklist_lock());
        for (int from = 2;;) {
            Task* task = next_task_by_pid_locked(ns, from, [&](Task& t) { return t.m_signal != me.m_signal; });
            if (!task)
                break;
            if (!fatal_signal_pending(*task))
                (void)send_signal_to_group(*task, SIGKILL, make_kernel_info(SIGKILL));
            from = task_pid_nr_ns(*task, ns) + 1;
        }
    }
    // Reap the zombies we had before SIGCHLD was ignored, and wait for the rest of our children.
    reap_all_children();
    // Processes of the namespace whose parent is outside it stay until that parent reaps them:
    // once the reaper is gone, nothing in the namespace is left.
    for (;;) {
        set_current_state(TaskState::Uninterruptible);
        bool others;
        {
            SpinlockGuard guard(tasklist_lock());
            others = next_task_by_pid_locked(ns, 1, [&](Task& t) { return t.m_signal != me.m_signal; });
        }
        if (!others)
            break;
        schedule();
    }
    set_current_state(TaskState::Running);
    SpinlockGuard guard(tasklist_lock());
    ns.zapper = nullptr;
}

}  // namespace kernel
