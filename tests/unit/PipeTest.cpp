// Hosted tests of pipes (fs/Pipe.h): the ring of page buffers, merging and atomicity, EOF,
// EPIPE/SIGPIPE, O_NONBLOCK, packet mode, faults, allocation failures, and the sleeping
// protocol through a fake of the kernel-only half. The expected capacities are what Linux 6.1
// gives (checked with tools/vmrun --kernel linux).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "FsTestSupport.h"
#include "fs/Pipe.h"
#include "fs/Poll.h"
#include "lib/OwnPtr.h"

namespace kernel::fstest {
namespace {

using mmtest::FailNth;

constexpr int FAKE_ERESTARTSYS = 512;  // task/Signal.h's, which the hosted build does not have
constexpr int O_DIRECT_ = 040000;
constexpr unsigned FIONREAD_ = 0x541B;

// The kernel-only half, faked: no other task exists, so "sleeping" runs `while_sleeping` (what
// the other side does meanwhile) once, and a sleep that would last for ever is a signal.
class HostPipe final : public Pipe {
public:
    explicit HostPipe(FileSystem& fs) : Pipe(fs, 1000, 100) {}

    std::function<void()> while_sleeping;
    bool signal{false};  // a signal is pending for the "current task"
    int sigpipes{0};
    int sleeps{0};
    int reader_wakeups{0};
    int writer_wakeups{0};
    bool locked{false};

private:
    void mutex_lock() override {
        EXPECT_FALSE(locked) << "the pipe mutex taken twice";
        locked = true;
    }
    void mutex_unlock() override {
        EXPECT_TRUE(locked);
        locked = false;
    }
    ErrorOr<void> sleep_until(bool (Pipe::*condition)() const) {
        EXPECT_FALSE(locked) << "sleeping with the pipe mutex held";
        ++sleeps;
        if ((this->*condition)())
            return {};
        if (while_sleeping && !signal) {
            auto step = while_sleeping;
            step();
        }
        if ((this->*condition)())
            return {};
        signal = true;  // nobody would ever wake us: as if a signal came
        return Error::from_errno(FAKE_ERESTARTSYS);
    }
    ErrorOr<void> wait_readable() override { return sleep_until(&Pipe::readable); }
    ErrorOr<void> wait_writable() override { return sleep_until(&Pipe::writable); }
    void wake_readers() override { ++reader_wakeups; }
    void wake_writers() override { ++writer_wakeups; }
    ErrorOr<void> check_signals() override {
        if (signal)
            return Error::from_errno(FAKE_ERESTARTSYS);
        return {};
    }
    void send_sigpipe() override { ++sigpipes; }
    void poll_wait_queues(File&, PollTable* table, bool reader, bool writer) override {
        if (table) {
            poll_read_registrations += reader;
            poll_write_registrations += writer;
        }
    }

public:
    int poll_read_registrations{0};
    int poll_write_registrations{0};
};

template <typename T>
int errno_of(const ErrorOr<T>& result) {
    return result.is_error() ? result.error().code() : 0;
}

class PipeTest : public MmTest {
protected:
    void SetUp() override {
        MmTest::SetUp();
        if (HasFatalFailure())
            return;
        make_pipe(0);
    }
    void TearDown() override {
        m_read = nullptr;
        m_write = nullptr;
        m_pipe = nullptr;
        MmTest::TearDown();
    }

    void make_pipe(int flags) {
        m_read = nullptr;
        m_write = nullptr;
        m_pipe = nullptr;
        auto mount = MUST(pipe_mount());
        auto pipe = MUST(try_make_ref_counted<HostPipe>(mount->root().fs()));
        m_pipe = pipe.ptr();
        auto ends = MUST(create_pipe_files(mount, std::move(pipe), flags));
        m_read = ends.read_end;
        m_write = ends.write_end;
    }
    HostPipe& pipe() { return static_cast<HostPipe&>(*m_pipe); }

