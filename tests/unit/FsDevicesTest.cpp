// Hosted tests of the character devices (fs/Devices.h) on a populated root: null, zero,
// urandom, which numbers go to the terminal, and init's console descriptors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "FsTestSupport.h"
#include "fs/Devices.h"
#include "fs/FilesStruct.h"
#include "lib/OwnPtr.h"

namespace kernel {

namespace fstest {
// The device numbers the terminal open was asked for (the tty itself is kernel-only: fs/Tty.cpp).
std::vector<uint32_t> g_tty_opens;
class StandInTty final : public File {
public:
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
};
}  // namespace fstest

ErrorOr<NonnullRefPtr<File>> open_tty_device(const Path& path, int flags) {
    fstest::g_tty_opens.push_back(path.inode->rdev());
    auto file = TRY(try_make_ref_counted<fstest::StandInTty>());
    file->set_open_state(path, flags);
    return NonnullRefPtr<File>(std::move(file));
}

namespace fstest {
namespace {

constexpr unsigned TCGETS = 0x5401;

class FsDevicesTest : public FsTest {
protected:
    void SetUp() override {
        FsTest::SetUp();
        if (HasFatalFailure())
            return;
        ASSERT_FALSE(populate_rootfs(nullptr, 0).is_error());
        auto root = MUST(rootfs_root());
        m_fs->set_root(root);
        m_fs->set_cwd(root);
        g_tty_opens.clear();
    }
    NonnullRefPtr<File> open(const char* path, int flags = RDWR) { return MUST(vfs_open(fs(), nullptr, path, flags, 0)); }
    static std::string read_some(File& file, size_t size, int* error = nullptr) {
        std::string buffer(size, '\0');
        uint64_t offset = 0;
        auto n = file.read(IoBuffer::kernel(buffer.data()), size, offset);
        if (n.is_error()) {
            if (error)
                *error = n.error().code();
            return "";
        }
        return buffer.substr(0, n.value());
    }
};

TEST_F(FsDevicesTest, NullAndZero) {
    auto null = open("/dev/null");
    uint64_t offset = 0;
    EXPECT_EQ(read_some(*null, 10), "");
    EXPECT_EQ(MUST(null->write(IoBuffer::kernel("gone"), 4, offset)), 4u);
    EXPECT_EQ(MUST(null->seek(100, SEEK_SET_)), 0u);
    EXPECT_TRUE(null->has_positional_io());
    EXPECT_EQ(errno_of(null->ioctl(TCGETS, 0)), ENOTTY);
    auto zero = open("/dev/zero");
    std::string buffer(10000, 'x');
    offset = 0;
    EXPECT_EQ(MUST(zero->read(IoBuffer::kernel(buffer.data()), buffer.size(), offset)), buffer.size());
    EXPECT_EQ(buffer, std::string(10000, '\0'));
    EXPECT_EQ(offset, 0u);  // no position
    EXPECT_EQ(MUST(zero->write(IoBuffer::kernel("x"), 1, offset)), 1u);
    EXPECT_EQ(MUST(zero->seek(5, SEEK_CUR_)), 0u);
    char c;
    EXPECT_EQ(errno_of(zero->read_at(&c, 1, 0)), EINVAL);
    // Faults: the part before the bad page is zeroed and counted.
    HostUserMemory user(4096);
    offset = 0;
    EXPECT_EQ(MUST(zero->read(IoBuffer::user(user.address()), 8192, offset)), 4096u);
    EXPECT_EQ(errno_of(zero->read(IoBuffer::user(0x1000), 16, offset)), EFAULT);
}

TEST_F(FsDevicesTest, Urandom) {
    auto urandom = open("/dev/urandom", RDONLY);
    std::string a = read_some(*urandom, 1000), b = read_some(*urandom, 1000);
    EXPECT_EQ(a.size(), 1000u);
    EXPECT_NE(a, b);
    EXPECT_NE(a, std::string(1000, '\0'));
    EXPECT_EQ(MUST(urandom->seek(100, SEEK_SET_)), 0u);  // noop_llseek
    HostUserMemory user(sizeof(int));
    EXPECT_EQ(MUST(urandom->ioctl(0x80045200 /* RNDGETENTCNT */, user.address())), 0);
    EXPECT_EQ(*reinterpret_cast<int*>(user.data()), 256);
    EXPECT_EQ(errno_of(urandom->ioctl(0x1234, 0)), EINVAL);
    EXPECT_EQ(read_some(*open("/dev/random", RDONLY), 16).size(), 16u);
}

TEST_F(FsDevicesTest, TerminalsAndUnknownDevices) {
    open("/dev/tty");
    open("/dev/console");
    open("/dev/ttyS0");
    EXPECT_EQ(g_tty_opens, (std::vector<uint32_t>{DEV_TTY, DEV_CONSOLE, DEV_TTYS0}));
    ASSERT_FALSE(vfs_mknod(fs(), nullptr, "/dev/unknown", S_TYPE_CHR | 0600, make_dev(42, 42)).is_error());
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/dev/unknown", RDWR, 0)), ENXIO);
    ASSERT_FALSE(vfs_mknod(fs(), nullptr, "/dev/block", S_TYPE_BLK | 0600, make_dev(8, 0)).is_error());
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/dev/block", RDWR, 0)), ENXIO);
    ASSERT_FALSE(vfs_mknod(fs(), nullptr, "/fifo", S_TYPE_FIFO | 0600, 0).is_error());
    EXPECT_EQ(stat("/fifo").mode, 0010600u);
}

TEST_F(FsDevicesTest, ConsoleDescriptorsForInit) {
    auto files = MUST(FilesStruct::create());
    ASSERT_FALSE(open_console_fds(*files).is_error());
    EXPECT_EQ(files->count(), 3);
    auto in = MUST(files->get(0));
    EXPECT_EQ(MUST(files->get(1)).ptr(), in.ptr());  // one open file, three descriptors
    EXPECT_EQ(MUST(files->get(2)).ptr(), in.ptr());
    EXPECT_EQ(in->flags(), RDWR);  // the kernel's open: no O_LARGEFILE, as Linux's F_GETFL shows
    EXPECT_FALSE(MUST(files->close_on_exec(0)));
    EXPECT_EQ(in->inode()->rdev(), DEV_CONSOLE);
    rootfs_release();
    auto without_root = MUST(FilesStruct::create());
    EXPECT_EQ(errno_of(open_console_fds(*without_root)), ENOENT);
}

}  // namespace
}  // namespace fstest
}  // namespace kernel
