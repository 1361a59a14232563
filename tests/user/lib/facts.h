// facts.h: what every user test shares. Tests print facts (values, yes/no, errno names), never
// raw pids, addresses or times, so Linux and Sprout can print the same bytes.
//
// sc(nr, ...) makes a raw system call (no libc wrapper in between, no errno): it returns what
// the kernel returned, -4095..-1 being -errno. res(r) renders a result as the golden shows it:
// "EFAULT" for an error, the decimal value otherwise.
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline long sc6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define SC_N(_0, _1, _2, _3, _4, _5, _6, N, ...) N
#define SC_ARGS(...) SC_N(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0, x)
#define SC_PAD(n, ...) SC_PAD_##n(__VA_ARGS__)
#define SC_PAD_0(n) sc6((long)(n), 0, 0, 0, 0, 0, 0)
#define SC_PAD_1(n, a) sc6((long)(n), (long)(a), 0, 0, 0, 0, 0)
#define SC_PAD_2(n, a, b) sc6((long)(n), (long)(a), (long)(b), 0, 0, 0, 0)
#define SC_PAD_3(n, a, b, c) sc6((long)(n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SC_PAD_4(n, a, b, c, d) sc6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SC_PAD_5(n, a, b, c, d, e) sc6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define SC_PAD_6(n, a, b, c, d, e, f) sc6((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
#define SC_DISPATCH(k, ...) SC_PAD(k, __VA_ARGS__)
#define SC_EXPAND(k, ...) SC_DISPATCH(k, __VA_ARGS__)
// sc(SYS_x, args...): 0 to 6 arguments.
#define sc(...) SC_EXPAND(SC_ARGS(__VA_ARGS__), __VA_ARGS__)

static inline const char* errname(int e) {
    switch (e) {
#define E(x) \
    case x:  \
        return #x;
        E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF) E(ECHILD)
        E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(ENOTBLK) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV)
        E(ENOTDIR) E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC)
        E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(EDOM) E(ERANGE) E(EDEADLK) E(ENAMETOOLONG) E(ENOLCK)
        E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENOMSG) E(EOVERFLOW) E(EOPNOTSUPP) E(ETIMEDOUT) E(EOWNERDEAD)
#undef E
    default:
        return NULL;
    }
}

// A result as text: "EFAULT" for -EFAULT, else the number. Rotates through a few buffers so
// several can appear in one printf.
static inline const char* res(long r) {
    static char bufs[8][32];
    static int next;
    char* b = bufs[next++ % 8];
    if (r < 0 && r >= -4095) {
        const char* name = errname((int)-r);
        if (name)
            return name;
        snprintf(b, 32, "errno %ld", -r);
    } else {
        snprintf(b, 32, "%ld", r);
    }
    return b;
}

static inline const char* yes(int cond) { return cond ? "yes" : "no"; }

// Line by line, so a crash (or a kernel that stops) loses nothing already printed.
__attribute__((constructor)) static void facts_line_buffered(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

#define PAGE 4096L

// struct statx as the kernel's uapi defines it (musl 1.2.3 has no <linux/stat.h> nor statx).
struct kstatx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct kstatx {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct kstatx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare2[14];
};
#define KSTATX_BASIC_STATS 0x7ffu

// What getdents64 writes.
struct kdirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
