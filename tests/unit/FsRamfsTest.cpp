// Hosted tests of ramfs (fs/Ramfs.h) through the VFS operations (fs/Vfs.h): file data, the
// namespace operations and their errors, stat, getdents, and failure injection.
#include <gtest/gtest.h>

#include <arch/Memory.h>

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "FsTestSupport.h"
#include "fs/File.h"
#include "fs/PageMap.h"
#include "mm/Vma.h"

namespace kernel::fstest {
namespace {

using FsRamfsTest = FsTest;

struct Dirent {
    std::string name;
    uint64_t ino;
    int64_t off;
    unsigned type;
};

// getdents64 records from a kernel buffer.
std::vector<Dirent> parse_dirents(const uint8_t* buffer, size_t size) {
    std::vector<Dirent> out;
    for (size_t at = 0; at < size;) {
        Dirent d;
        uint16_t reclen;
        std::memcpy(&d.ino, buffer + at, 8);
        std::memcpy(&d.off, buffer + at + 8, 8);
        std::memcpy(&reclen, buffer + at + 16, 2);
        d.type = buffer[at + 18];
        d.name = reinterpret_cast<const char*>(buffer + at + 19);
        EXPECT_EQ(reclen % 8, 0u);
        out.push_back(d);
        at += reclen;
    }
    return out;
}

std::vector<Dirent> read_dir(File& dir, size_t buffer_size = 4096) {
    std::vector<uint8_t> buffer(buffer_size);
    std::vector<Dirent> all;
    while (true) {
        auto n = dir.read_directory(IoBuffer::kernel(buffer.data()), buffer.size());
        EXPECT_FALSE(n.is_error());
        if (n.is_error() || !n.value())
            return all;
        auto some = parse_dirents(buffer.data(), n.value());
        all.insert(all.end(), some.begin(), some.end());
    }
}

std::vector<std::string> names(const std::vector<Dirent>& entries) {
    std::vector<std::string> out;
    for (auto& e : entries)
        out.push_back(e.name);
    return out;
}

TEST_F(FsRamfsTest, WriteReadSeek) {
    auto file = MUST(vfs_open(fs(), nullptr, "/f", RDWR | CREAT, 0640));
    uint64_t offset = 0;
    EXPECT_EQ(MUST(file->write(IoBuffer::kernel("hello world"), 11, offset)), 11u);
    EXPECT_EQ(offset, 11u);
    char buffer[32] = {};
    uint64_t at = 6;
    EXPECT_EQ(MUST(file->read(IoBuffer::kernel(buffer), sizeof(buffer), at)), 5u);
    EXPECT_STREQ(buffer, "world");
    EXPECT_EQ(at, 11u);
    EXPECT_EQ(MUST(file->read(IoBuffer::kernel(buffer), sizeof(buffer), at)), 0u);  // end of file
    EXPECT_EQ(MUST(file->read_at(buffer, 5, 0)), 5u);
    EXPECT_EQ(std::string(buffer, 5), "hello");
    EXPECT_EQ(MUST(file->seek(-3, SEEK_END_)), 8u);
    EXPECT_EQ(MUST(file->seek(2, SEEK_CUR_)), 10u);
    EXPECT_EQ(errno_of(file->seek(-11, SEEK_CUR_)), EINVAL);
    EXPECT_EQ(file->position(), 10u);
    EXPECT_EQ(MUST(file->seek(100, SEEK_SET_)), 100u);  // past the end is fine
    EXPECT_EQ(MUST(file->seek(3, SEEK_DATA_)), 3u);
    EXPECT_EQ(MUST(file->seek(3, SEEK_HOLE_)), 11u);
    EXPECT_EQ(errno_of(file->seek(11, SEEK_DATA_)), ENXIO);
    EXPECT_EQ(errno_of(file->seek(0, 5)), EINVAL);
    {
        HostUserMemory user(sizeof(int));
        ASSERT_FALSE(file->seek(6, SEEK_SET_).is_error());
        EXPECT_EQ(MUST(file->ioctl(0x541B /* FIONREAD */, user.address())), 0);
        EXPECT_EQ(*reinterpret_cast<int*>(user.data()), 5);
        EXPECT_EQ(errno_of(file->ioctl(0x5401 /* TCGETS */, user.address())), ENOTTY);
    }
    EXPECT_EQ(file->flags() & 3, RDWR);
    Kstat st = stat("/f");
    EXPECT_EQ(st.mode, 0100640u);  // 0640 & ~022
    EXPECT_EQ(st.size, 11u);
    EXPECT_EQ(st.blocks, 8u);  // one page
    EXPECT_EQ(st.blksize, 4096u);
    EXPECT_EQ(st.nlink, 1u);
}

TEST_F(FsRamfsTest, SparseFilesAndTruncate) {
    auto file = MUST(vfs_open(fs(), nullptr, "/sparse", RDWR | CREAT, 0644));
    uint64_t offset = 3 * 4096 + 100;
    ASSERT_EQ(MUST(file->write(IoBuffer::kernel("X"), 1, offset)), 1u);
    offset = 0;
    ASSERT_EQ(MUST(file->write(IoBuffer::kernel("ab"), 2, offset)), 2u);
    Kstat st = stat("/sparse");
    EXPECT_EQ(st.size, 3u * 4096 + 101);
    EXPECT_EQ(st.blocks, 16u);  // pages 0 and 3 only
    std::vector<char> all(st.size);
    EXPECT_EQ(MUST(file->read_at(all.data(), all.size(), 0)), all.size());
    EXPECT_EQ(all[0], 'a');
    EXPECT_EQ(all[4096], 0);  // a hole
    EXPECT_EQ(all[3 * 4096 + 100], 'X');
    // lseek finds the holes: pages never written.
    EXPECT_EQ(MUST(file->seek(1, SEEK_DATA_)), 1u);
    EXPECT_EQ(MUST(file->seek(1, SEEK_HOLE_)), 4096u);
    EXPECT_EQ(MUST(file->seek(5000, SEEK_DATA_)), 3u * 4096);
    EXPECT_EQ(MUST(file->seek(3 * 4096 + 50, SEEK_HOLE_)), st.size);  // the end counts as a hole
    EXPECT_EQ(errno_of(file->seek(st.size, SEEK_DATA_)), ENXIO);
    EXPECT_EQ(errno_of(file->seek(-1, SEEK_HOLE_)), ENXIO);
    // Shrinking zeroes the cut part of the last page, so growing again reads zeroes.
    ASSERT_FALSE(file->inode()->truncate(1).is_error());
    ASSERT_FALSE(file->inode()->truncate(5000).is_error());
    char head[4] = {};
    EXPECT_EQ(MUST(file->read_at(head, 4, 0)), 4u);
    EXPECT_EQ(std::string(head, 4), std::string("a\0\0\0", 4));
    EXPECT_EQ(stat("/sparse").blocks, 8u);
    // A huge sparse size costs nothing; writing near the end of the range is EFBIG beyond it.
    ASSERT_FALSE(file->inode()->truncate(uint64_t(1) << 40).is_error());
    EXPECT_EQ(stat("/sparse").size, uint64_t(1) << 40);
    uint64_t far = uint64_t(MAX_FILE_SIZE);
    EXPECT_EQ(errno_of(file->write(IoBuffer::kernel("z"), 1, far)), EFBIG);
    uint64_t last = uint64_t(MAX_FILE_SIZE) - 1;
    EXPECT_EQ(MUST(file->write(IoBuffer::kernel("z"), 1, last)), 1u);
    EXPECT_EQ(errno_of(file->inode()->truncate(uint64_t(MAX_FILE_SIZE) + 1)), EFBIG);
}

// mmap's view: get_page hands out the very frame read(2) and write(2) use (a hole is filled
// first), with a reference of its own that outlives a truncate; past the end is EIO (SIGBUS).
TEST_F(FsRamfsTest, PagesForMappingAreTheFilesOwn) {
    size_t cached_before = PageMap::total_pages();
    auto file = MUST(vfs_open(fs(), nullptr, "/mapped", RDWR | CREAT, 0644));
    uint64_t offset = 4096 + 10;
    ASSERT_EQ(MUST(file->write(IoBuffer::kernel("hi"), 2, offset)), 2u);
    EXPECT_EQ(PageMap::total_pages(), cached_before + 1);  // meminfo's Shmem follows the files
    EXPECT_EQ(errno_of(file->get_page(2)), EIO);
    PhysAddr hole = MUST(file->get_page(0));  // a hole: now a page of the file
    EXPECT_EQ(stat("/mapped").blocks, 16u);
    PhysAddr frame = MUST(file->get_page(1));
    EXPECT_EQ(user_frame_refcount(frame), 2u);
    auto* bytes = static_cast<char*>(arch::phys_to_virt(frame));
    EXPECT_EQ(std::string(bytes + 10, 2), "hi");
    bytes[12] = '!';  // as a shared mapping writes
    char back[3] = {};
    EXPECT_EQ(MUST(file->read_at(back, 3, 4096 + 10)), 2u);  // the size still ends before it
    offset = 4096 + 12;
    ASSERT_EQ(MUST(file->write(IoBuffer::kernel("?"), 1, offset)), 1u);
    EXPECT_EQ(bytes[12], '?');
    ASSERT_FALSE(file->inode()->truncate(0).is_error());
    EXPECT_EQ(user_frame_refcount(frame), 1u);  // ours alone now
    EXPECT_EQ(PageMap::total_pages(), cached_before);
    EXPECT_EQ(errno_of(file->get_page(0)), EIO);
    put_user_frame(frame);
    put_user_frame(hole);
}

TEST_F(FsRamfsTest, AppendTruncateAndExclusiveOpens) {
    write_file("/log", "one\n");
    auto appender = MUST(vfs_open(fs(), nullptr, "/log", WRONLY | APPEND, 0));
    uint64_t offset = 0;  // ignored with O_APPEND
    EXPECT_EQ(MUST(appender->write(IoBuffer::kernel("two\n"), 4, offset)), 4u);
    EXPECT_EQ(offset, 8u);
    EXPECT_EQ(read_file("/log"), "one\ntwo\n");
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/log", WRONLY | CREAT | EXCL, 0644)), EEXIST);
    auto truncated = MUST(vfs_open(fs(), nullptr, "/log", RDONLY | TRUNC, 0));  // O_TRUNC even read-only
    EXPECT_EQ(stat("/log").size, 0u);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/none", RDONLY, 0)), ENOENT);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/none/", RDONLY | CREAT, 0644)), EISDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/log/", RDONLY, 0)), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/log", RDONLY | DIRECTORY, 0)), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/x", RDONLY | CREAT | DIRECTORY, 0)), EINVAL);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/log", RDONLY | 040000 /* O_DIRECT */, 0)), EINVAL);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/", WRONLY, 0)), EISDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/", RDONLY | CREAT, 0)), EISDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/.", RDONLY | CREAT, 0)), EISDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/", RDONLY | TRUNC, 0)), EISDIR);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/", RDONLY | DIRECTORY, 0)), 0);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/t", 020000000 | RDWR /* O_TMPFILE w/o O_DIRECTORY */, 0)), EINVAL);
}

