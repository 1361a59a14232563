// The file syscalls: decode and check the arguments, copy from and to user memory, call the
// VFS (fs/Vfs.h) or the open file, in Linux's order of checks (fs/read_write.c, fs/open.c,
// fs/namei.c, fs/stat.c, fs/fcntl.c, fs/ioctl.c, fs/file.c, fs/d_path.c, fs/namespace.c).
#include <asm-generic/fcntl.h>
#include <asm-generic/ioctls.h>
#include <asm/stat.h>
#include <asm/statfs.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/stat.h>
#include <linux/time_types.h>
#include <linux/uio.h>
#include <linux/utime.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/KernelBuffer.h"
#include "fs/Permission.h"
#include "fs/Vfs.h"
#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/TaskCred.h"

namespace kernel {

namespace {

// Linux's MAX_RW_COUNT (INT_MAX & PAGE_MASK): one read or write moves at most this much.
constexpr size_t MAX_RW_COUNT = 0x7ffff000;

ErrorOr<NonnullRefPtr<FilesStruct>> current_files() {
    Task* task = current();
    if (!task->m_files)
        return Error::from_errno(EBADF);  // kernel threads have no descriptors
    return NonnullRefPtr<FilesStruct>(*task->m_files);
}

ErrorOr<NonnullRefPtr<FsStruct>> current_fs() {
    Task* task = current();
    if (!task->m_fs)
        return Error::from_errno(ENOENT);
    return NonnullRefPtr<FsStruct>(*task->m_fs);
}

// fdget_raw: any open descriptor, O_PATH ones included (fstat, fchdir, fcntl, *at bases, dup).
ErrorOr<NonnullRefPtr<File>> fdget_raw(int fd) {
    auto files = TRY(current_files());
    return files->get(fd);
}

// fdget: O_PATH descriptors are not open for I/O: EBADF, as Linux's fdget says.
ErrorOr<NonnullRefPtr<File>> fdget(int fd) {
    auto file = TRY(fdget_raw(fd));
    if (file->is_path_only())
        return Error::from_errno(EBADF);
    return file;
}

// A path name copied in from user space (Linux's getname): at most PATH_MAX bytes with the NUL
// (ENAMETOOLONG), EFAULT for a bad pointer, ENOENT when empty unless the caller allows it.
class UserPath {
public:
    static ErrorOr<UserPath> copy(UserPtr<const char> user, bool allow_empty = false) {
        auto buffer = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
        size_t length = TRY(strncpy_from_user(buffer.data(), user.address(), PATH_MAX_LEN));
        if (!length && !allow_empty)
            return Error::from_errno(ENOENT);
        return UserPath(std::move(buffer), length);
    }
    // copy_mount_string: NULL is no string at all (an empty one).
    static ErrorOr<UserPath> copy_optional(UserPtr<const char> user) {
        if (!user.is_null())
            return copy(user, true);
        auto buffer = TRY(KernelBuffer::allocate(1));
        buffer.data()[0] = 0;
        return UserPath(std::move(buffer), 0);
    }
    // copy_mount_options: up to a page of file-system options; longer ones are cut, not refused.
    static ErrorOr<UserPath> copy_mount_options(UserPtr<const char> user) {
        if (user.is_null())
            return copy_optional(user);
        auto buffer = TRY(KernelBuffer::allocate(PAGE_SIZE));
        auto length = strncpy_from_user(buffer.data(), user.address(), PAGE_SIZE);
        if (length.is_error() && length.error().code() != ENAMETOOLONG)
            return length.release_error();
        size_t n = length.is_error() ? PAGE_SIZE - 1 : length.value();
        buffer.data()[n] = 0;
        return UserPath(std::move(buffer), n);
    }
    StringView view() const { return StringView(m_buffer.data(), m_length); }
    bool empty() const { return !m_length; }

private:
    UserPath(KernelBuffer buffer, size_t length) : m_buffer(std::move(buffer)), m_length(length) {}
    KernelBuffer m_buffer;
    size_t m_length;
};

// Where a relative path starts: the working directory for AT_FDCWD (and for absolute paths,
// whose dirfd is never looked at), else the directory the descriptor names.
class AtBase {
public:
    static ErrorOr<AtBase> from(int dirfd, StringView path) {
        if ((!path.empty() && path[0] == '/') || dirfd == AT_FDCWD)
            return AtBase();
        auto file = TRY(fdget_raw(dirfd));
        if (!file->inode() || (!path.empty() && !file->inode()->is_directory()))
            return Error::from_errno(ENOTDIR);
        return AtBase(file->path());
    }
    const Path* get() const { return m_path.is_valid() ? &m_path : nullptr; }

private:
    AtBase() = default;
    explicit AtBase(Path path) : m_path(std::move(path)) {}
    Path m_path;
};

// user_path_at with AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH: the place a (dirfd, path) pair
// names, or with an empty path (allowed only with AT_EMPTY_PATH), what dirfd itself names.
ErrorOr<Path> resolve_at(FsStruct& fs, int dirfd, const UserPath& path, int at_flags) {
    if (path.empty()) {
        if (dirfd == AT_FDCWD)
            return fs.cwd();
        auto file = TRY(fdget_raw(dirfd));
        if (!file->path().is_valid())
            return Error::from_errno(EBADF);
        return file->path();
    }
    auto base = TRY(AtBase::from(dirfd, path.view()));
    return vfs_lookup(fs, base.get(), path.view(), at_flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW);
}

ErrorOr<Path> resolve_at(FsStruct& fs, int dirfd, UserPtr<const char> user_path, int at_flags) {
    auto path = TRY(UserPath::copy(user_path, at_flags & AT_EMPTY_PATH));
    return resolve_at(fs, dirfd, path, at_flags);
}

ErrorOr<void> put_stat(UserPtr<struct stat> out, const Kstat& k) {
    struct stat st {};
    st.st_dev = encode_dev(k.dev);
    st.st_ino = k.ino;
    st.st_nlink = k.nlink;
    st.st_mode = k.mode;
    st.st_uid = from_kuid_munged(current_user_ns(), k.uid);
    st.st_gid = from_kgid_munged(current_user_ns(), k.gid);
    st.st_rdev = encode_dev(k.rdev);
    st.st_size = long(k.size);
    st.st_blksize = k.blksize;
    st.st_blocks = long(k.blocks);
    st.st_atime = k.atime.sec;
    st.st_atime_nsec = k.atime.nsec;
    st.st_mtime = k.mtime.sec;
    st.st_mtime_nsec = k.mtime.nsec;
    st.st_ctime = k.ctime.sec;
    st.st_ctime_nsec = k.ctime.nsec;
    return copy_to_user(out, st);
}

// ---- read and write (fs/read_write.c) ----

// rw_verify_area: a transfer on a file with positions may not run past the largest offset.
ErrorOr<void> verify_area(File& file, uint64_t position, size_t count) {
    int64_t end;
    if (file.has_positional_io() && __builtin_add_overflow(int64_t(position), int64_t(count), &end))
        return Error::from_errno(EINVAL);
    return {};
}

// read/write and their positional forms (Linux's vfs_read/vfs_write): the mode check, the
// range checks, the MAX_RW_COUNT cap, and the file position moved only by the plain forms.
template <bool Write>
ErrorOr<long> do_read_write(File& file, uint64_t user_buffer, size_t count, uint64_t* explicit_position) {
    if (!(Write ? file.is_writable() : file.is_readable()))
        return Error::from_errno(EBADF);
    IoBuffer buffer = IoBuffer::user(user_buffer);
    if (!buffer.range_ok(count))
        return Error::from_errno(EFAULT);
    TRY(verify_area(file, explicit_position ? *explicit_position : file.position(), count));
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    auto transfer = [&](uint64_t& position) {
        return Write ? file.write(buffer, count, position) : file.read(buffer, count, position);
    };
    if (explicit_position) {
        uint64_t position = *explicit_position;
        return long(TRY(transfer(position)));
    }
    uint64_t position = file.position();
    size_t done = TRY(transfer(position));
    file.set_position(position);
    return long(done);
}

ErrorOr<long> do_read(File& file, uint64_t user_buffer, size_t count, uint64_t* explicit_position) {
    return do_read_write<false>(file, user_buffer, count, explicit_position);
}

ErrorOr<long> do_write(File& file, uint64_t user_buffer, size_t count, uint64_t* explicit_position) {
    return do_read_write<true>(file, user_buffer, count, explicit_position);
}

ErrorOr<long> sys_read(int fd, UserPtr<char> buffer, size_t count) {
    auto file = TRY(fdget(fd));
    return do_read(*file, buffer.address(), count, nullptr);
}

ErrorOr<long> sys_write(int fd, UserPtr<const char> buffer, size_t count) {
    auto file = TRY(fdget(fd));
    return do_write(*file, buffer.address(), count, nullptr);
}

ErrorOr<long> sys_pread64(int fd, UserPtr<char> buffer, size_t count, int64_t position) {
    if (position < 0)
        return Error::from_errno(EINVAL);
    auto file = TRY(fdget(fd));
    if (!file->has_positional_io())
        return Error::from_errno(ESPIPE);
    uint64_t at = uint64_t(position);
    return do_read(*file, buffer.address(), count, &at);
}

ErrorOr<long> sys_pwrite64(int fd, UserPtr<const char> buffer, size_t count, int64_t position) {
    if (position < 0)
        return Error::from_errno(EINVAL);
    auto file = TRY(fdget(fd));
    if (!file->has_positional_io())
        return Error::from_errno(ESPIPE);
    uint64_t at = uint64_t(position);
    return do_write(*file, buffer.address(), count, &at);
}

// sendfile(2) (do_sendfile): copies up to `count` bytes from `in_fd`, at *offset (which
// moves, and then the file position does not) or at its position, to `out_fd` at its
// position, through a kernel page. Linux's order of checks: the input readable (EBADF), an
// offset needs positional reads (ESPIPE), the output writable (EBADF); an input without
// splice_read (anything but a regular file of tmpfs/ramfs here) or an output opened O_APPEND
// is EINVAL. Returns the bytes written; an
// error after some were is not reported (the count is).
ErrorOr<long> sys_sendfile64(int out_fd, int in_fd, UserPtr<int64_t> user_offset, size_t count) {
    // sys_sendfile64 reads the offset before anything else.
    int64_t offset = 0;
    if (!user_offset.is_null())
        TRY(copy_from_user(&offset, user_offset));
    auto in = TRY(fdget(in_fd));
    if (!in->is_readable())
        return Error::from_errno(EBADF);
    uint64_t position = in->position();
    if (!user_offset.is_null()) {
        if (!in->has_positional_io())
            return Error::from_errno(ESPIPE);
        if (offset < 0)
            return Error::from_errno(EINVAL);
        position = uint64_t(offset);
    }
    TRY(verify_area(*in, position, count));
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    auto out = TRY(fdget(out_fd));
    if (!out->is_writable())
        return Error::from_errno(EBADF);
    TRY(verify_area(*out, out->position(), count));
    // The input needs splice_read: regular files of tmpfs/ramfs here. Pipes, directories,
    // procfs's per-process files and tracefs have none in Linux either.
    Inode& input = *in->inode();
    StringView input_fs = input.fs().name();
    if (!input.is_regular() || input_fs == StringView("proc") || input_fs == StringView("tracefs") ||
        (out->flags() & O_APPEND))
        return Error::from_errno(EINVAL);
    auto page = TRY(KernelBuffer::allocate(PAGE_SIZE));
    size_t done = 0;
    ErrorOr<void> failure{};
    while (done < count) {
        size_t want = count - done < page.size() ? count - done : page.size();
        uint64_t read_at = position;
        auto got = in->read(IoBuffer::kernel(page.data()), want, read_at);
        if (got.is_error()) {
            failure = got.release_error();
            break;
        }
        if (got.value() == 0)
            break;
        uint64_t write_at = out->position();
        auto wrote = out->write(IoBuffer::kernel(page.data()), got.value(), write_at);
        if (wrote.is_error()) {
            failure = wrote.release_error();
            break;
        }
        out->set_position(write_at);
        position += wrote.value();
        done += wrote.value();
        if (wrote.value() < got.value() || got.value() < want)
            break;
    }
    if (!user_offset.is_null())
        TRY(copy_to_user(user_offset, int64_t(position)));
    else
        in->set_position(position);
    if (done == 0 && failure.is_error())
        return failure.release_error();
    return long(done);
}

// readv/writev: import_iovec's checks (at most UIO_MAXIOV segments, none negative, each in
// user space, the total capped at MAX_RW_COUNT), then one segment after another until one
// comes up short.
ErrorOr<long> do_vectored(int fd, UserPtr<const struct iovec> user_vector, unsigned long count, bool is_write) {
    auto file = TRY(fdget(fd));
    if (count > UIO_MAXIOV)
        return Error::from_errno(EINVAL);
    if (!count) {
        // Nothing to move, but the access mode is still checked (do_iter_read/write).
        if (is_write ? !file->is_writable() : !file->is_readable())
            return Error::from_errno(EBADF);
        return 0;
    }
    auto vector_buffer = TRY(KernelBuffer::allocate(count * sizeof(struct iovec)));
    auto* vector = reinterpret_cast<struct iovec*>(vector_buffer.data());
    TRY(copy_from_user(vector, user_vector.address(), count * sizeof(struct iovec)));
    size_t total = 0;
    for (unsigned long i = 0; i < count; ++i) {
        if (int64_t(vector[i].iov_len) < 0)
            return Error::from_errno(EINVAL);
        if (!is_user_range(uint64_t(vector[i].iov_base), vector[i].iov_len))
            return Error::from_errno(EFAULT);
        if (vector[i].iov_len > MAX_RW_COUNT - total)
            vector[i].iov_len = MAX_RW_COUNT - total;
        total += vector[i].iov_len;
    }
    if (is_write ? !file->is_writable() : !file->is_readable())
        return Error::from_errno(EBADF);
    uint64_t position = file->position();
    TRY(verify_area(*file, position, total));
    size_t done = 0;
    for (unsigned long i = 0; i < count; ++i) {
        size_t length = vector[i].iov_len;
        if (!length)
            continue;
        IoBuffer buffer = IoBuffer::user(uint64_t(vector[i].iov_base));
        auto moved = is_write ? file->write(buffer, length, position) : file->read(buffer, length, position);
        if (moved.is_error()) {
            if (!done)
                return moved.release_error();
            break;
        }
        done += moved.value();
        if (moved.value() < length)
            break;
    }
    file->set_position(position);
    return long(done);
}

ErrorOr<long> sys_readv(int fd, UserPtr<const struct iovec> vector, unsigned long count) {
    return do_vectored(fd, vector, count, false);
}

ErrorOr<long> sys_writev(int fd, UserPtr<const struct iovec> vector, unsigned long count) {
    return do_vectored(fd, vector, count, true);
}

ErrorOr<long> sys_lseek(int fd, int64_t offset, unsigned whence) {
    auto file = TRY(fdget(fd));
    if (whence > SEEK_MAX)
        return Error::from_errno(EINVAL);
    return long(TRY(file->seek(offset, int(whence))));
}

// ---- open and close (fs/open.c) ----

ErrorOr<long> do_openat(int dirfd, UserPtr<const char> user_path, int flags, unsigned mode) {
    flags |= O_LARGEFILE;  // force_o_largefile(): always on 64-bit
    auto fs = TRY(current_fs());
    auto files = TRY(current_files());
    auto path = TRY(UserPath::copy(user_path));
    auto base = TRY(AtBase::from(dirfd, path.view()));
    auto file = TRY(vfs_open(*fs, base.get(), path.view(), flags, mode));
    return long(TRY(files->install(std::move(file), flags & O_CLOEXEC)));
}

ErrorOr<long> sys_open(UserPtr<const char> path, int flags, unsigned mode) { return do_openat(AT_FDCWD, path, flags, mode); }

ErrorOr<long> sys_openat(int dirfd, UserPtr<const char> path, int flags, unsigned mode) {
    return do_openat(dirfd, path, flags, mode);
}

ErrorOr<long> sys_creat(UserPtr<const char> path, unsigned mode) {
    return do_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

ErrorOr<long> sys_close(int fd) {
    auto files = TRY(current_files());
    TRY(files->close(fd));
    return 0;
}

// ---- stat (fs/stat.c) ----

ErrorOr<long> sys_fstat(int fd, UserPtr<struct stat> out) {
    auto file = TRY(fdget_raw(fd));
    if (!file->inode())
        return Error::from_errno(EBADF);
    TRY(put_stat(out, file->inode()->stat()));
    return 0;
}

ErrorOr<long> sys_newfstatat(int dirfd, UserPtr<const char> path, UserPtr<struct stat> out, int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    Path where = TRY(resolve_at(*fs, dirfd, path, flags));
    TRY(put_stat(out, where.inode->stat()));
    return 0;
}

// statfs/fstatfs (Linux's vfs_statfs): the file system's numbers, 4 KiB blocks, NAME_MAX, and
// the mount's flags (calculate_f_flags: ST_VALID, relatime being every mount's default here).
ErrorOr<void> put_statfs(const Path& where, const Inode& inode, UserPtr<struct statfs> out) {
    constexpr uint64_t ST_RDONLY = 0x0001, ST_VALID = 0x0020, ST_RELATIME = 0x1000;
    FsStats stats = inode.fs().stats();
    struct statfs buf {};
    buf.f_type = long(stats.magic);
    buf.f_bsize = PAGE_SIZE;
    buf.f_frsize = PAGE_SIZE;
    buf.f_blocks = long(stats.blocks);
    buf.f_bfree = buf.f_bavail = long(stats.blocks_free);
    buf.f_files = long(stats.files);
    buf.f_ffree = long(stats.files_free);
    buf.f_namelen = NAME_MAX_LEN;
    buf.f_flags = long(ST_VALID | (where.mount ? ST_RELATIME : 0) |
                       (where.mount && where.mount->is_read_only() ? ST_RDONLY : 0));
    return copy_to_user(out, buf);
}

ErrorOr<long> sys_statfs(UserPtr<const char> user_path, UserPtr<struct statfs> out) {
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path));
    Path where = TRY(vfs_lookup(*fs, nullptr, path.view(), LOOKUP_FOLLOW));
    TRY(put_statfs(where, *where.inode, out));
    return 0;
}

ErrorOr<long> sys_fstatfs(int fd, UserPtr<struct statfs> out) {
    auto file = TRY(fdget_raw(fd));
    if (!file->inode())
        return Error::from_errno(EBADF);
    TRY(put_statfs(file->path(), *file->inode(), out));
    return 0;
}

ErrorOr<long> sys_stat(UserPtr<const char> path, UserPtr<struct stat> out) { return sys_newfstatat(AT_FDCWD, path, out, 0); }

ErrorOr<long> sys_lstat(UserPtr<const char> path, UserPtr<struct stat> out) {
    return sys_newfstatat(AT_FDCWD, path, out, AT_SYMLINK_NOFOLLOW);
}

ErrorOr<long> sys_statx(int dirfd, UserPtr<const char> path, unsigned flags, unsigned mask, UserPtr<struct statx> out) {
    if (mask & STATX__RESERVED)
        return Error::from_errno(EINVAL);
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
        return Error::from_errno(EINVAL);
    if (flags & ~unsigned(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    Path where = TRY(resolve_at(*fs, dirfd, path, int(flags)));
    Kstat k = where.inode->stat();
    struct statx sx {};
    // The basic stats and the mount id whatever was asked, as Linux does; tmpfs adds the birth
    // time only when asked for it.
    sx.stx_mask = STATX_BASIC_STATS | STATX_MNT_ID | (mask & STATX_BTIME);
    sx.stx_blksize = k.blksize;
    sx.stx_attributes = where.is_mount_root() ? STATX_ATTR_MOUNT_ROOT : 0;
    sx.stx_nlink = k.nlink;
    sx.stx_uid = from_kuid_munged(current_user_ns(), k.uid);
    sx.stx_gid = from_kgid_munged(current_user_ns(), k.gid);
    sx.stx_mode = uint16_t(k.mode);
    sx.stx_ino = k.ino;
    sx.stx_size = k.size;
    sx.stx_blocks = k.blocks;
    // What tmpfs could report (its file attributes) and the VFS's own attributes.
    sx.stx_attributes_mask = STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP | STATX_ATTR_AUTOMOUNT |
                             STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX;
    auto stamp = [](const Timespec& t) { return statx_timestamp{.tv_sec = t.sec, .tv_nsec = t.nsec, .__reserved = 0}; };
    sx.stx_atime = stamp(k.atime);
    if (mask & STATX_BTIME)
        sx.stx_btime = stamp(k.btime);
    sx.stx_ctime = stamp(k.ctime);
    sx.stx_mtime = stamp(k.mtime);
    sx.stx_rdev_major = dev_major(k.rdev);
    sx.stx_rdev_minor = dev_minor(k.rdev);
    sx.stx_dev_major = dev_major(k.dev);
    sx.stx_dev_minor = dev_minor(k.dev);
    sx.stx_mnt_id = uint64_t(where.mount->id());
    TRY(copy_to_user(out, sx));
    return 0;
}

// ---- directories (fs/readdir.c, fs/d_path.c, fs/open.c) ----

ErrorOr<long> sys_getdents64(int fd, UserPtr<char> buffer, unsigned count) {
    auto file = TRY(fdget(fd));
    return long(TRY(file->read_directory(IoBuffer::user(buffer.address()), count)));
}

ErrorOr<long> sys_getcwd(UserPtr<char> buffer, unsigned long size) {
    auto fs = TRY(current_fs());
    auto page = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
    size_t length = TRY(vfs_getcwd(*fs, page.data(), size < PATH_MAX_LEN ? size : PATH_MAX_LEN));
    TRY(copy_to_user(buffer.address(), page.data(), length));
    return long(length);
}

ErrorOr<long> sys_chdir(UserPtr<const char> user_path) {
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path));
    Path where = TRY(vfs_lookup(*fs, nullptr, path.view(), LOOKUP_FOLLOW | LOOKUP_DIRECTORY));
    TRY(vfs_chdir(*fs, where));
    return 0;
}

ErrorOr<long> sys_fchdir(int fd) {
    auto fs = TRY(current_fs());
    auto file = TRY(fdget_raw(fd));
    if (!file->inode())
        return Error::from_errno(ENOTDIR);
    TRY(vfs_chdir(*fs, file->path()));
    return 0;
}

// ---- creating and removing names (fs/namei.c) ----

ErrorOr<long> sys_mkdirat(int dirfd, UserPtr<const char> user_path, unsigned mode) {
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path));
    auto base = TRY(AtBase::from(dirfd, path.view()));
    TRY(vfs_mkdir(*fs, base.get(), path.view(), mode));
    return 0;
}

