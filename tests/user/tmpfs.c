// tmpfs: writing files in /tmp: create, write, read back, O_APPEND, O_EXCL, holes, ftruncate,
// rename/renameat2, unlink (also of an open file), mkdir/rmdir, and the errors (ENOENT, EEXIST,
// ENOTDIR, EISDIR, ENOTEMPTY, EBADF, EINVAL) as Linux gives them.
#include "lib/facts.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define T "/tmp/tmpfs-test"

static void stat_fact(const char* path) {
    struct stat st;
    long r = sc(SYS_stat, path, &st);
    if (r < 0)
        printf("stat %s: %s\n", path, res(r));
    else if (S_ISDIR(st.st_mode))
        printf("stat %s: directory, mode %04o\n", path, st.st_mode & 07777);
    else
        printf("stat %s: %s, mode %04o, size %lld, nlink %lu\n", path, S_ISREG(st.st_mode) ? "regular" : "other",
               st.st_mode & 07777, (long long)st.st_size, (unsigned long)st.st_nlink);
}

static void fstat_fact(const char* what, long fd) {
    struct stat st;
    long r = sc(SYS_fstat, fd, &st);
    if (r < 0)
        printf("fstat %s: %s\n", what, res(r));
    else
        printf("fstat %s: size %lld, nlink %lu\n", what, (long long)st.st_size, (unsigned long)st.st_nlink);
}

