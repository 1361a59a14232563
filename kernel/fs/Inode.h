#pragma once
// Inodes and file systems (Linux's struct inode and struct super_block).
//
// An Inode is one file-system object: a regular file, directory, symlink or device node. Unlike
// Linux there are no dentries: a directory inode holds its entries (name -> inode) itself and
// knows its parent, which is all `..`, getcwd and rename need for in-memory file systems.
//
// Locks (see docs/filesystems.md):
//  - vfs_namespace_lock() guards every directory's entries and parent link, the nlink counts
//    that entries imply, the mount tree and each inode's mount count. The `_locked` directory
//    operations below need it held. It is a spinlock: nothing under it sleeps or touches user
//    memory (paths are copied in first; getdents copies out through a kernel buffer).
//  - Each inode's own m_lock guards its attributes (mode, owner, times, size) and file data.
//  Order: namespace lock -> inode lock -> page allocator / slab locks.
#include "fs/IoBuffer.h"
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"
#include "lib/kstd.h"
#include "task/UserNamespace.h"

namespace kernel {

class File;
class FormatSink;
struct Path;

inline constexpr size_t PATH_MAX_LEN = 4096;  // PATH_MAX, counting the NUL
inline constexpr size_t NAME_MAX_LEN = 255;   // NAME_MAX
inline constexpr int64_t MAX_FILE_SIZE = std::numeric_limits<int64_t>::max();  // MAX_LFS_FILESIZE
inline constexpr uint32_t ST_BLOCK_SIZE = 4096;  // st_blksize

// File types and permission bits, as in <linux/stat.h> (spelled out here because the hosted
// build gets them from glibc under other spellings).
inline constexpr uint32_t S_TYPE_MASK = 0170000;
inline constexpr uint32_t S_TYPE_SOCK = 0140000;
inline constexpr uint32_t S_TYPE_LNK = 0120000;
inline constexpr uint32_t S_TYPE_REG = 0100000;
inline constexpr uint32_t S_TYPE_BLK = 0060000;
inline constexpr uint32_t S_TYPE_DIR = 0040000;
inline constexpr uint32_t S_TYPE_CHR = 0020000;
inline constexpr uint32_t S_TYPE_FIFO = 0010000;
inline constexpr uint32_t S_PERM_MASK = 07777;  // S_IALLUGO: permissions, setuid, setgid, sticky
inline constexpr uint32_t S_EXEC_ANY = 0111;     // S_IXUGO
inline constexpr uint32_t S_ISUID_BIT = 04000;    // S_ISUID: set-user-id
inline constexpr uint32_t S_ISGID_BIT = 02000;    // S_ISGID: set-group-id (directories: inherit the group)
inline constexpr uint32_t S_ISVTX_BIT = 01000;    // S_ISVTX: sticky (directories: only owners delete)
inline constexpr uint32_t S_IXGRP_BIT = 0010;     // S_IXGRP

// Device numbers in Linux's kernel-internal layout (MKDEV: 12-bit major, 20-bit minor).
constexpr uint32_t make_dev(uint32_t major, uint32_t minor) { return (major << 20) | (minor & 0xfffff); }
constexpr uint32_t dev_major(uint32_t dev) { return dev >> 20; }
constexpr uint32_t dev_minor(uint32_t dev) { return dev & 0xfffff; }
// The st_dev/st_rdev encoding user space sees (Linux's new_encode_dev).
constexpr uint64_t encode_dev(uint32_t dev) {
    uint64_t major = dev_major(dev), minor = dev_minor(dev);
    return (minor & 0xff) | (major << 8) | ((minor & ~uint64_t(0xff)) << 12);
}

struct Timespec {
    int64_t sec{0};
    uint32_t nsec{0};
    constexpr auto operator<=>(const Timespec&) const = default;
};
Timespec current_time();  // CLOCK_REALTIME

// Linux's struct kstat: what stat/statx report, before the syscall picks its layout.
struct Kstat {
    uint32_t dev;  // make_dev form
    uint64_t ino;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint32_t rdev;
    uint64_t size;
    uint64_t blocks;  // 512-byte units
    uint32_t blksize;
    Timespec atime, mtime, ctime, btime;
};

Spinlock& vfs_namespace_lock();

// A mounted file system instance (super_block). Inodes keep theirs alive.
// What statfs(2) reports of a file system (the part Linux's ->statfs fills; the mount adds the
// flags). Counts are in pages, and 0 where the file system has no limit.
struct FsStats {
    uint64_t magic{0};
    uint64_t blocks{0};
    uint64_t blocks_free{0};
    uint64_t files{0};
    uint64_t files_free{0};
};

class FileSystem : public RefCounted<FileSystem> {
public:
    virtual ~FileSystem() = default;
    virtual StringView name() const = 0;  // the type, as mount(2) and /proc/mounts name it
    // Linux's simple_statfs by default: the type's magic number (<linux/magic.h>) alone.
    virtual FsStats stats() const;
    // The file system's own mount options, each after a comma, for /proc/<pid>/mounts (Linux's
    // ->show_options); none by default.
    virtual void show_options(FormatSink&) const {}
    uint32_t dev() const { return m_dev; }
    // The user namespace of the mounter (Linux's s_user_ns): ids not mapped there cannot own
    // its files.
    const UserNamespace& user_ns() const { return *m_user_ns; }

protected:
    // Takes an anonymous device number (major 0), as Linux's get_anon_bdev for tmpfs.
    FileSystem();

private:
    uint32_t m_dev;
    RefPtr<UserNamespace> m_user_ns;
};

class Inode : public RefCounted<Inode> {
public:
    virtual ~Inode() = default;