ErrorOr<long> sys_mkdir(UserPtr<const char> path, unsigned mode) { return sys_mkdirat(AT_FDCWD, path, mode); }

// new_decode_dev: user space's dev_t (major in bits 8-19, minor in 0-7 and 20-31).
uint32_t decode_dev(unsigned dev) { return make_dev((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00)); }

ErrorOr<long> sys_mknodat(int dirfd, UserPtr<const char> user_path, unsigned mode, unsigned dev) {
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path));
    auto base = TRY(AtBase::from(dirfd, path.view()));
    TRY(vfs_mknod(*fs, base.get(), path.view(), mode, decode_dev(dev)));
    return 0;
}

ErrorOr<long> sys_mknod(UserPtr<const char> path, unsigned mode, unsigned dev) {
    return sys_mknodat(AT_FDCWD, path, mode, dev);
}

ErrorOr<long> sys_unlinkat(int dirfd, UserPtr<const char> user_path, int flags) {
    if (flags & ~AT_REMOVEDIR)
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path));
    auto base = TRY(AtBase::from(dirfd, path.view()));
    if (flags & AT_REMOVEDIR)
        TRY(vfs_rmdir(*fs, base.get(), path.view()));
    else
        TRY(vfs_unlink(*fs, base.get(), path.view()));
    return 0;
}

