#pragma once
// Pipes (Linux's fs/pipe.c): pipe(2) and pipe2(2) give two open files, a read end and a write
// end, that share one Pipe. A Pipe is a ring of 16 page-sized buffers (64 KiB, Linux's
// PIPE_DEF_BUFFERS), each holding a page, an offset and a length, exactly as Linux's
// pipe_inode_info and pipe_buffer do; the pages are allocated as writes need them.
//
// Like Linux, a Pipe is the inode of an internal file system, pipefs (never mounted anywhere a
// path can reach; the Mount exists so that every end has a Path, which fstatat(fd, "",
// AT_EMPTY_PATH) and statx need). It is S_IFIFO, mode 0600, owned by its creator, size 0.
//
// What user space sees, as in Linux 6.1:
//  - read blocks while the pipe is empty and has writers, returns 0 at EOF (empty, no writers),
//    EAGAIN with O_NONBLOCK, and returns as soon as it has read something.
//  - write blocks while the pipe is full and has readers; writes of at most PIPE_ATOMIC_WRITE
//    bytes are atomic (they go into the last buffer whole, or into a fresh one); larger ones may be split
//    and return a short count when interrupted or when O_NONBLOCK meets a full pipe. With no
//    readers: EPIPE and SIGPIPE to the writer.
//  - Packet mode (O_DIRECT on the write end, pipe2's O_DIRECT): every write of up to a page is
//    one packet and every read takes one packet (the rest of a packet a short read leaves is
//    discarded), Linux's PIPE_BUF_FLAG_PACKET.
//
// The half that needs the scheduler and signals — the pipe mutex, the two wait queues, the
// signal checks — is a set of virtual functions that syscalls/PipeSyscalls.cpp implements
// (KernelPipe); the hosted unit tests (tests/unit/PipeTest.cpp) implement their own, so all of
// the ring's logic is tested under ASan and UBSan.
//
// Locks: the pipe mutex (Linux's pipe->mutex, a sleeping lock: user copies happen under it)
// guards the buffers and tmp_page. `m_head` and `m_tail` change only under it, and are atomics
// because the sleeping side tests readable()/writable() without it, as Linux's pipe_readable
// does with READ_ONCE. The reader and writer counts are atomics: a release decrements its
// count and wakes both queues without the mutex.
#include "fs/File.h"
#include "fs/Inode.h"
#include "fs/Mount.h"
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

// POSIX's PIPE_BUF (spelled differently: the hosted build gets PIPE_BUF from <limits.h>).
inline constexpr size_t PIPE_ATOMIC_WRITE = 4096;  // writes up to this size are atomic
inline constexpr unsigned PIPE_DEF_BUFFERS = 16;   // the ring: 16 pages, 64 KiB

// One slot of the ring (Linux's struct pipe_buffer): `len` bytes at `offset` in `page`.
struct PipeBuffer {
    static constexpr uint32_t CAN_MERGE = 1;  // PIPE_BUF_FLAG_CAN_MERGE: later writes may append
    static constexpr uint32_t PACKET = 2;     // PIPE_BUF_FLAG_PACKET: one read takes it whole

    uint8_t* page{nullptr};  // a page from page_allocator(), through the direct map
    uint32_t offset{0};
    uint32_t len{0};
    uint32_t flags{0};
};

class Pipe : public Inode {
public:
    ~Pipe() override;  // frees the pages still in the ring

    // Linux's pipe_read: up to `size` bytes into `buffer`. ERESTARTSYS when a signal interrupts
    // the wait before anything was read.
    ErrorOr<size_t> pipe_read(IoBuffer buffer, size_t size, bool nonblock);
    // Linux's pipe_write: `size` bytes from `buffer`, as one packet per page when `packet`.
    ErrorOr<size_t> pipe_write(IoBuffer buffer, size_t size, bool nonblock, bool packet);
    // FIONREAD: the bytes waiting in the ring.
    size_t bytes_readable();
    // Linux's pipe_poll for `file`, an end that reads and/or writes: POLLIN | POLLRDNORM while
    // data waits and POLLHUP once no writer is left (read side); POLLOUT | POLLWRNORM while a
    // slot is free and POLLERR once no reader is left (write side). Registers first, tests
    // after, without the mutex.
    unsigned pipe_poll(File& file, PollTable* table, bool reader, bool writer);

    // A new open end (PipeFile's constructor) and its last close (PipeFile's destructor:
    // Linux's pipe_release). The last reader or writer going wakes everyone on both queues.
    void attach(bool reader, bool writer);
    void release(bool reader, bool writer);

    // The wait conditions (pipe_readable, pipe_writable); safe without the mutex.
    bool readable() const { return !is_empty() || !m_writers.load(std::memory_order_acquire); }
    bool writable() const { return !is_full() || !m_readers.load(std::memory_order_acquire); }
    unsigned readers() const { return m_readers.load(std::memory_order_relaxed); }
    unsigned writers() const { return m_writers.load(std::memory_order_relaxed); }

protected:
    // `fs` is pipefs (pipe_mount()->root().fs()); the inode belongs to uid:gid (the creator's
    // fsuid and fsgid) and has a new inode number.
    Pipe(FileSystem& fs, uint32_t uid, uint32_t gid);