static void read_back(const char* path) {
    char buf[256];
    long fd = sc(SYS_openat, AT_FDCWD, path, O_RDONLY);
    if (fd < 0) {
        printf("read %s: %s\n", path, res(fd));
        return;
    }
    long n = sc(SYS_read, fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    for (long i = 0; i < n; ++i)
        if (buf[i] == '\n')
            buf[i] = '|';
    printf("read %s: %s bytes \"%s\"\n", path, res(n), buf);
    sc(SYS_close, fd);
}

static long create(const char* path, int flags, int mode) { return sc(SYS_openat, AT_FDCWD, path, flags, mode); }

int main(void) {
    char buf[8192];
    printf("mkdir " T ": %s\n", res(sc(SYS_mkdir, T, 0755)));
    printf("mkdir " T " again: %s\n", res(sc(SYS_mkdir, T, 0755)));
    stat_fact(T);

    // --- create, write, read back
    long fd = create(T "/a", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("create a: %s\n", fd >= 0 ? "ok" : res(fd));
    fstat_fact("a (new)", fd);
    printf("write: %s\n", res(sc(SYS_write, fd, "hello\n", 6)));
    printf("write: %s\n", res(sc(SYS_write, fd, "world\n", 6)));
    fstat_fact("a", fd);
    printf("read from O_WRONLY: %s\n", res(sc(SYS_read, fd, buf, 1)));
    printf("close: %s\n", res(sc(SYS_close, fd)));
    read_back(T "/a");
    stat_fact(T "/a");
    printf("create with mode 0600: %s\n", create(T "/private", O_CREAT | O_WRONLY, 0600) >= 0 ? "ok" : "error");
    stat_fact(T "/private");
    printf("mkdir with mode 0700: %s\n", res(sc(SYS_mkdir, T "/d700", 0700)));
    stat_fact(T "/d700");

    // --- open errors
    printf("O_CREAT|O_EXCL on an existing file: %s\n", res(create(T "/a", O_CREAT | O_EXCL | O_WRONLY, 0644)));
    printf("open missing without O_CREAT: %s\n", res(create(T "/missing", O_RDONLY, 0)));
    printf("O_CREAT in a missing directory: %s\n", res(create(T "/nodir/x", O_CREAT | O_WRONLY, 0644)));
    printf("open a/x (a is a file): %s\n", res(create(T "/a/x", O_RDONLY, 0)));
    printf("O_CREAT a/x: %s\n", res(create(T "/a/x", O_CREAT | O_WRONLY, 0644)));
    printf("open the directory O_WRONLY: %s; O_RDWR: %s; O_CREAT: %s\n", res(create(T, O_WRONLY, 0)),
           res(create(T, O_RDWR, 0)), res(create(T, O_CREAT | O_RDONLY, 0644)));
    printf("O_CREAT|O_DIRECTORY on a new name: %s\n", res(create(T "/newdir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755)));

    // --- O_TRUNC, O_APPEND, holes, pwrite/pread
    fd = create(T "/a", O_RDWR | O_TRUNC, 0);
    fstat_fact("a after O_TRUNC", fd);
    sc(SYS_close, fd);
    fd = create(T "/a", O_WRONLY | O_APPEND, 0);
    sc(SYS_write, fd, "one\n", 4);
    sc(SYS_lseek, fd, 0, SEEK_SET);
    sc(SYS_write, fd, "two\n", 4);
    printf("O_APPEND: offset after the writes: %s\n", res(sc(SYS_lseek, fd, 0, SEEK_CUR)));
    printf("pwrite on O_APPEND (Linux appends): %s\n", res(sc(SYS_pwrite64, fd, "three\n", 6, 0)));
    sc(SYS_close, fd);
    read_back(T "/a");

    fd = create(T "/hole", O_CREAT | O_RDWR, 0644);
    printf("pwrite at 10000: %s\n", res(sc(SYS_pwrite64, fd, "end", 3, 10000)));
    fstat_fact("hole", fd);
    printf("offset unchanged by pwrite: %s\n", yes(sc(SYS_lseek, fd, 0, SEEK_CUR) == 0));
    memset(buf, 'x', sizeof buf);
    long r = sc(SYS_pread64, fd, buf, sizeof buf, 0);
    int zeros = 1;
    for (long i = 0; i < r; ++i)
        zeros &= buf[i] == 0;
    printf("pread of the hole: %s bytes, all zero: %s\n", res(r), yes(zeros));
    printf("pwrite at -1: %s\n", res(sc(SYS_pwrite64, fd, "x", 1, -1)));
    printf("lseek SEEK_END: %s\n", res(sc(SYS_lseek, fd, 0, SEEK_END)));
    printf("write of 0 bytes: %s\n", res(sc(SYS_write, fd, buf, 0)));

    // --- ftruncate
    printf("ftruncate to 3: %s\n", res(sc(SYS_ftruncate, fd, 3)));
    fstat_fact("hole", fd);
    r = sc(SYS_pread64, fd, buf, sizeof buf, 0);
    printf("pread after it: %s bytes\n", res(r));
    printf("ftruncate to 8192: %s\n", res(sc(SYS_ftruncate, fd, 8192)));
    memset(buf, 'x', sizeof buf);
    r = sc(SYS_pread64, fd, buf, sizeof buf, 0);
    zeros = 1;
    for (long i = 3; i < r; ++i)
        zeros &= buf[i] == 0;
    printf("pread after growing: %s bytes, zero beyond the old end: %s\n", res(r), yes(zeros));
    printf("ftruncate to -1: %s\n", res(sc(SYS_ftruncate, fd, -1)));
    long ro = create(T "/hole", O_RDONLY, 0);
    printf("ftruncate on an O_RDONLY fd: %s\n", res(sc(SYS_ftruncate, ro, 0)));
    printf("write to an O_RDONLY fd: %s\n", res(sc(SYS_write, ro, "x", 1)));
    long dfd = create(T, O_RDONLY | O_DIRECTORY, 0);
    printf("ftruncate on a directory fd: %s\n", res(sc(SYS_ftruncate, dfd, 0)));
    printf("ftruncate on fd 99: %s\n", res(sc(SYS_ftruncate, 99, 0)));
    sc(SYS_close, fd);
    sc(SYS_close, ro);

    // --- rename
    printf("rename a -> b: %s\n", res(sc(SYS_rename, T "/a", T "/b")));
    stat_fact(T "/a");
    stat_fact(T "/b");
    create(T "/c", O_CREAT | O_WRONLY, 0644);
    printf("rename c -> b (replaces b): %s\n", res(sc(SYS_rename, T "/c", T "/b")));
    read_back(T "/b");
    printf("rename missing: %s\n", res(sc(SYS_rename, T "/missing", T "/x")));
    printf("rename b -> d700 (a directory): %s\n", res(sc(SYS_rename, T "/b", T "/d700")));
    printf("mkdir e: %s\n", res(sc(SYS_mkdir, T "/e", 0755)));
    printf("mkdir e/f: %s\n", res(sc(SYS_mkdir, T "/e/f", 0755)));
    printf("rename d700 -> b (a file): %s\n", res(sc(SYS_rename, T "/d700", T "/b")));
    printf("rename e -> e/f/g (into itself): %s\n", res(sc(SYS_rename, T "/e", T "/e/f/g")));
    printf("rename d700 -> e (not empty): %s\n", res(sc(SYS_rename, T "/d700", T "/e")));
    printf("rename e/f -> d700 (empty dir): %s\n", res(sc(SYS_rename, T "/e/f", T "/d700")));
    stat_fact(T "/e/f");
    printf("rename b -> b: %s\n", res(sc(SYS_rename, T "/b", T "/b")));
    create(T "/c", O_CREAT | O_WRONLY, 0644);
    printf("renameat2 RENAME_NOREPLACE onto an existing name: %s\n",
           res(sc(SYS_renameat2, AT_FDCWD, T "/c", AT_FDCWD, T "/b", 1 /* RENAME_NOREPLACE */)));
    printf("renameat2 RENAME_NOREPLACE to a new name: %s\n",
           res(sc(SYS_renameat2, AT_FDCWD, T "/c", AT_FDCWD, T "/c2", 1)));
    printf("renameat2 with unknown flags: %s\n", res(sc(SYS_renameat2, AT_FDCWD, T "/c2", AT_FDCWD, T "/c3", 0x100)));
    printf("renameat2 relative to a dirfd: %s\n", res(sc(SYS_renameat2, dfd, "c2", dfd, "c", 0)));

    // --- unlink, rmdir
    fd = create(T "/b", O_RDONLY, 0);
    printf("unlink b (still open): %s\n", res(sc(SYS_unlink, T "/b")));
    stat_fact(T "/b");
    fstat_fact("the open b", fd);
    r = sc(SYS_read, fd, buf, 100);
    printf("read from the unlinked b: %s bytes\n", res(r));
    sc(SYS_close, fd);
    printf("unlink b again: %s\n", res(sc(SYS_unlink, T "/b")));
    printf("unlink a directory: %s\n", res(sc(SYS_unlink, T "/e")));
    printf("rmdir a non-empty directory: %s\n", res(sc(SYS_unlinkat, AT_FDCWD, T, AT_REMOVEDIR)));
    printf("rmdir a file: %s\n", res(sc(SYS_unlinkat, AT_FDCWD, T "/c", AT_REMOVEDIR)));
    printf("rmdir e: %s; again: %s\n", res(sc(SYS_unlinkat, AT_FDCWD, T "/e", AT_REMOVEDIR)),
           res(sc(SYS_rmdir, T "/nothing")));
    printf("unlinkat with bad flags: %s\n", res(sc(SYS_unlinkat, AT_FDCWD, T "/c", 0x1)));
    printf("mkdir in a missing directory: %s\n", res(sc(SYS_mkdir, T "/no/dir", 0755)));
    printf("mkdir under a file: %s\n", res(sc(SYS_mkdir, T "/c/dir", 0755)));
    printf("mkdirat relative to a dirfd: %s\n", res(sc(SYS_mkdirat, dfd, "rel", 0755)));
    printf("mkdir /tmp: %s\n", res(sc(SYS_mkdir, "/tmp", 0755)));

    // --- what is left, sorted
    char names[32][64];
    int n = 0;
    sc(SYS_lseek, dfd, 0, SEEK_SET);
    for (;;) {
        long got = sc(SYS_getdents64, dfd, buf, sizeof buf);
        if (got <= 0)
            break;
        for (long off = 0; off < got;) {
            struct kdirent64* d = (struct kdirent64*)(buf + off);
            if (n < 32)
                snprintf(names[n++], 64, "%s%s", d->d_name, d->d_type == DT_DIR ? "/" : "");
            off += d->d_reclen;
        }
    }
    qsort(names, (size_t)n, sizeof names[0], (int (*)(const void*, const void*))strcmp);
    printf("left in " T ":");
    for (int i = 0; i < n; ++i)
        printf(" %s", names[i]);
    printf("\n");
    return 0;
}