ErrorOr<long> sys_unlink(UserPtr<const char> path) { return sys_unlinkat(AT_FDCWD, path, 0); }
ErrorOr<long> sys_rmdir(UserPtr<const char> path) { return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR); }

ErrorOr<long> sys_renameat2(int old_dirfd, UserPtr<const char> old_user, int new_dirfd, UserPtr<const char> new_user,
                            unsigned flags) {
    auto fs = TRY(current_fs());
    auto old_path = TRY(UserPath::copy(old_user));
    auto new_path = TRY(UserPath::copy(new_user));
    auto old_base = TRY(AtBase::from(old_dirfd, old_path.view()));
    auto new_base = TRY(AtBase::from(new_dirfd, new_path.view()));
    TRY(vfs_rename(*fs, old_base.get(), old_path.view(), new_base.get(), new_path.view(), flags));
    return 0;
}

ErrorOr<long> sys_renameat(int old_dirfd, UserPtr<const char> old_path, int new_dirfd, UserPtr<const char> new_path) {
    return sys_renameat2(old_dirfd, old_path, new_dirfd, new_path, 0);
}

ErrorOr<long> sys_rename(UserPtr<const char> old_path, UserPtr<const char> new_path) {
    return sys_renameat2(AT_FDCWD, old_path, AT_FDCWD, new_path, 0);
}

