// wild-pointers: every system call that takes a pointer gets, in turn, NULL, 8 (unmapped, low),
// a kernel address, a non-canonical address, and a pointer 8 bytes before the end of a mapping
// (the next page unmapped: the range straddles it; as a path, 8 non-NUL bytes up to the end).
// Each line shows what the kernel answered: an errno name or the value (Linux answers some
// straddling calls with a partial count). The kernel must never crash; Linux's answers are the
// golden.
// usertest: file data/files/small.txt /test/wp/small.txt
// usertest: symlink small.txt /test/wp/link
#include "lib/facts.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>

#define ARCH_SET_GS 0x1001
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

enum { KINDS = 5 };
static const char* kind_names[KINDS] = {"NULL", "8", "kernel", "noncanonical", "straddle"};
static long ptrs[KINDS] = {0, 8, (long)0xffffffff81000000ul, (long)0x8000000000000000ul, 0};
static char* straddle;  // 8 bytes before an unmapped page

static long file_fd, tmp_fd, dir_fd;
static long my_tid;

static void reset(void) {
    memcpy(straddle, "/tmp/wpX", 8);  // as a path: 8 bytes, no NUL before the unmapped page
    sc(SYS_lseek, file_fd, 0, SEEK_SET);
    sc(SYS_lseek, dir_fd, 0, SEEK_SET);
}

// SWEEP("text", expression using P): one line, the expression evaluated once per kind of
// pointer, P being that pointer.
#define SWEEP(label, expr)                                   \
    do {                                                     \
        printf("%s:", label);                                \
        for (int k = 0; k < KINDS; ++k) {                    \
            long P = ptrs[k];                                \
            reset();                                         \
            long r_ = (expr);                                \
            printf(" %s=%s", kind_names[k], res(r_));        \
        }                                                    \
        printf("\n");                                        \
    } while (0)

// The same for calls that return the thread id on success.
#define SWEEP_TID(label, expr)                                                  \
    do {                                                                        \
        printf("%s:", label);                                                   \
        for (int k = 0; k < KINDS; ++k) {                                       \
            long P = ptrs[k];                                                   \
            reset();                                                            \
            long r_ = (expr);                                                   \
            printf(" %s=%s", kind_names[k], r_ == my_tid ? "tid" : res(r_));    \
        }                                                                       \
        printf("\n");                                                           \
    } while (0)

