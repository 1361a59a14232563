// Pipes: the ring of page buffers and the file operations on it, after Linux 6.1's fs/pipe.c
// (pipe_read, pipe_write, pipe_ioctl, pipe_release, create_pipe_files). The sleeping half is
// virtual (fs/Pipe.h); this file builds hosted too.
#include "fs/Pipe.h"

#include <arch/Memory.h>
#include <asm-generic/fcntl.h>
#include <asm-generic/ioctls.h>

#include "fs/Poll.h"
#include "lib/OwnPtr.h"
#include "mm/PageAllocator.h"

namespace kernel {

namespace {

// pipefs: Linux's pipe_fs_type, a pseudo file system with one directory (its root) and an
// inode per pipe. Its anonymous device number is what st_dev shows for a pipe.
class PipeFs final : public FileSystem {
public:
    StringView name() const override { return "pipefs"; }
};

// The root of pipefs: nothing can look into it; it exists because a Mount needs a root.
class PipeFsRoot final : public Inode {
public:
    explicit PipeFsRoot(FileSystem& fs) : Inode(fs, 1, S_TYPE_DIR | 0600, 0) {}
};

// Inode numbers for pipes: Linux's get_next_ino, a counter shared by pseudo inodes (the root
// has 1).
constinit std::atomic<uint64_t> g_next_pipe_ino{2};

// The pipefs mount: published once, never freed (a constinit pointer, no global destructor).
constinit std::atomic<Mount*> g_pipe_mount{nullptr};

}  // namespace

ErrorOr<NonnullRefPtr<Mount>> pipe_mount() {
    if (Mount* mount = g_pipe_mount.load(std::memory_order_acquire))
        return NonnullRefPtr<Mount>(*mount);
    // Create first, publish last: whoever loses the race drops its own copy.
    auto fs = TRY(try_make_ref_counted<PipeFs>());
    auto root = TRY(try_make_ref_counted<PipeFsRoot>(*fs));
    auto mount = TRY(Mount::create(std::move(root), 0));
    Mount* expected = nullptr;
    if (g_pipe_mount.compare_exchange_strong(expected, mount.ptr(), std::memory_order_acq_rel)) {
        // The global's reference: never dropped.
        (void)NonnullRefPtr<Mount>(mount).leak_ref();
        return mount;
    }
    return NonnullRefPtr<Mount>(*expected);
}

// ---- The pipe ----

Pipe::Pipe(FileSystem& fs, uint32_t uid, uint32_t gid)
    : Inode(fs, g_next_pipe_ino.fetch_add(1, std::memory_order_relaxed), S_TYPE_FIFO | 0600, 0) {
    // get_pipe_inode: owned by the creator's fsuid/fsgid; times are "now" (Inode's constructor).
    m_uid = uid;
    m_gid = gid;
}

Pipe::~Pipe() {
    // free_pipe_info: every file is gone, so nobody is reading, writing or sleeping.
    VERIFY(!m_readers.load() && !m_writers.load());
    for (unsigned i = m_tail.load(); i != m_head.load(); ++i)
        free_page(m_bufs[i & RING_MASK].page);
    if (m_tmp_page)
        free_page(m_tmp_page);
}

uint8_t* Pipe::allocate_page() {
    auto page = page_allocator().allocate(0);
    if (page.is_error())
        return nullptr;
    return static_cast<uint8_t*>(arch::phys_to_virt(page.value()));
}

void Pipe::free_page(uint8_t* page) {
    page_allocator().free(arch::virt_to_phys(page), 0);
}

void Pipe::release_buffer_locked(PipeBuffer& buffer) {
    if (!m_tmp_page)
        m_tmp_page = buffer.page;
    else
        free_page(buffer.page);
    buffer = PipeBuffer{};
}

void Pipe::touch_atime() {
    // file_accessed: pipefs is an internal mount with neither noatime nor relatime, so every
    // read that moved data sets atime.
    SpinlockGuard guard(m_lock);
    m_atime = current_time();
}

void Pipe::touch_mtime_ctime() {
    SpinlockGuard guard(m_lock);
    touch_locked(true, true);
}

void Pipe::attach(bool reader, bool writer) {
    if (reader)
        m_readers.fetch_add(1, std::memory_order_relaxed);
    if (writer)
        m_writers.fetch_add(1, std::memory_order_relaxed);
}

void Pipe::release(bool reader, bool writer) {
    // pipe_release. Linux holds the pipe mutex here; the counts are atomics instead, and a
    // sleeper cannot miss the change: it tests readable()/writable() after queueing itself,
    // and the wake-up below comes after the decrement.
    unsigned readers = reader ? m_readers.fetch_sub(1, std::memory_order_acq_rel) - 1 : this->readers();
    unsigned writers = writer ? m_writers.fetch_sub(1, std::memory_order_acq_rel) - 1 : this->writers();
    // Was that the last reader or the last writer, but not both? Then the other side must
    // learn it: readers see EOF, writers EPIPE.
    if (!readers != !writers) {
        wake_readers();
        wake_writers();
    }
}

ErrorOr<size_t> Pipe::pipe_read(IoBuffer buffer, size_t total, bool nonblock) {
    // A null read succeeds, whatever the state of the pipe.
    if (!total)
        return 0;
    size_t done = 0;
    int error = 0;
    bool wake_next_reader = false;
    mutex_lock();
    // Writers are woken only when the pipe was full when we began (or after a sleep): only
    // then can one be waiting for the room we make.
    bool was_full = is_full();
    for (;;) {
        unsigned head = m_head.load(std::memory_order_acquire);
        unsigned tail = m_tail.load(std::memory_order_relaxed);
        if (head != tail) {
            PipeBuffer& buf = m_bufs[tail & RING_MASK];
            size_t chars = buf.len;
            if (chars > total - done)
                chars = total - done;
            // A buffer left empty by a faulting write has no page worth copying from.
            size_t copied = chars ? buffer.copy_to_partial(done, buf.page + buf.offset, chars) : 0;
            if (copied < chars) {
                // The bytes stay in the pipe; what reached user memory before the fault is
                // not counted (Linux's copy_page_to_iter).
                if (!done)
                    error = EFAULT;
                break;
            }
            done += chars;
            buf.offset += uint32_t(chars);
            buf.len -= uint32_t(chars);
            bool packet_done = false;
            if (buf.flags & PipeBuffer::PACKET) {
                // A packet is read whole or its rest is dropped, and a read takes one packet.
                buf.len = 0;
                packet_done = true;
            }
            if (!buf.len) {
                release_buffer_locked(buf);
                m_tail.store(++tail, std::memory_order_release);
            }
            if (packet_done || done == total)
                break;  // the common path: the read is satisfied
            if (head != tail)
                continue;  // more buffers to read
        }
        // The pipe is empty. EOF when nobody can write any more; otherwise return what we
        // have, or EAGAIN, or sleep.
        if (!writers())
            break;
        if (done)
            break;
        if (nonblock) {
            error = EAGAIN;
            break;
        }
        mutex_unlock();
        if (was_full)
            wake_writers();
        // Nothing was read, so an interrupted sleep returns at once (the syscall restarts or
        // says EINTR); there is nothing to mark accessed, and the mutex is not held.
        TRY(wait_readable());
        mutex_lock();
        was_full = is_full();
        wake_next_reader = true;
    }
    // Another reader sleeping while we were woken may go on when data is left.
    if (is_empty())
        wake_next_reader = false;
    mutex_unlock();
    if (was_full)
        wake_writers();
    if (wake_next_reader)
        wake_readers();
    if (error)
        return Error::from_errno(error);
    if (done)
        touch_atime();
    return done;
}

ErrorOr<size_t> Pipe::pipe_write(IoBuffer buffer, size_t total, bool nonblock, bool packet) {
    // A null write succeeds, even with no readers (and then sends no SIGPIPE).
    if (!total)
        return 0;
    size_t done = 0;
    int error = 0;
    bool wake_next_writer = false;
    mutex_lock();
    bool was_empty = is_empty();
    if (!readers()) {
        send_sigpipe();
        error = EPIPE;
    } else {
        // Merge the tail of the write (total % PAGE_SIZE) into the last buffer if it fits
        // there whole: small writes share pages, and what follows starts page-aligned. A write
        // of at most PIPE_ATOMIC_WRITE bytes thus lands whole in the last buffer or whole in a new one:
        // that is all its atomicity.
        size_t chars = total & (PAGE_SIZE - 1);
        if (chars && !was_empty) {
            PipeBuffer& buf = m_bufs[(m_head.load(std::memory_order_relaxed) - 1) & RING_MASK];
            size_t offset = buf.offset + buf.len;
            if ((buf.flags & PipeBuffer::CAN_MERGE) && offset + chars <= PAGE_SIZE) {
                size_t copied = buffer.copy_from_partial(buf.page + offset, 0, chars);
                if (copied < chars) {
                    error = EFAULT;  // the bytes copied are not committed: buf.len stays
                } else {
                    buf.len += uint32_t(chars);
                    done = chars;
                }
            }
        }
    }
    while (!error && done < total) {
        if (!readers()) {
            // The last reader went while we were writing or sleeping.
            send_sigpipe();
            if (!done)
                error = EPIPE;
            break;
        }
        if (!is_full()) {
            if (!m_tmp_page) {
                m_tmp_page = allocate_page();
                if (!m_tmp_page) {
                    if (!done)
                        error = ENOMEM;
                    break;
                }
            }
            // Take a slot and attach the page as an empty buffer. If the copy faults, the
            // empty buffer stays in the ring (a reader discards it), as in Linux.
            unsigned head = m_head.load(std::memory_order_relaxed);
            PipeBuffer& buf = m_bufs[head & RING_MASK];
            buf = PipeBuffer{.page = m_tmp_page,
                             .offset = 0,
                             .len = 0,
                             .flags = packet ? PipeBuffer::PACKET : PipeBuffer::CAN_MERGE};
            m_tmp_page = nullptr;
            m_head.store(head + 1, std::memory_order_release);
            size_t chars = total - done < PAGE_SIZE ? total - done : PAGE_SIZE;
            size_t copied = buffer.copy_from_partial(buf.page, done, chars);
            if (copied < chars) {
                if (!done)
                    error = EFAULT;
                break;
            }
            buf.len = uint32_t(copied);
            done += copied;
            continue;
        }
        // Full. Wait for room, unless we may not.
        if (nonblock) {
            if (!done)
                error = EAGAIN;
            break;
        }
        if (auto interrupted = check_signals(); interrupted.is_error()) {
            if (!done)
                error = interrupted.error().code();
            break;
        }
        // Let the readers in before sleeping (the pipe cannot have been empty for long if we
        // filled it, but readers may have slept on it before we began).
        mutex_unlock();
        if (was_empty)
            wake_readers();
        // The result does not matter: the loop tests readers and signals again.
        (void)wait_writable();
        mutex_lock();
        was_empty = is_empty();
        wake_next_writer = true;
    }
    // Another writer sleeping while we were woken may go on when room is left.
    if (is_full())
        wake_next_writer = false;
    mutex_unlock();
    // Wake readers if the pipe was empty: only then can one be waiting for our data.
    if (was_empty)
        wake_readers();
    if (wake_next_writer)
        wake_writers();
    if (error)
        return Error::from_errno(error);
    if (done)
        touch_mtime_ctime();
    return done;
}

size_t Pipe::bytes_readable() {
    mutex_lock();
    size_t count = 0;
    for (unsigned i = m_tail.load(); i != m_head.load(); ++i)
        count += m_bufs[i & RING_MASK].len;
    mutex_unlock();
    return count;
}

unsigned Pipe::pipe_poll(File& file, PollTable* table, bool reader, bool writer) {
    // The queues first, the racy tests after: a change in between wakes the poller.
    poll_wait_queues(file, table, reader, writer);
    unsigned mask = 0;
    if (reader) {
        if (!is_empty())
            mask |= POLLIN | POLLRDNORM;
        // Linux also asks whether a writer ever came (w_counter), which an anonymous pipe
        // always had: only named FIFOs can be opened for reading before any writer.
        if (!writers())
            mask |= POLLHUP;
    }
    if (writer) {
        if (!is_full())
            mask |= POLLOUT | POLLWRNORM;
        // Unlike most Unices, Linux reports POLLERR on a pipe (or FIFO) nobody reads.
        if (!readers())
            mask |= POLLERR;
    }
    return mask;
}

// ---- The files ----

PipeFile::PipeFile(const NonnullRefPtr<Mount>& mount, const NonnullRefPtr<Pipe>& pipe, int flags) {
    set_open_state(Path{mount, pipe}, flags);
    m_reader = is_readable();
    m_writer = is_writable();
    pipe->attach(m_reader, m_writer);
}

PipeFile::~PipeFile() {
    // The file's Path still holds the pipe here: File's members die after this body.
    pipe().release(m_reader, m_writer);
}

ErrorOr<size_t> PipeFile::read(IoBuffer buffer, size_t size, uint64_t&) {
    return pipe().pipe_read(buffer, size, flags() & O_NONBLOCK);
}

ErrorOr<size_t> PipeFile::write(IoBuffer buffer, size_t size, uint64_t&) {
    return pipe().pipe_write(buffer, size, flags() & O_NONBLOCK, flags() & O_DIRECT);
}

ErrorOr<long> PipeFile::ioctl(unsigned request, uint64_t argument) {
    if (request != FIONREAD)
        return Error::from_errno(ENOTTY);  // Linux's watch-queue ioctls are not here
    int count = int(pipe().bytes_readable());
    TRY(copy_to_user(argument, &count, sizeof(count)));
    return 0;
}

unsigned PipeFile::poll(PollTable* table) { return pipe().pipe_poll(*this, table, m_reader, m_writer); }

ErrorOr<NonnullRefPtr<File>> open_pipe_again(const Path& path, int flags) {
    auto& pipe = static_cast<Pipe&>(*path.inode);
    int access = flags & O_ACCMODE;
    bool partner = access == O_RDWR || (access == O_RDONLY ? (flags & O_NONBLOCK) || pipe.writers() : pipe.readers());
    if (!partner)
        return Error::from_errno(ENXIO);
    return NonnullRefPtr<File>(TRY(try_make_ref_counted<PipeFile>(NonnullRefPtr<Mount>(*path.mount),
                                                                  NonnullRefPtr<Pipe>(pipe), flags)));
}

ErrorOr<PipeFiles> create_pipe_files(const NonnullRefPtr<Mount>& mount, NonnullRefPtr<Pipe> pipe, int flags) {
    // Each end counts itself in the pipe as soon as it exists and out when it dies, so a
    // failure here (the second allocation) unwinds through the first end's destructor.
    auto write_end = TRY(try_make_ref_counted<PipeFile>(mount, pipe, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT))));
    auto read_end = TRY(try_make_ref_counted<PipeFile>(mount, pipe, O_RDONLY | (flags & O_NONBLOCK)));
    return PipeFiles{std::move(read_end), std::move(write_end)};
}

}  // namespace kernel
