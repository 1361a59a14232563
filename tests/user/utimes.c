// utimes: utimensat, futimesat, utimes and utime set a file's access and modification times:
// explicit times, UTIME_NOW, UTIME_OMIT, a symlink itself with AT_SYMLINK_NOFOLLOW, the file an
// fd is open on with a NULL path; ctime moves with every change. Explicit times need the
// owner (EPERM otherwise), "now" needs the owner or write access (EACCES); EINVAL for bad
// nanoseconds, microseconds or flags, EFAULT, ENOENT, EBADF, EROFS.
#include <sys/mount.h>
#include <sys/stat.h>
#include <utime.h>

#include "lib/facts.h"
#include "lib/proc.h"

#define UTIME_NOW_ ((1l << 30) - 1)
#define UTIME_OMIT_ ((1l << 30) - 2)

static struct stat st(const char* path) {
    struct stat s;
    memset(&s, 0, sizeof s);
    lstat(path, &s);
    return s;
}

static void show(const char* what, long r, const char* path) {
    struct stat s = st(path);
    printf("%s: %s, atime %lld.%09ld mtime %lld.%09ld\n", what, res(r), (long long)s.st_atim.tv_sec, s.st_atim.tv_nsec,
           (long long)s.st_mtim.tv_sec, s.st_mtim.tv_nsec);
}

static int recent(struct timespec t) { return t.tv_sec > 1600000000; }

int main(void) {
    int fd = open("/tmp/utimes-u", O_RDWR | O_CREAT, 0644);
    struct timespec ts[2] = {{1000, 5}, {2000, 999999999}};
    show("utimensat both", sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", ts, 0), "/tmp/utimes-u");
    struct timespec omit_a[2] = {{0, UTIME_OMIT_}, {3000, 0}};
    show("utimensat atime omitted", sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", omit_a, 0), "/tmp/utimes-u");
    struct timespec now_m[2] = {{4000, 0}, {0, UTIME_NOW_}};
    long r = sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", now_m, 0);
    struct stat s = st("/tmp/utimes-u");
    printf("utimensat mtime now: %s, atime %lld, mtime is now %s, ctime is now %s\n", res(r), (long long)s.st_atim.tv_sec,
           yes(recent(s.st_mtim)), yes(recent(s.st_ctim)));
    struct timespec omit[2] = {{0, UTIME_OMIT_}, {0, UTIME_OMIT_}};
    printf("both omitted on a missing path: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/nonexistent", omit, 0)));
    sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", ts, 0);
    r = sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", 0, 0);
    s = st("/tmp/utimes-u");
    printf("utimensat NULL: %s, both now %s, equal %s\n", res(r), yes(recent(s.st_atim) && recent(s.st_mtim)),
           yes(s.st_atim.tv_sec == s.st_mtim.tv_sec && s.st_atim.tv_nsec == s.st_mtim.tv_nsec));
    show("utimensat on the fd (NULL path)", sc(SYS_utimensat, fd, 0, ts, 0), "/tmp/utimes-u");
    printf("NULL path with a flag: %s\n", res(sc(SYS_utimensat, fd, 0, ts, AT_SYMLINK_NOFOLLOW)));
    printf("NULL path with AT_FDCWD: %s\n", res(sc(SYS_utimensat, AT_FDCWD, 0, ts, 0)));
    symlink("/tmp/utimes-u", "/tmp/utimes-link");
    struct timespec l[2] = {{7000, 0}, {8000, 0}};
    show("a symlink itself", sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-link", l, AT_SYMLINK_NOFOLLOW), "/tmp/utimes-link");
    show("  its target unchanged", 0, "/tmp/utimes-u");
    show("through the symlink", sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-link", l, 0), "/tmp/utimes-u");
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    printf("nsec 1e9: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", bad, 0)));
    bad[0].tv_nsec = -1;
    printf("nsec -1: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", bad, 0)));
    printf("bad flag: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", ts, 0x4000)));
    printf("wild times pointer: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", 16, 0)));
    printf("missing file: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-none", ts, 0)));
    printf("bad fd: %s\n", res(sc(SYS_utimensat, 99, 0, ts, 0)));

    struct timeval tv[2] = {{100, 7}, {200, 999999}};
    show("utimes", sc(SYS_utimes, "/tmp/utimes-u", tv), "/tmp/utimes-u");
    tv[0].tv_usec = 1000000;
    printf("utimes usec 1e6: %s\n", res(sc(SYS_utimes, "/tmp/utimes-u", tv)));
    struct timeval tv2[2] = {{300, 0}, {400, 0}};
    show("futimesat", sc(SYS_futimesat, AT_FDCWD, "/tmp/utimes-u", tv2), "/tmp/utimes-u");
    struct utimbuf ub = {500, 600};
    show("utime", sc(SYS_utime, "/tmp/utimes-u", &ub), "/tmp/utimes-u");
    r = sc(SYS_utime, "/tmp/utimes-u", 0);
    s = st("/tmp/utimes-u");
    printf("utime NULL: %s, now %s\n", res(r), yes(recent(s.st_mtim)));

    // Another user: explicit times need the owner; "now" needs write access.
    chmod("/tmp/utimes-u", 0666);
    int ro = open("/tmp/utimes-ro", O_RDWR | O_CREAT, 0644);
    close(ro);
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("not the owner, explicit times: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", ts, 0)));
        printf("not the owner, now, writable: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", 0, 0)));
        struct timespec both_now[2] = {{0, UTIME_NOW_}, {0, UTIME_NOW_}};
        printf("not the owner, both UTIME_NOW, writable: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", both_now, 0)));
        printf("not the owner, now, read-only: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-ro", 0, 0)));
        struct timespec one_now[2] = {{0, UTIME_NOW_}, {0, UTIME_OMIT_}};
        printf("not the owner, atime now, mtime omitted: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-u", one_now, 0)));
        die(0);
    }
    reap(pid);
    mkdir("/tmp/utimes-rofs", 0755);
    sc(SYS_mount, "none", "/tmp/utimes-rofs", "tmpfs", MS_RDONLY, "");
    printf("read-only mount: %s\n", res(sc(SYS_utimensat, AT_FDCWD, "/tmp/utimes-rofs", ts, 0)));
    return 0;
}
