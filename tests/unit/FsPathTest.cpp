// Hosted tests of path resolution (fs/Namei.h), mounts and the working directory (fs/Vfs.h).
#include <gtest/gtest.h>

#include <string>

#include "FsTestSupport.h"

namespace kernel::fstest {
namespace {

using FsPathTest = FsTest;

std::string getcwd_of(FsStruct& fs, size_t size = 4096) {
    std::string buffer(size, '\0');
    auto length = vfs_getcwd(fs, buffer.data(), size);
    if (length.is_error())
        return "<error " + std::to_string(length.error().code()) + ">";
    EXPECT_EQ(buffer[length.value() - 1], '\0');
    return buffer.substr(0, length.value() - 1);
}

TEST_F(FsPathTest, DotsSlashesAndTheRoot) {
    mkdir("/a");
    mkdir("/a/b");
    write_file("/a/b/f", "x");
    uint64_t b = stat("/a/b").ino;
    EXPECT_EQ(stat("/a/./b").ino, b);
    EXPECT_EQ(stat("//a///b//").ino, b);
    EXPECT_EQ(stat("/a/b/../b/.").ino, b);
    EXPECT_EQ(stat("/..").ino, stat("/").ino);          // ".." of the root is the root
    EXPECT_EQ(stat("/../../a/..").ino, stat("/").ino);
    EXPECT_EQ(stat("a/b/f").size, 1u);                   // relative to the cwd, the root here
    EXPECT_EQ(lookup_errno(""), ENOENT);
    EXPECT_EQ(lookup_errno("/a/nothing"), ENOENT);
    EXPECT_EQ(lookup_errno("/nothing/b"), ENOENT);
    EXPECT_EQ(lookup_errno("/a/b/f/"), ENOTDIR);         // a trailing slash wants a directory
    EXPECT_EQ(lookup_errno("/a/b/f/."), ENOTDIR);
    EXPECT_EQ(lookup_errno("/a/b/f/.."), ENOTDIR);
    EXPECT_EQ(lookup_errno("/a/b/f/x"), ENOTDIR);
    EXPECT_EQ(lookup_errno("/a/b/", LOOKUP_DIRECTORY), 0);
    EXPECT_EQ(lookup_errno("/a/b/f", LOOKUP_DIRECTORY), ENOTDIR);
}

TEST_F(FsPathTest, NameLengthLimits) {
    std::string longest(255, 'n');
    std::string too_long(256, 'n');
    mkdir(("/" + longest).c_str());
    EXPECT_EQ(lookup_errno(("/" + longest).c_str()), 0);
    EXPECT_EQ(lookup_errno(("/" + too_long).c_str()), ENAMETOOLONG);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, ("/" + too_long).c_str(), 0755)), ENAMETOOLONG);
    EXPECT_EQ(lookup_errno(("/" + too_long + "/x").c_str()), ENAMETOOLONG);
}

TEST_F(FsPathTest, SymlinksAreFollowedRelativeToTheirDirectory) {
    mkdir("/dir");
    mkdir("/dir/sub");
    write_file("/dir/sub/file", "contents");
    ASSERT_FALSE(vfs_symlink(fs(), "sub/file", nullptr, "/dir/rel").is_error());
    ASSERT_FALSE(vfs_symlink(fs(), "/dir/sub", nullptr, "/abs").is_error());
    ASSERT_FALSE(vfs_symlink(fs(), "../rel", nullptr, "/dir/sub/up").is_error());
    ASSERT_FALSE(vfs_symlink(fs(), "nowhere", nullptr, "/dangling").is_error());
    EXPECT_EQ(read_file("/dir/rel"), "contents");
    EXPECT_EQ(read_file("/abs/file"), "contents");        // a symlink in the middle
    EXPECT_EQ(read_file("/dir/sub/up"), "contents");      // a chain of two
    EXPECT_EQ(stat("/abs/..").ino, stat("/dir").ino);     // ".." after a link: the target's parent
    EXPECT_EQ(lookup_errno("/dangling"), ENOENT);
    EXPECT_EQ(lookup_errno("/dangling", 0), 0);           // not followed: the link itself
    EXPECT_EQ(stat("/abs", false).mode & S_TYPE_MASK, S_TYPE_LNK);
    EXPECT_EQ(stat("/abs/", false).mode & S_TYPE_MASK, S_TYPE_DIR);  // a trailing slash follows
    EXPECT_EQ(lookup_errno("/dir/rel/", 0), ENOTDIR);
}