TEST_F(FsRamfsTest, UnnamedTemporaryFiles) {
    constexpr int TMPFILE = 020000000 | DIRECTORY;
    mkdir("/t");
    auto file = MUST(vfs_open(fs(), nullptr, "/t", RDWR | TMPFILE, 0666));
    EXPECT_EQ(file->inode()->nlink(), 0u);
    EXPECT_EQ(file->inode()->mode(), 0100644u);
    uint64_t offset = 0;
    EXPECT_EQ(MUST(file->write(IoBuffer::kernel("temp"), 4, offset)), 4u);
    EXPECT_EQ(stat("/t").size, 40u);  // no entry anywhere
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/t", RDONLY | TMPFILE, 0600)), EINVAL);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/nothing", RDWR | TMPFILE, 0600)), ENOENT);
    // linkat(AT_EMPTY_PATH) names it, once.
    ASSERT_FALSE(vfs_link_to(fs(), file->path(), nullptr, "/t/named").is_error());
    EXPECT_EQ(read_file("/t/named"), "temp");
    EXPECT_EQ(stat("/t/named").nlink, 1u);
    auto exclusive = MUST(vfs_open(fs(), nullptr, "/t", WRONLY | TMPFILE | EXCL, 0600));
    EXPECT_EQ(errno_of(vfs_link_to(fs(), exclusive->path(), nullptr, "/t/never")), ENOENT);
}

