// Credentials and the rules that change them: Linux's kernel/cred.c (prepare_creds), kernel/sys.c
// (the set*id family, setgroups, set_user), kernel/groups.c, kernel/ucount.c (the per-uid
// RLIMIT_NPROC count) and security/commoncap.c (cap_task_fix_setuid, cap_capset,
// cap_task_prctl, cap_bprm_creds_from_file). Generic: built hosted for the unit tests.
#include "task/Cred.h"

#include <linux/prctl.h>

#include "fs/Inode.h"
#include "lib/OwnPtr.h"
#include "lib/Spinlock.h"
#include "mm/Heap.h"

namespace kernel {

// ---- Supplementary groups (kernel/groups.c) -------------------------------------------------

ErrorOr<NonnullRefPtr<GroupInfo>> GroupInfo::create(size_t count) {
    auto* gids = static_cast<uint32_t*>(kmalloc(count * sizeof(uint32_t)));
    if (!gids)
        return Error::from_errno(ENOMEM);
    auto* info = new (std::nothrow) GroupInfo(gids, count);
    if (!info) {
        kfree(gids);
        return Error::from_errno(ENOMEM);
    }
    return adopt_ref(*info);
}

GroupInfo::~GroupInfo() { kfree(m_gids); }

void GroupInfo::sort() {
    // Heapsort: in place, O(n log n) for the 65536 groups setgroups allows, as Linux's sort().
    auto sift_down = [this](size_t root, size_t end) {
        while (2 * root + 1 < end) {
            size_t child = 2 * root + 1;
            if (child + 1 < end && m_gids[child] < m_gids[child + 1])
                ++child;
            if (m_gids[root] >= m_gids[child])
                return;
            std::swap(m_gids[root], m_gids[child]);
            root = child;
        }
    };
    for (size_t i = m_count / 2; i-- > 0;)
        sift_down(i, m_count);
    for (size_t end = m_count; end > 1; --end) {
        std::swap(m_gids[0], m_gids[end - 1]);
        sift_down(0, end - 1);
    }
}

bool GroupInfo::contains(uint32_t gid) const {
    size_t left = 0, right = m_count;
    while (left < right) {
        size_t middle = left + (right - left) / 2;
        if (m_gids[middle] == gid)
            return true;
        if (m_gids[middle] < gid)
            left = middle + 1;
        else
            right = middle;
    }
    return false;
}

// ---- Per-uid counts (kernel/ucount.c) -------------------------------------------------------

class UserCountsTable {
public:
    static constexpr size_t BUCKETS = 64;

    static size_t bucket(const UserNamespace* ns, uint32_t uid) {
        return (uid + (reinterpret_cast<uintptr_t>(ns) >> 6)) % BUCKETS;
    }
    UserCounts* find_locked(const UserNamespace& ns, uint32_t uid) {
        for (UserCounts* counts = m_buckets[bucket(&ns, uid)]; counts; counts = counts->m_next)
            if (counts->m_uid == uid && counts->m_ns == &ns)
                return counts;
        return nullptr;
    }
    void insert_locked(UserCounts& counts) {
        UserCounts*& head = m_buckets[bucket(counts.m_ns, counts.m_uid)];
        counts.m_next = head;
        head = &counts;
        ++m_in_use;
    }
    void remove_locked(UserCounts& counts) {
        for (UserCounts** link = &m_buckets[bucket(counts.m_ns, counts.m_uid)]; *link; link = &(*link)->m_next) {
            if (*link == &counts) {
                *link = counts.m_next;
                --m_in_use;
                return;
            }
        }
    }
    static void take_ref_locked(const UserCounts& counts) { ++counts.m_refs; }
    static bool drop_ref_locked(const UserCounts& counts) { return --counts.m_refs == 0; }