TEST_F(FsPathTest, SymlinkLoopsAndTheFortyLinkLimit) {
    ASSERT_FALSE(vfs_symlink(fs(), "loop2", nullptr, "/loop1").is_error());
    ASSERT_FALSE(vfs_symlink(fs(), "loop1", nullptr, "/loop2").is_error());
    ASSERT_FALSE(vfs_symlink(fs(), "self/x", nullptr, "/self").is_error());
    EXPECT_EQ(lookup_errno("/loop1"), ELOOP);
    EXPECT_EQ(lookup_errno("/loop1/x"), ELOOP);
    EXPECT_EQ(lookup_errno("/self"), ELOOP);
    EXPECT_EQ(lookup_errno("/loop1", 0), 0);
    // A chain of exactly 40 links resolves; 41 is one too many.
    write_file("/target", "end");
    ASSERT_FALSE(vfs_symlink(fs(), "target", nullptr, "/l0").is_error());
    for (int i = 1; i <= 40; ++i) {
        std::string name = "/l" + std::to_string(i);
        std::string target = "l" + std::to_string(i - 1);
        ASSERT_FALSE(vfs_symlink(fs(), target.c_str(), nullptr, name.c_str()).is_error());
    }
    EXPECT_EQ(read_file("/l39"), "end");
    EXPECT_EQ(lookup_errno("/l40"), ELOOP);
    // Nested (each link in the middle of the next one's target) counts the same way.
    mkdir("/n");
    ASSERT_FALSE(vfs_symlink(fs(), ".", nullptr, "/n/d0").is_error());
    std::string deep = "/n";
    for (int i = 0; i < 40; ++i)
        deep += "/d0";
    EXPECT_EQ(lookup_errno(deep.c_str()), 0);
    EXPECT_EQ(lookup_errno((deep + "/d0").c_str()), ELOOP);
}

TEST_F(FsPathTest, RelativePathsFromADirectoryBase) {
    mkdir("/base");
    write_file("/base/f", "at base");
    Path base = MUST(vfs_lookup(fs(), nullptr, "/base", LOOKUP_FOLLOW));
    auto found = vfs_lookup(fs(), &base, "f", LOOKUP_FOLLOW);
    ASSERT_FALSE(found.is_error());
    EXPECT_EQ(found.value().inode->size(), 7u);
    EXPECT_FALSE(vfs_lookup(fs(), &base, "/base/f", LOOKUP_FOLLOW).is_error());  // absolute ignores it
    ASSERT_FALSE(vfs_mkdir(fs(), &base, "made", 0700).is_error());
    EXPECT_EQ(stat("/base/made").mode, 0040700u);
}

TEST_F(FsPathTest, ChdirAndGetcwd) {
    mkdir("/home");
    mkdir("/home/user");
    EXPECT_EQ(getcwd_of(fs()), "/");
    Path user = MUST(vfs_lookup(fs(), nullptr, "/home/user", LOOKUP_FOLLOW));
    ASSERT_FALSE(vfs_chdir(fs(), user).is_error());
    EXPECT_EQ(getcwd_of(fs()), "/home/user");
    write_file("here", "relative");
    EXPECT_EQ(read_file("/home/user/here"), "relative");
    EXPECT_EQ(stat("..").ino, stat("/home").ino);
    // ERANGE unless the buffer holds the name and its NUL.
    EXPECT_EQ(getcwd_of(fs(), 11), "/home/user");
    EXPECT_EQ(getcwd_of(fs(), 10), "<error " + std::to_string(ERANGE) + ">");
    EXPECT_EQ(getcwd_of(fs(), 0), "<error " + std::to_string(ERANGE) + ">");
    Path file = MUST(vfs_lookup(fs(), nullptr, "here", 0));
    EXPECT_EQ(errno_of(vfs_chdir(fs(), file)), ENOTDIR);
    // A removed working directory has no name any more.
    ASSERT_FALSE(vfs_unlink(fs(), nullptr, "here").is_error());
    ASSERT_FALSE(vfs_rmdir(fs(), nullptr, "/home/user").is_error());
    EXPECT_EQ(getcwd_of(fs()), "<error " + std::to_string(ENOENT) + ">");
    EXPECT_EQ(lookup_errno("."), 0);
    EXPECT_EQ(stat("..").ino, stat("/home").ino);  // ".." still leads out, as on Linux
    EXPECT_EQ(lookup_errno("x"), ENOENT);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "x", 0755)), ENOENT);  // nothing new in a dead directory
}

