#pragma once
// The VFS operations on path names (Linux's fs/namei.c, fs/open.c, fs/namespace.c): what the
// file syscalls call once user memory is copied in, and what kernel code (the initramfs
// unpacker, exec, the console setup) calls directly.
//
// Paths are kernel strings. A relative path starts at `at` (a directory descriptor's path) or,
// when `at` is null, at the FsStruct's working directory; ".." stops at its root. Errors are
// Linux's, in Linux's order where several apply. Permissions are checked against the current
// credentials (fs/Permission.h): search permission on every directory walked, the mode bits on
// open, create, delete, exec, truncate, access and chdir; new nodes belong to the fsuid/fsgid.
#include "fs/File.h"
#include "fs/FsStruct.h"
#include "fs/Namei.h"

namespace kernel {

// The place `path` names (LOOKUP_* flags).
ErrorOr<Path> vfs_lookup(FsStruct& fs, const Path* at, StringView path, unsigned flags);

// open/openat: `flags` as open(2) takes them (unknown bits ignored, O_CLOEXEC ignored: the
// caller puts it on the descriptor), `mode` for O_CREAT. Linux's do_filp_open + do_open.
ErrorOr<NonnullRefPtr<File>> vfs_open(FsStruct& fs, const Path* at, StringView path, int flags, unsigned mode);
// Opens an already resolved place (Linux's dentry_open): for AT_EMPTY_PATH-style reopening and
// the console. `created` skips O_TRUNC for a file just made.
ErrorOr<NonnullRefPtr<File>> vfs_open_path(const Path& path, int flags, bool created = false);
// execve's open (do_open_execat): a regular file we may execute, else EACCES.
ErrorOr<NonnullRefPtr<File>> vfs_open_exec(FsStruct& fs, StringView path);

// mknod: `mode` is the type (S_TYPE_REG, CHR, BLK, FIFO, SOCK; 0 means regular) | permissions;
// the umask applies. EPERM for directories, EINVAL for other types.
ErrorOr<void> vfs_mknod(FsStruct& fs, const Path* at, StringView path, uint32_t mode, uint32_t dev);
ErrorOr<void> vfs_mkdir(FsStruct& fs, const Path* at, StringView path, uint32_t mode);
ErrorOr<void> vfs_rmdir(FsStruct& fs, const Path* at, StringView path);
ErrorOr<void> vfs_unlink(FsStruct& fs, const Path* at, StringView path);
ErrorOr<void> vfs_symlink(FsStruct& fs, StringView target, const Path* at, StringView path);
// link: a new name `new_path` for what `old_path` names (its last symlink followed if `follow`).
ErrorOr<void> vfs_link(FsStruct& fs, const Path* old_at, StringView old_path, const Path* new_at, StringView new_path,
                       bool follow);
// The same for a place already resolved (linkat with AT_EMPTY_PATH).
ErrorOr<void> vfs_link_to(FsStruct& fs, const Path& old, const Path* new_at, StringView new_path);
// renameat2 with RENAME_NOREPLACE / RENAME_EXCHANGE (RENAME_WHITEOUT: EINVAL, unsupported).
ErrorOr<void> vfs_rename(FsStruct& fs, const Path* old_at, StringView old_path, const Path* new_at, StringView new_path,
                         unsigned flags);

// readlink of a resolved place: EINVAL unless it is a symlink; copies at most `size` bytes
// (no NUL) and returns how many.
ErrorOr<size_t> vfs_readlink(const Path& path, char* buffer, size_t size);
// truncate of a resolved place (ftruncate checks its own rules): EISDIR, EINVAL, EROFS, EFBIG.
ErrorOr<void> vfs_truncate(const Path& path, uint64_t length);
// access: `mode` is R_OK|W_OK|X_OK (4|2|1), checked against the current credentials (the
// caller installs faccessat's real-id ones); EROFS for writing on a read-only mount.
ErrorOr<void> vfs_access(const Path& path, int mode);
ErrorOr<void> vfs_chdir(FsStruct& fs, const Path& path);
// chmod: the S_PERM_MASK bits of `mode`; EROFS, then EPERM unless owner or CAP_FOWNER.
ErrorOr<void> vfs_chmod(const Path& path, uint32_t mode);
// utimes (Linux's vfs_utimes): each of the two times (atime, mtime) is a time, UTIME_NOW or
// UTIME_OMIT; `times` null means both now. EINVAL for a bad nanosecond field, EROFS; explicit
// times need the owner or CAP_FOWNER (EPERM), "now" needs that or write permission (EACCES).
// ctime becomes now.
inline constexpr int64_t UTIME_NOW_NSEC = (1l << 30) - 1;
inline constexpr int64_t UTIME_OMIT_NSEC = (1l << 30) - 2;
struct UtimeSpec {
    int64_t sec;
    int64_t nsec;
};
ErrorOr<void> vfs_utimes(const Path& path, const UtimeSpec* times);
// chown: INVALID_ID (-1) leaves the owner or group as is; EROFS, then chown's EPERM rules.
ErrorOr<void> vfs_chown(const Path& path, uint32_t uid, uint32_t gid);
// getcwd: the absolute name of the working directory, NUL-terminated, into `buffer`; returns
// its length with the NUL. ERANGE when `size` is too small, ENOENT when it was removed.
ErrorOr<size_t> vfs_getcwd(FsStruct& fs, char* buffer, size_t size);
// d_path: the name of `path` as seen from `root`, built at the end of `buffer` (not NUL
// terminated); " (deleted)" follows the name of a file that was unlinked. A place outside
// `root` is named from the top of its mount tree, and `*reachable` (when given) says whether
// the walk met `root`. Namespace lock held (procfs's lookups).
ErrorOr<StringView> d_path_locked(const Path& path, const Path& root, char* buffer, size_t size,
                                  bool* reachable = nullptr);

// mount(2) of a new "tmpfs" or "ramfs" on a directory (with "mode=" and tmpfs's size options)
// or of a registered type (fs/FileSystemType.h: proc, tracefs), MS_REMOUNT (read-only or not)
// and propagation changes (accepted, no effect: one namespace). ENODEV for other types (sysfs,
// devtmpfs... are not there yet); MS_BIND and MS_MOVE are EINVAL for now.
ErrorOr<void> vfs_mount(FsStruct& fs, StringView source, StringView target, StringView type, unsigned long flags,
                        StringView data);
// umount2: MNT_DETACH detaches now and frees when unused, MNT_FORCE is accepted,
// UMOUNT_NOFOLLOW honoured. EINVAL unless `target` is a mount's root; EBUSY while in use.
ErrorOr<void> vfs_umount(FsStruct& fs, StringView target, int flags);

// The caller's mount namespace (task/NsProxy.cpp; the initial one in hosted builds): the tree
// id its mounts carry (Mount::ns_id), may_mount (CAP_SYS_ADMIN over its owner), and
// mount_capable for a new file system of `type` (tmpfs and ramfs: the caller's own user
// namespace, FS_USERNS_MOUNT; proc: its pid namespace's owner; the rest: the initial one).
uint32_t current_mnt_ns_id();
bool may_mount();
bool mount_capable(StringView type);

// umount2 flags (sys/mount.h; not in the UAPI headers).
inline constexpr int UMOUNT_FORCE = 1;      // MNT_FORCE
inline constexpr int UMOUNT_DETACH = 2;     // MNT_DETACH
inline constexpr int UMOUNT_EXPIRE = 4;     // MNT_EXPIRE
inline constexpr int UMOUNT_NO_FOLLOW = 8;  // UMOUNT_NOFOLLOW

}  // namespace kernel