ErrorOr<long> sys_symlinkat(UserPtr<const char> user_target, int new_dirfd, UserPtr<const char> user_path) {
    auto fs = TRY(current_fs());
    auto target = TRY(UserPath::copy(user_target));
    auto path = TRY(UserPath::copy(user_path));
    auto base = TRY(AtBase::from(new_dirfd, path.view()));
    TRY(vfs_symlink(*fs, target.view(), base.get(), path.view()));
    return 0;
}

ErrorOr<long> sys_symlink(UserPtr<const char> target, UserPtr<const char> path) {
    return sys_symlinkat(target, AT_FDCWD, path);
}

ErrorOr<long> sys_linkat(int old_dirfd, UserPtr<const char> old_user, int new_dirfd, UserPtr<const char> new_user,
                         int flags) {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    // AT_EMPTY_PATH: link the file dirfd refers to; following it is then meaningless.
    int at_flags = (flags & AT_EMPTY_PATH) | (flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW);
    Path old = TRY(resolve_at(*fs, old_dirfd, old_user, at_flags));
    auto new_path = TRY(UserPath::copy(new_user));
    auto new_base = TRY(AtBase::from(new_dirfd, new_path.view()));
    TRY(vfs_link_to(*fs, old, new_base.get(), new_path.view()));
    return 0;
}