    // ---- The kernel-only half (see the header comment) ----
    // Linux's __pipe_lock/__pipe_unlock: a sleeping, uninterruptible mutex.
    virtual void mutex_lock() = 0;
    virtual void mutex_unlock() = 0;
    // Sleep interruptibly (mutex not held) until readable() / writable() is true, Linux's
    // wait_event_interruptible_exclusive on rd_wait / wr_wait: ERESTARTSYS when a signal came.
    virtual ErrorOr<void> wait_readable() = 0;
    virtual ErrorOr<void> wait_writable() = 0;
    // Wake everyone sleeping on rd_wait / wr_wait (each sleeper re-tests its condition).
    virtual void wake_readers() = 0;
    virtual void wake_writers() = 0;
    // ERESTARTSYS when the current task has a signal pending (Linux's signal_pending(current)).
    virtual ErrorOr<void> check_signals() = 0;
    // send_sig(SIGPIPE, current, 0): a write found no readers.
    virtual void send_sigpipe() = 0;
    // poll_wait on rd_wait (reader) and wr_wait (writer) for `file`.
    virtual void poll_wait_queues(File& file, PollTable* table, bool reader, bool writer) = 0;

private:
    static constexpr unsigned RING_MASK = PIPE_DEF_BUFFERS - 1;
    static_assert((PIPE_DEF_BUFFERS & RING_MASK) == 0, "the ring size is a power of two");

    bool is_empty() const { return m_head.load(std::memory_order_acquire) == m_tail.load(std::memory_order_acquire); }
    bool is_full() const {
        return m_head.load(std::memory_order_acquire) - m_tail.load(std::memory_order_acquire) >= PIPE_DEF_BUFFERS;
    }
    // Linux's anon_pipe_buf_release: a consumed buffer's page is kept for the next write if
    // none is kept yet, else freed. Mutex held.
    void release_buffer_locked(PipeBuffer& buffer);
    static uint8_t* allocate_page();
    static void free_page(uint8_t* page);
    void touch_atime();        // file_accessed: a read moved data
    void touch_mtime_ctime();  // file_update_time: a write moved data

    // Guarded by the pipe mutex.
    PipeBuffer m_bufs[PIPE_DEF_BUFFERS];
    uint8_t* m_tmp_page{nullptr};  // a spare page, so that a steady stream allocates nothing
    // Changed under the mutex, read without it (see above). Free-running: the slot of index i
    // is m_bufs[i & RING_MASK]; head - tail is the number of buffers in use.
    std::atomic<unsigned> m_head{0};
    std::atomic<unsigned> m_tail{0};
    std::atomic<unsigned> m_readers{0};
    std::atomic<unsigned> m_writers{0};
};

// One end of a pipe (an open file description): reads and writes go to the shared Pipe, which
// is also the file's inode. dup() and fork() share the PipeFile; the reader/writer count drops
// when the last descriptor referring to it closes and the PipeFile is destroyed.
class PipeFile final : public File {
public:
    // An end of `pipe` opened with `flags` (its access mode decides whether it counts as a
    // reader, a writer or both). Use create_pipe_files; public for try_make_ref_counted.
    PipeFile(const NonnullRefPtr<Mount>& mount, const NonnullRefPtr<Pipe>& pipe, int flags);
    ~PipeFile() override;

    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t& offset) override;
    ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t& offset) override;
    // FIONREAD; anything else ENOTTY. (lseek is File's ESPIPE, pread/pwrite ESPIPE too.)
    ErrorOr<long> ioctl(unsigned request, uint64_t argument) override;
    unsigned poll(PollTable* table) override;

    Pipe& pipe() const { return static_cast<Pipe&>(*inode()); }

private:
    // What this end counts as (FMODE_READ / FMODE_WRITE), fixed at open.
    bool m_reader{false};
    bool m_writer{false};
};

struct PipeFiles {
    NonnullRefPtr<File> read_end;
    NonnullRefPtr<File> write_end;
};

// Linux's pipe_mnt: the internal pipefs mount, made on first use and never freed (Linux's
// kern_mount at boot). ENOMEM when it cannot be made.
ErrorOr<NonnullRefPtr<Mount>> pipe_mount();

// Linux's create_pipe_files: the two ends of `pipe` (a fresh Pipe of pipefs), with `flags`
// from pipe2: the read end O_RDONLY | (flags & O_NONBLOCK), the write end O_WRONLY | (flags &
// (O_NONBLOCK | O_DIRECT)). ENOMEM leaves nothing behind (the pipe goes with its last reference).
ErrorOr<PipeFiles> create_pipe_files(const NonnullRefPtr<Mount>& mount, NonnullRefPtr<Pipe> pipe, int flags);

// fifo_open for a pipe reached again through /proc/<pid>/fd/<n>: a new end of the same pipe,
// read, write or both as `flags` say. Opening one end waits for the other in Linux; here the
// other end must exist already (it does for the pipes of a live process), else ENXIO, which
// is Linux's answer only for O_WRONLY | O_NONBLOCK.
ErrorOr<NonnullRefPtr<File>> open_pipe_again(const Path& path, int flags);

}  // namespace kernel