TEST_F(FsRamfsTest, OpenThroughSymlinks) {
    ASSERT_FALSE(vfs_symlink(fs(), "target", nullptr, "/link").is_error());
    // O_CREAT through a dangling link creates its target.
    ASSERT_FALSE(vfs_open(fs(), nullptr, "/link", WRONLY | CREAT, 0600).is_error());
    EXPECT_EQ(stat("/target").mode, 0100600u);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/link", RDONLY | NOFOLLOW, 0)), ELOOP);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/link", WRONLY | CREAT | NOFOLLOW, 0600)), ELOOP);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/link", WRONLY | CREAT | EXCL, 0600)), EEXIST);
    // O_PATH | O_NOFOLLOW opens the link itself.
    auto handle = MUST(vfs_open(fs(), nullptr, "/link", PATH | NOFOLLOW | RDWR | APPEND, 0));
    EXPECT_TRUE(handle->is_path_only());
    EXPECT_FALSE(handle->is_readable());
    EXPECT_EQ(handle->flags(), PATH | NOFOLLOW);  // O_PATH keeps only its own flags
    EXPECT_TRUE(handle->inode()->is_symlink());
    ASSERT_FALSE(vfs_symlink(fs(), "/", nullptr, "/rootlink").is_error());
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/rootlink", WRONLY | CREAT, 0600)), EISDIR);
}