    FileSystem& fs() const { return *m_fs; }
    uint64_t ino() const { return m_ino; }
    uint32_t type() const { return m_type; }  // S_TYPE_* bits; never change
    bool is_directory() const { return m_type == S_TYPE_DIR; }
    bool is_regular() const { return m_type == S_TYPE_REG; }
    bool is_symlink() const { return m_type == S_TYPE_LNK; }
    bool is_char_device() const { return m_type == S_TYPE_CHR; }
    uint32_t rdev() const { return m_rdev; }

    // Attributes, under the inode lock.
    Kstat stat() const;
    uint32_t mode() const;  // type | permissions
    // Mode and owner read together, for permission checks (fs/Permission.h).
    struct Ownership {
        uint32_t mode;
        uint32_t uid;
        uint32_t gid;
    };
    Ownership ownership() const;
    uint64_t size() const;
    uint32_t nlink() const;
    void set_permissions(uint32_t permissions);  // chmod: the S_PERM_MASK bits
    void set_owner(uint32_t uid, uint32_t gid);
    void set_mtime(Timespec);  // also atime, as the initramfs unpacker's do_utime
    // utimes: each time given is set (null: left as is), and ctime becomes `change`.
    void set_times(const Timespec* atime, const Timespec* mtime, Timespec change);
    // Open descriptions writing this file (Linux's i_writecount, writers' half): execve
    // refuses a program that is open for writing (ETXTBSY).
    std::atomic<int> m_writers{0};
    // Linux's I_LINKABLE: an O_TMPFILE file opened without O_EXCL may get a name once.
    bool is_linkable() const { return m_linkable.load(std::memory_order_relaxed); }
    void set_linkable(bool value) { m_linkable.store(value, std::memory_order_relaxed); }
    // Counts in-memory mounts on this inode (namespace lock): rmdir/unlink/rename say EBUSY.
    uint32_t mount_count_locked() const { return m_mount_count; }
    void adjust_mount_count_locked(int delta) { m_mount_count += delta; }

    // Directory operations, with the namespace lock held. The VFS has already checked what
    // Linux checks in fs/namei.c (types, emptiness, EEXIST...); these do the work. They may
    // allocate (ENOMEM) but change nothing when they fail. Defaults: ENOTDIR.
    virtual ErrorOr<NonnullRefPtr<Inode>> lookup_locked(StringView name);
    // A new regular file, directory or device/fifo/socket node called `name`: mode is type |
    // permissions, rdev the device for character and block nodes.
    virtual ErrorOr<NonnullRefPtr<Inode>> create_locked(StringView name, uint32_t mode, uint32_t rdev);
    virtual ErrorOr<NonnullRefPtr<Inode>> symlink_locked(StringView name, StringView target);
    // A regular file in this directory's file system with no name at all (O_TMPFILE): link
    // count 0 until linkat gives it one. Default: EOPNOTSUPP.
    virtual ErrorOr<NonnullRefPtr<Inode>> create_unnamed_locked(uint32_t mode);
    virtual ErrorOr<void> link_locked(StringView name, Inode& target);
    // Removes entry `name` (a non-directory, or an empty directory, which then dies).
    virtual ErrorOr<void> unlink_locked(StringView name);
    // Moves entry `old_name` to `new_dir`/`new_name` (same file system), replacing what is
    // there, or swaps the two entries when `exchange`.
    virtual ErrorOr<void> rename_locked(StringView old_name, Inode& new_dir, StringView new_name, bool exchange);
    // The directory holding this one, inside this file system: nullptr at the file system's
    // root and for a removed directory. Borrowed: alive while the lock is held.
    virtual Inode* parent_locked() const { return nullptr; }
    // For a file other than a directory: a directory holding an entry for it, if the file
    // system knows one (there are no dentries), so that d_path can name an open file
    // (/proc/<pid>/fd, maps). Namespace lock.
    virtual Inode* name_parent_locked() const { return nullptr; }
    virtual bool is_empty_locked() const { return true; }
    // This directory's name for `child` (for getcwd); ENOENT when it has none.
    virtual ErrorOr<StringView> name_of_locked(const Inode& child) const;