ErrorOr<long> sys_link(UserPtr<const char> old_path, UserPtr<const char> new_path) {
    return sys_linkat(AT_FDCWD, old_path, AT_FDCWD, new_path, 0);
}

ErrorOr<long> sys_readlinkat(int dirfd, UserPtr<const char> user_path, UserPtr<char> buffer, int size) {
    if (size <= 0)
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path, true));  // readlinkat allows "" (LOOKUP_EMPTY)
    Path where = TRY(resolve_at(*fs, dirfd, path, AT_SYMLINK_NOFOLLOW));
    if (!where.inode->is_symlink())
        return Error::from_errno(path.empty() ? ENOENT : EINVAL);
    auto target = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
    size_t length = TRY(vfs_readlink(where, target.data(), size_t(size) < PATH_MAX_LEN ? size_t(size) : PATH_MAX_LEN));
    TRY(copy_to_user(buffer.address(), target.data(), length));
    return long(length);
}

ErrorOr<long> sys_readlink(UserPtr<const char> path, UserPtr<char> buffer, int size) {
    return sys_readlinkat(AT_FDCWD, path, buffer, size);
}

ErrorOr<long> sys_faccessat2(int dirfd, UserPtr<const char> path, int mode, int flags) {
    if (mode & ~7)  // F_OK | R_OK | W_OK | X_OK
        return Error::from_errno(EINVAL);
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    auto check = [&]() -> ErrorOr<long> {
        Path where = TRY(resolve_at(*fs, dirfd, path, flags));
        TRY(vfs_access(where, mode));
        return 0;
    };
    if (flags & AT_EACCESS)
        return check();
    // access(2) asks whether the real ids could: lookup and check run with them as fs ids
    // (access_override_creds).
    auto real = TRY(cred_for_access(*current()->m_cred));
    OverrideCreds scope(*real);
    return check();
}

