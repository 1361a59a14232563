// Hosted tests of the character devices (fs/Devices.h) on a populated root: null, zero,
// urandom, tty and the console, with the host fake of the arch console.
#include <gtest/gtest.h>

#include <arch/Console.h>

#include <deque>
#include <stdexcept>
#include <string>

#include "FsTestSupport.h"
#include "fs/Devices.h"
#include "fs/FilesStruct.h"

namespace kernel {

namespace fstest {
// What the tests "type later": console_wait_for_input moves it into the console's queue, as if
// the user typed while the reader waited.
std::deque<int> g_typed_while_waiting;
int g_waits = 0;
}  // namespace fstest

// The hosted stand-in for the kernel's yield in a console read (fs/ConsoleWait.cpp).
void console_wait_for_input() {
    ++fstest::g_waits;
    if (fstest::g_typed_while_waiting.empty())
        throw std::runtime_error("a console read would wait forever");
    arch::host_console_input.push_back(fstest::g_typed_while_waiting.front());
    fstest::g_typed_while_waiting.pop_front();
}

namespace fstest {
namespace {

constexpr unsigned TCGETS = 0x5401, TCSETS = 0x5402, TIOCGWINSZ = 0x5413, TCFLSH = 0x540B, FIONREAD_ = 0x541B;

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
        arch::host_console_output.clear();
        arch::host_console_input.clear();
        g_typed_while_waiting.clear();
        g_waits = 0;
    }
    NonnullRefPtr<File> open(const char* path, int flags = RDWR) { return MUST(vfs_open(fs(), nullptr, path, flags, 0)); }
    static void type(const std::string& keys) {
        for (char c : keys)
            arch::host_console_input.push_back(c);
    }
    // FIONREAD: what a read would return now.
    static int typed_count(File& console) {
        HostUserMemory user(sizeof(int));
        EXPECT_EQ(MUST(console.ioctl(FIONREAD_, user.address())), 0);
        return *reinterpret_cast<int*>(user.data());
    }
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

// The termios layout of asm-generic/termbits.h (TCGETS), spelled out.
struct KernelTermios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
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

TEST_F(FsDevicesTest, TtyWithoutAControllingTerminal) {
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/dev/tty", RDWR, 0)), ENXIO);
    ASSERT_FALSE(vfs_mknod(fs(), nullptr, "/dev/unknown", S_TYPE_CHR | 0600, make_dev(42, 42)).is_error());
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/dev/unknown", RDWR, 0)), ENXIO);
    ASSERT_FALSE(vfs_mknod(fs(), nullptr, "/dev/block", S_TYPE_BLK | 0600, make_dev(8, 0)).is_error());
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/dev/block", RDWR, 0)), ENXIO);
    ASSERT_FALSE(vfs_mknod(fs(), nullptr, "/fifo", S_TYPE_FIFO | 0600, 0).is_error());
    EXPECT_EQ(stat("/fifo").mode, 0010600u);
}

TEST_F(FsDevicesTest, ConsoleWritesAndReads) {
    auto console = open("/dev/console");
    uint64_t offset = 0;
    EXPECT_EQ(MUST(console->write(IoBuffer::kernel("hello\n"), 6, offset)), 6u);
    EXPECT_EQ(arch::host_console_output, "hello\n");
    EXPECT_FALSE(console->has_positional_io());
    EXPECT_EQ(errno_of(console->seek(0, SEEK_CUR_)), ESPIPE);
    EXPECT_EQ(errno_of(console->read_at(nullptr, 1, 0)), EINVAL);

    // Enter sends CR; ICRNL makes it NL; what is read is echoed.
    arch::host_console_output.clear();
    type("ls\r");
    EXPECT_EQ(read_some(*console, 100), "ls\n");
    EXPECT_EQ(arch::host_console_output, "ls\n");
    // A read returns at most one line.
    type("one\ntwo\n");
    EXPECT_EQ(read_some(*console, 100), "one\n");
    EXPECT_EQ(typed_count(*console), 4);
    EXPECT_EQ(read_some(*console, 2), "tw");
    EXPECT_EQ(read_some(*console, 100), "o\n");
    // Nothing typed: wait (yield) until a key comes.
    g_typed_while_waiting = {'x'};
    EXPECT_EQ(read_some(*console, 100), "x");
    EXPECT_EQ(g_waits, 1);
    // O_NONBLOCK: EAGAIN instead of waiting.
    auto nonblocking = open("/dev/console", RDWR | NONBLOCK);
    int error = 0;
    EXPECT_EQ(read_some(*nonblocking, 10, &error), "");
    EXPECT_EQ(error, EAGAIN);
    EXPECT_EQ(read_some(*console, 0), "");
}

TEST_F(FsDevicesTest, ConsoleIoctls) {
    auto console = open("/dev/console");
    KernelTermios settings{};
    HostUserMemory user(64);
    EXPECT_EQ(MUST(console->ioctl(TCGETS, user.address())), 0);
    std::memcpy(&settings, user.data(), sizeof(settings));
    // What Linux's 8250 console reports with console=ttyS0.
    EXPECT_EQ(settings.iflag, 02400u);   // ICRNL | IXON
    EXPECT_EQ(settings.oflag, 05u);      // OPOST | ONLCR
    EXPECT_EQ(settings.cflag, 06275u);   // B9600 | CS8 | CREAD | HUPCL | CLOCAL
    EXPECT_EQ(settings.lflag, 0105073u); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
    EXPECT_EQ(settings.cc[0], 3);        // VINTR ^C
    EXPECT_EQ(settings.cc[2], 0177);     // VERASE DEL
    EXPECT_EQ(settings.cc[6], 1);        // VMIN
    std::memset(user.data(), 0xff, 8);
    EXPECT_EQ(MUST(console->ioctl(TIOCGWINSZ, user.address())), 0);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(user.data()), 8), std::string(8, '\0'));  // 0 rows, 0 columns
    EXPECT_EQ(errno_of(console->ioctl(TCGETS, 0x1000)), EFAULT);
    EXPECT_EQ(errno_of(console->ioctl(0x5410 /* TIOCSPGRP */, user.address())), ENOTTY);
    // TCSETS takes effect: without ECHO nothing is echoed, without ICRNL CR stays CR.
    settings.lflag &= ~010u;  // ECHO
    settings.iflag &= ~0400u; // ICRNL
    std::memcpy(user.data(), &settings, sizeof(settings));
    EXPECT_EQ(MUST(console->ioctl(TCSETS, user.address())), 0);
    arch::host_console_output.clear();
    type("q\r");
    EXPECT_EQ(read_some(*console, 10), "q\r");
    EXPECT_EQ(arch::host_console_output, "");
    type("flushed");
    EXPECT_EQ(MUST(console->ioctl(TCFLSH, 0 /* TCIFLUSH */)), 0);
    EXPECT_EQ(typed_count(*console), 0);
    EXPECT_EQ(errno_of(console->ioctl(TCFLSH, 7)), EINVAL);
    // Restore the defaults for the other tests (the console is one global device).
    settings.lflag |= 010u;
    settings.iflag |= 0400u;
    std::memcpy(user.data(), &settings, sizeof(settings));
    EXPECT_EQ(MUST(console->ioctl(TCSETS, user.address())), 0);
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