TEST_F(FsPathTest, MountsAreCrossedBothWays) {
    mkdir("/mnt");
    write_file("/mnt/hidden", "under the mount");
    ASSERT_FALSE(vfs_mount(fs(), "none", "/mnt", "tmpfs", 0, "mode=0700").is_error());
    Kstat root_of_mount = stat("/mnt");
    EXPECT_EQ(root_of_mount.mode, 0040700u);
    EXPECT_NE(root_of_mount.dev, stat("/").dev);
    EXPECT_EQ(lookup_errno("/mnt/hidden"), ENOENT);  // covered
    mkdir("/mnt/inner");
    write_file("/mnt/inner/f", "on tmpfs");
    EXPECT_EQ(stat("/mnt/inner/../..").ino, stat("/").ino);
    EXPECT_EQ(stat("/mnt/..").dev, stat("/").dev);
    Path inner = MUST(vfs_lookup(fs(), nullptr, "/mnt/inner", LOOKUP_FOLLOW));
    ASSERT_FALSE(vfs_chdir(fs(), inner).is_error());
    EXPECT_EQ(getcwd_of(fs()), "/mnt/inner");
    EXPECT_EQ(read_file("../../mnt/inner/f"), "on tmpfs");

    // Busy while the working directory is inside; fine once it is not.
    EXPECT_EQ(errno_of(vfs_umount(fs(), "/mnt", 0)), EBUSY);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/mnt")), EBUSY);
    fs().set_cwd(m_root);
    inner = Path{};
    EXPECT_EQ(errno_of(vfs_umount(fs(), "/mnt/inner", 0)), EINVAL);  // not a mount's root
    EXPECT_EQ(errno_of(vfs_umount(fs(), "/", 0)), EINVAL);
    EXPECT_EQ(errno_of(vfs_umount(fs(), "/mnt", 0x10)), EINVAL);       // unknown flag
    ASSERT_FALSE(vfs_umount(fs(), "/mnt", 0).is_error());
    EXPECT_EQ(read_file("/mnt/hidden"), "under the mount");
    EXPECT_EQ(errno_of(vfs_umount(fs(), "/mnt", 0)), EINVAL);
}

TEST_F(FsPathTest, MountErrors) {
    mkdir("/m");
    write_file("/file", "");
    EXPECT_EQ(errno_of(vfs_mount(fs(), "proc", "/m", "proc", 0, "")), ENODEV);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/m", "ext4", 0, "")), ENODEV);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/m", "", 0, "")), EINVAL);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/nothing", "tmpfs", 0, "")), ENOENT);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/file", "tmpfs", 0, "")), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/m", "tmpfs", 0, "bogus=1")), EINVAL);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/m", "tmpfs", 0, "mode=99")), EINVAL);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/m", "ramfs", 0, "bogus=1")), 0);  // ramfs ignores unknown options
    EXPECT_EQ(stat("/m").mode, 0040755u);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "x", "/m", "tmpfs", 0x1000 /* MS_BIND */, "")), EINVAL);
    // Propagation changes need a mount's root, and one type at a time.
    EXPECT_EQ(errno_of(vfs_mount(fs(), "", "/m", "", 1 << 18 /* MS_PRIVATE */, "")), 0);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "", "/file", "", 1 << 18, "")), EINVAL);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "", "/m", "", (1 << 18) | (1 << 20), "")), EINVAL);
    ASSERT_FALSE(vfs_umount(fs(), "/m", 0).is_error());
}

TEST_F(FsPathTest, StackedMountsAndLazyUnmount) {
    mkdir("/s");
    ASSERT_FALSE(vfs_mount(fs(), "a", "/s", "tmpfs", 0, "").is_error());
    write_file("/s/first", "1");
    ASSERT_FALSE(vfs_mount(fs(), "b", "/s", "tmpfs", 0, "").is_error());  // on top of the first
    EXPECT_EQ(lookup_errno("/s/first"), ENOENT);
    mkdir("/s/deeper");
    ASSERT_FALSE(vfs_mount(fs(), "c", "/s/deeper", "tmpfs", 0, "").is_error());
    write_file("/s/deeper/kept", "still readable");
    auto open_file = MUST(vfs_open(fs(), nullptr, "/s/deeper/kept", RDONLY, 0));
    EXPECT_EQ(errno_of(vfs_umount(fs(), "/s", 0)), EBUSY);  // has a mount below
    ASSERT_FALSE(vfs_umount(fs(), "/s", UMOUNT_DETACH).is_error());
    // The top two are gone from the tree; the open file still works; the first is visible.
    EXPECT_EQ(read_file("/s/first"), "1");
    char buffer[32] = {};
    uint64_t offset = 0;
    EXPECT_EQ(MUST(open_file->read(IoBuffer::kernel(buffer), sizeof(buffer), offset)), 14u);
    ASSERT_FALSE(vfs_umount(fs(), "/s", 0).is_error());
}