ErrorOr<long> sys_faccessat(int dirfd, UserPtr<const char> path, int mode) { return sys_faccessat2(dirfd, path, mode, 0); }
ErrorOr<long> sys_access(UserPtr<const char> path, int mode) { return sys_faccessat2(AT_FDCWD, path, mode, 0); }

// chmod family: only the permission bits (07777) change, by the owner or CAP_FOWNER.
ErrorOr<long> sys_fchmodat(int dirfd, UserPtr<const char> path, unsigned mode) {
    auto fs = TRY(current_fs());
    Path where = TRY(resolve_at(*fs, dirfd, path, 0));
    TRY(vfs_chmod(where, mode));
    return 0;
}

ErrorOr<long> sys_chmod(UserPtr<const char> path, unsigned mode) { return sys_fchmodat(AT_FDCWD, path, mode); }

ErrorOr<long> sys_fchmod(int fd, unsigned mode) {
    auto files = TRY(current_files());
    auto file = TRY(files->get(fd));
    if (file->is_path_only() || !file->inode())
        return Error::from_errno(EBADF);
    if (file->path().is_valid())
        TRY(vfs_chmod(file->path(), mode));
    else
        file->inode()->set_permissions(TRY(chmod_permissions(*file->inode(), mode & 07777)));
    return 0;
}

// ---- utimensat, utimes, futimesat, utime (fs/utimes.c) ----

// do_utimes: a null path with a real dirfd means the file dirfd is open on (flags must be 0);
// otherwise the path, relative to dirfd, its last symlink followed unless AT_SYMLINK_NOFOLLOW.
ErrorOr<long> do_utimes(int dirfd, UserPtr<const char> user_path, const UtimeSpec* times, int flags) {
    if (user_path.is_null() && dirfd != AT_FDCWD) {
        if (flags)
            return Error::from_errno(EINVAL);
        auto file = TRY(fdget_raw(dirfd));
        if (!file->path().is_valid())
            return Error::from_errno(EBADF);
        TRY(vfs_utimes(file->path(), times));
        return 0;
    }
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    Path where = TRY(resolve_at(*fs, dirfd, user_path, flags));
    TRY(vfs_utimes(where, times));
    return 0;
}

ErrorOr<long> sys_utimensat(int dirfd, UserPtr<const char> path, UserPtr<const struct __kernel_timespec> user_times,
                            int flags) {
    if (user_times.is_null())
        return do_utimes(dirfd, path, nullptr, flags);
    struct __kernel_timespec raw[2];
    TRY(copy_from_user(raw, user_times.address(), sizeof raw));
    UtimeSpec times[2] = {{raw[0].tv_sec, raw[0].tv_nsec}, {raw[1].tv_sec, raw[1].tv_nsec}};
    // Nothing to do: the path is not even looked at.
    if (times[0].nsec == UTIME_OMIT_NSEC && times[1].nsec == UTIME_OMIT_NSEC)
        return 0;
    return do_utimes(dirfd, path, times, flags);
}

// futimesat and utimes: microseconds, each within [0, 1000000) (EINVAL).
ErrorOr<long> sys_futimesat(int dirfd, UserPtr<const char> path, UserPtr<const struct __kernel_old_timeval> user_times) {
    if (user_times.is_null())
        return do_utimes(dirfd, path, nullptr, 0);
    struct __kernel_old_timeval raw[2];
    TRY(copy_from_user(raw, user_times.address(), sizeof raw));
    for (const auto& tv : raw)
        if (tv.tv_usec >= 1000000 || tv.tv_usec < 0)
            return Error::from_errno(EINVAL);
    UtimeSpec times[2] = {{raw[0].tv_sec, raw[0].tv_usec * 1000}, {raw[1].tv_sec, raw[1].tv_usec * 1000}};
    return do_utimes(dirfd, path, times, 0);
}

ErrorOr<long> sys_utimes(UserPtr<const char> path, UserPtr<const struct __kernel_old_timeval> times) {
    return sys_futimesat(AT_FDCWD, path, times);
}

ErrorOr<long> sys_utime(UserPtr<const char> path, UserPtr<const struct utimbuf> user_times) {
    if (user_times.is_null())
        return do_utimes(AT_FDCWD, path, nullptr, 0);
    struct utimbuf raw;
    TRY(copy_from_user(&raw, user_times.address(), sizeof raw));
    UtimeSpec times[2] = {{raw.actime, 0}, {raw.modtime, 0}};
    return do_utimes(AT_FDCWD, path, times, 0);
}

// chown family: -1 leaves the owner or group unchanged (fs/Permission.h has the rules).
// chown_common's ids are the caller's namespace's: one without a mapping there is EINVAL.
struct ChownIds {
    uint32_t uid, gid;
};
ErrorOr<ChownIds> chown_kids(uint32_t uid, uint32_t gid) {
    UserNamespace& ns = current_user_ns();
    ChownIds ids{make_kuid(ns, uid), make_kgid(ns, gid)};
    if ((uid != INVALID_ID && ids.uid == INVALID_ID) || (gid != INVALID_ID && ids.gid == INVALID_ID))
        return Error::from_errno(EINVAL);
    return ids;
}

