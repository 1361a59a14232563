// process: what a libc asks at start and exit, as facts: ids, uname, resource limits (the
// defaults Linux gives init and its children, and changing them), sched_getaffinity,
// sched_yield, getrandom, arch_prctl (the FS base is the TLS pointer), set_tid_address,
// set_robust_list. Built with musl and glibc (glibc's start-up asks more of the kernel).
// usertest: build musl glibc
#include "lib/facts.h"

#include <sys/resource.h>
#include <sys/utsname.h>

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static const char* lim(unsigned long v) {
    static char bufs[4][32];
    static int next;
    char* b = bufs[next++ % 4];
    if (v == (unsigned long)RLIM_INFINITY)
        return "unlimited";
    snprintf(b, 32, "%lu", v);
    return b;
}

static void show_limit(const char* name, int resource) {
    struct rlimit rl;
    long r = sc(SYS_prlimit64, 0, resource, 0, &rl);
    if (r < 0)
        printf("%s: %s\n", name, res(r));
    else
        printf("%s: soft %s, hard %s\n", name, lim(rl.rlim_cur), lim(rl.rlim_max));
}

int main(void) {
    printf("uid %ld euid %ld gid %ld egid %ld\n", sc(SYS_getuid), sc(SYS_geteuid), sc(SYS_getgid), sc(SYS_getegid));
    long pid = sc(SYS_getpid), tid = sc(SYS_gettid);
    printf("getpid > 0: %s; gettid == getpid: %s; libc agrees: %s\n", yes(pid > 0), yes(tid == pid),
           yes(getpid() == pid));

    struct utsname u;
    printf("uname: %s\n", res(sc(SYS_uname, &u)));
    printf("sysname \"%s\", machine \"%s\", release starts with a digit: %s\n", u.sysname, u.machine,
           yes(u.release[0] >= '0' && u.release[0] <= '9'));

    show_limit("RLIMIT_STACK", RLIMIT_STACK);
    show_limit("RLIMIT_NOFILE", RLIMIT_NOFILE);
    show_limit("RLIMIT_DATA", RLIMIT_DATA);
    show_limit("RLIMIT_AS", RLIMIT_AS);
    show_limit("RLIMIT_CORE", RLIMIT_CORE);
    show_limit("RLIMIT_CPU", RLIMIT_CPU);
    show_limit("RLIMIT_FSIZE", RLIMIT_FSIZE);
    show_limit("RLIMIT_MEMLOCK", RLIMIT_MEMLOCK);
    struct rlimit rl = {512, 4096}, old;
    printf("setrlimit NOFILE 512/4096: %s\n", res(sc(SYS_setrlimit, RLIMIT_NOFILE, &rl)));
    printf("getrlimit: %s\n", res(sc(SYS_getrlimit, RLIMIT_NOFILE, &old)));
    printf("now soft %s, hard %s\n", lim(old.rlim_cur), lim(old.rlim_max));
    rl.rlim_cur = 8192;
    printf("soft above hard: %s\n", res(sc(SYS_setrlimit, RLIMIT_NOFILE, &rl)));
    rl.rlim_cur = 256;
    rl.rlim_max = 2048;
    printf("prlimit64 sets 256/2048 and returns the old: %s\n", res(sc(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, &old)));
    printf("old soft %s, hard %s\n", lim(old.rlim_cur), lim(old.rlim_max));
    show_limit("RLIMIT_NOFILE", RLIMIT_NOFILE);
    printf("prlimit64 of resource 99: %s; getrlimit 99: %s\n", res(sc(SYS_prlimit64, 0, 99, 0, &old)),
           res(sc(SYS_getrlimit, 99, &old)));
    printf("prlimit64 of a pid that does not exist: %s\n", res(sc(SYS_prlimit64, 999999, RLIMIT_NOFILE, 0, &old)));

    unsigned long mask[16];
    memset(mask, 0xff, sizeof mask);
    long r = sc(SYS_sched_getaffinity, 0, sizeof mask, mask);
    printf("sched_getaffinity: %s, mask %#lx\n", res(r), mask[0]);
    printf("sched_getaffinity with 4 bytes: %s; with 0: %s\n", res(sc(SYS_sched_getaffinity, 0, 4, mask)),
           res(sc(SYS_sched_getaffinity, 0, 0, mask)));
    printf("sched_yield: %s\n", res(sc(SYS_sched_yield)));

    unsigned char rnd[64];
    memset(rnd, 0, sizeof rnd);
    r = sc(SYS_getrandom, rnd, sizeof rnd, 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof rnd; ++i)
        nonzero |= rnd[i];
    printf("getrandom 64: %s, not all zero: %s\n", res(r), yes(nonzero != 0));
    printf("getrandom GRND_NONBLOCK: %s; GRND_RANDOM: %s; 0 bytes: %s; bad flags: %s\n",
           res(sc(SYS_getrandom, rnd, 16, 1)), res(sc(SYS_getrandom, rnd, 16, 2)), res(sc(SYS_getrandom, rnd, 0, 0)),
           res(sc(SYS_getrandom, rnd, 16, 0x100)));

    // The FS base is the thread pointer: both libcs keep a pointer to the TCB itself at %fs:0.
    unsigned long fs = 0, self = 0, gs = 1;
    printf("ARCH_GET_FS: %s\n", res(sc(SYS_arch_prctl, ARCH_GET_FS, &fs)));
    __asm__ volatile("mov %%fs:0, %0" : "=r"(self));
    printf("FS base == %%fs:0 (the TCB points at itself): %s\n", yes(fs != 0 && fs == self));
    long got_gs = sc(SYS_arch_prctl, ARCH_GET_GS, &gs);
    printf("ARCH_GET_GS: %s, value %lu\n", res(got_gs), gs);
    static unsigned long fake_tcb[8];
    fake_tcb[0] = 0x1234567890abcdeful;
    // No libc call (errno, stdio all use %fs) until the old base is back.
    long set = sc(SYS_arch_prctl, ARCH_SET_FS, fake_tcb);
    unsigned long seen;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(seen));
    long back = sc(SYS_arch_prctl, ARCH_SET_FS, fs);
    printf("ARCH_SET_FS to a new block: %s, %%fs:0 then reads it: %s; restored: %s\n", res(set),
           yes(seen == 0x1234567890abcdeful), res(back));
    printf("ARCH_SET_FS to a kernel address: %s; non-canonical: %s\n",
           res(sc(SYS_arch_prctl, ARCH_SET_FS, 0xffffffff81000000ul)), res(sc(SYS_arch_prctl, ARCH_SET_FS, 1ul << 63)));
    printf("arch_prctl with an unknown code: %s\n", res(sc(SYS_arch_prctl, 0x9999, 0)));

    static int ctid;
    printf("set_tid_address returns the tid: %s\n", yes(sc(SYS_set_tid_address, &ctid) == tid));
    static unsigned long robust[3];
    printf("set_robust_list(24 bytes): %s; (23 bytes): %s\n", res(sc(SYS_set_robust_list, robust, 24)),
           res(sc(SYS_set_robust_list, robust, 23)));
    return 0;
}