    ErrorOr<size_t> write(const std::string& data, File* file = nullptr) {
        uint64_t offset = 0;
        return (file ? file : m_write.ptr())->write(IoBuffer::kernel(data.data()), data.size(), offset);
    }
    ErrorOr<size_t> write_n(size_t n, char c = 'x') { return write(std::string(n, c)); }
    // Reads up to `n` bytes: the data, or "<errno N>".
    std::string read(size_t n) {
        std::string buffer(n, '\0');
        uint64_t offset = 0;
        auto got = m_read->read(IoBuffer::kernel(buffer.data()), n, offset);
        if (got.is_error())
            return "<errno " + std::to_string(got.error().code()) + ">";
        buffer.resize(got.value());
        return buffer;
    }
    size_t fionread() {
        HostUserMemory user(sizeof(int));
        EXPECT_EQ(MUST(m_read->ioctl(FIONREAD_, user.address())), 0);
        int count;
        std::memcpy(&count, user.data(), sizeof(count));
        return size_t(count);
    }
    void set_nonblock(File& file) { MUST(file.set_status_flags(file.flags() | NONBLOCK)); }
    // Fills the pipe with `chunk`-byte non-blocking writes; returns the bytes accepted.
    size_t fill(size_t chunk) {
        set_nonblock(*m_write);
        size_t total = 0;
        for (;;) {
            auto n = write_n(chunk);
            if (n.is_error()) {
                EXPECT_EQ(n.error().code(), EAGAIN);
                return total;
            }
            total += n.value();
        }
    }

