// User namespaces (Linux's kernel/user_namespace.c): creation, the id maps and their proc
// writes, and the translation of ids between a namespace and the kernel. Generic: built hosted
// for the unit tests.
#include "task/UserNamespace.h"

#include <linux/capability.h>

#include "mm/Heap.h"
#include "task/Cred.h"

namespace kernel {

// ---- maps -------------------------------------------------------------------------------------

UidGidMap::~UidGidMap() { kfree(m_extents); }

uint32_t UidGidMap::down(uint32_t id, uint32_t count) const {
    size_t n = size();
    uint32_t last = id + count - 1;
    for (size_t i = 0; i < n; ++i) {
        const UidGidExtent& e = m_extents[i];
        if (id >= e.first && id <= e.first + e.count - 1 && last >= e.first && last <= e.first + e.count - 1)
            return e.lower_first + (id - e.first);
    }
    return INVALID_ID;
}

uint32_t UidGidMap::up(uint32_t kid) const {
    size_t n = size();
    for (size_t i = 0; i < n; ++i) {
        const UidGidExtent& e = m_extents[i];
        if (kid >= e.lower_first && kid <= e.lower_first + e.count - 1)
            return e.first + (kid - e.lower_first);
    }
    return INVALID_ID;
}

void UidGidMap::install(UidGidExtent* extents, size_t count) {
    m_extents = extents;
    m_nr_extents.store(count, std::memory_order_release);
}

uint32_t make_kuid(const UserNamespace& ns, uint32_t uid) { return ns.uid_map().down(uid); }
uint32_t make_kgid(const UserNamespace& ns, uint32_t gid) { return ns.gid_map().down(gid); }
uint32_t from_kuid(const UserNamespace& ns, uint32_t kuid) { return ns.uid_map().up(kuid); }
uint32_t from_kgid(const UserNamespace& ns, uint32_t kgid) { return ns.gid_map().up(kgid); }

uint32_t from_kuid_munged(const UserNamespace& ns, uint32_t kuid) {
    uint32_t uid = from_kuid(ns, kuid);
    return uid == INVALID_ID ? OVERFLOW_ID : uid;
}

uint32_t from_kgid_munged(const UserNamespace& ns, uint32_t kgid) {
    uint32_t gid = from_kgid(ns, kgid);
    return gid == INVALID_ID ? OVERFLOW_ID : gid;
}

// ---- namespaces -------------------------------------------------------------------------------

uint32_t proc_alloc_inum() {
    // PROC_DYNAMIC_FIRST upwards; numbers are not reused (Linux's ida reuses freed ones).
    static std::atomic<uint32_t> next{0xF0000000U};
    return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {

// The lock of every map and setgroups write (Linux's userns_state_mutex).
Spinlock g_state_lock;

// The user namespaces of the whole system (Linux's max_user_namespaces is per user; a parent
// at level 32 takes no child).
constexpr unsigned MAX_USER_NS_PARENT_LEVEL = 32;

}  // namespace

UserNamespace& UserNamespace::initial() {
    alignas(UserNamespace) static unsigned char storage[sizeof(UserNamespace)];
    static UserNamespace* ns = [] {
        auto* init = new (storage) UserNamespace(0, nullptr, 0, 0);
        // Every id maps to itself but (u32)-1, which is never valid.
        static UidGidExtent identity[2] = {{0, 0, 0xffffffff}, {0, 0, 0xffffffff}};
        init->m_uid_map.install(&identity[0], 1);
        init->m_gid_map.install(&identity[1], 1);
        // Never freed: a reference that is never dropped (the maps' storage is static).
        init->ref();
        return init;
    }();
    return *ns;
}

UserNamespace::~UserNamespace() {
    if (m_ucounts)
        m_ucounts->unref();
    if (m_parent)
        m_parent->unref();
}

bool UserNamespace::is_ancestor_of(const UserNamespace& ns) const {
    for (const UserNamespace* p = &ns; p; p = p->m_parent)
        if (p == this)
            return true;
    return false;
}

ErrorOr<void> UserNamespace::create(Cred& cred, uint64_t nproc_max) {
    UserNamespace& parent = *cred.user_ns;
    if (parent.level() > MAX_USER_NS_PARENT_LEVEL)
        return Error::from_errno(ENOSPC);
    // The creator must be nameable in the parent, to tell user space who owns the namespace.
    if (from_kuid(parent, cred.euid) == INVALID_ID || from_kgid(parent, cred.egid) == INVALID_ID)
        return Error::from_errno(EPERM);
    // inc_user_namespaces: the namespace is one of its creator's, counted in (parent, euid).
    auto ucounts = TRY(UserCounts::get(parent, cred.euid));
    auto* ns = new (std::nothrow) UserNamespace(parent.level() + 1, &parent, cred.euid, cred.egid);
    if (!ns)
        return Error::from_errno(ENOMEM);
    parent.ref();
    ns->m_ucounts = ucounts.leak_ref();
    ns->m_rlimit_max_nproc = nproc_max > uint64_t(INT64_MAX) ? INT64_MAX : long(nproc_max);
    ns->m_inum = proc_alloc_inum();
    ns->m_setgroups_allowed.store(parent.setgroups_allowed(), std::memory_order_relaxed);
    ns->m_parent_could_setfcap = cap_raised(cred.cap_effective, CAP_SETFCAP);
    // set_cred_user_ns: the creator holds every capability in its new namespace.
    cred.securebits = SECUREBITS_DEFAULT;
    cred.cap_inheritable = 0;
    cred.cap_permitted = CAP_FULL_SET;
    cred.cap_effective = CAP_FULL_SET;
    cred.cap_ambient = 0;
    cred.cap_bset = CAP_FULL_SET;
    cred.user_ns = adopt_ref(*ns);
    // set_cred_ucounts: the creator's tasks count in the new namespace now.
    return cred.set_ucounts();
}

namespace {

bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

StringView skip_spaces(StringView s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    return s;
}

// simple_strtoul(s, &end, 10): the digits at the start (none: 0), wrapping as unsigned long.
uint32_t parse_decimal(StringView& s) {
    uint64_t value = 0;
    while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
        value = value * 10 + uint64_t(s.front() - '0');
        s.remove_prefix(1);
    }
    return uint32_t(value);
}

bool overlaps(const UidGidExtent* extents, size_t count, const UidGidExtent& extent) {
    for (size_t i = 0; i < count; ++i) {
        const UidGidExtent& prev = extents[i];
        uint32_t upper_first = extent.first, upper_last = extent.first + extent.count - 1;
        uint32_t lower_first = extent.lower_first, lower_last = extent.lower_first + extent.count - 1;
        uint32_t prev_upper_last = prev.first + prev.count - 1;
        uint32_t prev_lower_last = prev.lower_first + prev.count - 1;
        if (prev.first <= upper_last && prev_upper_last >= upper_first)
            return true;
        if (prev.lower_first <= lower_last && prev_lower_last >= lower_first)
            return true;
    }
    return false;
}

}  // namespace

// map_write: parse, check, translate the lower ids to kernel ids, publish.
ErrorOr<void> UserNamespace::write_map(StringView text, const Cred& cred, bool uids) {
    int cap_setid = uids ? CAP_SETUID : CAP_SETGID;
    UidGidMap& map = uids ? m_uid_map : m_gid_map;
    const UidGidMap& parent_map = uids ? m_parent->m_uid_map : m_parent->m_gid_map;
    auto* extents = static_cast<UidGidExtent*>(kmalloc(UidGidMap::MAX_EXTENTS * sizeof(UidGidExtent)));
    if (!extents)
        return Error::from_errno(ENOMEM);
    size_t count = 0;
    bool installed = false;
    auto result = [&]() -> ErrorOr<void> {
        SpinlockGuard guard(g_state_lock);
        // Only one successful write to a map; adjusting it needs CAP_SYS_ADMIN over the target.
        if (map.size() != 0 || !cred.capable_in(*this, CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        for (StringView rest = text; !rest.empty();) {
            size_t newline = rest.find('\n');
            StringView line = rest;
            if (newline == StringView::npos) {
                rest = StringView();
            } else {
                line.remove_suffix(line.size() - newline);
                rest.remove_prefix(newline + 1);
            }
            // A NUL ends the text for strchr and the parser alike.
            if (size_t nul = line.find('\0'); nul != StringView::npos) {
                line.remove_suffix(line.size() - nul);
                rest = StringView();
            }
            UidGidExtent extent;
            StringView pos = skip_spaces(line);
            extent.first = parse_decimal(pos);
            if (pos.empty() || !is_space(pos.front()))
                return Error::from_errno(EINVAL);
            pos = skip_spaces(pos);
            extent.lower_first = parse_decimal(pos);
            if (pos.empty() || !is_space(pos.front()))
                return Error::from_errno(EINVAL);
            pos = skip_spaces(pos);
            extent.count = parse_decimal(pos);
            if (!pos.empty() && !is_space(pos.front()))
                return Error::from_errno(EINVAL);
            if (!skip_spaces(pos).empty())
                return Error::from_errno(EINVAL);
            if (extent.first == INVALID_ID || extent.lower_first == INVALID_ID)
                return Error::from_errno(EINVAL);
            // No empty extent, none that wraps.
            if (extent.first + extent.count <= extent.first ||
                extent.lower_first + extent.count <= extent.lower_first)
                return Error::from_errno(EINVAL);
            if (overlaps(extents, count, extent))
                return Error::from_errno(EINVAL);
            if (count + 1 == UidGidMap::MAX_EXTENTS && !rest.empty())
                return Error::from_errno(EINVAL);
            extents[count++] = extent;
        }
        if (count == 0)
            return Error::from_errno(EINVAL);
        // new_idmap_permitted. Mapping the parent's root needs CAP_SETFCAP there (verify_root_map):
        // before the unshare for a writer inside, now for one in the parent.
        if (uids) {
            bool maps_root = false;
            for (size_t i = 0; i < count; ++i)
                maps_root |= extents[i].lower_first == 0;
            if (maps_root && (cred.user_ns.ptr() == this ? !m_parent_could_setfcap
                                                          : !cred.capable_in(*m_parent, CAP_SETFCAP)))
                return Error::from_errno(EPERM);
        }
        // Without privilege in the parent: one id, the owner's own, and for groups only once
        // setgroups is denied.
        bool permitted = false;
        if (count == 1 && extents[0].count == 1 && cred.euid == m_owner) {
            if (uids)
                permitted = make_kuid(*m_parent, extents[0].lower_first) == cred.euid;
            else
                permitted = !setgroups_allowed() && make_kgid(*m_parent, extents[0].lower_first) == cred.egid;
        }
        if (!permitted && !cred.capable_in(*m_parent, cap_setid))
            return Error::from_errno(EPERM);
        // The lower ids are the parent's: store them as kernel ids.
        for (size_t i = 0; i < count; ++i) {
            uint32_t lower = parent_map.down(extents[i].lower_first, extents[i].count);
            if (lower == INVALID_ID)
                return Error::from_errno(EPERM);
            extents[i].lower_first = lower;
        }
        // sort_idmaps: past the base extents, Linux keeps (and shows) them ordered by first id.
        if (count > UidGidMap::MAX_BASE_EXTENTS)
            for (size_t i = 1; i < count; ++i)
                for (size_t j = i; j > 0 && extents[j - 1].first > extents[j].first; --j)
                    std::swap(extents[j - 1], extents[j]);
        map.install(extents, count);
        installed = true;
        return {};
    }();
    if (!installed)
        kfree(extents);
    return result;
}

ErrorOr<void> UserNamespace::write_uid_map(StringView text, const Cred& cred) {
    // proc_uid_map_write: the initial namespace's map is fixed, and only a writer in the
    // namespace or its parent may set it.
    if (!m_parent)
        return Error::from_errno(EPERM);
    if (cred.user_ns.ptr() != this && cred.user_ns.ptr() != m_parent)
        return Error::from_errno(EPERM);
    return write_map(text, cred, true);
}

ErrorOr<void> UserNamespace::write_gid_map(StringView text, const Cred& cred) {
    if (!m_parent)
        return Error::from_errno(EPERM);
    if (cred.user_ns.ptr() != this && cred.user_ns.ptr() != m_parent)
        return Error::from_errno(EPERM);
    return write_map(text, cred, false);
}

ErrorOr<void> UserNamespace::write_setgroups(StringView text) {
    bool allow;
    if (text.starts_with("allow")) {
        allow = true;
        text.remove_prefix(5);
    } else if (text.starts_with("deny")) {
        allow = false;
        text.remove_prefix(4);
    } else {
        return Error::from_errno(EINVAL);
    }
    if (size_t nul = text.find('\0'); nul != StringView::npos)
        text.remove_suffix(text.size() - nul);
    if (!skip_spaces(text).empty())
        return Error::from_errno(EINVAL);
    SpinlockGuard guard(g_state_lock);
    if (allow) {
        // Denied once is denied for good.
        if (!setgroups_allowed())
            return Error::from_errno(EPERM);
    } else {
        // Once gid_map is written setgroups cannot be taken away any more.
        if (m_gid_map.size() != 0)
            return Error::from_errno(EPERM);
        m_setgroups_allowed.store(false, std::memory_order_release);
    }
    return {};
}

}  // namespace kernel
