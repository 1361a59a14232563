// Credentials (task/Cred.cpp): the set*id rules, the capability transitions of commoncap.c,
// execve's new credentials, supplementary groups and the per-uid counts; and the permission
// checks of fs/Permission.cpp against installed credentials on a ramfs.
#include <gtest/gtest.h>
#include <linux/prctl.h>

#include "FsTestSupport.h"
#include "MmTestSupport.h"
#include "fs/Permission.h"
#include "task/Cred.h"

namespace kernel {
void set_host_current_cred(const Cred* cred);  // arch/host/HostSupport.cpp
}

namespace kernel {
namespace {

using mmtest::MmTest;
using namespace fstest;

constexpr KernelCap FULL = 0x1ffffffffffULL;  // CAP_CHOWN .. CAP_CHECKPOINT_RESTORE (40)

NonnullRefPtr<Cred> root() { return MUST(Cred::create_root()); }

// The credentials a rule returned (which must have changed something).
NonnullRefPtr<Cred> changed(ErrorOr<RefPtr<Cred>> result) {
    EXPECT_FALSE(result.is_error()) << (result.is_error() ? result.error().code() : 0);
    RefPtr<Cred> cred = result.release_value();
    EXPECT_TRUE(cred);
    return NonnullRefPtr<Cred>(*cred);
}

int errno_of(const ErrorOr<RefPtr<Cred>>& result) { return result.is_error() ? result.error().code() : 0; }

class CredTest : public MmTest {};

TEST_F(CredTest, RootHasEveryCapability) {
    auto cred = root();
    EXPECT_EQ(CAP_FULL_SET, FULL);
    EXPECT_EQ(cred->cap_effective, FULL);
    EXPECT_EQ(cred->cap_permitted, FULL);
    EXPECT_EQ(cred->cap_bset, FULL);
    EXPECT_EQ(cred->cap_inheritable, 0u);
    EXPECT_EQ(cred->ucounts->uid(), 0u);
    EXPECT_EQ(cred->group_count(), 0u);
    EXPECT_TRUE(cred->capable(CAP_SETUID));
}

TEST_F(CredTest, UserCountsAreSharedPerUidAndFreedWithTheLastReference) {
    size_t before = UserCounts::nr_in_use();
    {
        auto a = MUST(UserCounts::get(4242));
        auto b = MUST(UserCounts::get(4242));
        EXPECT_EQ(a.ptr(), b.ptr());
        EXPECT_EQ(UserCounts::nr_in_use(), before + 1);
        a->inc_nproc();
        a->inc_nproc();
        EXPECT_EQ(b->nproc(), 2);
        EXPECT_TRUE(b->nproc_over(1));
        EXPECT_FALSE(b->nproc_over(2));
        EXPECT_FALSE(b->nproc_over(~uint64_t(0)));  // RLIM_INFINITY
        auto other = MUST(UserCounts::get(4243));
        EXPECT_NE(other.ptr(), a.ptr());
        EXPECT_EQ(UserCounts::nr_in_use(), before + 2);
    }
    EXPECT_EQ(UserCounts::nr_in_use(), before);
}

TEST_F(CredTest, LeavingRootDropsCapabilitiesUnlessKeepCaps) {
    auto old = root();
    auto user = changed(cred_setresuid(*old, 1000, 1000, 1000));
    EXPECT_EQ(user->uid, 1000u);
    EXPECT_EQ(user->fsuid, 1000u);
    EXPECT_EQ(user->cap_permitted, 0u);
    EXPECT_EQ(user->cap_effective, 0u);
    EXPECT_EQ(user->cap_bset, FULL);
    EXPECT_EQ(user->ucounts->uid(), 1000u);

    auto keep = changed(cred_set_keepcaps(*old, 1));
    auto ambient = changed(cred_capset(*keep, FULL, 1ULL << CAP_KILL, FULL));
    ambient = changed(cred_ambient(*ambient, PR_CAP_AMBIENT_RAISE, CAP_KILL));
    EXPECT_EQ(ambient->cap_ambient, 1ULL << CAP_KILL);
    auto kept = changed(cred_setresuid(*ambient, 1000, 1000, 1000));
    EXPECT_EQ(kept->cap_permitted, FULL);
    EXPECT_EQ(kept->cap_effective, 0u);  // the euid left 0
    EXPECT_EQ(kept->cap_ambient, 0u);    // always, even with keepcaps
}

TEST_F(CredTest, EffectiveUidMovesTheEffectiveSet) {
    auto old = root();
    auto euid = changed(cred_setresuid(*old, INVALID_ID, 1000, INVALID_ID));
    EXPECT_EQ(euid->cap_effective, 0u);
    EXPECT_EQ(euid->cap_permitted, FULL);
    EXPECT_FALSE(euid->capable(CAP_SETUID));
    // Back to 0 through the real uid, without CAP_SETUID: the effective set returns.
    auto back = changed(cred_setuid(*euid, 0));
    EXPECT_EQ(back->euid, 0u);
    EXPECT_EQ(back->cap_effective, FULL);
}

TEST_F(CredTest, SetuidRules) {
    auto old = root();
    EXPECT_EQ(errno_of(cred_setuid(*old, INVALID_ID)), EINVAL);
    auto user = changed(cred_setuid(*old, 1000));
    EXPECT_EQ(user->suid, 1000u);
    EXPECT_EQ(errno_of(cred_setuid(*user, 0)), EPERM);
    EXPECT_EQ(errno_of(cred_setgid(*user, 5)), EPERM);
    // Unprivileged setresuid: only among the current three; -1 everywhere changes nothing.
    auto three = changed(cred_setresuid(*old, 1000, 2000, 3000));
    EXPECT_EQ(errno_of(cred_setresuid(*three, 4000, INVALID_ID, INVALID_ID)), EPERM);
    auto swapped = changed(cred_setresuid(*three, 3000, 1000, 2000));
    EXPECT_EQ(swapped->fsuid, 1000u);
    auto none = cred_setresuid(*swapped, INVALID_ID, INVALID_ID, INVALID_ID);
    ASSERT_FALSE(none.is_error());
    EXPECT_FALSE(none.value());
}

TEST_F(CredTest, SetreuidSavedUidFollowsTheEffectiveOne) {
    auto old = root();
    auto both = changed(cred_setreuid(*old, 1000, 2000));
    EXPECT_EQ(both->suid, 2000u);  // the real uid was set
    auto to_real = changed(cred_setreuid(*both, INVALID_ID, 1000));
    EXPECT_EQ(to_real->suid, 2000u);  // euid back to the real uid: saved uid stays
    EXPECT_EQ(errno_of(cred_setreuid(*to_real, 3000, INVALID_ID)), EPERM);
    auto regid = changed(cred_setregid(*old, 10, 20));
    EXPECT_EQ(regid->sgid, 20u);
    EXPECT_EQ(regid->fsgid, 20u);
}

TEST_F(CredTest, FsuidTakesTheFileSystemCapabilities) {
    auto old = root();
    auto user = cred_setfsuid(*old, 1000);
    ASSERT_TRUE(user);
    EXPECT_EQ(user->cap_effective, FULL & ~CAP_FS_SET);
    EXPECT_FALSE(user->capable(CAP_DAC_OVERRIDE));
    EXPECT_TRUE(user->capable(CAP_KILL));
    auto back = cred_setfsuid(*user, 0);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->cap_effective, FULL);
    EXPECT_FALSE(cred_setfsuid(*back, 0));           // unchanged
    EXPECT_FALSE(cred_setfsuid(*back, INVALID_ID));  // invalid: a query
    auto plain = changed(cred_setresuid(*old, 1000, 1000, 1000));
    EXPECT_FALSE(cred_setfsuid(*plain, 5));  // not one of ours, no CAP_SETUID
}

TEST_F(CredTest, CapsetRules) {
    auto old = root();
    KernelCap no_kill = FULL & ~(1ULL << CAP_KILL);
    auto fewer = changed(cred_capset(*old, no_kill, 0, no_kill));
    EXPECT_EQ(errno_of(cred_capset(*fewer, no_kill, 0, FULL)), EPERM);                // permitted grows
    EXPECT_EQ(errno_of(cred_capset(*fewer, FULL, 0, no_kill)), EPERM);                // effective > permitted
    EXPECT_EQ(errno_of(cred_capset(*fewer, no_kill, 1ULL << CAP_KILL, no_kill)), 0);  // CAP_SETPCAP
    auto bset = changed(cred_capbset_drop(*fewer, CAP_NET_RAW));
    EXPECT_EQ(errno_of(cred_capset(*bset, no_kill, 1ULL << CAP_NET_RAW, no_kill)), EPERM);
    KernelCap no_setpcap = no_kill & ~(1ULL << CAP_SETPCAP);
    auto capped = changed(cred_capset(*fewer, no_setpcap, 0, no_kill));
    EXPECT_EQ(errno_of(cred_capset(*capped, no_setpcap, 1ULL << CAP_KILL, no_kill)), EPERM);
    EXPECT_EQ(errno_of(cred_capset(*capped, no_setpcap, 1ULL << CAP_CHOWN, no_kill)), 0);
    EXPECT_EQ(errno_of(cred_capbset_drop(*capped, CAP_CHOWN)), EPERM);
    EXPECT_EQ(errno_of(cred_capbset_drop(*old, CAP_LAST_CAP + 1)), EINVAL);
}

TEST_F(CredTest, SecurebitsLocks) {
    auto old = root();
    EXPECT_EQ(errno_of(cred_set_securebits(*old, 1 << 8)), EPERM);
    auto locked = changed(cred_set_securebits(*old, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED));
    EXPECT_EQ(errno_of(cred_set_keepcaps(*locked, 0)), EPERM);
    EXPECT_EQ(errno_of(cred_set_securebits(*locked, 0)), EPERM);
    EXPECT_EQ(errno_of(cred_set_keepcaps(*old, 2)), EINVAL);
    auto no_fixup = changed(cred_set_securebits(*old, SECBIT_NO_SETUID_FIXUP));
    auto user = changed(cred_setresuid(*no_fixup, 1000, 1000, 1000));
    EXPECT_EQ(user->cap_effective, FULL);
}

TEST_F(CredTest, ExecCapabilitiesWithoutFileCapabilities) {
    auto old = root();
    auto as_root = MUST(cred_for_exec(*old, S_TYPE_REG | 0755, 0, 0, true));
    EXPECT_EQ(as_root.cred->cap_permitted, FULL);
    EXPECT_EQ(as_root.cred->cap_effective, FULL);
    EXPECT_FALSE(as_root.secureexec);

    auto keep = changed(cred_set_keepcaps(*old, 1));
    keep = changed(cred_setresuid(*keep, 1000, 1000, 1000));
    keep = changed(cred_capset(*keep, 0, FULL, 1ULL << CAP_NET_RAW));
    keep = changed(cred_ambient(*keep, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW));
    auto user = MUST(cred_for_exec(*keep, S_TYPE_REG | 0755, 0, 0, true));
    EXPECT_EQ(user.cred->cap_permitted, 1ULL << CAP_NET_RAW);  // only the ambient set survives
    EXPECT_EQ(user.cred->cap_effective, 1ULL << CAP_NET_RAW);
    EXPECT_FALSE(user.cred->issecure(SECURE_KEEP_CAPS));
    EXPECT_FALSE(user.secureexec);

    // A set-user-id root file: euid 0 and full capabilities, ambient gone, AT_SECURE.
    auto suid = MUST(cred_for_exec(*keep, S_TYPE_REG | 04755, 0, 0, true));
    EXPECT_EQ(suid.cred->euid, 0u);
    EXPECT_EQ(suid.cred->suid, 0u);
    EXPECT_EQ(suid.cred->uid, 1000u);
    EXPECT_EQ(suid.cred->cap_effective, FULL);
    EXPECT_EQ(suid.cred->cap_ambient, 0u);
    EXPECT_TRUE(suid.secureexec);
    // Set-group-id needs group execute; without it the bit means mandatory locking.
    auto sgid = MUST(cred_for_exec(*keep, S_TYPE_REG | 02755, 0, 50, true));
    EXPECT_EQ(sgid.cred->egid, 50u);
    auto locking = MUST(cred_for_exec(*keep, S_TYPE_REG | 02745, 0, 50, true));
    EXPECT_EQ(locking.cred->egid, 0u);
    auto nosuid = MUST(cred_for_exec(*keep, S_TYPE_REG | 04755, 0, 0, false));
    EXPECT_EQ(nosuid.cred->euid, 1000u);
}

TEST_F(CredTest, GroupsAreSortedAndSearched) {
    auto groups = MUST(GroupInfo::create(6));
    uint32_t gids[] = {30, 7, 100000, 7, 0, 5};
    for (size_t i = 0; i < 6; ++i)
        groups->data()[i] = gids[i];
    groups->sort();
    uint32_t sorted[] = {0, 5, 7, 7, 30, 100000};
    for (size_t i = 0; i < 6; ++i)
        EXPECT_EQ(groups->data()[i], sorted[i]);
    EXPECT_TRUE(groups->contains(7));
    EXPECT_TRUE(groups->contains(100000));
    EXPECT_FALSE(groups->contains(6));
    auto old = root();
    auto with = changed(cred_setgroups(*old, groups));
    EXPECT_TRUE(with->in_group(30));
    EXPECT_TRUE(with->in_group(with->fsgid));
    EXPECT_FALSE(with->in_group(31));
}

// ---- permissions (fs/Permission.cpp) ------------------------------------------------------

class PermissionTest : public fstest::FsTest {
protected:
    void TearDown() override {
        set_host_current_cred(nullptr);
        m_held = Path{};
        m_user = nullptr;
        m_root_cred = nullptr;
        FsTest::TearDown();
    }
    // Acts as uid 1000, gid 100, with supplementary group 50.
    void become_user() {
        m_root_cred = MUST(Cred::create_root());
        auto user = changed(cred_setresgid(*m_root_cred, 100, 100, 100));
        auto groups = MUST(GroupInfo::create(1));
        groups->data()[0] = 50;
        user = changed(cred_setgroups(*user, groups));
        user = changed(cred_setresuid(*user, 1000, 1000, 1000));
        m_user = user;
        set_host_current_cred(m_user.ptr());
    }
    void as_kernel() { set_host_current_cred(nullptr); }
    void as_user() { set_host_current_cred(m_user.ptr()); }
    Inode& inode(const char* path) {
        m_held = MUST(vfs_lookup(fs(), nullptr, path, 0));
        return *m_held.inode;
    }