TEST_F(FsPathTest, ReadOnlyRemount) {
    mkdir("/ro");
    ASSERT_FALSE(vfs_mount(fs(), "x", "/ro", "tmpfs", 0, "").is_error());
    write_file("/ro/f", "data");
    mkdir("/ro/d");
    constexpr unsigned long MS_RDONLY = 1, MS_REMOUNT = 32;
    ASSERT_FALSE(vfs_mount(fs(), "", "/ro", "", MS_REMOUNT | MS_RDONLY, "").is_error());
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/ro/f", WRONLY, 0)), EROFS);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/ro/new", WRONLY | CREAT, 0644)), EROFS);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/ro/d2", 0755)), EROFS);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/ro/d", 0755)), EEXIST);  // EEXIST comes first
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/ro/f")), EROFS);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/ro/d")), EROFS);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/ro/f", nullptr, "/ro/g", 0)), EROFS);
    EXPECT_EQ(errno_of(vfs_truncate(MUST(vfs_lookup(fs(), nullptr, "/ro/f", 0)), 0)), EROFS);
    EXPECT_EQ(errno_of(vfs_access(MUST(vfs_lookup(fs(), nullptr, "/ro/f", 0)), 2)), EROFS);
    EXPECT_EQ(read_file("/ro/f"), "data");
    EXPECT_EQ(errno_of(vfs_mount(fs(), "", "/ro/d", "", MS_REMOUNT, "")), EINVAL);  // not a mount root
    ASSERT_FALSE(vfs_mount(fs(), "", "/ro", "", MS_REMOUNT, "").is_error());
    write_file("/ro/f", "writable again");
    ASSERT_FALSE(vfs_umount(fs(), "/ro", 0).is_error());
}

TEST_F(FsPathTest, CrossMountRenameAndLinkAreExdev) {
    mkdir("/other");
    ASSERT_FALSE(vfs_mount(fs(), "x", "/other", "tmpfs", 0, "").is_error());
    write_file("/here", "h");
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/here", nullptr, "/other/here", 0)), EXDEV);
    EXPECT_EQ(errno_of(vfs_link(fs(), nullptr, "/here", nullptr, "/other/here", false)), EXDEV);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/other", nullptr, "/renamed", 0)), EBUSY);  // a mountpoint
    ASSERT_FALSE(vfs_umount(fs(), "/other", 0).is_error());
}

TEST_F(FsPathTest, DeepTreesAreFreedWithoutRecursion) {
    // 3000 nested directories on a tmpfs: unmounting frees them iteratively (a recursive free
    // would need far more than a kernel stack).
    mkdir("/deep");
    ASSERT_FALSE(vfs_mount(fs(), "x", "/deep", "tmpfs", 0, "").is_error());
    Path current = MUST(vfs_lookup(fs(), nullptr, "/deep", LOOKUP_FOLLOW));
    for (int i = 0; i < 3000; ++i) {
        ASSERT_FALSE(vfs_mkdir(fs(), &current, "d", 0755).is_error());
        current = MUST(vfs_lookup(fs(), &current, "d", LOOKUP_FOLLOW));
        if (i % 100 == 0) {
            ASSERT_FALSE(vfs_open(fs(), &current, "file", WRONLY | CREAT, 0644).is_error());
        }
    }
    fs().set_cwd(current);
    std::string buffer(4096, '\0');
    EXPECT_EQ(errno_of(vfs_getcwd(fs(), buffer.data(), buffer.size())), ENAMETOOLONG);
    fs().set_cwd(m_root);
    current = Path{};
    ASSERT_FALSE(vfs_umount(fs(), "/deep", 0).is_error());
}

}  // namespace
}  // namespace kernel::fstest
