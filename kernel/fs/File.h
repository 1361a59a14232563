#pragma once
// An open file (Linux's struct file): what a file descriptor refers to. Shared by dup(), by
// fork() and by mmap'd regions, hence reference-counted. Concrete kinds (ramfs files and
// directories, devices, pipes later) override what they support; the rest fail as Linux fails.
//
// The file position is shared by every descriptor dup'ed from the same open. It is an atomic,
// not Linux's f_pos_lock mutex: two threads reading one shared descriptor at the same moment
// may both read from the same position (Linux serialises them). See docs/filesystems.md.
#include "fs/IoBuffer.h"
#include "fs/Mount.h"
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

class File : public RefCounted<File> {
public:
    virtual ~File() = default;

    // Reads up to `size` bytes at `offset` into kernel memory, without moving the file
    // position; returns the number read (0 at end of file). Used by exec (the ELF loader).
    // Files that cannot be read this way fail with EINVAL
    // (devices such as the console) or EISDIR (directories). It does not check the access
    // mode: exec and mmap apply their own rules (EACCES).
    virtual ErrorOr<size_t> read_at(void* kernel_buffer, size_t size, uint64_t offset) = 0;
    // What a fault in a mapping of this file maps (Linux's vm_ops->fault): page `index` as a
    // frame with a new reference for the caller. Default: the inode's page cache
    // (Inode::get_page), ENODEV without an inode.
    virtual ErrorOr<PhysAddr> get_page(uint64_t index);

    // Linux's file_operations. `offset` is where to start; files with positions advance it by
    // what was transferred, streams ignore it. The syscall layer has checked the access mode,
    // the buffer's range and `size` (at most MAX_RW_COUNT). Defaults fail as Linux does when a
    // file lacks the operation.
    virtual ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t& offset);   // EINVAL
    virtual ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t& offset);  // EINVAL
    // lseek: sets and returns the new position. Default: ESPIPE (Linux's no_llseek).
    virtual ErrorOr<uint64_t> seek(int64_t offset, int whence);
    // getdents64: fills `buffer` with linux_dirent64 records; 0 at the end. Default: ENOTDIR.
    virtual ErrorOr<size_t> read_directory(IoBuffer buffer, size_t size);
    // Default: ENOTTY, as for every file without an ioctl handler.
    virtual ErrorOr<long> ioctl(unsigned request, uint64_t argument);
    // Whether pread/pwrite make sense (FMODE_PREAD/PWRITE): not on streams like the console.
    virtual bool has_positional_io() const { return false; }

    // f_flags: the access mode and status flags (O_APPEND, O_NONBLOCK...), without the
    // open-time-only flags (O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC) and without O_CLOEXEC, which
    // belongs to the descriptor.
    int flags() const { return m_flags.load(std::memory_order_relaxed); }
    // F_SETFL: changes only what fcntl may change; EINVAL for O_DIRECT where unsupported.
    ErrorOr<void> set_status_flags(int flags);
    bool is_readable() const;  // FMODE_READ
    bool is_writable() const;  // FMODE_WRITE
    bool is_path_only() const;  // O_PATH: a handle for *at() calls, fstat, fchdir, dup, close
    uint64_t position() const { return m_position.load(std::memory_order_relaxed); }
    void set_position(uint64_t position) { m_position.store(position, std::memory_order_relaxed); }
    const Path& path() const { return m_path; }
    Inode* inode() const { return m_path.inode.ptr(); }

    // Called once by whoever creates the file, before it is published in a descriptor table.
    void set_open_state(Path path, int flags);

protected:
    File() = default;
    // For directory files that keep their position under the namespace lock.
    std::atomic<uint64_t>& position_ref() { return m_position; }

private:
    Path m_path;
    std::atomic<int> m_flags{0};
    std::atomic<uint64_t> m_position{0};
};

// A regular file of any file system: data through Inode::read/write.
class RegularFile final : public File {
public:
    static ErrorOr<NonnullRefPtr<File>> create(const Path& path, int flags);
    ~RegularFile() override;
    ErrorOr<size_t> read_at(void* kernel_buffer, size_t size, uint64_t offset) override;
    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t& offset) override;
    ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t& offset) override;
    ErrorOr<uint64_t> seek(int64_t offset, int whence) override;
    // FIONREAD (do_vfs_ioctl answers it for every regular file: the bytes left); else ENOTTY.
    ErrorOr<long> ioctl(unsigned request, uint64_t argument) override;
    bool has_positional_io() const override { return true; }
};

// What an O_PATH open gives: a name for a place, with no I/O at all.
class PathFile final : public File {
public:
    static ErrorOr<NonnullRefPtr<File>> create(const Path& path, int flags);
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EBADF); }
    ErrorOr<uint64_t> seek(int64_t, int) override { return Error::from_errno(EBADF); }
    ErrorOr<size_t> read_directory(IoBuffer, size_t) override { return Error::from_errno(EBADF); }
    ErrorOr<long> ioctl(unsigned, uint64_t) override { return Error::from_errno(EBADF); }
};

// Linux's generic_file_llseek_size: the new position for (offset, whence) on a file of `size`
// bytes at `position`; SEEK_DATA and SEEK_HOLE ask the inode (Inode::seek_data_or_hole).
ErrorOr<uint64_t> generic_seek_position(Inode& inode, uint64_t position, int64_t offset, int whence);

}  // namespace kernel
