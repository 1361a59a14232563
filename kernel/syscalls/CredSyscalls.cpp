// The credential syscalls (Linux's kernel/sys.c, kernel/groups.c, kernel/capability.c and the
// capability prctls of security/commoncap.c): argument checks and user copies here, the rules
// in task/Cred.cpp, installing the result in task/TaskCred.cpp.
#include <linux/capability.h>
#include <linux/prctl.h>

#include "mm/UserAccess.h"
#include "syscalls/Syscall.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/TaskCred.h"

namespace kernel {

namespace {

const Cred& cred() {
    const Cred* cred = current_cred();
    VERIFY(cred);  // a user task always has credentials
    return *cred;
}

// Commits what a rule computed (null: nothing changes).
ErrorOr<long> commit(ErrorOr<RefPtr<Cred>> result) {
    RefPtr<Cred> cred = TRY(std::move(result));
    if (cred)
        commit_creds(NonnullRefPtr<Cred>(*cred));
    return 0;
}

// The set*uid calls that may change the real uid first mark an over-the-limit user for execve.
ErrorOr<long> commit_uid_change(ErrorOr<RefPtr<Cred>> result) {
    RefPtr<Cred> cred = TRY(std::move(result));
    if (!cred)
        return 0;
    flag_nproc_exceeded(*cred);
    commit_creds(NonnullRefPtr<Cred>(*cred));
    return 0;
}

// ---- ids -------------------------------------------------------------------------------------
// The credentials hold kernel ids; the caller sees and passes those of its user namespace. An
// id without a mapping reads as the overflow id, and is EINVAL as an argument.

const UserNamespace& ns() { return *cred().user_ns; }
uint32_t uid_out(uint32_t kuid) { return from_kuid_munged(ns(), kuid); }
uint32_t gid_out(uint32_t kgid) { return from_kgid_munged(ns(), kgid); }

// make_kuid for an argument: -1 stays -1 (unchanged, or the rule's own EINVAL).
ErrorOr<uint32_t> uid_in(uint32_t uid) {
    uint32_t kuid = make_kuid(ns(), uid);
    if (uid != INVALID_ID && kuid == INVALID_ID)
        return Error::from_errno(EINVAL);
    return kuid;
}
ErrorOr<uint32_t> gid_in(uint32_t gid) {
    uint32_t kgid = make_kgid(ns(), gid);
    if (gid != INVALID_ID && kgid == INVALID_ID)
        return Error::from_errno(EINVAL);
    return kgid;
}

ErrorOr<long> sys_getuid() { return long(uid_out(cred().uid)); }
ErrorOr<long> sys_geteuid() { return uid_out(cred().euid); }
ErrorOr<long> sys_getgid() { return gid_out(cred().gid); }
ErrorOr<long> sys_getegid() { return gid_out(cred().egid); }

ErrorOr<long> sys_setuid(uint32_t uid) { return commit_uid_change(cred_setuid(cred(), TRY(uid_in(uid)))); }
ErrorOr<long> sys_setreuid(uint32_t ruid, uint32_t euid) {
    uint32_t kruid = TRY(uid_in(ruid));
    uint32_t keuid = TRY(uid_in(euid));
    return commit_uid_change(cred_setreuid(cred(), kruid, keuid));
}
ErrorOr<long> sys_setresuid(uint32_t ruid, uint32_t euid, uint32_t suid) {
    uint32_t kruid = TRY(uid_in(ruid));
    uint32_t keuid = TRY(uid_in(euid));
    uint32_t ksuid = TRY(uid_in(suid));
    return commit_uid_change(cred_setresuid(cred(), kruid, keuid, ksuid));
}
ErrorOr<long> sys_setgid(uint32_t gid) { return commit(cred_setgid(cred(), TRY(gid_in(gid)))); }
ErrorOr<long> sys_setregid(uint32_t rgid, uint32_t egid) {
    uint32_t krgid = TRY(gid_in(rgid));
    uint32_t kegid = TRY(gid_in(egid));
    return commit(cred_setregid(cred(), krgid, kegid));
}
ErrorOr<long> sys_setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid) {
    uint32_t krgid = TRY(gid_in(rgid));
    uint32_t kegid = TRY(gid_in(egid));
    uint32_t ksgid = TRY(gid_in(sgid));
    return commit(cred_setresgid(cred(), krgid, kegid, ksgid));
}

// getresuid/getresgid write the three ids in order and stop at the first bad pointer.
ErrorOr<long> put_three(UserPtr<uint32_t> first, uint32_t a, UserPtr<uint32_t> second, uint32_t b,
                        UserPtr<uint32_t> third, uint32_t c) {
    TRY(copy_to_user(first, a));
    TRY(copy_to_user(second, b));
    TRY(copy_to_user(third, c));
    return 0;
}

ErrorOr<long> sys_getresuid(UserPtr<uint32_t> ruid, UserPtr<uint32_t> euid, UserPtr<uint32_t> suid) {
    const Cred& c = cred();
    return put_three(ruid, uid_out(c.uid), euid, uid_out(c.euid), suid, uid_out(c.suid));
}

ErrorOr<long> sys_getresgid(UserPtr<uint32_t> rgid, UserPtr<uint32_t> egid, UserPtr<uint32_t> sgid) {
    const Cred& c = cred();
    return put_three(rgid, gid_out(c.gid), egid, gid_out(c.egid), sgid, gid_out(c.sgid));
}

// setfsuid/setfsgid return the old id whatever happens: there is no error to report.
ErrorOr<long> sys_setfsuid(uint32_t fsuid) {
    uint32_t old = uid_out(cred().fsuid);
    if (RefPtr<Cred> changed = cred_setfsuid(cred(), make_kuid(ns(), fsuid)))
        commit_creds(NonnullRefPtr<Cred>(*changed));
    return old;
}

ErrorOr<long> sys_setfsgid(uint32_t fsgid) {
    uint32_t old = gid_out(cred().fsgid);
    if (RefPtr<Cred> changed = cred_setfsgid(cred(), make_kgid(ns(), fsgid)))
        commit_creds(NonnullRefPtr<Cred>(*changed));
    return old;
}

// ---- supplementary groups (kernel/groups.c) -----------------------------------------------

ErrorOr<long> sys_getgroups(int size, UserPtr<uint32_t> list) {
    if (size < 0)
        return Error::from_errno(EINVAL);
    const Cred& c = cred();
    size_t count = c.group_count();
    if (size) {
        if (count > size_t(size))
            return Error::from_errno(EINVAL);
        for (size_t i = 0; i < count; ++i) {
            uint32_t gid = gid_out(c.groups->data()[i]);
            TRY(copy_to_user(list.address() + i * sizeof(uint32_t), &gid, sizeof(gid)));
        }
    }
    return long(count);
}

ErrorOr<long> sys_setgroups(int size, UserPtr<const uint32_t> list) {
    // may_setgroups: CAP_SETGID in our namespace, and a namespace that allows setgroups (its
    // gid_map written, and setgroups not denied).
    if (!cred().capable(CAP_SETGID) || ns().gid_map().size() == 0 || !ns().setgroups_allowed())
        return Error::from_errno(EPERM);
    if (unsigned(size) > NGROUPS_MAX_COUNT)
        return Error::from_errno(EINVAL);
    auto groups = TRY(GroupInfo::create(size_t(size)));
    if (size)
        TRY(copy_from_user(groups->data(), list.address(), size_t(size) * sizeof(uint32_t)));
    for (size_t i = 0; i < groups->size(); ++i) {
        groups->data()[i] = make_kgid(ns(), groups->data()[i]);
        if (groups->data()[i] == INVALID_ID)
            return Error::from_errno(EINVAL);
    }
    groups->sort();
    return commit(cred_setgroups(cred(), groups));
}

// ---- capget/capset (kernel/capability.c) ----------------------------------------------------

// cap_validate_magic: how many 32-bit words of each set the caller's version transfers. An
// unknown version is answered with the one we prefer, written back, and EINVAL.
ErrorOr<unsigned> validate_magic(UserPtr<__user_cap_header_struct> header) {
    uint32_t version;
    TRY(copy_from_user(&version, header.address(), sizeof(version)));
    switch (version) {
    case _LINUX_CAPABILITY_VERSION_1:
        return _LINUX_CAPABILITY_U32S_1;
    case _LINUX_CAPABILITY_VERSION_2:
    case _LINUX_CAPABILITY_VERSION_3:
        return _LINUX_CAPABILITY_U32S_3;
    default: {
        uint32_t preferred = _LINUX_CAPABILITY_VERSION_3;  // _KERNEL_CAPABILITY_VERSION
        TRY(copy_to_user(header.address(), &preferred, sizeof(preferred)));
        return Error::from_errno(EINVAL);
    }
    }
}

ErrorOr<long> sys_capget(UserPtr<__user_cap_header_struct> header, UserPtr<__user_cap_data_struct> data) {
    auto words = validate_magic(header);
    // A probe with no data pointer learns the version without an error.
    if (data.is_null()) {
        if (words.is_error() && words.error().code() != EINVAL)
            return words.release_error();
        return 0;
    }
    unsigned count = TRY(std::move(words));
    int pid;
    TRY(copy_from_user(&pid, header.address() + sizeof(uint32_t), sizeof(pid)));
    if (pid < 0)
        return Error::from_errno(EINVAL);
    KernelCap effective, permitted, inheritable;
    if (pid && pid != current()->m_tid) {
        // Another task's objective credentials, read under the lock commit_creds swaps them under.
        SpinlockGuard guard(tasklist_lock());
        Task* target = find_task_by_pid(pid);
        if (!target || !target->m_cred)
            return Error::from_errno(ESRCH);
        effective = target->m_cred->cap_effective;
        permitted = target->m_cred->cap_permitted;
        inheritable = target->m_cred->cap_inheritable;
    } else {
        const Cred& c = cred();
        effective = c.cap_effective;
        permitted = c.cap_permitted;
        inheritable = c.cap_inheritable;
    }
    // An old version gets the low word only: older libcap then drops the upper capabilities
    // through a capget/modify/capset sequence, which Linux considers fail-safe.
    __user_cap_data_struct out[_LINUX_CAPABILITY_U32S_3];
    for (unsigned i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i)
        out[i] = {uint32_t(effective >> (32 * i)), uint32_t(permitted >> (32 * i)), uint32_t(inheritable >> (32 * i))};
    TRY(copy_to_user(data.address(), out, count * sizeof(out[0])));
    return 0;
}

ErrorOr<long> sys_capset(UserPtr<__user_cap_header_struct> header, UserPtr<const __user_cap_data_struct> data) {
    unsigned words = TRY(validate_magic(header));
    int pid;
    TRY(copy_from_user(&pid, header.address() + sizeof(uint32_t), sizeof(pid)));
    // Only the caller's own credentials can change.
    if (pid != 0 && pid != current()->m_tid)
        return Error::from_errno(EPERM);
    __user_cap_data_struct in[_LINUX_CAPABILITY_U32S_3]{};
    TRY(copy_from_user(in, data.address(), words * sizeof(in[0])));
    KernelCap effective = 0, permitted = 0, inheritable = 0;
    for (unsigned i = 0; i < words; ++i) {
        effective |= KernelCap(in[i].effective) << (32 * i);
        permitted |= KernelCap(in[i].permitted) << (32 * i);
        inheritable |= KernelCap(in[i].inheritable) << (32 * i);
    }
    return commit(cred_capset(cred(), effective, inheritable, permitted));
}

}  // namespace