TEST_F(FsRamfsTest, MkdirRmdirUnlinkErrors) {
    mkdir("/d");
    write_file("/d/f", "");
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/d", 0755)), EEXIST);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/d/f", 0755)), EEXIST);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/", 0755)), EEXIST);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/d/.", 0755)), EEXIST);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/no/d", 0755)), ENOENT);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/d/f/x", 0755)), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/new/", 0755)), 0);  // a trailing slash is fine
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/d")), ENOTEMPTY);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/d/f")), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/d/.")), EINVAL);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/d/..")), ENOTEMPTY);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/")), EBUSY);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/nothing")), ENOENT);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/d")), EISDIR);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/d/.")), EISDIR);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/d/f/")), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/d/g")), ENOENT);
    EXPECT_EQ(errno_of(vfs_symlink(fs(), "x", nullptr, "/d/f")), EEXIST);
    EXPECT_EQ(errno_of(vfs_symlink(fs(), "x", nullptr, "/d/nonexistent/")), ENOENT);
    EXPECT_EQ(errno_of(vfs_symlink(fs(), "", nullptr, "/d/empty")), ENOENT);
    EXPECT_EQ(errno_of(vfs_mknod(fs(), nullptr, "/d/dir", S_TYPE_DIR | 0755, 0)), EPERM);
    EXPECT_EQ(errno_of(vfs_mknod(fs(), nullptr, "/d/bad", 0170000, 0)), EINVAL);
    EXPECT_EQ(errno_of(vfs_mknod(fs(), nullptr, "/d/plain", 0644, 0)), 0);  // type 0: a regular file
    EXPECT_EQ(stat("/d/plain").mode, 0100644u);
    ASSERT_FALSE(vfs_unlink(fs(), nullptr, "/d/f").is_error());
    ASSERT_FALSE(vfs_unlink(fs(), nullptr, "/d/plain").is_error());
    ASSERT_FALSE(vfs_rmdir(fs(), nullptr, "/d/").is_error());
    EXPECT_EQ(lookup_errno("/d"), ENOENT);
}

