// Hosted tests of the descriptor table (fs/FilesStruct.h) and the fs context (fs/FsStruct.h).
#include <gtest/gtest.h>

#include <vector>

#include "FsTestSupport.h"
#include "fs/FilesStruct.h"

namespace kernel::fstest {
namespace {

class FsFilesTest : public FsTest {
protected:
    NonnullRefPtr<File> open_file(const char* path = "/file") {
        return MUST(vfs_open(fs(), nullptr, path, RDWR | CREAT, 0644));
    }
};

TEST_F(FsFilesTest, LowestFreeDescriptorFirst) {
    auto files = MUST(FilesStruct::create());
    auto file = open_file();
    EXPECT_EQ(MUST(files->install(file, false)), 0);
    EXPECT_EQ(MUST(files->install(file, false)), 1);
    EXPECT_EQ(MUST(files->install(file, false)), 2);
    ASSERT_FALSE(files->close(1).is_error());
    EXPECT_EQ(MUST(files->install(file, false)), 1);
    EXPECT_EQ(MUST(files->install(file, false, 10)), 10);  // F_DUPFD's minimum
    EXPECT_EQ(MUST(files->install(file, false, 10)), 11);
    EXPECT_EQ(MUST(files->install(file, false, 1)), 3);
    EXPECT_EQ(files->count(), 6);
    EXPECT_EQ(file->ref_count(), 7u);  // one per descriptor, and ours
}

TEST_F(FsFilesTest, BadDescriptors) {
    auto files = MUST(FilesStruct::create());
    EXPECT_EQ(errno_of(files->get(0)), EBADF);
    EXPECT_EQ(errno_of(files->get(-1)), EBADF);
    EXPECT_EQ(errno_of(files->get(5000)), EBADF);
    EXPECT_EQ(errno_of(files->close(0)), EBADF);
    EXPECT_EQ(errno_of(files->close(-3)), EBADF);
    EXPECT_EQ(errno_of(files->close_on_exec(7)), EBADF);
    EXPECT_EQ(errno_of(files->set_close_on_exec(7, true)), EBADF);
    EXPECT_EQ(errno_of(files->install_at(-1, open_file(), false)), EBADF);
    EXPECT_EQ(errno_of(files->install_at(1024, open_file(), false)), EBADF);
}

TEST_F(FsFilesTest, TheTableGrowsToTheLimitThenEmfile) {
    auto files = MUST(FilesStruct::create());
    auto file = open_file();
    for (int fd = 0; fd < FilesStruct::DEFAULT_NOFILE; ++fd)
        ASSERT_EQ(MUST(files->install(file, fd % 3 == 0)), fd);
    EXPECT_EQ(errno_of(files->install(file, false)), EMFILE);
    EXPECT_EQ(errno_of(files->install(file, false, 1000)), EMFILE);
    EXPECT_EQ(MUST(files->close_on_exec(999)), true);
    EXPECT_EQ(MUST(files->close_on_exec(1000)), false);
    ASSERT_FALSE(files->close(500).is_error());
    EXPECT_EQ(MUST(files->install(file, false)), 500);
    EXPECT_EQ(files->count(), FilesStruct::DEFAULT_NOFILE);
    // A lower limit (a smaller RLIMIT_NOFILE) is honoured.
    auto small = MUST(FilesStruct::create());
    EXPECT_EQ(MUST(small->install(file, false, 0, 2)), 0);
    EXPECT_EQ(MUST(small->install(file, false, 0, 2)), 1);
    EXPECT_EQ(errno_of(small->install(file, false, 0, 2)), EMFILE);
}

TEST_F(FsFilesTest, InstallAtReplacesAndKeepsTheFileShared) {
    auto files = MUST(FilesStruct::create());
    auto first = open_file("/one");
    auto second = open_file("/two");
    EXPECT_EQ(MUST(files->install(first, true)), 0);
    EXPECT_EQ(MUST(files->install_at(0, second, false)), 0);  // dup2 over an open one closes it
    EXPECT_EQ(first->ref_count(), 1u);
    EXPECT_EQ(MUST(files->get(0)).ptr(), second.ptr());
    EXPECT_FALSE(MUST(files->close_on_exec(0)));
    EXPECT_EQ(MUST(files->install_at(300, second, true)), 300);  // grows the table
    // Descriptors made by dup share the open file, so its position.
    second->set_position(42);
    EXPECT_EQ(MUST(files->get(300))->position(), 42u);
}

TEST_F(FsFilesTest, CloseOnExecClosesOnlyMarkedOnes) {
    auto files = MUST(FilesStruct::create());
    auto file = open_file();
    for (int fd = 0; fd < 100; ++fd)
        ASSERT_EQ(MUST(files->install(file, fd % 2 == 1)), fd);
    ASSERT_FALSE(files->set_close_on_exec(0, true).is_error());
    ASSERT_FALSE(files->set_close_on_exec(1, false).is_error());
    files->close_on_exec();
    EXPECT_EQ(files->count(), 50);
    EXPECT_EQ(errno_of(files->get(0)), EBADF);
    EXPECT_FALSE(files->get(1).is_error());
    EXPECT_EQ(errno_of(files->get(3)), EBADF);
    EXPECT_FALSE(files->get(98).is_error());
    EXPECT_EQ(file->ref_count(), 51u);
}

TEST_F(FsFilesTest, CloneCopiesTheTableNotTheFiles) {
    auto files = MUST(FilesStruct::create());
    auto file = open_file();
    ASSERT_EQ(MUST(files->install(file, false)), 0);
    ASSERT_EQ(MUST(files->install_at(200, file, true)), 200);
    auto copy = MUST(files->clone());
    EXPECT_EQ(copy->count(), 2);
    EXPECT_EQ(MUST(copy->get(200)).ptr(), file.ptr());
    EXPECT_TRUE(MUST(copy->close_on_exec(200)));
    // The tables are separate from now on...
    ASSERT_FALSE(copy->close(0).is_error());
    EXPECT_FALSE(files->get(0).is_error());
    // ...but the open file (its position, its flags) is the same one.
    file->set_position(7);
    EXPECT_EQ(MUST(copy->get(200))->position(), 7u);
}

TEST_F(FsFilesTest, AReservedDescriptorIsTakenButHoldsNoFile) {
    auto files = MUST(FilesStruct::create());
    auto file = open_file();
    ASSERT_EQ(MUST(files->install(file, false)), 0);
    int fd = MUST(files->reserve());
    EXPECT_EQ(fd, 1);
    // Nothing is there for the other calls, yet the number is not free.
    EXPECT_EQ(errno_of(files->get(fd)), EBADF);
    EXPECT_EQ(errno_of(files->close(fd)), EBADF);
    EXPECT_EQ(errno_of(files->close_on_exec(fd)), EBADF);
    EXPECT_EQ(errno_of(files->install_at(fd, file, false)), EBUSY);
    EXPECT_TRUE(files->is_open(fd));
    EXPECT_EQ(files->count(), 1);
    EXPECT_EQ(MUST(files->install(file, false)), 2);
    // A copy of the table does not inherit the reservation.
    auto copy = MUST(files->clone());
    EXPECT_FALSE(copy->is_open(fd));
    EXPECT_EQ(MUST(copy->install(file, false)), 1);
    // Filled: a file like any other.
    files->install_reserved(fd, file, true);
    EXPECT_EQ(MUST(files->get(fd)).ptr(), file.ptr());
    EXPECT_TRUE(MUST(files->close_on_exec(fd)));
    // Or given back.
    int other = MUST(files->reserve());
    EXPECT_EQ(other, 3);
    files->unreserve(other);
    EXPECT_FALSE(files->is_open(other));
    EXPECT_EQ(MUST(files->install(file, false)), 3);
    EXPECT_EQ(files->max_fds(), FilesStruct::INITIAL_SLOTS);
    // At the limit: EMFILE.
    auto small = MUST(FilesStruct::create());
    EXPECT_EQ(MUST(small->reserve(1)), 0);
    EXPECT_EQ(errno_of(small->reserve(1)), EMFILE);
    small->unreserve(0);
}

TEST_F(FsFilesTest, AllocationFailureIsEnomem) {
    auto files = MUST(FilesStruct::create());
    auto file = open_file();
    for (int fd = 0; fd < FilesStruct::INITIAL_SLOTS; ++fd)
        ASSERT_EQ(MUST(files->install(file, false)), fd);
    mmtest::FailNth::arm(1);
    EXPECT_EQ(errno_of(files->install(file, false)), ENOMEM);  // growing the table failed
    mm::set_fail_hook(nullptr);
    EXPECT_EQ(files->count(), FilesStruct::INITIAL_SLOTS);
    // Every failing allocation of a clone is ENOMEM, until none is left to fail.
    for (int nth = 1;; ++nth) {
        mmtest::FailNth::arm(nth);
        auto copy = files->clone();
        mm::set_fail_hook(nullptr);
        if (!copy.is_error()) {
            EXPECT_GT(nth, 1);
            break;
        }
        EXPECT_EQ(copy.error().code(), ENOMEM);
    }
    mmtest::FailNth::arm(1);
    EXPECT_EQ(errno_of(FilesStruct::create()), ENOMEM);
}

TEST_F(FsFilesTest, FsStructCopiesAndUmask) {
    mkdir("/work");
    EXPECT_EQ(fs().umask(), 022u);
    EXPECT_EQ(fs().exchange_umask(0777077), 022u);  // only the permission bits are kept
    EXPECT_EQ(fs().umask(), 077u);
    ASSERT_FALSE(vfs_mkdir(fs(), nullptr, "/private", 0777).is_error());
    EXPECT_EQ(stat("/private").mode, 0040700u);
    auto copy = MUST(fs().clone());
    EXPECT_EQ(copy->umask(), 077u);
    copy->set_cwd(MUST(vfs_lookup(*copy, nullptr, "/work", LOOKUP_FOLLOW)));
    EXPECT_TRUE(fs().cwd() == m_root);  // not shared
    EXPECT_EQ(copy->cwd().inode->ino(), stat("/work").ino);
    copy->exchange_umask(0);
    EXPECT_EQ(fs().umask(), 077u);
}

}  // namespace
}  // namespace kernel::fstest