    // mincore's question to the page cache (Linux's mincore_page): does the file hold page
    // `index` in memory now? Default: no (nothing is cached).
    virtual bool is_page_cached(uint64_t) const { return false; }

    // Regular file data; the inode takes its own lock. Default: EINVAL.
    virtual ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t offset);
    // Writes at `offset` (at the end of the file when `append`); `offset` ends past the data.
    virtual ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t& offset, bool append);
    virtual ErrorOr<void> truncate(uint64_t size);
    // lseek's SEEK_DATA (`data`) or SEEK_HOLE from `offset`: ENXIO at or past the end. The
    // default sees the whole file as data, as Linux's generic code does.
    virtual ErrorOr<uint64_t> seek_data_or_hole(uint64_t offset, bool data);
    // mmap's view of a regular file (Linux's ->fault on the page cache): the frame that holds
    // page `index`, filled with zeroes first if the file has a hole there, with a new reference
    // for the caller, who maps it. Shared mappings, read(2) and write(2) all see this frame, so
    // they stay coherent. EIO when the page lies wholly past the end of the file (the fault
    // becomes SIGBUS), ENOMEM. Default: ENODEV (nothing to map).
    virtual ErrorOr<PhysAddr> get_page(uint64_t index);
    // 0 when get_page works here, else the errno mmap fails with: ENODEV for files without
    // ->mmap (tracefs), EIO for procfs files (proc_reg_mmap's answer when the entry has none).
    virtual int mmap_error() const { return ENODEV; }
    // A symlink's target: fixed at creation, valid as long as the inode.
    virtual StringView symlink_target() const { return {}; }
    // A link that leads to a place rather than a path (Linux's nd_jump_link: /proc/<pid>/ns/*):
    // where following it lands, or an invalid Path for an ordinary link.
    virtual ErrorOr<Path> jump_link() const;

    // Opens this directory for getdents (the file system keeps the directory position).
    virtual ErrorOr<NonnullRefPtr<File>> open_directory(const Path& path, int flags);
    // Opens this regular file (Linux's f_op->open). `flags` are open(2)'s, O_TRUNC included:
    // pseudo files act on it (tracefs's trace empties itself). Default: a RegularFile, whose
    // I/O goes through read and write above.
    virtual ErrorOr<NonnullRefPtr<File>> open_file(const Path& path, int flags);

protected:
    Inode(FileSystem& fs, uint64_t ino, uint32_t mode, uint32_t rdev);
    // Bytes of storage in use, for st_blocks (inode lock held).
    virtual uint64_t allocated_bytes_locked() const { return 0; }
    void touch_locked(bool modify, bool change);  // mtime / ctime = now

    mutable Spinlock m_lock;
    // Guarded by m_lock.
    uint32_t m_permissions;
    uint32_t m_uid{0};
    uint32_t m_gid{0};
    uint64_t m_size{0};
    Timespec m_atime, m_mtime, m_ctime, m_btime;
    // Guarded by m_lock, changed with the namespace lock also held (links follow entries).
    uint32_t m_nlink{1};

private:
    NonnullRefPtr<FileSystem> m_fs;
    uint64_t m_ino;
    uint32_t m_type;
    uint32_t m_rdev;
    uint32_t m_mount_count{0};  // namespace lock
    std::atomic<bool> m_linkable{false};
};

}  // namespace kernel