TEST_F(FsRamfsTest, LinkCountsSizesAndTimes) {
    Kstat root = stat("/");
    EXPECT_EQ(root.nlink, 2u);
    EXPECT_EQ(root.size, 40u);
    mkdir("/a");
    mkdir("/b");
    write_file("/f", "12345");
    root = stat("/");
    EXPECT_EQ(root.nlink, 4u);      // each subdirectory's ".." links the parent
    EXPECT_EQ(root.size, 40u + 3 * 20);
    EXPECT_LT(stat("/a").ino, stat("/b").ino);
    ASSERT_FALSE(vfs_link(fs(), nullptr, "/f", nullptr, "/a/g", false).is_error());
    EXPECT_EQ(stat("/f").nlink, 2u);
    EXPECT_EQ(stat("/a/g").ino, stat("/f").ino);
    EXPECT_EQ(errno_of(vfs_link(fs(), nullptr, "/a", nullptr, "/c", false)), EPERM);
    EXPECT_EQ(errno_of(vfs_link(fs(), nullptr, "/f", nullptr, "/a/g", false)), EEXIST);
    EXPECT_EQ(errno_of(vfs_link(fs(), nullptr, "/f", nullptr, "/new/", false)), ENOENT);
    // A link to a symlink is a link to the symlink unless asked to follow.
    ASSERT_FALSE(vfs_symlink(fs(), "f", nullptr, "/sl").is_error());
    ASSERT_FALSE(vfs_link(fs(), nullptr, "/sl", nullptr, "/sl2", false).is_error());
    EXPECT_EQ(stat("/sl2", false).mode & S_TYPE_MASK, S_TYPE_LNK);
    ASSERT_FALSE(vfs_link(fs(), nullptr, "/sl", nullptr, "/f3", true).is_error());
    EXPECT_EQ(stat("/f").nlink, 3u);
    ASSERT_FALSE(vfs_unlink(fs(), nullptr, "/f").is_error());
    EXPECT_EQ(stat("/a/g").nlink, 2u);
    EXPECT_EQ(read_file("/a/g"), "12345");
    Kstat symlink = stat("/sl", false);
    EXPECT_EQ(symlink.size, 1u);
    EXPECT_EQ(symlink.mode, 0120777u);
    EXPECT_EQ(symlink.blocks, 0u);
    ASSERT_FALSE(vfs_symlink(fs(), std::string(200, 't').c_str(), nullptr, "/long").is_error());
    EXPECT_EQ(stat("/long", false).blocks, 8u);  // tmpfs puts a long target in a page
    char target[16];
    EXPECT_EQ(MUST(vfs_readlink(MUST(vfs_lookup(fs(), nullptr, "/sl", 0)), target, sizeof(target))), 1u);
    EXPECT_EQ(target[0], 'f');
    EXPECT_EQ(errno_of(vfs_readlink(MUST(vfs_lookup(fs(), nullptr, "/a", 0)), target, 16)), EINVAL);
    // Writing moves mtime and ctime forward; the directory's too when an entry is added.
    Kstat before = stat("/a");
    write_file("/a/new", "x");
    EXPECT_GE(stat("/a").mtime, before.mtime);
    EXPECT_GE(stat("/a").ctime, before.ctime);
}

TEST_F(FsRamfsTest, RenameRules) {
    mkdir("/d1");
    mkdir("/d1/sub");
    mkdir("/d2");
    mkdir("/full");
    write_file("/full/x", "");
    write_file("/f1", "one");
    write_file("/f2", "two");
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/nothing", nullptr, "/x", 0)), ENOENT);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/d1", nullptr, "/d1/sub/inside", 0)), EINVAL);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/d1", nullptr, "/d1", 0)), 0);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/d1/sub", nullptr, "/d1", 0)), ENOTEMPTY);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/d1", nullptr, "/full", 0)), ENOTEMPTY);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/d1", nullptr, "/f1", 0)), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/d2", 0)), EISDIR);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1/", nullptr, "/f3", 0)), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/f3/", 0)), ENOTDIR);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/.", nullptr, "/x", 0)), EBUSY);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/.", 0)), EBUSY);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/f2", 1 /* NOREPLACE */)), EEXIST);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/f2", 3)), EINVAL);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/f2", 4 /* WHITEOUT */)), EINVAL);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f1", nullptr, "/none", 2 /* EXCHANGE */)), ENOENT);

    // Replacing a file drops the old one.
    ASSERT_FALSE(vfs_rename(fs(), nullptr, "/f1", nullptr, "/f2", 0).is_error());
    EXPECT_EQ(read_file("/f2"), "one");
    EXPECT_EQ(lookup_errno("/f1"), ENOENT);
    // Moving a directory moves its ".." link between parents; it may replace an empty one.
    ASSERT_FALSE(vfs_rename(fs(), nullptr, "/d1/sub", nullptr, "/d2/sub", 0).is_error());
    EXPECT_EQ(stat("/d1").nlink, 2u);
    EXPECT_EQ(stat("/d2").nlink, 3u);
    EXPECT_EQ(stat("/d2/sub/..").ino, stat("/d2").ino);
    mkdir("/empty");
    ASSERT_FALSE(vfs_rename(fs(), nullptr, "/d2/sub", nullptr, "/empty", 0).is_error());
    EXPECT_EQ(stat("/d2").nlink, 2u);
    // Exchange swaps two names, whatever their types, and lists both as the newest entries.
    ASSERT_FALSE(vfs_rename(fs(), nullptr, "/f2", nullptr, "/empty", 2).is_error());
    {
        auto root = MUST(vfs_open(fs(), nullptr, "/", RDONLY, 0));
        auto listing = names(read_dir(*root));
        ASSERT_GE(listing.size(), 4u);
        EXPECT_EQ(listing[2], "empty");
        EXPECT_EQ(listing[3], "f2");
    }
    EXPECT_EQ(stat("/f2").mode & S_TYPE_MASK, S_TYPE_DIR);
    EXPECT_EQ(read_file("/empty"), "one");
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/f2", nullptr, "/d1/moved", 2)), ENOENT);
    // Two names of one file: nothing happens.
    ASSERT_FALSE(vfs_link(fs(), nullptr, "/empty", nullptr, "/alias", false).is_error());
    ASSERT_FALSE(vfs_rename(fs(), nullptr, "/empty", nullptr, "/alias", 0).is_error());
    EXPECT_EQ(lookup_errno("/empty"), 0);
    EXPECT_EQ(stat("/alias").nlink, 2u);
}

