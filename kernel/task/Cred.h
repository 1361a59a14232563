#pragma once
// Credentials (Linux's struct cred, kernel/cred.c): who a task acts as. Immutable once
// published: a change makes a new Cred (prepare()) and swaps the task's pointer
// (commit_creds), so CLONE_* never "shares" creds — fork takes a reference to the same object
// (copy_creds).
//
// The rules that compute new credentials — kernel/sys.c's set*id family and setgroups,
// security/commoncap.c's capability transitions (cap_task_fix_setuid, capset, the prctls,
// cap_bprm_creds_from_file at execve) — are plain functions of the old Cred here (task/Cred.cpp,
// built hosted too), so they are unit-tested without a task. Installing the result on a task
// and the per-user process count that moves with it are in task/TaskCred.cpp.
//
// Ids are kernel ids (Linux's kuid_t/kgid_t): the initial user namespace's numbers, which the
// syscalls translate through the caller's namespace (task/UserNamespace.h); (uid_t)-1 is never
// a valid id.
#include <linux/capability.h>
#include <linux/securebits.h>

#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"
#include "task/UserNamespace.h"

namespace kernel {

// A capability set (kernel_cap_t): bit N is capability N, CAP_CHOWN (0) to CAP_LAST_CAP (40).
using KernelCap = uint64_t;
inline constexpr KernelCap cap_to_mask(int cap) { return KernelCap(1) << cap; }
inline constexpr KernelCap CAP_FULL_SET = cap_to_mask(CAP_LAST_CAP + 1) - 1;
inline constexpr bool cap_is_valid(unsigned long cap) { return cap <= CAP_LAST_CAP; }
inline constexpr bool cap_raised(KernelCap set, int cap) { return set & cap_to_mask(cap); }
inline constexpr bool cap_issubset(KernelCap a, KernelCap set) { return !(a & ~set); }
// The capabilities that follow the fsuid between 0 and non-0 (include/linux/capability.h's
// CAP_FS_SET: CAP_FS_MASK plus CAP_LINUX_IMMUTABLE).
inline constexpr KernelCap CAP_FS_SET = cap_to_mask(CAP_CHOWN) | cap_to_mask(CAP_MKNOD) |
                                        cap_to_mask(CAP_DAC_OVERRIDE) | cap_to_mask(CAP_DAC_READ_SEARCH) |
                                        cap_to_mask(CAP_FOWNER) | cap_to_mask(CAP_FSETID) |
                                        cap_to_mask(CAP_LINUX_IMMUTABLE) | cap_to_mask(CAP_MAC_OVERRIDE);

inline constexpr uint32_t INVALID_ID = 0xffffffff;    // (uid_t)-1: "leave unchanged" in set*id
inline constexpr size_t NGROUPS_MAX_COUNT = 65536;    // NGROUPS_MAX (<linux/limits.h>)

// Supplementary groups (struct group_info): sorted, so membership is a binary search
// (groups_search). Immutable once a Cred holds it.
class GroupInfo : public RefCounted<GroupInfo> {
public:
    // `count` gids, uninitialised (groups_alloc). ENOMEM.
    static ErrorOr<NonnullRefPtr<GroupInfo>> create(size_t count);
    ~GroupInfo();

    size_t size() const { return m_count; }
    uint32_t* data() { return m_gids; }
    const uint32_t* data() const { return m_gids; }
    void sort();  // groups_sort: ascending, duplicates kept
    bool contains(uint32_t gid) const;

private:
    GroupInfo(uint32_t* gids, size_t count) : m_gids(gids), m_count(count) {}
    uint32_t* m_gids;
    size_t m_count;
};

// What one uid of one user namespace owns (Linux's ucounts): the number of tasks whose real
// uid it is and that live in that namespace, which RLIMIT_NPROC limits. One object per (namespace,
// uid) in use, found through a hash table; the last reference removes it (put_ucounts takes the
// table lock to decrement). A task counts at every level up to the initial namespace: in its
// own (namespace, uid), then in each namespace's creator's (parent, owner) — Linux's chain of
// ns->ucounts.
class UserCounts {
public:
    // alloc_ucounts: the counts of (ns, uid), created on first use. ENOMEM.
    static ErrorOr<NonnullRefPtr<UserCounts>> get(const UserNamespace& ns, uint32_t uid);
    static ErrorOr<NonnullRefPtr<UserCounts>> get(uint32_t uid);  // in the initial namespace

    uint32_t uid() const { return m_uid; }
    const UserNamespace& ns() const { return *m_ns; }
    long nproc() const { return m_nproc.load(std::memory_order_relaxed); }
    // inc_rlimit_ucounts / dec_rlimit_ucounts: this level and every one above it.
    void inc_nproc();
    void dec_nproc();
    // is_rlimit_overlimit: more tasks than `limit` here, or than a namespace's captured limit
    // (rlimit_max_nproc) at the level above it (RLIM_INFINITY is never exceeded).
    bool nproc_over(uint64_t limit) const;

    void ref() const;
    void unref() const;
    // For tests: how many (namespace, uid) pairs have counts now.
    static size_t nr_in_use();

private:
    UserCounts(const UserNamespace& ns, uint32_t uid) : m_ns(&ns), m_uid(uid) {}
    friend class UserCountsTable;
    const UserNamespace* m_ns;  // kept alive by the credentials (or child namespace) holding us
    uint32_t m_uid;
    mutable long m_refs{1};  // guarded by the table lock
    std::atomic<long> m_nproc{0};
    UserCounts* m_next{nullptr};  // hash chain
};

class Cred : public RefCounted<Cred> {
public:
    // Root with every capability (init_cred): ucounts of uid 0, no supplementary groups. ENOMEM.
    static ErrorOr<NonnullRefPtr<Cred>> create_root();
    // prepare_creds: a private copy to change and then commit. ENOMEM.
    ErrorOr<NonnullRefPtr<Cred>> prepare() const;