    RefPtr<Cred> m_root_cred;
    RefPtr<Cred> m_user;
    Path m_held;
};

TEST_F(PermissionTest, ModeBitsByClass) {
    write_file("/root-600", "x", 0600);
    write_file("/group-640", "x", 0640);
    write_file("/group-604", "x", 0604);
    inode("/group-640").set_owner(0, 50);
    inode("/group-604").set_owner(0, 50);
    become_user();
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/root-600", RDONLY, 0)), EACCES);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/group-640", RDONLY, 0)), 0);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/group-640", RDWR, 0)), EACCES);
    // The group's bits apply to a member even where the others' would allow more.
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/group-604", RDONLY, 0)), EACCES);
    EXPECT_EQ(errno_of(vfs_access(m_held, 4)), EACCES);
}

TEST_F(PermissionTest, RootNeedsAnExecuteBitOnlyToExecute) {
    write_file("/plain", "x", 0);
    write_file("/tool", "x", 0001);
    EXPECT_EQ(errno_of(inode_permission(inode("/plain"), MAY_READ | MAY_WRITE)), 0);
    EXPECT_EQ(errno_of(inode_permission(inode("/plain"), MAY_EXEC)), EACCES);
    EXPECT_EQ(errno_of(inode_permission(inode("/tool"), MAY_EXEC)), 0);
    become_user();
    set_host_current_cred(m_root_cred.ptr());
    EXPECT_EQ(errno_of(inode_permission(inode("/plain"), MAY_READ | MAY_WRITE)), 0);
    EXPECT_EQ(errno_of(inode_permission(inode("/plain"), MAY_EXEC)), EACCES);
}