TEST_F(FsRamfsTest, GetdentsListsNewestFirstWithLinuxOffsets) {
    mkdir("/dir");
    write_file("/dir/a", "");
    mkdir("/dir/b");
    write_file("/dir/c", "");
    ASSERT_FALSE(vfs_symlink(fs(), "a", nullptr, "/dir/d").is_error());
    auto dir = MUST(vfs_open(fs(), nullptr, "/dir", RDONLY | DIRECTORY, 0));
    auto entries = read_dir(*dir);
    ASSERT_EQ(entries.size(), 6u);
    EXPECT_EQ(names(entries), (std::vector<std::string>{".", "..", "d", "c", "b", "a"}));
    for (size_t i = 0; i < entries.size(); ++i)
        EXPECT_EQ(entries[i].off, int64_t(i + 1));
    EXPECT_EQ(entries[0].ino, stat("/dir").ino);
    EXPECT_EQ(entries[1].ino, stat("/").ino);
    EXPECT_EQ(entries[2].type, 10u);  // DT_LNK
    EXPECT_EQ(entries[3].type, 8u);   // DT_REG
    EXPECT_EQ(entries[4].type, 4u);   // DT_DIR
    // Seeking to an entry's d_off continues after it; SEEK_END is not for directories.
    EXPECT_EQ(MUST(dir->seek(3, SEEK_SET_)), 3u);
    EXPECT_EQ(names(read_dir(*dir)), (std::vector<std::string>{"c", "b", "a"}));
    EXPECT_EQ(errno_of(dir->seek(0, SEEK_END_)), EINVAL);
    EXPECT_EQ(errno_of(dir->seek(-1, SEEK_SET_)), EINVAL);
    EXPECT_EQ(MUST(dir->seek(0, SEEK_SET_)), 0u);
    EXPECT_EQ(read_dir(*dir).size(), 6u);
    // A buffer too small for the next record is EINVAL; at the end, 0.
    ASSERT_FALSE(dir->seek(0, SEEK_SET_).is_error());
    uint8_t tiny[16];
    EXPECT_EQ(errno_of(dir->read_directory(IoBuffer::kernel(tiny), sizeof(tiny))), EINVAL);
    EXPECT_EQ(MUST(dir->seek(100, SEEK_SET_)), 100u);
    EXPECT_EQ(MUST(dir->read_directory(IoBuffer::kernel(tiny), sizeof(tiny))), 0u);
    char byte;
    uint64_t offset = 0;
    EXPECT_EQ(errno_of(dir->read(IoBuffer::kernel(&byte), 1, offset)), EISDIR);
    EXPECT_EQ(errno_of(dir->read_at(&byte, 1, 0)), EISDIR);
}