    uint32_t uid{0}, euid{0}, suid{0}, fsuid{0};
    uint32_t gid{0}, egid{0}, sgid{0}, fsgid{0};
    unsigned securebits{SECUREBITS_DEFAULT};
    KernelCap cap_inheritable{0};
    KernelCap cap_permitted{CAP_FULL_SET};
    KernelCap cap_effective{CAP_FULL_SET};
    KernelCap cap_bset{CAP_FULL_SET};
    KernelCap cap_ambient{0};
    RefPtr<UserCounts> ucounts;  // the real uid's (Linux's cred->ucounts and cred->user)
    RefPtr<GroupInfo> groups;    // null: none
    RefPtr<UserNamespace> user_ns{UserNamespace::initial()};

    // Held in the credentials' own user namespace (ns_capable(cred->user_ns, ...)): the
    // effective set.
    bool capable(int capability) const { return cap_raised(cap_effective, capability); }
    // cap_capable: held in `ns`. In its own namespace a task has its effective set; in a
    // descendant namespace, all of them when its euid owns the child of its own namespace on
    // the way; nothing elsewhere.
    bool capable_in(const UserNamespace& ns, int capability) const;
    bool issecure(int bit) const { return securebits & issecure_mask(bit); }
    // in_group_p: the fsgid or a supplementary group.
    bool in_group(uint32_t gid) const;
    size_t group_count() const { return groups ? groups->size() : 0; }

    // One more / one fewer task whose real uid this is (copy_creds, release_task).
    void inc_nproc() const;
    void dec_nproc() const;
    // set_cred_ucounts: the counts of (user_ns, uid), when those are not already held. ENOMEM.
    ErrorOr<void> set_ucounts();
};

// ---- The rules (kernel/sys.c, security/commoncap.c) -----------------------------------------
// Each takes the caller's credentials and the syscall's arguments and returns the credentials
// to commit, null when nothing changes, or the errno Linux gives. Ids are the 32-bit values of
// the arguments (INVALID_ID is -1).

ErrorOr<RefPtr<Cred>> cred_setuid(const Cred& old, uint32_t uid);
ErrorOr<RefPtr<Cred>> cred_setgid(const Cred& old, uint32_t gid);
ErrorOr<RefPtr<Cred>> cred_setreuid(const Cred& old, uint32_t ruid, uint32_t euid);
ErrorOr<RefPtr<Cred>> cred_setregid(const Cred& old, uint32_t rgid, uint32_t egid);
ErrorOr<RefPtr<Cred>> cred_setresuid(const Cred& old, uint32_t ruid, uint32_t euid, uint32_t suid);
ErrorOr<RefPtr<Cred>> cred_setresgid(const Cred& old, uint32_t rgid, uint32_t egid, uint32_t sgid);
// setfsuid/setfsgid never fail: null when refused or unchanged (the caller returns the old id).
RefPtr<Cred> cred_setfsuid(const Cred& old, uint32_t fsuid);
RefPtr<Cred> cred_setfsgid(const Cred& old, uint32_t fsgid);
// set_current_groups: `groups` sorted already. CAP_SETGID is the caller's check (EPERM first).
ErrorOr<RefPtr<Cred>> cred_setgroups(const Cred& old, NonnullRefPtr<GroupInfo> groups);
// cap_capset: the three sets as capset(2) gives them (masked to valid capabilities).
ErrorOr<RefPtr<Cred>> cred_capset(const Cred& old, KernelCap effective, KernelCap inheritable, KernelCap permitted);
// cap_task_prctl for the options that change credentials: PR_CAPBSET_DROP, PR_SET_SECUREBITS,
// PR_SET_KEEPCAPS and PR_CAP_AMBIENT; the options that only read are answered from the Cred.
ErrorOr<RefPtr<Cred>> cred_capbset_drop(const Cred& old, unsigned long cap);
ErrorOr<RefPtr<Cred>> cred_set_securebits(const Cred& old, unsigned long bits);
ErrorOr<RefPtr<Cred>> cred_set_keepcaps(const Cred& old, unsigned long keep);
ErrorOr<RefPtr<Cred>> cred_ambient(const Cred& old, unsigned long op, unsigned long cap);

// access(2)'s credentials (access_override_creds): the real ids as fs ids, and root's
// permitted set as effective for uid 0, nothing otherwise.
ErrorOr<NonnullRefPtr<Cred>> cred_for_access(const Cred& old);

// execve's new credentials (prepare_exec_creds, bprm_fill_uid, cap_bprm_creds_from_file) for
// a file without file capabilities. `file_mode`, `file_uid`, `file_gid`: the program's inode;
// `may_suid`: its mount honours set-id bits.
struct ExecCreds {
    NonnullRefPtr<Cred> cred;
    bool secureexec;  // AT_SECURE
};
ErrorOr<ExecCreds> cred_for_exec(const Cred& old, uint32_t file_mode, uint32_t file_uid, uint32_t file_gid,
                                 bool may_suid);

// ---- The current task's credentials (task/TaskCred.cpp; a test's own in hosted builds) ------

// The credentials the current task acts with (Linux's current_cred(): the subjective ones,
// which faccessat overrides). Null for the kernel itself (kernel threads, init before it has
// credentials), which acts as root with every capability.
const Cred* current_cred();
// capable(): the current credentials hold `capability` in the initial user namespace.
bool capable(int capability);
// ns_capable(): the current credentials hold `capability` in `ns`.
bool ns_capable(const UserNamespace& ns, int capability);
// The current task's user namespace (the initial one for the kernel itself).
UserNamespace& current_user_ns();

}  // namespace kernel