    RefPtr<Inode> m_pipe;
    RefPtr<File> m_read;
    RefPtr<File> m_write;
};

TEST_F(PipeTest, TheEndsAndTheirFlags) {
    EXPECT_EQ(m_read->flags(), RDONLY);
    EXPECT_EQ(m_write->flags(), WRONLY);
    EXPECT_TRUE(m_read->is_readable());
    EXPECT_FALSE(m_read->is_writable());
    EXPECT_TRUE(m_write->is_writable());
    EXPECT_FALSE(m_write->is_readable());
    EXPECT_EQ(m_read->inode(), m_write->inode());
    EXPECT_TRUE(m_read->path().is_valid());  // fstatat(fd, "", AT_EMPTY_PATH) needs the mount
    EXPECT_EQ(pipe().readers(), 1u);
    EXPECT_EQ(pipe().writers(), 1u);
    make_pipe(NONBLOCK | O_DIRECT_ | CLOEXEC);  // O_CLOEXEC is the descriptor's, not the file's
    EXPECT_EQ(m_read->flags(), RDONLY | NONBLOCK);
    EXPECT_EQ(m_write->flags(), WRONLY | NONBLOCK | O_DIRECT_);
}

TEST_F(PipeTest, StatIsAFifoOfSizeZero) {
    Kstat st = m_read->inode()->stat();
    EXPECT_EQ(st.mode, S_TYPE_FIFO | 0600);
    EXPECT_EQ(st.size, 0u);
    EXPECT_EQ(st.blocks, 0u);
    EXPECT_EQ(st.blksize, 4096u);
    EXPECT_EQ(st.nlink, 1u);
    EXPECT_EQ(st.uid, 1000u);
    EXPECT_EQ(st.gid, 100u);
    EXPECT_EQ(dev_major(st.dev), 0u);
    ASSERT_FALSE(write("data").is_error());
    EXPECT_EQ(m_write->inode()->stat().size, 0u);  // data in a pipe is not its size
    // Another pipe: another inode number, the same pipefs device.
    Kstat first = st;
    make_pipe(0);
    EXPECT_NE(m_read->inode()->stat().ino, first.ino);
    EXPECT_EQ(m_read->inode()->stat().dev, first.dev);
}

TEST_F(PipeTest, NoSeekingNoPositionalIo) {
    EXPECT_EQ(errno_of(m_read->seek(0, SEEK_SET_)), ESPIPE);
    EXPECT_EQ(errno_of(m_write->seek(0, SEEK_CUR_)), ESPIPE);
    EXPECT_FALSE(m_read->has_positional_io());
    EXPECT_EQ(errno_of(m_read->ioctl(0x5401 /* TCGETS */, 0)), ENOTTY);
}

TEST_F(PipeTest, BytesComeOutInOrderAndFionreadCountsThem) {
    EXPECT_EQ(MUST(write("hello, ")), 7u);
    EXPECT_EQ(MUST(write("world")), 5u);
    EXPECT_EQ(fionread(), 12u);
    EXPECT_EQ(read(3), "hel");
    EXPECT_EQ(fionread(), 9u);
    EXPECT_EQ(read(100), "lo, world");  // returns what is there, without waiting for more
    EXPECT_EQ(fionread(), 0u);
}

TEST_F(PipeTest, LargeTransfersKeepTheirBytes) {
    std::string data;
    for (int i = 0; i < 50000; ++i)
        data += char('a' + i % 26);
    EXPECT_EQ(MUST(write(data)), data.size());
    std::string out;
    while (out.size() < data.size())
        out += read(7000);
    EXPECT_EQ(out, data);
}

TEST_F(PipeTest, NullReadsAndWritesSucceed) {
    EXPECT_EQ(MUST(write("")), 0u);
    EXPECT_EQ(read(0), "");  // even on an empty pipe with writers: no sleep
    EXPECT_EQ(pipe().sleeps, 0);
    m_read = nullptr;
    EXPECT_EQ(MUST(write("")), 0u);  // no readers: still 0, and no SIGPIPE
    EXPECT_EQ(pipe().sigpipes, 0);
}

// Linux 6.1's numbers: 16 pages; a write's tail (size % 4096) merges into the last page when it
// fits there, and everything else takes fresh pages.
TEST_F(PipeTest, CapacityByOneByteWrites) {
    EXPECT_EQ(fill(1), 65536u);
}

TEST_F(PipeTest, CapacityWithAPageAlignedStreamAfterOneByte) {
    set_nonblock(*m_write);
    ASSERT_EQ(MUST(write_n(1)), 1u);
    EXPECT_EQ(fill(4096), 61440u);            // the first page holds one byte: 15 pages left
    EXPECT_EQ(errno_of(write_n(1)), EAGAIN);  // the last page is full, no page free
    EXPECT_EQ(fionread(), 61441u);
}

TEST_F(PipeTest, BigNonblockingWritesArePartial) {
    set_nonblock(*m_write);
    EXPECT_EQ(MUST(write_n(100000)), 65536u);
    make_pipe(NONBLOCK);
    ASSERT_EQ(MUST(write_n(1)), 1u);
    // 100000 % 4096 = 1696 bytes merge into the first page, then 15 whole pages.
    EXPECT_EQ(MUST(write_n(100000)), 1696u + 15 * 4096u);
}

TEST_F(PipeTest, SmallWritesAreAtomic) {
    set_nonblock(*m_write);
    ASSERT_EQ(MUST(write_n(15 * 4096)), 15 * 4096u);
    ASSERT_EQ(MUST(write_n(100)), 100u);  // a fresh last page holding 100 bytes
    // 3996 bytes are free in it and no page is: a 4000-byte write must not be split.
    EXPECT_EQ(errno_of(write_n(4000)), EAGAIN);
    EXPECT_EQ(MUST(write_n(3996)), 3996u);
    EXPECT_EQ(errno_of(write_n(1)), EAGAIN);
    EXPECT_EQ(fionread(), 65536u);
}

TEST_F(PipeTest, EofWhenTheLastWriterHasGone) {
    ASSERT_FALSE(write("bye").is_error());
    m_write = nullptr;  // the last close of the write end
    EXPECT_EQ(pipe().writers(), 0u);
    EXPECT_GE(pipe().reader_wakeups, 1);
    EXPECT_EQ(read(10), "bye");
    EXPECT_EQ(read(10), "");
    EXPECT_EQ(read(10), "");
    EXPECT_EQ(pipe().sleeps, 0);
}

TEST_F(PipeTest, EpipeAndSigpipeWithoutReaders) {
    m_read = nullptr;
    EXPECT_GE(pipe().writer_wakeups, 1);
    EXPECT_EQ(errno_of(write("x")), EPIPE);
    EXPECT_EQ(pipe().sigpipes, 1);
    EXPECT_EQ(errno_of(write_n(100000)), EPIPE);
    EXPECT_EQ(pipe().sigpipes, 2);
}

TEST_F(PipeTest, AnOpenFileDescriptionCountsOnce) {
    // dup() and fork() share the file: only its destruction counts the end out.
    RefPtr<File> shared = m_write;
    m_write = nullptr;
    EXPECT_EQ(pipe().writers(), 1u);
    shared = nullptr;
    EXPECT_EQ(pipe().writers(), 0u);
}

TEST_F(PipeTest, NonblockingReadOfAnEmptyPipe) {
    set_nonblock(*m_read);
    EXPECT_EQ(read(10), "<errno 11>");  // EAGAIN
    m_write = nullptr;
    EXPECT_EQ(read(10), "");  // EOF beats EAGAIN
}

TEST_F(PipeTest, ABlockingReadSleepsUntilAWriterWrites) {
    pipe().while_sleeping = [&] { ASSERT_EQ(MUST(write("late")), 4u); };
    EXPECT_EQ(read(10), "late");
    EXPECT_EQ(pipe().sleeps, 1);
    EXPECT_GE(pipe().reader_wakeups, 1);  // the writer found the pipe empty: it wakes readers
}

TEST_F(PipeTest, ABlockingReadSleepsUntilTheLastWriterCloses) {
    pipe().while_sleeping = [&] { m_write = nullptr; };
    EXPECT_EQ(read(10), "");
    EXPECT_EQ(pipe().sleeps, 1);
}

TEST_F(PipeTest, ASignalInterruptsAnEmptyRead) {
    EXPECT_EQ(read(10), "<errno 512>");  // ERESTARTSYS: the syscall restarts or says EINTR
    EXPECT_FALSE(pipe().locked);
}

TEST_F(PipeTest, ABlockingWriteSleepsUntilThereIsRoom) {
    std::string data;
    for (int i = 0; i < 100000; ++i)
        data += char('A' + i % 23);
    std::string out;
    pipe().while_sleeping = [&] {
        while (out.size() < data.size() && fionread())
            out += read(10000);
    };
    EXPECT_EQ(MUST(write(data)), data.size());
    out += read(100000);
    EXPECT_EQ(out, data);
    EXPECT_EQ(pipe().sleeps, 1);
    EXPECT_GE(pipe().writer_wakeups, 1);  // the reader found the pipe full: it woke writers
}

TEST_F(PipeTest, ASignalEndsABlockingWriteWithWhatWasWritten) {
    EXPECT_EQ(MUST(write_n(100000)), 65536u);  // interrupted once full: the partial count
    EXPECT_TRUE(pipe().signal);
    EXPECT_EQ(errno_of(write_n(10)), FAKE_ERESTARTSYS);  // nothing written: restart
}

TEST_F(PipeTest, TheLastReaderLeavingEndsABlockingWrite) {
    pipe().while_sleeping = [&] { m_read = nullptr; };
    EXPECT_EQ(MUST(write_n(70000)), 65536u);  // what went in before the reader left
    EXPECT_EQ(pipe().sigpipes, 1);            // and SIGPIPE all the same
    EXPECT_FALSE(pipe().signal);
}

TEST_F(PipeTest, PacketMode) {
    make_pipe(O_DIRECT_);
    ASSERT_EQ(MUST(write("abc")), 3u);
    ASSERT_EQ(MUST(write("defgh")), 5u);
    EXPECT_EQ(read(2), "ab");  // one packet per read; the rest of it is dropped
    EXPECT_EQ(fionread(), 5u);
    EXPECT_EQ(read(100), "defgh");
    ASSERT_EQ(MUST(write_n(9000)), 9000u);  // a packet per page
    EXPECT_EQ(read(9000).size(), 4096u);
    EXPECT_EQ(read(9000).size(), 4096u);
    EXPECT_EQ(read(9000).size(), 808u);
    // Packets are never merged: sixteen 1-byte writes fill the ring. (The pipe is made
    // non-blocking from the start: File::set_status_flags still refuses O_DIRECT, which Linux's
    // setfl allows on FIFOs.)
    make_pipe(O_DIRECT_ | NONBLOCK);
    size_t packets = 0;
    while (!write("p").is_error())
        ++packets;
    EXPECT_EQ(packets, 16u);
}

TEST_F(PipeTest, PagesAreTakenLazilyAndAllReturned) {
    EXPECT_EQ(page_allocator().used_pages(), 0u);
    ASSERT_FALSE(write("x").is_error());
    EXPECT_EQ(page_allocator().used_pages(), 1u);
    EXPECT_EQ(read(1), "x");
    EXPECT_EQ(page_allocator().used_pages(), 1u);  // kept as the spare page
    ASSERT_FALSE(write("y").is_error());
    EXPECT_EQ(page_allocator().used_pages(), 1u);  // and used again
    EXPECT_EQ(fill(4096), 15 * 4096u);             // "y" has the first page to itself
    EXPECT_EQ(page_allocator().used_pages(), 16u);
    // Closing both ends frees the ring (TearDown checks that every page came back).
}

TEST_F(PipeTest, OutOfMemory) {
    set_nonblock(*m_write);
    FailNth::arm(1);
    EXPECT_EQ(errno_of(write("x")), ENOMEM);  // nothing written: ENOMEM
    EXPECT_EQ(fionread(), 0u);
    ASSERT_EQ(MUST(write_n(4096)), 4096u);
    FailNth::arm(2);                        // the second page of a two-page write
    EXPECT_EQ(MUST(write_n(8192)), 4096u);  // what went in: a partial write
    mm::set_fail_hook(nullptr);
    EXPECT_EQ(fionread(), 8192u);
}

TEST_F(PipeTest, EachEndKeepsThePipeAndCountsItselfOut) {
    // (try_make objects come from the host heap here, so LeakSanitizer checks that the pipe
    // goes with its last end.)
    auto mount = MUST(pipe_mount());
    auto pipe = MUST(try_make_ref_counted<HostPipe>(mount->root().fs()));
    auto ends = MUST(create_pipe_files(mount, pipe, 0));
    EXPECT_EQ(pipe->readers(), 1u);
    EXPECT_EQ(pipe->writers(), 1u);
    ends.read_end = ends.write_end;  // drops the read end
    EXPECT_EQ(pipe->readers(), 0u);
    EXPECT_EQ(pipe->writers(), 1u);
}

TEST_F(PipeTest, FaultsInUserMemory) {
    HostUserMemory user(8192);
    uint64_t offset = 0;
    uint64_t bad = 0x1000;  // not in any HostUserMemory: it "faults"
    EXPECT_EQ(errno_of(m_write->write(IoBuffer::user(bad), 10, offset)), EFAULT);
    // Linux's quirk: the slot taken for a faulting write stays, empty, until a reader drops it.
    EXPECT_EQ(fionread(), 0u);
    std::memcpy(user.data(), "hello", 5);
    EXPECT_EQ(MUST(m_write->write(IoBuffer::user(user.address()), 5, offset)), 5u);
    // A merge that faults is EFAULT too, and keeps nothing.
    EXPECT_EQ(errno_of(m_write->write(IoBuffer::user(bad), 10, offset)), EFAULT);
    // A read into bad memory leaves the bytes in the pipe.
    EXPECT_EQ(errno_of(m_read->read(IoBuffer::user(bad), 5, offset)), EFAULT);
    EXPECT_EQ(fionread(), 5u);
    EXPECT_EQ(MUST(m_read->read(IoBuffer::user(user.address(100)), 100, offset)), 5u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(user.data() + 100), 5), "hello");
    // A write whose source ends in a fault: the pages before it count, the faulting one not.
    EXPECT_EQ(MUST(m_write->write(IoBuffer::user(user.address(4096)), 3 * 4096, offset)), 4096u);
    EXPECT_EQ(fionread(), 4096u);
}

// A poll table that only counts: the fake pipe's queues are not real wait queues.
class CountingPollTable final : public PollTable {
public:
    void queue(File&, WaitQueue&) override { ++queued; }
    void poll_again_soon() override {}
    int queued{0};
};

TEST_F(PipeTest, PollReportsWhatLinuxsPipePollReports) {
    CountingPollTable table;
    // Empty, both ends open: the write end may write, the read end waits. Each end registers
    // on its own queue.
    EXPECT_EQ(m_read->poll(&table), 0u);
    EXPECT_EQ(m_write->poll(&table), unsigned(POLLOUT | POLLWRNORM));
    EXPECT_EQ(pipe().poll_read_registrations, 1);
    EXPECT_EQ(pipe().poll_write_registrations, 1);
    // Without a table nothing registers.
    EXPECT_EQ(m_read->poll(nullptr), 0u);
    EXPECT_EQ(pipe().poll_read_registrations, 1);
    ASSERT_EQ(MUST(write("x")), 1u);
    EXPECT_EQ(m_read->poll(nullptr), unsigned(POLLIN | POLLRDNORM));
    // Full: no POLLOUT.
    fill(4096);
    EXPECT_EQ(m_write->poll(nullptr), 0u);
    // The reader gone: POLLERR for the writer, with no room still.
    m_read = nullptr;
    EXPECT_EQ(m_write->poll(nullptr), unsigned(POLLERR));
}

TEST_F(PipeTest, PollSaysHangUpOnceTheWritersAreGone) {
    ASSERT_EQ(MUST(write("ab")), 2u);
    m_write = nullptr;
    // Data still waiting and no writer: both POLLIN and POLLHUP.
    EXPECT_EQ(m_read->poll(nullptr), unsigned(POLLIN | POLLRDNORM | POLLHUP));
    EXPECT_EQ(read(10), "ab");
    EXPECT_EQ(m_read->poll(nullptr), unsigned(POLLHUP));
}

}  // namespace
}  // namespace kernel::fstest