    Spinlock lock;
    size_t m_in_use{0};

private:
    UserCounts* m_buckets[BUCKETS]{};
};

namespace {
constinit UserCountsTable g_user_counts;
}  // namespace

ErrorOr<NonnullRefPtr<UserCounts>> UserCounts::get(uint32_t uid) { return get(UserNamespace::initial(), uid); }

ErrorOr<NonnullRefPtr<UserCounts>> UserCounts::get(const UserNamespace& ns, uint32_t uid) {
    {
        SpinlockGuard guard(g_user_counts.lock);
        if (UserCounts* found = g_user_counts.find_locked(ns, uid)) {
            UserCountsTable::take_ref_locked(*found);
            return adopt_ref(*found);
        }
    }
    auto* fresh = new (std::nothrow) UserCounts(ns, uid);
    if (!fresh)
        return Error::from_errno(ENOMEM);
    SpinlockGuard guard(g_user_counts.lock);
    // Someone may have added the pair meanwhile: theirs wins.
    if (UserCounts* found = g_user_counts.find_locked(ns, uid)) {
        UserCountsTable::take_ref_locked(*found);
        delete fresh;
        return adopt_ref(*found);
    }
    g_user_counts.insert_locked(*fresh);
    return adopt_ref(*fresh);
}

void UserCounts::ref() const {
    SpinlockGuard guard(g_user_counts.lock);
    VERIFY(m_refs > 0);
    UserCountsTable::take_ref_locked(*this);
}

void UserCounts::unref() const {
    {
        SpinlockGuard guard(g_user_counts.lock);
        VERIFY(m_refs > 0);
        if (!UserCountsTable::drop_ref_locked(*this))
            return;
        g_user_counts.remove_locked(const_cast<UserCounts&>(*this));
    }
    delete this;
}

void UserCounts::inc_nproc() {
    for (UserCounts* iter = this; iter; iter = iter->m_ns->ucounts())
        iter->m_nproc.fetch_add(1, std::memory_order_relaxed);
}

void UserCounts::dec_nproc() {
    for (UserCounts* iter = this; iter; iter = iter->m_ns->ucounts())
        iter->m_nproc.fetch_sub(1, std::memory_order_relaxed);
}

bool UserCounts::nproc_over(uint64_t limit) const {
    // RLIM_INFINITY (and anything above LONG_MAX) is LONG_MAX, which no count reaches.
    long max = limit > uint64_t(INT64_MAX) ? INT64_MAX : long(limit);
    for (const UserCounts* iter = this; iter; iter = iter->m_ns->ucounts()) {
        long value = iter->nproc();
        if (value == INT64_MAX || value > max)
            return true;
        // The level above counts against what the namespace's creator was allowed.
        max = iter->m_ns->rlimit_max_nproc();
    }
    return false;
}

size_t UserCounts::nr_in_use() {
    SpinlockGuard guard(g_user_counts.lock);
    return g_user_counts.m_in_use;
}

// ---- Cred -----------------------------------------------------------------------------------

ErrorOr<NonnullRefPtr<Cred>> Cred::create_root() {
    auto cred = TRY(try_make_ref_counted<Cred>());
    cred->ucounts = TRY(UserCounts::get(0));
    cred->user_ns = UserNamespace::initial();
    return cred;
}

ErrorOr<NonnullRefPtr<Cred>> Cred::prepare() const {
    auto copy = TRY(try_make_ref_counted<Cred>());
    copy->uid = uid;
    copy->euid = euid;
    copy->suid = suid;
    copy->fsuid = fsuid;
    copy->gid = gid;
    copy->egid = egid;
    copy->sgid = sgid;
    copy->fsgid = fsgid;
    copy->securebits = securebits;
    copy->cap_inheritable = cap_inheritable;
    copy->cap_permitted = cap_permitted;
    copy->cap_effective = cap_effective;
    copy->cap_bset = cap_bset;
    copy->cap_ambient = cap_ambient;
    copy->ucounts = ucounts;
    copy->groups = groups;
    copy->user_ns = user_ns;
    return copy;
}

bool Cred::in_group(uint32_t group) const { return group == fsgid || (groups && groups->contains(group)); }

bool Cred::capable_in(const UserNamespace& target, int capability) const {
    const UserNamespace& own = *user_ns;
    for (const UserNamespace* ns = &target;; ns = ns->parent()) {
        if (ns == &own)
            return capable(capability);
        // Past our level without meeting our namespace: not a descendant of ours.
        if (ns->level() <= own.level())
            return false;
        // The owner of a child of our namespace has every capability in it and below.
        if (ns->parent() == &own && ns->owner() == euid)
            return true;
    }
}

bool capable(int capability) { return ns_capable(UserNamespace::initial(), capability); }

bool ns_capable(const UserNamespace& ns, int capability) {
    const Cred* cred = current_cred();
    return !cred || cred->capable_in(ns, capability);
}

UserNamespace& current_user_ns() {
    const Cred* cred = current_cred();
    return cred ? *cred->user_ns : UserNamespace::initial();
}

void Cred::inc_nproc() const {
    if (ucounts)
        ucounts->inc_nproc();
}

void Cred::dec_nproc() const {
    if (ucounts)
        ucounts->dec_nproc();
}

ErrorOr<void> Cred::set_ucounts() {
    if (ucounts && &ucounts->ns() == user_ns.ptr() && ucounts->uid() == uid)
        return {};
    ucounts = TRY(UserCounts::get(*user_ns, uid));
    return {};
}

// ---- The set*id rules (kernel/sys.c) and their capability fixups (commoncap.c) --------------

namespace {

enum class SetId { Re, Id, Res, Fs };

// set_user + set_cred_ucounts: a new real uid counts its tasks with that uid in the credentials'
// user namespace (EAGAIN when the
// counts cannot be allocated, as Linux's).
ErrorOr<void> set_user(Cred& cred) {
    auto counts = UserCounts::get(*cred.user_ns, cred.uid);
    if (counts.is_error())
        return Error::from_errno(EAGAIN);
    cred.ucounts = counts.release_value();
    return {};
}

// cap_emulate_setxuid: leaving uid 0 in all of ruid/euid/suid drops the permitted and effective
// sets (unless SECBIT_KEEP_CAPS) and the ambient one; an euid leaving 0 drops the effective
// set, and one coming back to 0 restores it from the permitted set.
void emulate_setxuid(Cred& cred, const Cred& old) {
    uint32_t root = make_kuid(*old.user_ns, 0);
    bool was_root = old.uid == root || old.euid == root || old.suid == root;
    bool is_root = cred.uid == root || cred.euid == root || cred.suid == root;
    if (was_root && !is_root) {
        if (!old.issecure(SECURE_KEEP_CAPS)) {
            cred.cap_permitted = 0;
            cred.cap_effective = 0;
        }
        // Programs written before ambient capabilities expect setresuid to a non-root user and
        // then exec to drop capabilities.
        cred.cap_ambient = 0;
    }
    if (old.euid == root && cred.euid != root)
        cred.cap_effective = 0;
    if (old.euid != root && cred.euid == root)
        cred.cap_effective = cred.cap_permitted;
}

// cap_task_fix_setuid.
void fix_setuid(Cred& cred, const Cred& old, SetId kind) {
    if (old.issecure(SECURE_NO_SETUID_FIXUP))
        return;
    if (kind != SetId::Fs) {
        emulate_setxuid(cred, old);
        return;
    }
    uint32_t root = make_kuid(*old.user_ns, 0);
    // The file-system capabilities follow the fsuid to and from 0.
    if (old.fsuid == root && cred.fsuid != root)
        cred.cap_effective &= ~CAP_FS_SET;
    if (old.fsuid != root && cred.fsuid == root)
        cred.cap_effective |= cred.cap_permitted & CAP_FS_SET;
}

}  // namespace

ErrorOr<RefPtr<Cred>> cred_setuid(const Cred& old, uint32_t uid) {
    if (uid == INVALID_ID)
        return Error::from_errno(EINVAL);
    auto cred = TRY(old.prepare());
    if (old.capable(CAP_SETUID)) {
        cred->uid = cred->suid = uid;
        if (uid != old.uid)
            TRY(set_user(*cred));
    } else if (uid != old.uid && uid != old.suid) {
        return Error::from_errno(EPERM);
    }
    cred->euid = cred->fsuid = uid;
    fix_setuid(*cred, old, SetId::Id);
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_setgid(const Cred& old, uint32_t gid) {
    if (gid == INVALID_ID)
        return Error::from_errno(EINVAL);
    auto cred = TRY(old.prepare());
    if (old.capable(CAP_SETGID))
        cred->gid = cred->egid = cred->sgid = cred->fsgid = gid;
    else if (gid == old.gid || gid == old.sgid)
        cred->egid = cred->fsgid = gid;
    else
        return Error::from_errno(EPERM);
    return RefPtr<Cred>(cred);
}

// Unprivileged: the real uid may become the effective one and back; the effective uid any of
// the three. Setting the real uid, or an effective uid other than the old real one, also sets
// the saved uid to the new effective uid (BSD's rule, so a set-uid program can drop for good).
ErrorOr<RefPtr<Cred>> cred_setreuid(const Cred& old, uint32_t ruid, uint32_t euid) {
    auto cred = TRY(old.prepare());
    bool privileged = old.capable(CAP_SETUID);
    if (ruid != INVALID_ID) {
        cred->uid = ruid;
        if (ruid != old.uid && ruid != old.euid && !privileged)
            return Error::from_errno(EPERM);
    }
    if (euid != INVALID_ID) {
        cred->euid = euid;
        if (euid != old.uid && euid != old.euid && euid != old.suid && !privileged)
            return Error::from_errno(EPERM);
    }
    if (cred->uid != old.uid)
        TRY(set_user(*cred));
    if (ruid != INVALID_ID || (euid != INVALID_ID && euid != old.uid))
        cred->suid = cred->euid;
    cred->fsuid = cred->euid;
    fix_setuid(*cred, old, SetId::Re);
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_setregid(const Cred& old, uint32_t rgid, uint32_t egid) {
    auto cred = TRY(old.prepare());
    bool privileged = old.capable(CAP_SETGID);
    if (rgid != INVALID_ID) {
        if (rgid != old.gid && rgid != old.egid && !privileged)
            return Error::from_errno(EPERM);
        cred->gid = rgid;
    }
    if (egid != INVALID_ID) {
        if (egid != old.gid && egid != old.egid && egid != old.sgid && !privileged)
            return Error::from_errno(EPERM);
        cred->egid = egid;
    }
    if (rgid != INVALID_ID || (egid != INVALID_ID && egid != old.gid))
        cred->sgid = cred->egid;
    cred->fsgid = cred->egid;
    return RefPtr<Cred>(cred);
}

// Unprivileged: each of the three may become any of the current three.
ErrorOr<RefPtr<Cred>> cred_setresuid(const Cred& old, uint32_t ruid, uint32_t euid, uint32_t suid) {
    if ((ruid == INVALID_ID || ruid == old.uid) &&
        (euid == INVALID_ID || (euid == old.euid && euid == old.fsuid)) &&
        (suid == INVALID_ID || suid == old.suid))
        return RefPtr<Cred>();
    auto is_new = [&](uint32_t id) { return id != INVALID_ID && id != old.uid && id != old.euid && id != old.suid; };
    if ((is_new(ruid) || is_new(euid) || is_new(suid)) && !old.capable(CAP_SETUID))
        return Error::from_errno(EPERM);
    auto cred = TRY(old.prepare());
    if (ruid != INVALID_ID) {
        cred->uid = ruid;
        if (ruid != old.uid)
            TRY(set_user(*cred));
    }
    if (euid != INVALID_ID)
        cred->euid = euid;
    if (suid != INVALID_ID)
        cred->suid = suid;
    cred->fsuid = cred->euid;
    fix_setuid(*cred, old, SetId::Res);
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_setresgid(const Cred& old, uint32_t rgid, uint32_t egid, uint32_t sgid) {
    if ((rgid == INVALID_ID || rgid == old.gid) &&
        (egid == INVALID_ID || (egid == old.egid && egid == old.fsgid)) &&
        (sgid == INVALID_ID || sgid == old.sgid))
        return RefPtr<Cred>();
    auto is_new = [&](uint32_t id) { return id != INVALID_ID && id != old.gid && id != old.egid && id != old.sgid; };
    if ((is_new(rgid) || is_new(egid) || is_new(sgid)) && !old.capable(CAP_SETGID))
        return Error::from_errno(EPERM);
    auto cred = TRY(old.prepare());
    if (rgid != INVALID_ID)
        cred->gid = rgid;
    if (egid != INVALID_ID)
        cred->egid = egid;
    if (sgid != INVALID_ID)
        cred->sgid = sgid;
    cred->fsgid = cred->egid;
    return RefPtr<Cred>(cred);
}

RefPtr<Cred> cred_setfsuid(const Cred& old, uint32_t fsuid) {
    if (fsuid == INVALID_ID || fsuid == old.fsuid)
        return nullptr;
    if (fsuid != old.uid && fsuid != old.euid && fsuid != old.suid && !old.capable(CAP_SETUID))
        return nullptr;
    auto cred = old.prepare();
    if (cred.is_error())
        return nullptr;
    cred.value()->fsuid = fsuid;
    fix_setuid(*cred.value(), old, SetId::Fs);
    return RefPtr<Cred>(cred.release_value());
}

RefPtr<Cred> cred_setfsgid(const Cred& old, uint32_t fsgid) {
    if (fsgid == INVALID_ID || fsgid == old.fsgid)
        return nullptr;
    if (fsgid != old.gid && fsgid != old.egid && fsgid != old.sgid && !old.capable(CAP_SETGID))
        return nullptr;
    auto cred = old.prepare();
    if (cred.is_error())
        return nullptr;
    cred.value()->fsgid = fsgid;
    return RefPtr<Cred>(cred.release_value());
}

ErrorOr<RefPtr<Cred>> cred_setgroups(const Cred& old, NonnullRefPtr<GroupInfo> groups) {
    auto cred = TRY(old.prepare());
    cred->groups = std::move(groups);
    return RefPtr<Cred>(cred);
}

// ---- Capabilities (security/commoncap.c) ----------------------------------------------------

ErrorOr<RefPtr<Cred>> cred_capset(const Cred& old, KernelCap effective, KernelCap inheritable, KernelCap permitted) {
    effective &= CAP_FULL_SET;
    inheritable &= CAP_FULL_SET;
    permitted &= CAP_FULL_SET;
    auto cred = TRY(old.prepare());
    // Without CAP_SETPCAP, the inheritable set may only take capabilities we hold.
    if (!old.capable(CAP_SETPCAP) && !cap_issubset(inheritable, old.cap_inheritable | old.cap_permitted))
        return Error::from_errno(EPERM);
    // Never capabilities outside the bounding set.
    if (!cap_issubset(inheritable, old.cap_inheritable | old.cap_bset))
        return Error::from_errno(EPERM);
    // The permitted set can only shrink, and the effective one stays within it.
    if (!cap_issubset(permitted, old.cap_permitted))
        return Error::from_errno(EPERM);
    if (!cap_issubset(effective, permitted))
        return Error::from_errno(EPERM);
    cred->cap_effective = effective;
    cred->cap_inheritable = inheritable;
    cred->cap_permitted = permitted;
    // Ambient capabilities must stay both permitted and inheritable.
    cred->cap_ambient &= permitted & inheritable;
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_capbset_drop(const Cred& old, unsigned long cap) {
    if (!old.capable(CAP_SETPCAP))
        return Error::from_errno(EPERM);
    if (!cap_is_valid(cap))
        return Error::from_errno(EINVAL);
    auto cred = TRY(old.prepare());
    cred->cap_bset &= ~cap_to_mask(int(cap));
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_set_securebits(const Cred& old, unsigned long bits) {
    unsigned long current = old.securebits;
    bool changes_locked_bit = ((current & SECURE_ALL_LOCKS) >> 1) & (current ^ bits);
    bool unlocks = current & SECURE_ALL_LOCKS & ~bits;
    bool unknown_bits = bits & ~static_cast<unsigned long>(SECURE_ALL_LOCKS | SECURE_ALL_BITS);
    // Anything at all needs CAP_SETPCAP ("the sendmail capabilities bug").
    if (changes_locked_bit || unlocks || unknown_bits || !old.capable(CAP_SETPCAP))
        return Error::from_errno(EPERM);
    auto cred = TRY(old.prepare());
    cred->securebits = unsigned(bits);
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_set_keepcaps(const Cred& old, unsigned long keep) {
    if (keep > 1)
        return Error::from_errno(EINVAL);
    if (old.issecure(SECURE_KEEP_CAPS_LOCKED))
        return Error::from_errno(EPERM);
    auto cred = TRY(old.prepare());
    if (keep)
        cred->securebits |= issecure_mask(SECURE_KEEP_CAPS);
    else
        cred->securebits &= ~unsigned(issecure_mask(SECURE_KEEP_CAPS));
    return RefPtr<Cred>(cred);
}

ErrorOr<RefPtr<Cred>> cred_ambient(const Cred& old, unsigned long op, unsigned long cap) {
    if (op == PR_CAP_AMBIENT_CLEAR_ALL) {
        auto cred = TRY(old.prepare());
        cred->cap_ambient = 0;
        return RefPtr<Cred>(cred);
    }
    if (!cap_is_valid(cap) || (op != PR_CAP_AMBIENT_RAISE && op != PR_CAP_AMBIENT_LOWER))
        return Error::from_errno(EINVAL);
    int capability = int(cap);
    if (op == PR_CAP_AMBIENT_RAISE && (!cap_raised(old.cap_permitted, capability) ||
                                       !cap_raised(old.cap_inheritable, capability) ||
                                       old.issecure(SECURE_NO_CAP_AMBIENT_RAISE)))
        return Error::from_errno(EPERM);
    auto cred = TRY(old.prepare());
    if (op == PR_CAP_AMBIENT_RAISE)
        cred->cap_ambient |= cap_to_mask(capability);
    else
        cred->cap_ambient &= ~cap_to_mask(capability);
    return RefPtr<Cred>(cred);
}

ErrorOr<NonnullRefPtr<Cred>> cred_for_access(const Cred& old) {
    auto cred = TRY(old.prepare());
    cred->fsuid = cred->uid;
    cred->fsgid = cred->gid;
    if (!old.issecure(SECURE_NO_SETUID_FIXUP))
        cred->cap_effective = cred->uid == make_kuid(*cred->user_ns, 0) ? cred->cap_permitted : 0;
    return cred;
}

ErrorOr<ExecCreds> cred_for_exec(const Cred& old, uint32_t file_mode, uint32_t file_uid, uint32_t file_gid,
                                 bool may_suid) {
    auto cred = TRY(old.prepare());
    // bprm_fill_uid: a set-user-id file runs with its owner as euid; a set-group-id one (that is
    // group-executable: without the execute bit the bit marks mandatory locking) with its group.
    // The owner must have a mapping in the namespace for the file to change ids at all.
    const UserNamespace& ns = *cred->user_ns;
    if (may_suid && from_kuid(ns, file_uid) != INVALID_ID && from_kgid(ns, file_gid) != INVALID_ID) {
        if (file_mode & S_ISUID_BIT)
            cred->euid = file_uid;
        if ((file_mode & (S_ISGID_BIT | S_IXGRP_BIT)) == (S_ISGID_BIT | S_IXGRP_BIT))
            cred->egid = file_gid;
    }
    uint32_t root = make_kuid(ns, 0);
    // cap_bprm_creds_from_file for a file without capabilities: the permitted set starts empty
    // (get_file_caps)...
    cred->cap_permitted = 0;
    bool effective = false;
    // ...except that root (real or effective) gets the bounding set and its inheritable one,
    // and an effective root all of it in effective (handle_privileged_root), unless
    // SECBIT_NOROOT.
    if (!old.issecure(SECURE_NOROOT)) {
        if (cred->euid == root || cred->uid == root)
            cred->cap_permitted = old.cap_bset | old.cap_inheritable;
        if (cred->euid == root)
            effective = true;
    }
    bool is_setid = cred->euid != old.uid || cred->egid != old.gid;
    cred->suid = cred->fsuid = cred->euid;
    cred->sgid = cred->fsgid = cred->egid;
    // Set-id execution cancels ambient capabilities; otherwise they are kept and permitted:
    // pP' = (X & fP) | (pI & fI) | pA', pE' = fE ? pP' : pA'.
    if (is_setid)
        cred->cap_ambient = 0;
    cred->cap_permitted |= cred->cap_ambient;
    cred->cap_effective = effective ? cred->cap_permitted : cred->cap_ambient;
    cred->securebits &= ~unsigned(issecure_mask(SECURE_KEEP_CAPS));
    bool secureexec =
        is_setid || (cred->uid != root && (effective || !cap_issubset(cred->cap_permitted, cred->cap_ambient)));
    return ExecCreds{cred, secureexec};
}

}  // namespace kernel