TEST_F(PermissionTest, SearchPermissionOnEveryDirectory) {
    mkdir("/locked", 0700);
    write_file("/locked/f", "x", 0644);
    mkdir("/pass", 0711);
    write_file("/pass/f", "x", 0644);
    become_user();
    EXPECT_EQ(lookup_errno("/locked/f"), EACCES);
    EXPECT_EQ(lookup_errno("/locked"), 0);
    EXPECT_EQ(lookup_errno("/pass/f"), 0);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/pass", RDONLY | DIRECTORY, 0)), EACCES);
    EXPECT_EQ(errno_of(vfs_chdir(fs(), MUST(vfs_lookup(fs(), nullptr, "/locked", 0)))), EACCES);
}

TEST_F(PermissionTest, NewFilesBelongToTheFsIdsOrASetGidDirectory) {
    mkdir("/tmp", 0777);
    inode("/tmp").set_permissions(01777);
    mkdir("/shared", 0777);
    inode("/shared").set_owner(0, 60);
    inode("/shared").set_permissions(02777);
    m_held = Path{};
    become_user();
    write_file("/tmp/mine", "x", 0644);
    EXPECT_EQ(stat("/tmp/mine").uid, 1000u);
    EXPECT_EQ(stat("/tmp/mine").gid, 100u);
    write_file("/shared/f", "x", 02775);
    EXPECT_EQ(stat("/shared/f").gid, 60u);
    EXPECT_EQ(stat("/shared/f").mode & 07777, 0755u);  // S_ISGID stripped: not in group 60
    mkdir("/shared/d", 0755);
    EXPECT_EQ(stat("/shared/d").mode & 07777, 02755u);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/nope", 0755)), EACCES);
}