TEST_F(FsRamfsTest, GetdentsFaultKeepsThePosition) {
    mkdir("/dir");
    write_file("/dir/a", "");
    auto dir = MUST(vfs_open(fs(), nullptr, "/dir", RDONLY, 0));
    HostUserMemory user(8);  // too small to take the records it is said to hold
    EXPECT_EQ(errno_of(dir->read_directory(IoBuffer::user(user.address()), 4096)), EFAULT);
    EXPECT_EQ(dir->position(), 0u);
    EXPECT_EQ(names(read_dir(*dir)), (std::vector<std::string>{".", "..", "a"}));
}

TEST_F(FsRamfsTest, GetdentsKeepsItsPlaceWhileEntriesGo) {
    // rm -r style: read a batch, delete what was read, read on. The cursor keeps the place.
    mkdir("/many");
    std::set<std::string> created;
    for (int i = 0; i < 300; ++i) {
        std::string name = "file-with-a-longish-name-" + std::to_string(i);
        write_file(("/many/" + name).c_str(), "");
        created.insert(name);
    }
    auto dir = MUST(vfs_open(fs(), nullptr, "/many", RDONLY, 0));
    std::set<std::string> seen;
    std::vector<uint8_t> buffer(512);
    while (true) {
        size_t n = MUST(dir->read_directory(IoBuffer::kernel(buffer.data()), buffer.size()));
        if (!n)
            break;
        for (auto& e : parse_dirents(buffer.data(), n)) {
            if (e.name == "." || e.name == "..")
                continue;
            EXPECT_TRUE(seen.insert(e.name).second) << "twice: " << e.name;
            ASSERT_FALSE(vfs_unlink(fs(), nullptr, ("/many/" + e.name).c_str()).is_error());
        }
        write_file("/many/added-while-reading", "");  // newest first: never seen, never in the way
        ASSERT_FALSE(vfs_unlink(fs(), nullptr, "/many/added-while-reading").is_error());
    }
    EXPECT_EQ(seen, created);
    ASSERT_FALSE(vfs_rmdir(fs(), nullptr, "/many").is_error());
    EXPECT_EQ(errno_of(dir->read_directory(IoBuffer::kernel(buffer.data()), buffer.size())), ENOENT);
}

TEST_F(FsRamfsTest, AccessAndExec) {
    write_file("/plain", "data", 0644);
    write_file("/tool", "#!", 0700);
    Path plain = MUST(vfs_lookup(fs(), nullptr, "/plain", 0));
    EXPECT_EQ(errno_of(vfs_access(plain, 4 | 2)), 0);  // root reads and writes anything
    EXPECT_EQ(errno_of(vfs_access(plain, 1)), EACCES);
    EXPECT_EQ(errno_of(vfs_access(MUST(vfs_lookup(fs(), nullptr, "/tool", 0)), 1)), 0);
    EXPECT_EQ(errno_of(vfs_access(m_root, 1)), 0);
    EXPECT_EQ(errno_of(vfs_open_exec(fs(), "/plain")), EACCES);
    EXPECT_EQ(errno_of(vfs_open_exec(fs(), "/")), EACCES);
    EXPECT_EQ(errno_of(vfs_open_exec(fs(), "/nothing")), ENOENT);
    auto exe = MUST(vfs_open_exec(fs(), "/tool"));
    char buffer[2];
    EXPECT_EQ(MUST(exe->read_at(buffer, 2, 0)), 2u);
    EXPECT_EQ(exe->flags(), RDONLY | LARGEFILE);
}

