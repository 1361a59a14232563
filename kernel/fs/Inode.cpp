#include "fs/Inode.h"

#include <arch/Time.h>
#include <asm-generic/fcntl.h>
#include <linux/magic.h>

#include "fs/File.h"
#include "task/Cred.h"

namespace kernel {

namespace {
constinit Spinlock g_namespace_lock;
constinit std::atomic<uint32_t> g_next_anon_minor{1};
}  // namespace

Spinlock& vfs_namespace_lock() { return g_namespace_lock; }

Timespec current_time() {
    uint64_t ns = arch::realtime_ns();
    return Timespec{int64_t(ns / 1000000000u), uint32_t(ns % 1000000000u)};
}

FileSystem::FileSystem()
    : m_dev(make_dev(0, g_next_anon_minor.fetch_add(1, std::memory_order_relaxed))), m_user_ns(current_user_ns()) {}

FsStats FileSystem::stats() const {
    struct Magic {
        StringView type;
        uint64_t magic;
    };
    static constexpr Magic MAGICS[] = {
        {"tmpfs", TMPFS_MAGIC},     {"ramfs", RAMFS_MAGIC},   {"proc", PROC_SUPER_MAGIC},
        {"tracefs", TRACEFS_MAGIC}, {"pipefs", PIPEFS_MAGIC}, {"anon_inodefs", ANON_INODE_FS_MAGIC},
        {"nsfs", NSFS_MAGIC},
    };
    for (const auto& entry : MAGICS)
        if (entry.type == name())
            return {entry.magic};
    return {};
}

Inode::Inode(FileSystem& fs, uint64_t ino, uint32_t mode, uint32_t rdev)
    : m_permissions(mode & S_PERM_MASK), m_fs(fs), m_ino(ino), m_type(mode & S_TYPE_MASK), m_rdev(rdev) {
    Timespec now = current_time();
    m_atime = m_mtime = m_ctime = m_btime = now;
}

Kstat Inode::stat() const {
    SpinlockGuard guard(m_lock);
    return Kstat{
        .dev = m_fs->dev(),
        .ino = m_ino,
        .mode = m_type | m_permissions,
        .nlink = m_nlink,
        .uid = m_uid,
        .gid = m_gid,
        .rdev = m_rdev,
        .size = m_size,
        .blocks = allocated_bytes_locked() / 512,
        .blksize = ST_BLOCK_SIZE,
        .atime = m_atime,
        .mtime = m_mtime,
        .ctime = m_ctime,
        .btime = m_btime,
    };
}

uint32_t Inode::mode() const {
    SpinlockGuard guard(m_lock);
    return m_type | m_permissions;
}

Inode::Ownership Inode::ownership() const {
    SpinlockGuard guard(m_lock);
    return {m_type | m_permissions, m_uid, m_gid};
}

uint64_t Inode::size() const {
    SpinlockGuard guard(m_lock);
    return m_size;
}

uint32_t Inode::nlink() const {
    SpinlockGuard guard(m_lock);
    return m_nlink;
}

void Inode::set_permissions(uint32_t permissions) {
    SpinlockGuard guard(m_lock);
    m_permissions = permissions & S_PERM_MASK;
    touch_locked(false, true);
}

void Inode::set_owner(uint32_t uid, uint32_t gid) {
    SpinlockGuard guard(m_lock);
    m_uid = uid;
    m_gid = gid;
    touch_locked(false, true);
}

void Inode::set_mtime(Timespec time) {
    SpinlockGuard guard(m_lock);
    m_atime = m_mtime = time;
}

void Inode::set_times(const Timespec* atime, const Timespec* mtime, Timespec change) {
    SpinlockGuard guard(m_lock);
    if (atime)
        m_atime = *atime;
    if (mtime)
        m_mtime = *mtime;
    m_ctime = change;
}

void Inode::touch_locked(bool modify, bool change) {
    Timespec now = current_time();
    if (modify)
        m_mtime = now;
    if (change)
        m_ctime = now;
}

ErrorOr<NonnullRefPtr<Inode>> Inode::lookup_locked(StringView) { return Error::from_errno(ENOTDIR); }
ErrorOr<NonnullRefPtr<Inode>> Inode::create_locked(StringView, uint32_t, uint32_t) { return Error::from_errno(ENOTDIR); }
ErrorOr<NonnullRefPtr<Inode>> Inode::symlink_locked(StringView, StringView) { return Error::from_errno(ENOTDIR); }
ErrorOr<NonnullRefPtr<Inode>> Inode::create_unnamed_locked(uint32_t) { return Error::from_errno(EOPNOTSUPP); }
ErrorOr<void> Inode::link_locked(StringView, Inode&) { return Error::from_errno(ENOTDIR); }
ErrorOr<void> Inode::unlink_locked(StringView) { return Error::from_errno(ENOTDIR); }
ErrorOr<void> Inode::rename_locked(StringView, Inode&, StringView, bool) { return Error::from_errno(ENOTDIR); }
ErrorOr<StringView> Inode::name_of_locked(const Inode&) const { return Error::from_errno(ENOENT); }
ErrorOr<size_t> Inode::read(IoBuffer, size_t, uint64_t) { return Error::from_errno(EINVAL); }
ErrorOr<size_t> Inode::write(IoBuffer, size_t, uint64_t&, bool) { return Error::from_errno(EINVAL); }
ErrorOr<void> Inode::truncate(uint64_t) { return Error::from_errno(EINVAL); }
ErrorOr<PhysAddr> Inode::get_page(uint64_t) { return Error::from_errno(ENODEV); }
ErrorOr<uint64_t> Inode::seek_data_or_hole(uint64_t offset, bool data) {
    uint64_t end = size();
    if (offset >= end)
        return Error::from_errno(ENXIO);
    return data ? offset : end;
}
ErrorOr<NonnullRefPtr<File>> Inode::open_directory(const Path&, int) { return Error::from_errno(ENOTDIR); }
ErrorOr<Path> Inode::jump_link() const { return Path{}; }

ErrorOr<NonnullRefPtr<File>> Inode::open_file(const Path& path, int flags) {
    return RegularFile::create(path, flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC));
}

}  // namespace kernel
