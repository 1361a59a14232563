// files: reading the initramfs: open/openat, read/pread/readv, lseek, fstat/stat/lstat/statx,
// getdents64 (listed sorted), path walk (., .., //, symlinks), readlink, getcwd/chdir/fchdir,
// faccessat, and the device nodes /dev/null, /dev/zero, /dev/urandom. Errors as errno names.
// usertest: file data/files /test/files
// usertest: symlink lorem.txt /test/files/link
// usertest: symlink /test/files/sub /test/files/sublink
#include "lib/facts.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#define DIR_PATH "/test/files"
#define LOREM DIR_PATH "/lorem.txt"

static unsigned long fnv(const unsigned char* p, size_t n) {
    unsigned long h = 1469598103934665603ul;
    for (size_t i = 0; i < n; ++i)
        h = (h ^ p[i]) * 1099511628211ul;
    return h;
}

static const char* type_name(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return "regular";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symlink";
    case S_IFCHR: return "char device";
    case S_IFBLK: return "block device";
    default: return "other";
    }
}

static void show_stat(const char* what, long r, const struct stat* st) {
    if (r < 0) {
        printf("%s: %s\n", what, res(r));
        return;
    }
    printf("%s: %s, mode %04o, size %lld, nlink %s, uid %u, gid %u\n", what, type_name(st->st_mode),
           st->st_mode & 07777, S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size,
           S_ISDIR(st->st_mode) ? "(dir)" : st->st_nlink == 1 ? "1" : "not 1", st->st_uid, st->st_gid);
}

static void open_fact(const char* path, int flags, const char* flags_name) {
    long fd = sc(SYS_openat, AT_FDCWD, path, flags);
    printf("open(\"%s\", %s): %s\n", path, flags_name, fd >= 0 ? "ok" : res(fd));
    if (fd >= 0)
        sc(SYS_close, fd);
}

struct entry {
    char name[64];
    unsigned char type;
};

static int by_name(const void* a, const void* b) { return strcmp(((const struct entry*)a)->name, ((const struct entry*)b)->name); }

static void list_dir(const char* path) {
    long fd = sc(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("list %s: %s\n", path, res(fd));
        return;
    }
    struct entry entries[64];
    int n = 0, calls = 0;
    char buf[64];  // small: two or three entries a call, so the listing needs several calls
    for (;;) {
        long got = sc(SYS_getdents64, fd, buf, sizeof buf);
        if (got <= 0) {
            if (got < 0)
                printf("getdents64: %s\n", res(got));
            break;
        }
        ++calls;
        for (long off = 0; off < got;) {
            struct kdirent64* d = (struct kdirent64*)(buf + off);
            if (n < 64) {
                snprintf(entries[n].name, sizeof entries[n].name, "%s", d->d_name);
                entries[n].type = d->d_type;
                ++n;
            }
            off += d->d_reclen;
        }
    }
    qsort(entries, (size_t)n, sizeof *entries, by_name);
    printf("list %s (sorted, %d entries, more than one getdents64 call: %s):", path, n, yes(calls > 1));
    for (int i = 0; i < n; ++i) {
        const char* t = entries[i].type == DT_DIR ? "/" : entries[i].type == DT_LNK ? "@" : entries[i].type == DT_REG ? "" : "?";
        printf(" %s%s", entries[i].name, t);
    }
    printf("\n");
    long again = sc(SYS_getdents64, fd, buf, sizeof buf);
    printf("getdents64 at the end: %s\n", res(again));
    printf("getdents64 with a 1-byte buffer after rewinding: %s\n",
           (sc(SYS_lseek, fd, 0, SEEK_SET), res(sc(SYS_getdents64, fd, buf, 1))));
    printf("read on a directory: %s\n", res(sc(SYS_read, fd, buf, sizeof buf)));
    sc(SYS_close, fd);
}