TEST_F(FsRamfsTest, UserMemoryCopiesAndFaults) {
    HostUserMemory user(3 * 4096);
    for (size_t i = 0; i < user.size(); ++i)
        user.data()[i] = uint8_t(i * 7);
    auto file = MUST(vfs_open(fs(), nullptr, "/u", RDWR | CREAT, 0644));
    uint64_t offset = 0;
    EXPECT_EQ(MUST(file->write(IoBuffer::user(user.address()), user.size(), offset)), user.size());
    std::vector<uint8_t> copy(user.data(), user.data() + user.size());
    std::memset(user.data(), 0, user.size());
    offset = 0;
    EXPECT_EQ(MUST(file->read(IoBuffer::user(user.address()), user.size(), offset)), user.size());
    EXPECT_EQ(std::vector<uint8_t>(user.data(), user.data() + user.size()), copy);
    // A range running off the end of user memory: what fits is copied, then it stops.
    offset = 0;
    EXPECT_EQ(MUST(file->read(IoBuffer::user(user.address(4096 * 3 - 1000)), 5000, offset)), 1000u);
    offset = 0;
    EXPECT_EQ(errno_of(file->read(IoBuffer::user(0x1000), 10, offset)), EFAULT);
    EXPECT_EQ(errno_of(file->write(IoBuffer::user(0x1000), 10, offset)), EFAULT);
    EXPECT_EQ(stat("/u").size, user.size());
}

TEST_F(FsRamfsTest, AllocationFailuresChangeNothingAndLeakNothing) {
    mkdir("/d");
    write_file("/d/f", std::string(10000, 'x'));
    ASSERT_FALSE(vfs_symlink(fs(), "f", nullptr, "/d/l").is_error());
    HeapStats baseline = heap_stats();
    size_t pages = page_allocator().used_pages();
    // Each operation runs with its nth allocation failing, for every n until one passes with
    // no failure left to inject; `restore` puts the tree back whatever happened.
    auto sweep = [&](const char* what, auto&& operation, auto&& restore) {
        for (int nth = 1; nth < 50; ++nth) {
            mmtest::FailNth::arm(nth);
            auto result = operation();
            mm::set_fail_hook(nullptr);
            bool done = !result.is_error() && mmtest::FailNth::calls < nth;
            if (result.is_error()) {
                EXPECT_EQ(result.error().code(), ENOMEM) << what << " " << nth;
            }
            restore();
            ASSERT_EQ(heap_stats(), baseline) << what << " failing allocation " << nth;
            ASSERT_EQ(page_allocator().used_pages(), pages) << what << " failing allocation " << nth;
            if (done)
                return;
        }
        ADD_FAILURE() << what << ": still failing after 50 allocations";
    };
    auto remove = [&](const char* path) {
        auto where = vfs_lookup(fs(), nullptr, path, 0);
        if (where.is_error())
            return;
        if (where.value().inode->is_directory())
            MUST(vfs_rmdir(fs(), nullptr, path));
        else
            MUST(vfs_unlink(fs(), nullptr, path));
    };
    sweep("mkdir", [&] { return vfs_mkdir(fs(), nullptr, "/d/new", 0755); }, [&] { remove("/d/new"); });
    sweep("symlink", [&] { return vfs_symlink(fs(), "somewhere", nullptr, "/d/sym"); }, [&] { remove("/d/sym"); });
    sweep("rename", [&] { return vfs_rename(fs(), nullptr, "/d/f", nullptr, "/d/renamed", 0); },
          [&] {
              if (!vfs_lookup(fs(), nullptr, "/d/renamed", 0).is_error())
                  MUST(vfs_rename(fs(), nullptr, "/d/renamed", nullptr, "/d/f", 0));
          });
    sweep("link", [&] { return vfs_link(fs(), nullptr, "/d/f", nullptr, "/d/hard", false); }, [&] { remove("/d/hard"); });
    sweep("open", [&] { return vfs_open(fs(), nullptr, "/d/created", WRONLY | CREAT, 0644); },
          [&] { remove("/d/created"); });
    sweep("mount", [&] { return vfs_mount(fs(), "x", "/d", "tmpfs", 0, ""); },
          [&] { (void)vfs_umount(fs(), "/d", 0); });
    sweep("write", [&]() -> ErrorOr<size_t> {
              auto file = TRY(vfs_open(fs(), nullptr, "/d/f", WRONLY, 0));
              uint64_t at = 1 << 30;  // needs new interior nodes of the page map, then a page
              return file->write(IoBuffer::kernel("far"), 3, at);
          },
          [&] { MUST(MUST(vfs_lookup(fs(), nullptr, "/d/f", 0)).inode->truncate(10000)); });
    EXPECT_EQ(read_file("/d/f"), std::string(10000, 'x'));
}

}  // namespace
}  // namespace kernel::fstest