TEST_F(PermissionTest, StickyDirectoriesProtectOthersEntries) {
    mkdir("/tmp", 0777);
    inode("/tmp").set_permissions(01777);
    write_file("/tmp/roots", "x", 0666);
    m_held = Path{};
    become_user();
    write_file("/tmp/mine", "x", 0644);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/tmp/roots")), EPERM);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/tmp/mine", nullptr, "/tmp/roots", 0)), EPERM);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/tmp/mine", nullptr, "/tmp/mine2", 0)), 0);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/tmp/mine2")), 0);
}

TEST_F(PermissionTest, ChmodAndChownByOwners) {
    mkdir("/tmp", 0777);
    inode("/tmp").set_permissions(0777);
    write_file("/roots", "x", 0644);
    m_held = Path{};
    become_user();
    write_file("/tmp/mine", "x", 0755);
    Path mine = MUST(vfs_lookup(fs(), nullptr, "/tmp/mine", 0));
    Path roots = MUST(vfs_lookup(fs(), nullptr, "/roots", 0));
    EXPECT_EQ(errno_of(vfs_chmod(roots, 0666)), EPERM);
    EXPECT_EQ(errno_of(vfs_chmod(mine, 02755)), 0);
    EXPECT_EQ(stat("/tmp/mine").mode & 07777, 02755u);  // the file's group (100) is ours
    EXPECT_EQ(errno_of(vfs_chown(mine, 2000, INVALID_ID)), EPERM);
    EXPECT_EQ(errno_of(vfs_chown(mine, INVALID_ID, 60)), EPERM);
    EXPECT_EQ(errno_of(vfs_chown(mine, INVALID_ID, 50)), 0);
    EXPECT_EQ(stat("/tmp/mine").gid, 50u);
    EXPECT_EQ(stat("/tmp/mine").mode & 07777, 0755u);  // a new group: S_ISGID goes
    inode("/roots").set_permissions(04755);
    EXPECT_EQ(errno_of(vfs_chown(roots, INVALID_ID, INVALID_ID)), EPERM);  // would clear S_ISUID
    as_kernel();
    EXPECT_EQ(errno_of(vfs_chown(mine, 2000, 2000)), 0);
    EXPECT_EQ(stat("/tmp/mine").uid, 2000u);
}

}  // namespace
}  // namespace kernel