// ---- the capability prctls (cap_task_prctl) -------------------------------------------------

ErrorOr<long> cred_prctl(int option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5) {
    const Cred& c = cred();
    switch (option) {
    case PR_CAPBSET_READ:
        if (!cap_is_valid(arg2))
            return Error::from_errno(EINVAL);
        return long(cap_raised(c.cap_bset, int(arg2)));
    case PR_CAPBSET_DROP:
        return commit(cred_capbset_drop(c, arg2));
    case PR_SET_SECUREBITS:
        return commit(cred_set_securebits(c, arg2));
    case PR_GET_SECUREBITS:
        return long(c.securebits);
    case PR_GET_KEEPCAPS:
        return long(c.issecure(SECURE_KEEP_CAPS));
    case PR_SET_KEEPCAPS:
        return commit(cred_set_keepcaps(c, arg2));
    case PR_CAP_AMBIENT:
        if (arg2 == PR_CAP_AMBIENT_CLEAR_ALL) {
            if (arg3 | arg4 | arg5)
                return Error::from_errno(EINVAL);
            return commit(cred_ambient(c, arg2, 0));
        }
        if (!cap_is_valid(arg3) || arg4 || arg5)
            return Error::from_errno(EINVAL);
        if (arg2 == PR_CAP_AMBIENT_IS_SET)
            return long(cap_raised(c.cap_ambient, int(arg3)));
        return commit(cred_ambient(c, arg2, arg3));
    default:
        return Error::from_errno(ENOSYS);  // not a capability option: prctl goes on
    }
}

void register_cred_syscalls(SyscallTable& table) {
    table.add<sys_getuid>(__NR_getuid);
    table.add<sys_geteuid>(__NR_geteuid);
    table.add<sys_getgid>(__NR_getgid);
    table.add<sys_getegid>(__NR_getegid);
    table.add<sys_setuid>(__NR_setuid);
    table.add<sys_setgid>(__NR_setgid);
    table.add<sys_setreuid>(__NR_setreuid);
    table.add<sys_setregid>(__NR_setregid);
    table.add<sys_setresuid>(__NR_setresuid);
    table.add<sys_getresuid>(__NR_getresuid);
    table.add<sys_setresgid>(__NR_setresgid);
    table.add<sys_getresgid>(__NR_getresgid);
    table.add<sys_setfsuid>(__NR_setfsuid);
    table.add<sys_setfsgid>(__NR_setfsgid);
    table.add<sys_getgroups>(__NR_getgroups);
    table.add<sys_setgroups>(__NR_setgroups);
    table.add<sys_capget>(__NR_capget);
    table.add<sys_capset>(__NR_capset);
}

}  // namespace kernel