int main(void) {
    struct stat st;
    unsigned char buf[8192];

    // --- one file, read every way
    long fd = sc(SYS_openat, AT_FDCWD, LOREM, O_RDONLY);
    printf("open lorem.txt: fd %s (the lowest free)\n", res(fd));
    show_stat("fstat lorem.txt", sc(SYS_fstat, fd, &st), &st);
    long size = st.st_size;
    long total = 0, calls = 0, r;
    while ((r = sc(SYS_read, fd, buf + total, 1000)) > 0) {
        total += r;
        ++calls;
    }
    printf("read in 1000-byte pieces: %ld bytes in %ld calls, then %s; checksum %016lx\n", total, calls, res(r),
           fnv(buf, (size_t)total));
    printf("first line: %.*s", (int)(strchr((char*)buf, '\n') - (char*)buf + 1), buf);
    printf("lseek(0, SEEK_CUR) == size: %s\n", yes(sc(SYS_lseek, fd, 0, SEEK_CUR) == size));
    printf("lseek(-10, SEEK_END) == size - 10: %s\n", yes(sc(SYS_lseek, fd, -10, SEEK_END) == size - 10));
    memset(buf, 0, sizeof buf);
    r = sc(SYS_read, fd, buf, 100);
    printf("read at size - 10: %s bytes \"%.9s\\n\"\n", res(r), buf);
    printf("read at the end: %s\n", res(sc(SYS_read, fd, buf, 100)));
    // (Calls whose order matters are made in separate statements: C does not order arguments.)
    r = sc(SYS_lseek, fd, size + 100, SEEK_SET);
    printf("lseek(size + 100, SEEK_SET) == size + 100: %s\n", yes(r == size + 100));
    printf("read there: %s\n", res(sc(SYS_read, fd, buf, 100)));
    printf("lseek(-1, SEEK_SET): %s\n", res(sc(SYS_lseek, fd, -1, SEEK_SET)));
    printf("lseek(0, 7): %s\n", res(sc(SYS_lseek, fd, 0, 7)));
    printf("lseek(-size - 1, SEEK_END): %s\n", res(sc(SYS_lseek, fd, -size - 1, SEEK_END)));

    sc(SYS_lseek, fd, 3, SEEK_SET);
    memset(buf, 0, sizeof buf);
    r = sc(SYS_pread64, fd, buf, 20, 4090);
    printf("pread 20 at 4090 (across a page): %s bytes \"%.*s\"\n", res(r), (int)(r > 0 ? r : 0), buf);
    printf("pread does not move the offset: %s\n", yes(sc(SYS_lseek, fd, 0, SEEK_CUR) == 3));
    printf("pread at size: %s; at size + 4096: %s; at -1: %s\n", res(sc(SYS_pread64, fd, buf, 10, size)),
           res(sc(SYS_pread64, fd, buf, 10, size + 4096)), res(sc(SYS_pread64, fd, buf, 10, -1)));
    char a[5] = {0}, b[1] = {0}, c[7] = {0};
    struct iovec iov[3] = {{a, 4}, {b, 0}, {c, 6}};
    sc(SYS_lseek, fd, 0, SEEK_SET);
    r = sc(SYS_readv, fd, iov, 3);
    printf("readv 4+0+6: %s bytes \"%s\" \"%s\"\n", res(r), a, c);
    printf("readv with iovcnt -1: %s; 1025: %s\n", res(sc(SYS_readv, fd, iov, -1)), res(sc(SYS_readv, fd, iov, 1025)));
    printf("write to a read-only fd: %s\n", res(sc(SYS_write, fd, "x", 1)));
    printf("close: %s\n", res(sc(SYS_close, fd)));
    printf("close again: %s\n", res(sc(SYS_close, fd)));
    printf("read from a closed fd: %s; fstat: %s; lseek: %s\n", res(sc(SYS_read, fd, buf, 1)), res(sc(SYS_fstat, fd, &st)),
           res(sc(SYS_lseek, fd, 0, SEEK_SET)));
    printf("close(-1): %s; read(1000, ...): %s\n", res(sc(SYS_close, -1)), res(sc(SYS_read, 1000, buf, 1)));

    // --- stat family and paths
    show_stat("stat small.txt", sc(SYS_stat, DIR_PATH "/small.txt", &st), &st);
    show_stat("stat " DIR_PATH, sc(SYS_stat, DIR_PATH, &st), &st);
    show_stat("stat link", sc(SYS_stat, DIR_PATH "/link", &st), &st);
    show_stat("lstat link", sc(SYS_lstat, DIR_PATH "/link", &st), &st);
    printf("lstat link size is the target's length (9): %s\n", yes(st.st_size == 9));
    show_stat("newfstatat(AT_SYMLINK_NOFOLLOW) link", sc(SYS_newfstatat, AT_FDCWD, DIR_PATH "/link", &st, AT_SYMLINK_NOFOLLOW),
              &st);
    show_stat("stat /dev/null", sc(SYS_stat, "/dev/null", &st), &st);
    printf("/dev/null is char 1:3: %s\n", yes(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3));
    show_stat("stat /", sc(SYS_stat, "/", &st), &st);
    show_stat("stat missing", sc(SYS_stat, DIR_PATH "/missing", &st), &st);
    show_stat("stat \"\"", sc(SYS_stat, "", &st), &st);
    long dfd = sc(SYS_openat, AT_FDCWD, DIR_PATH, O_RDONLY | O_DIRECTORY);
    show_stat("newfstatat(dirfd, \"\", AT_EMPTY_PATH)", sc(SYS_newfstatat, dfd, "", &st, AT_EMPTY_PATH), &st);
    show_stat("newfstatat(dirfd, \"sub/inner.txt\")", sc(SYS_newfstatat, dfd, "sub/inner.txt", &st, 0), &st);

    struct kstatx sx;
    memset(&sx, 0, sizeof sx);
    r = sc(SYS_statx, AT_FDCWD, LOREM, 0, KSTATX_BASIC_STATS, &sx);
    printf("statx lorem.txt: %s, basic stats in mask: %s, size %llu, mode %o, nlink %u\n", res(r),
           yes((sx.stx_mask & KSTATX_BASIC_STATS) == KSTATX_BASIC_STATS), (unsigned long long)sx.stx_size, sx.stx_mode,
           sx.stx_nlink);
    printf("statx with a reserved mask bit (STATX__RESERVED): %s\n",
           res(sc(SYS_statx, AT_FDCWD, LOREM, 0, 0x80000000u, &sx)));
    printf("statx with bad flags: %s\n", res(sc(SYS_statx, AT_FDCWD, LOREM, 0x10000000, KSTATX_BASIC_STATS, &sx)));

    open_fact(DIR_PATH "/./sub/../lorem.txt", O_RDONLY, "O_RDONLY");
    open_fact("//test///files//small.txt", O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH "/../files/sub/inner.txt", O_RDONLY, "O_RDONLY");
    open_fact("/../../test/files/small.txt", O_RDONLY, "O_RDONLY");
    open_fact(LOREM "/x", O_RDONLY, "O_RDONLY");
    open_fact(LOREM "/", O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH "/missing", O_RDONLY, "O_RDONLY");
    open_fact("/missing/x", O_RDONLY, "O_RDONLY");
    open_fact("", O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH, O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH, O_WRONLY, "O_WRONLY");
    open_fact(LOREM, O_RDONLY | O_DIRECTORY, "O_RDONLY|O_DIRECTORY");
    open_fact(DIR_PATH "/link", O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH "/link", O_RDONLY | O_NOFOLLOW, "O_RDONLY|O_NOFOLLOW");
    open_fact(DIR_PATH "/sublink/inner.txt", O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH "/sublink/../small.txt", O_RDONLY, "O_RDONLY");
    open_fact(DIR_PATH "/sub/../../files/small.txt", O_RDONLY, "O_RDONLY");
    char longname[300];
    memset(longname, 'n', sizeof longname);
    longname[0] = '/';
    longname[sizeof longname - 1] = 0;
    printf("open(a 298-character name): %s\n", res(sc(SYS_openat, AT_FDCWD, longname, O_RDONLY)));

    long fd_rel = sc(SYS_openat, dfd, "sub/inner.txt", O_RDONLY);
    memset(buf, 0, sizeof buf);
    printf("openat(dirfd, \"sub/inner.txt\"): %s, reads \"%.10s\"\n", fd_rel >= 0 ? "ok" : res(fd_rel),
           (sc(SYS_read, fd_rel, buf, 100), (char*)buf));
    printf("openat(dirfd, absolute path): %s\n", sc(SYS_openat, dfd, "/test/files/small.txt", O_RDONLY) >= 0 ? "ok" : "error");
    printf("openat(file fd, \"x\"): %s\n", res(sc(SYS_openat, fd_rel, "x", O_RDONLY)));
    printf("openat(99, \"x\"): %s\n", res(sc(SYS_openat, 99, "x", O_RDONLY)));

    // --- readlink
    char link[64];
    memset(link, 0, sizeof link);
    r = sc(SYS_readlink, DIR_PATH "/link", link, sizeof link);
    printf("readlink link: %s \"%.*s\"\n", res(r), (int)(r > 0 ? r : 0), link);
    memset(link, '#', sizeof link);
    r = sc(SYS_readlink, DIR_PATH "/link", link, 4);
    printf("readlink link with 4 bytes: %s \"%.6s\" (truncated, no NUL)\n", res(r), link);
    printf("readlinkat(dirfd, \"sublink\"): %s\n", res(sc(SYS_readlinkat, dfd, "sublink", link, sizeof link)));
    printf("readlink of a regular file: %s; of a missing file: %s; with size 0: %s\n",
           res(sc(SYS_readlink, LOREM, link, sizeof link)), res(sc(SYS_readlink, DIR_PATH "/missing", link, sizeof link)),
           res(sc(SYS_readlink, DIR_PATH "/link", link, 0)));

    // --- directories
    list_dir(DIR_PATH);
    list_dir(DIR_PATH "/sub");
    list_dir(DIR_PATH "/sublink");

    // --- cwd
    char cwd[256];
    r = sc(SYS_getcwd, cwd, sizeof cwd);
    printf("getcwd: %s \"%s\"\n", res(r), r > 0 ? cwd : "");
    printf("chdir " DIR_PATH ": %s\n", res(sc(SYS_chdir, DIR_PATH)));
    r = sc(SYS_getcwd, cwd, sizeof cwd);
    printf("getcwd: %s \"%s\"\n", res(r), r > 0 ? cwd : "");
    printf("open relative \"sub/inner.txt\": %s\n", sc(SYS_open, "sub/inner.txt", O_RDONLY) >= 0 ? "ok" : "error");
    printf("chdir sublink: %s\n", res(sc(SYS_chdir, "sublink")));
    r = sc(SYS_getcwd, cwd, sizeof cwd);
    printf("getcwd after chdir through a symlink: %s \"%s\"\n", res(r), r > 0 ? cwd : "");
    printf("chdir ..: %s\n", res(sc(SYS_chdir, "..")));
    r = sc(SYS_getcwd, cwd, sizeof cwd);
    printf("getcwd: \"%s\"\n", r > 0 ? cwd : res(r));
    printf("getcwd with size 1: %s; size 0: %s\n", res(sc(SYS_getcwd, cwd, 1)), res(sc(SYS_getcwd, cwd, 0)));
    printf("chdir to a file: %s; to a missing dir: %s\n", res(sc(SYS_chdir, LOREM)), res(sc(SYS_chdir, "/nowhere")));
    long tfd = sc(SYS_openat, AT_FDCWD, "/test", O_RDONLY | O_DIRECTORY);
    printf("fchdir(/test): %s\n", res(sc(SYS_fchdir, tfd)));
    r = sc(SYS_getcwd, cwd, sizeof cwd);
    printf("getcwd: \"%s\"\n", r > 0 ? cwd : res(r));
    printf("fchdir(file fd): %s; fchdir(99): %s\n", res(sc(SYS_fchdir, fd_rel)), res(sc(SYS_fchdir, 99)));
    printf("chdir /..: %s\n", res(sc(SYS_chdir, "/..")));
    r = sc(SYS_getcwd, cwd, sizeof cwd);
    printf("getcwd: \"%s\"\n", r > 0 ? cwd : res(r));

    // --- access (as root: read and write always, execute only with some x bit)
    printf("access lorem F_OK: %s, R_OK|W_OK: %s, X_OK: %s\n", res(sc(SYS_faccessat, AT_FDCWD, LOREM, F_OK)),
           res(sc(SYS_faccessat, AT_FDCWD, LOREM, R_OK | W_OK)), res(sc(SYS_faccessat, AT_FDCWD, LOREM, X_OK)));
    printf("access dir X_OK: %s; missing F_OK: %s; bad mode 8: %s\n", res(sc(SYS_faccessat, AT_FDCWD, DIR_PATH, X_OK)),
           res(sc(SYS_faccessat, AT_FDCWD, DIR_PATH "/missing", F_OK)), res(sc(SYS_faccessat, AT_FDCWD, LOREM, 8)));

    // --- device nodes
    long nul = sc(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
    printf("/dev/null: read %s, write %s\n", res(sc(SYS_read, nul, buf, 10)), res(sc(SYS_write, nul, "abc", 3)));
    long zero = sc(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY);
    memset(buf, 0xff, 5000);
    r = sc(SYS_read, zero, buf, 5000);
    int zeros = 1;
    for (int i = 0; i < 5000; ++i)
        zeros &= buf[i] == 0;
    printf("/dev/zero: read %s, all zero: %s\n", res(r), yes(zeros));
    long ur = sc(SYS_openat, AT_FDCWD, "/dev/urandom", O_RDONLY);
    memset(buf, 0, 64);
    r = sc(SYS_read, ur, buf, 64);
    int nonzero = 0;
    for (int i = 0; i < 64; ++i)
        nonzero |= buf[i];
    printf("/dev/urandom: read %s, not all zero: %s\n", res(r), yes(nonzero != 0));
    printf("lseek on /dev/null: %s\n", res(sc(SYS_lseek, nul, 0, SEEK_SET)));
    return 0;
}