int main(void) {
    long map = sc(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sc(SYS_munmap, map + PAGE, PAGE);
    straddle = (char*)map + PAGE - 8;
    ptrs[4] = (long)straddle;

    file_fd = sc(SYS_openat, AT_FDCWD, "/test/wp/small.txt", O_RDONLY);
    tmp_fd = sc(SYS_openat, AT_FDCWD, "/tmp/wp-file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    dir_fd = sc(SYS_openat, AT_FDCWD, "/test/wp", O_RDONLY | O_DIRECTORY);
    my_tid = sc(SYS_gettid);
    printf("setup: %s\n", yes(map > 0 && file_fd >= 0 && tmp_fd >= 0 && dir_fd >= 0));

    struct stat st;
    struct kstatx stx;
    struct timespec ts;
    struct timeval tv;
    struct rlimit rl;
    char buf[256];
    struct iovec iov;

    SWEEP("read(file, P, 16)", sc(SYS_read, file_fd, P, 16));
    SWEEP("read(file, P, 0)", sc(SYS_read, file_fd, P, 0));
    SWEEP("write(tmpfile, P, 16)", sc(SYS_write, tmp_fd, P, 16));
    SWEEP("write(tmpfile, P, 0)", sc(SYS_write, tmp_fd, P, 0));
    SWEEP("write(console, P, 16)", sc(SYS_write, 1, P, 16));
    SWEEP("pread64(file, P, 16, 0)", sc(SYS_pread64, file_fd, P, 16, 0));
    SWEEP("pwrite64(tmpfile, P, 16, 0)", sc(SYS_pwrite64, tmp_fd, P, 16, 0));
    SWEEP("readv(file, iov=P, 1)", sc(SYS_readv, file_fd, P, 1));
    SWEEP("readv(file, {P, 16}, 1)", (iov.iov_base = (void*)P, iov.iov_len = 16, sc(SYS_readv, file_fd, &iov, 1)));
    SWEEP("writev(tmpfile, iov=P, 1)", sc(SYS_writev, tmp_fd, P, 1));
    SWEEP("writev(tmpfile, {P, 16}, 1)", (iov.iov_base = (void*)P, iov.iov_len = 16, sc(SYS_writev, tmp_fd, &iov, 1)));

    SWEEP("open(P, O_RDONLY)", sc(SYS_open, P, O_RDONLY));
    SWEEP("open(P, O_CREAT|O_WRONLY)", sc(SYS_open, P, O_CREAT | O_WRONLY, 0644));
    SWEEP("openat(AT_FDCWD, P, O_RDONLY)", sc(SYS_openat, AT_FDCWD, P, O_RDONLY));
    SWEEP("openat(dirfd, P, O_RDONLY)", sc(SYS_openat, dir_fd, P, O_RDONLY));
    SWEEP("stat(P, &st)", sc(SYS_stat, P, &st));
    SWEEP("stat(\"/\", P)", sc(SYS_stat, "/", P));
    SWEEP("lstat(P, &st)", sc(SYS_lstat, P, &st));
    SWEEP("lstat(\"/\", P)", sc(SYS_lstat, "/", P));
    SWEEP("fstat(file, P)", sc(SYS_fstat, file_fd, P));
    SWEEP("newfstatat(AT_FDCWD, P, &st, 0)", sc(SYS_newfstatat, AT_FDCWD, P, &st, 0));
    SWEEP("newfstatat(AT_FDCWD, \"/\", P, 0)", sc(SYS_newfstatat, AT_FDCWD, "/", P, 0));
    SWEEP("newfstatat(file, P, &st, AT_EMPTY_PATH)", sc(SYS_newfstatat, file_fd, P, &st, AT_EMPTY_PATH));
    SWEEP("statx(AT_FDCWD, P, 0, BASIC, &stx)", sc(SYS_statx, AT_FDCWD, P, 0, KSTATX_BASIC_STATS, &stx));
    SWEEP("statx(AT_FDCWD, \"/\", 0, BASIC, P)", sc(SYS_statx, AT_FDCWD, "/", 0, KSTATX_BASIC_STATS, P));
    SWEEP("getdents64(dir, P, 4096)", sc(SYS_getdents64, dir_fd, P, 4096));
    SWEEP("getcwd(P, 64)", sc(SYS_getcwd, P, 64));
    SWEEP("readlink(P, buf, 64)", sc(SYS_readlink, P, buf, 64));
    SWEEP("readlink(\"/test/wp/link\", P, 64)", sc(SYS_readlink, "/test/wp/link", P, 64));
    SWEEP("readlinkat(dirfd, P, buf, 64)", sc(SYS_readlinkat, dir_fd, P, buf, 64));
    SWEEP("rename(P, \"/tmp/wp-new\")", sc(SYS_rename, P, "/tmp/wp-new"));
    SWEEP("rename(\"/tmp/wp-file\", P)", sc(SYS_rename, "/tmp/wp-file", P));
    SWEEP("renameat2(AT_FDCWD, P, AT_FDCWD, \"/tmp/x\", 0)", sc(SYS_renameat2, AT_FDCWD, P, AT_FDCWD, "/tmp/x", 0));
    SWEEP("mkdir(P, 0755)", sc(SYS_mkdir, P, 0755));
    SWEEP("mkdirat(dirfd, P, 0755)", sc(SYS_mkdirat, dir_fd, P, 0755));
    SWEEP("unlink(P)", sc(SYS_unlink, P));
    SWEEP("unlinkat(AT_FDCWD, P, AT_REMOVEDIR)", sc(SYS_unlinkat, AT_FDCWD, P, AT_REMOVEDIR));
    SWEEP("rmdir(P)", sc(SYS_rmdir, P));
    SWEEP("chdir(P)", sc(SYS_chdir, P));
    SWEEP("access(P, F_OK)", sc(SYS_access, P, F_OK));
    SWEEP("faccessat(AT_FDCWD, P, R_OK)", sc(SYS_faccessat, AT_FDCWD, P, R_OK));

    SWEEP("uname(P)", sc(SYS_uname, P));
    SWEEP("clock_gettime(CLOCK_MONOTONIC, P)", sc(SYS_clock_gettime, CLOCK_MONOTONIC, P));
    SWEEP("clock_gettime(CLOCK_REALTIME, P)", sc(SYS_clock_gettime, CLOCK_REALTIME, P));
    SWEEP("clock_gettime(CLOCK_BOOTTIME, P)", sc(SYS_clock_gettime, CLOCK_BOOTTIME, P));
    SWEEP("gettimeofday(P, NULL)", sc(SYS_gettimeofday, P, 0));
    SWEEP("gettimeofday(&tv, P)", sc(SYS_gettimeofday, &tv, P));
    SWEEP("nanosleep(P, NULL)", sc(SYS_nanosleep, P, 0));
    SWEEP("nanosleep(&{0, 1}, P)", (ts.tv_sec = 0, ts.tv_nsec = 1, sc(SYS_nanosleep, &ts, P)));
    SWEEP("clock_nanosleep(CLOCK_MONOTONIC, 0, P, NULL)", sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, P, 0));
    SWEEP("getrandom(P, 16, 0)", sc(SYS_getrandom, P, 16, 0));
    SWEEP("sched_getaffinity(0, 128, P)", sc(SYS_sched_getaffinity, 0, 128, P));
    SWEEP("prlimit64(0, RLIMIT_NOFILE, P, NULL)", sc(SYS_prlimit64, 0, RLIMIT_NOFILE, P, 0));
    SWEEP("prlimit64(0, RLIMIT_NOFILE, NULL, P)", sc(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, P));
    SWEEP("getrlimit(RLIMIT_NOFILE, P)", sc(SYS_getrlimit, RLIMIT_NOFILE, P));
    SWEEP("setrlimit(RLIMIT_NOFILE, P)", sc(SYS_setrlimit, RLIMIT_NOFILE, P));
    SWEEP("arch_prctl(ARCH_GET_FS, P)", sc(SYS_arch_prctl, ARCH_GET_FS, P));
    SWEEP("arch_prctl(ARCH_GET_GS, P)", sc(SYS_arch_prctl, ARCH_GET_GS, P));
    SWEEP("ioctl(console, TCGETS, P)", sc(SYS_ioctl, 1, TCGETS, P));
    SWEEP("ioctl(console, TIOCGWINSZ, P)", sc(SYS_ioctl, 1, TIOCGWINSZ, P));
    SWEEP("ioctl(file, TCGETS, P)", sc(SYS_ioctl, file_fd, TCGETS, P));
    SWEEP_TID("set_tid_address(P)", sc(SYS_set_tid_address, P));
    SWEEP("set_robust_list(P, 24)", sc(SYS_set_robust_list, P, 24));
    static int tid_word;
    sc(SYS_set_tid_address, &tid_word);

    printf("the files are as they were: %s\n",
           yes(sc(SYS_getrlimit, RLIMIT_NOFILE, &rl) == 0 && sc(SYS_stat, "/tmp/wp-file", &st) == 0 &&
               sc(SYS_stat, "/tmp/wpX", &st) == -ENOENT && sc(SYS_stat, "/test/wp/small.txt", &st) == 0));
    printf("survived the sweep: yes\n");
    return 0;
}