ErrorOr<long> sys_fchownat(int dirfd, UserPtr<const char> path, uint32_t uid, uint32_t gid, int flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    Path where = TRY(resolve_at(*fs, dirfd, path, flags));
    ChownIds ids = TRY(chown_kids(uid, gid));
    TRY(vfs_chown(where, ids.uid, ids.gid));
    return 0;
}

ErrorOr<long> sys_chown(UserPtr<const char> path, uint32_t uid, uint32_t gid) {
    return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

ErrorOr<long> sys_lchown(UserPtr<const char> path, uint32_t uid, uint32_t gid) {
    return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

ErrorOr<long> sys_fchown(int fd, uint32_t uid, uint32_t gid) {
    auto file = TRY(fdget(fd));
    if (!file->inode())
        return Error::from_errno(EBADF);
    ChownIds ids = TRY(chown_kids(uid, gid));
    if (file->path().is_valid())
        TRY(vfs_chown(file->path(), ids.uid, ids.gid));
    else
        TRY(chown_inode(*file->inode(), ids.uid, ids.gid));
    return 0;
}

ErrorOr<long> sys_truncate(UserPtr<const char> user_path, int64_t length) {
    if (length < 0)
        return Error::from_errno(EINVAL);
    auto fs = TRY(current_fs());
    auto path = TRY(UserPath::copy(user_path));
    Path where = TRY(vfs_lookup(*fs, nullptr, path.view(), LOOKUP_FOLLOW));
    TRY(vfs_truncate(where, uint64_t(length)));
    return 0;
}

ErrorOr<long> sys_ftruncate(int fd, int64_t length) {
    if (length < 0)
        return Error::from_errno(EINVAL);
    auto file = TRY(fdget(fd));
    if (!file->inode() || !file->inode()->is_regular() || !file->is_writable())
        return Error::from_errno(EINVAL);
    TRY(file->inode()->truncate(uint64_t(length)));
    return 0;
}

ErrorOr<long> sys_umask(int mask) {
    auto fs = TRY(current_fs());
    return long(fs->exchange_umask(unsigned(mask)));
}

ErrorOr<long> sys_fsync(int fd) {
    auto file = TRY(fdget(fd));
    // Memory is the storage: nothing to write back. Files without fsync say EINVAL (devices).
    if (!file->inode() || !(file->inode()->is_regular() || file->inode()->is_directory()))
        return Error::from_errno(EINVAL);
    return 0;
}

ErrorOr<long> sys_sync() { return 0; }

ErrorOr<long> sys_syncfs(int fd) {
    TRY(fdget(fd));
    return 0;
}

// ---- descriptors (fs/file.c, fs/fcntl.c, fs/ioctl.c) ----

ErrorOr<long> sys_dup(int fd) {
    auto files = TRY(current_files());
    auto file = TRY(files->get(fd));
    return long(TRY(files->install(std::move(file), false)));
}

ErrorOr<long> sys_dup3(int old_fd, unsigned new_fd, int flags) {
    if (flags & ~O_CLOEXEC)
        return Error::from_errno(EINVAL);
    if (old_fd >= 0 && unsigned(old_fd) == new_fd)
        return Error::from_errno(EINVAL);
    if (new_fd >= unsigned(FilesStruct::DEFAULT_NOFILE))
        return Error::from_errno(EBADF);
    auto files = TRY(current_files());
    auto file = TRY(files->get(old_fd));
    return long(TRY(files->install_at(int(new_fd), std::move(file), flags & O_CLOEXEC)));
}

ErrorOr<long> sys_dup2(int old_fd, unsigned new_fd) {
    if (old_fd >= 0 && unsigned(old_fd) == new_fd) {
        auto files = TRY(current_files());
        TRY(files->get(old_fd));  // dup2 of a descriptor onto itself only checks it is open
        return long(new_fd);
    }
    return sys_dup3(old_fd, new_fd, 0);
}

ErrorOr<long> sys_fcntl(int fd, unsigned command, unsigned long argument) {
    auto files = TRY(current_files());
    auto file = TRY(files->get(fd));
    // On O_PATH descriptors only these make sense (check_fcntl_cmd).
    bool path_ok = command == F_DUPFD || command == F_DUPFD_CLOEXEC || command == F_GETFD || command == F_SETFD ||
                   command == F_GETFL;
    if (file->is_path_only() && !path_ok)
        return Error::from_errno(EBADF);
    switch (command) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        // f_dupfd takes the argument as an unsigned int: a negative one is "too big".
        unsigned from = unsigned(argument);
        if (from >= unsigned(FilesStruct::DEFAULT_NOFILE))
            return Error::from_errno(EINVAL);
        return long(TRY(files->install(std::move(file), command == F_DUPFD_CLOEXEC, int(from))));
    }
    case F_GETFD:
        return TRY(files->close_on_exec(fd)) ? FD_CLOEXEC : 0;
    case F_SETFD:
        TRY(files->set_close_on_exec(fd, argument & FD_CLOEXEC));
        return 0;
    case F_GETFL:
        return file->flags();
    case F_SETFL:
        TRY(file->set_status_flags(int(argument)));
        return 0;
    default:
        return Error::from_errno(EINVAL);  // locks, owners, leases, seals...: not yet
    }
}

