#pragma once
// User namespaces (Linux's kernel/user_namespace.c, include/linux/uidgid.h and the
// cap_capable walk of security/commoncap.c). Credentials hold kernel ids (kuid/kgid: the
// initial namespace's numbers); a namespace's uid_map and gid_map translate the ids user space
// passes in it to kernel ids and back. Built hosted too: the rules are unit-testable.
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"
#include "lib/kstd.h"

namespace kernel {

class Cred;
class UserCounts;

// Namespace inode numbers (include/linux/proc_ns.h): the initial namespaces' are fixed, the
// others come from proc's dynamic range (proc_alloc_inum).
inline constexpr uint32_t PROC_UTS_INIT_INO = 0xEFFFFFFEU;
inline constexpr uint32_t PROC_USER_INIT_INO = 0xEFFFFFFDU;
inline constexpr uint32_t PROC_PID_INIT_INO = 0xEFFFFFFCU;
inline constexpr uint32_t PROC_IPC_INIT_INO = 0xEFFFFFFFU;
inline constexpr uint32_t PROC_TIME_INIT_INO = 0xEFFFFFFAU;
uint32_t proc_alloc_inum();

// One line of a map: ids [first, first + count) of the namespace are the parent's (stored: the
// kernel's) ids [lower_first, lower_first + count).
struct UidGidExtent {
    uint32_t first;
    uint32_t lower_first;
    uint32_t count;
};

// struct uid_gid_map: written once (nr_extents goes from 0 to its final value after the
// extents are in place), then read without a lock.
class UidGidMap {
public:
    static constexpr size_t MAX_EXTENTS = 340;      // UID_GID_MAP_MAX_EXTENTS
    static constexpr size_t MAX_BASE_EXTENTS = 5;   // UID_GID_MAP_MAX_BASE_EXTENTS: kept unsorted

    ~UidGidMap();
    size_t size() const { return m_nr_extents.load(std::memory_order_acquire); }
    const UidGidExtent& operator[](size_t i) const { return m_extents[i]; }
    // map_id_range_down / map_id_up: INVALID_ID when unmapped.
    uint32_t down(uint32_t id, uint32_t count = 1) const;
    uint32_t up(uint32_t kid) const;
    // Publishes `extents` (kmalloc'ed, taken over): the caller holds the namespace's lock and
    // has checked the map is empty.
    void install(UidGidExtent* extents, size_t count);

private:
    UidGidExtent* m_extents{nullptr};
    std::atomic<size_t> m_nr_extents{0};
};

class UserNamespace : public RefCounted<UserNamespace> {
public:
    // init_user_ns: every id but -1 maps to itself.
    static UserNamespace& initial();
    // create_user_ns: a child of `cred`'s namespace owned by its euid and egid, which `cred`
    // then enters with every capability (set_cred_user_ns). ENOSPC past 32 levels, EPERM when
    // the owner has no mapping in the parent; ENOMEM. `nproc_max` is the RLIMIT_NPROC the
    // creator's tasks are held to (enforced_nproc_rlimit), the limit of the namespace's tasks
    // as counted at the parent's level; `cred` then counts in (new namespace, uid).
    static ErrorOr<void> create(Cred& cred, uint64_t nproc_max = ~uint64_t(0));
    ~UserNamespace();

    unsigned level() const { return m_level; }
    uint32_t inum() const { return m_inum; }
    UserNamespace* parent() const { return m_parent; }
    uint32_t owner() const { return m_owner; }
    uint32_t group() const { return m_group; }
    const UidGidMap& uid_map() const { return m_uid_map; }
    const UidGidMap& gid_map() const { return m_gid_map; }
    // USERNS_SETGROUPS_ALLOWED
    bool setgroups_allowed() const { return m_setgroups_allowed.load(std::memory_order_acquire); }
    // in_userns(this, ns): `ns` is this namespace or a descendant.
    bool is_ancestor_of(const UserNamespace& ns) const;
    // ns->ucounts: the creator's counts, (parent, owner); null for the initial namespace.
    UserCounts* ucounts() const { return m_ucounts; }
    // ns->rlimit_max[UCOUNT_RLIMIT_NPROC]: the creator's RLIMIT_NPROC, at most LONG_MAX.
    long rlimit_max_nproc() const { return m_rlimit_max_nproc; }

    // proc_uid_map_write / proc_gid_map_write (map_write): `text` is what was written (at
    // offset 0, shorter than a page); `cred` writes it (the opener's, file_ns_capable).
    ErrorOr<void> write_uid_map(StringView text, const Cred& cred);
    ErrorOr<void> write_gid_map(StringView text, const Cred& cred);
    // proc_setgroups_write: "allow" or "deny", then only white space.
    ErrorOr<void> write_setgroups(StringView text);

private:
    UserNamespace(unsigned level, UserNamespace* parent, uint32_t owner, uint32_t group)
        : m_level(level), m_parent(parent), m_owner(owner), m_group(group) {}
    ErrorOr<void> write_map(StringView text, const Cred& cred, bool uids);

    unsigned m_level;
    uint32_t m_inum{PROC_USER_INIT_INO};
    UserNamespace* m_parent;  // holds a reference, dropped by the destructor
    uint32_t m_owner;         // kuid
    uint32_t m_group;         // kgid
    bool m_parent_could_setfcap{false};
    std::atomic<bool> m_setgroups_allowed{true};
    UidGidMap m_uid_map;
    UidGidMap m_gid_map;
    UserCounts* m_ucounts{nullptr};  // holds a reference, dropped by the destructor
    long m_rlimit_max_nproc{INT64_MAX};
};

// include/linux/uidgid.h: make_kuid (INVALID_ID when `id` has no mapping in `ns`), from_kuid
// (INVALID_ID when `kid` has none), from_kuid_munged (the overflow id 65534 instead).
inline constexpr uint32_t OVERFLOW_ID = 65534;  // overflowuid, overflowgid
uint32_t make_kuid(const UserNamespace& ns, uint32_t uid);
uint32_t make_kgid(const UserNamespace& ns, uint32_t gid);
uint32_t from_kuid(const UserNamespace& ns, uint32_t kuid);
uint32_t from_kgid(const UserNamespace& ns, uint32_t kgid);
uint32_t from_kuid_munged(const UserNamespace& ns, uint32_t kuid);
uint32_t from_kgid_munged(const UserNamespace& ns, uint32_t kgid);

}  // namespace kernel