// ---- User namespaces (task/UserNamespace.cpp, cap_capable) -----------------------------------

namespace kernel {
namespace {

NonnullRefPtr<Cred> user(uint32_t id) {
    auto cred = root();
    cred->uid = cred->euid = cred->suid = cred->fsuid = id;
    cred->gid = cred->egid = cred->sgid = cred->fsgid = id;
    cred->cap_permitted = cred->cap_effective = 0;
    return cred;
}

TEST_F(CredTest, UserNamespaceOwnerHasEveryCapabilityInsideAndNoneOutside) {
    auto outer = user(1000);
    auto inner = MUST(outer->prepare());
    ASSERT_FALSE(UserNamespace::create(*inner).is_error());
    UserNamespace& ns = *inner->user_ns;
    EXPECT_EQ(ns.level(), 1u);
    EXPECT_EQ(ns.owner(), 1000u);
    EXPECT_EQ(inner->cap_effective, FULL);
    EXPECT_TRUE(inner->capable_in(ns, CAP_SYS_ADMIN));
    EXPECT_FALSE(inner->capable_in(UserNamespace::initial(), CAP_SYS_ADMIN));
    // The owner outside holds everything in the child, another unprivileged user nothing.
    EXPECT_TRUE(outer->capable_in(ns, CAP_SYS_ADMIN));
    EXPECT_FALSE(user(1001)->capable_in(ns, CAP_SYS_ADMIN));
    EXPECT_TRUE(root()->capable_in(ns, CAP_SYS_ADMIN));
    // Unmapped: nobody inside.
    EXPECT_EQ(from_kuid_munged(ns, 1000), OVERFLOW_ID);
    EXPECT_EQ(make_kuid(ns, 0), INVALID_ID);
}

TEST_F(CredTest, NprocCountsUpTheChainOfNamespaceCreators) {
    auto outer = user(1000);
    ASSERT_FALSE(outer->set_ucounts().is_error());  // (initial, 1000)
    auto inner = MUST(outer->prepare());
    ASSERT_FALSE(UserNamespace::create(*inner, 3).is_error());  // the creator's RLIMIT_NPROC: 3
    UserCounts& own = *inner->ucounts;
    UserCounts& above = *outer->ucounts;
    EXPECT_EQ(&own.ns(), inner->user_ns.ptr());
    EXPECT_EQ(inner->user_ns->ucounts(), &above);
    EXPECT_EQ(inner->user_ns->rlimit_max_nproc(), 3);
    inner->inc_nproc();
    inner->inc_nproc();
    EXPECT_EQ(own.nproc(), 2);
    EXPECT_EQ(above.nproc(), 2);
    EXPECT_FALSE(own.nproc_over(100));
    EXPECT_TRUE(own.nproc_over(1));  // the own level against the task's limit
    outer->inc_nproc();
    outer->inc_nproc();  // two tasks of uid 1000 outside
    EXPECT_EQ(own.nproc(), 2);
    EXPECT_EQ(above.nproc(), 4);
    EXPECT_TRUE(own.nproc_over(100));  // 4 > 3 at the creator's level
    EXPECT_FALSE(above.nproc_over(4));
    outer->dec_nproc();
    outer->dec_nproc();
    inner->dec_nproc();
    inner->dec_nproc();
    EXPECT_EQ(above.nproc(), 0);
}

TEST_F(CredTest, UnprivilegedMapIsOneLineOfTheOwnersId) {
    auto inner = MUST(user(1000)->prepare());
    ASSERT_FALSE(UserNamespace::create(*inner).is_error());
    UserNamespace& ns = *inner->user_ns;
    auto error = [](ErrorOr<void> r) { return r.is_error() ? r.error().code() : 0; };
    EXPECT_EQ(error(ns.write_uid_map("0 1001 1\n", *inner)), EPERM);
    EXPECT_EQ(error(ns.write_uid_map("0 1000 2\n", *inner)), EPERM);
    EXPECT_EQ(error(ns.write_uid_map("0 1000\n", *inner)), EINVAL);
    EXPECT_EQ(error(ns.write_uid_map("0 1000 0\n", *inner)), EINVAL);
    EXPECT_EQ(error(ns.write_uid_map("0 1000 1\n", *inner)), 0);
    EXPECT_EQ(error(ns.write_uid_map("0 1000 1\n", *inner)), EPERM);
    EXPECT_EQ(make_kuid(ns, 0), 1000u);
    EXPECT_EQ(from_kuid(ns, 1000), 0u);
    // gid_map wants setgroups denied first.
    EXPECT_EQ(error(ns.write_gid_map("0 1000 1", *inner)), EPERM);
    EXPECT_EQ(error(ns.write_setgroups("deny\n")), 0);
    EXPECT_EQ(error(ns.write_setgroups("allow")), EPERM);
    EXPECT_EQ(error(ns.write_gid_map("0 1000 1", *inner)), 0);
    EXPECT_EQ(make_kgid(ns, 0), 1000u);
}

TEST_F(CredTest, UserNamespacesNestThirtyThreeLevels) {
    auto cred = root();
    int levels = 0;
    for (;; ++levels) {
        auto next = MUST(cred->prepare());
        auto r = UserNamespace::create(*next);
        if (r.is_error()) {
            EXPECT_EQ(r.error().code(), ENOSPC);
            break;
        }
        // Root maps itself, so that it can create the next level.
        ASSERT_FALSE(next->user_ns->write_uid_map("0 0 1", *next).is_error());
        ASSERT_FALSE(next->user_ns->write_setgroups("deny").is_error());
        ASSERT_FALSE(next->user_ns->write_gid_map("0 0 1", *next).is_error());
        cred = next;
    }
    EXPECT_EQ(levels, 33);
}

}  // namespace
}  // namespace kernel