ErrorOr<long> sys_ioctl(int fd, unsigned request, unsigned long argument) {
    auto files = TRY(current_files());
    auto file = TRY(files->get(fd));
    if (file->is_path_only())
        return Error::from_errno(EBADF);
    // do_vfs_ioctl: the requests every file understands, before the file's own (which include
    // FIONREAD: regular files and the console answer it).
    switch (request) {
    case FIOCLEX:
        TRY(files->set_close_on_exec(fd, true));
        return 0;
    case FIONCLEX:
        TRY(files->set_close_on_exec(fd, false));
        return 0;
    case FIONBIO:
    case FIOASYNC: {
        int on;
        TRY(copy_from_user(&on, argument, sizeof(on)));
        int flag = request == FIONBIO ? O_NONBLOCK : FASYNC;
        TRY(file->set_status_flags(on ? file->flags() | flag : file->flags() & ~flag));
        return 0;
    }
    default:
        return file->ioctl(request, argument);
    }
}

// ---- mounts (fs/namespace.c) ----

ErrorOr<long> sys_mount(UserPtr<const char> source, UserPtr<const char> target, UserPtr<const char> type,
                        unsigned long flags, UserPtr<const char> data) {
    auto fs = TRY(current_fs());
    // The syscall's order: type, source, options, then the target's lookup.
    auto type_copy = TRY(UserPath::copy_optional(type));
    auto source_copy = TRY(UserPath::copy_optional(source));
    auto data_copy = TRY(UserPath::copy_mount_options(data));
    auto target_copy = TRY(UserPath::copy(target));
    TRY(vfs_mount(*fs, source_copy.view(), target_copy.view(), type_copy.view(), flags, data_copy.view()));
    return 0;
}

ErrorOr<long> sys_umount2(UserPtr<const char> user_target, int flags) {
    auto fs = TRY(current_fs());
    auto target = TRY(UserPath::copy(user_target));
    TRY(vfs_umount(*fs, target.view(), flags));
    return 0;
}

}  // namespace

void register_file_syscalls(SyscallTable& table) {
    table.add<sys_read>(__NR_read);
    table.add<sys_write>(__NR_write);
    table.add<sys_open>(__NR_open);
    table.add<sys_close>(__NR_close);
    table.add<sys_stat>(__NR_stat);
    table.add<sys_fstat>(__NR_fstat);
    table.add<sys_statfs>(__NR_statfs);
    table.add<sys_fstatfs>(__NR_fstatfs);
    table.add<sys_lstat>(__NR_lstat);
    table.add<sys_lseek>(__NR_lseek);
    table.add<sys_ioctl>(__NR_ioctl);
    table.add<sys_pread64>(__NR_pread64);
    table.add<sys_pwrite64>(__NR_pwrite64);
    table.add<sys_sendfile64>(__NR_sendfile);
    table.add<sys_readv>(__NR_readv);
    table.add<sys_writev>(__NR_writev);
    table.add<sys_access>(__NR_access);
    table.add<sys_dup>(__NR_dup);
    table.add<sys_dup2>(__NR_dup2);
    table.add<sys_fcntl>(__NR_fcntl);
    table.add<sys_fsync>(__NR_fsync);
    table.add<sys_fsync>(__NR_fdatasync);
    table.add<sys_truncate>(__NR_truncate);
    table.add<sys_ftruncate>(__NR_ftruncate);
    table.add<sys_getdents64>(__NR_getdents64);
    table.add<sys_getcwd>(__NR_getcwd);
    table.add<sys_chdir>(__NR_chdir);
    table.add<sys_fchdir>(__NR_fchdir);
    table.add<sys_rename>(__NR_rename);
    table.add<sys_mkdir>(__NR_mkdir);
    table.add<sys_rmdir>(__NR_rmdir);
    table.add<sys_creat>(__NR_creat);
    table.add<sys_link>(__NR_link);
    table.add<sys_unlink>(__NR_unlink);
    table.add<sys_symlink>(__NR_symlink);
    table.add<sys_readlink>(__NR_readlink);
    table.add<sys_umask>(__NR_umask);
    table.add<sys_mknod>(__NR_mknod);
    table.add<sys_sync>(__NR_sync);
    table.add<sys_mount>(__NR_mount);
    table.add<sys_umount2>(__NR_umount2);
    table.add<sys_openat>(__NR_openat);
    table.add<sys_mkdirat>(__NR_mkdirat);
    table.add<sys_mknodat>(__NR_mknodat);
    table.add<sys_newfstatat>(__NR_newfstatat);
    table.add<sys_unlinkat>(__NR_unlinkat);
    table.add<sys_renameat>(__NR_renameat);
    table.add<sys_linkat>(__NR_linkat);
    table.add<sys_symlinkat>(__NR_symlinkat);
    table.add<sys_readlinkat>(__NR_readlinkat);
    table.add<sys_faccessat>(__NR_faccessat);
    table.add<sys_dup3>(__NR_dup3);
    table.add<sys_syncfs>(__NR_syncfs);
    table.add<sys_renameat2>(__NR_renameat2);
    table.add<sys_statx>(__NR_statx);
    table.add<sys_faccessat2>(__NR_faccessat2);
    table.add<sys_chmod>(__NR_chmod);
    table.add<sys_fchmod>(__NR_fchmod);
    table.add<sys_fchmodat>(__NR_fchmodat);
    table.add<sys_utimensat>(__NR_utimensat);
    table.add<sys_futimesat>(__NR_futimesat);
    table.add<sys_utimes>(__NR_utimes);
    table.add<sys_utime>(__NR_utime);
    table.add<sys_chown>(__NR_chown);
    table.add<sys_fchown>(__NR_fchown);
    table.add<sys_lchown>(__NR_lchown);
    table.add<sys_fchownat>(__NR_fchownat);
}

}  // namespace kernel
