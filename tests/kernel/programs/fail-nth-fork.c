// fail-nth-fork: Sprout's run-time fault injection, /proc/self/fail-nth, swept over real
// fork(2) calls. Debian's Linux is built without CONFIG_FAULT_INJECTION, so there is no golden:
// the program judges itself, and tools/ktest --program wants its "PASS" line and status 0.
//
// For N = 1, 2, ...: write N to fail-nth and fork. Each fork that fails must fail with ENOMEM,
// leave fail-nth at 0 (the injected failure used it up) and leave /proc/meminfo's MemFree and
// Slab exactly at their baseline. The first N that no longer fails is past the fork's last
// allocation: the child is reaped and the counters must be back at the baseline once more.
#include "lib/facts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define P "/tmp/fail-nth-fork"

static int failures;

static void fail(const char* what, long n) {
    printf("FAIL at N=%ld: %s\n", n, what);
    ++failures;
}

// MemFree and Slab, in kB, from a fresh read of meminfo.
static void meminfo(long* free_kb, long* slab_kb) {
    static char text[4096];
    int fd = (int)sc(SYS_open, P "/meminfo", O_RDONLY);
    long n = fd < 0 ? fd : sc(SYS_read, fd, text, sizeof text - 1);
    sc(SYS_close, fd);
    text[n > 0 ? n : 0] = '\0';
    const char* f = strstr(text, "MemFree:");
    const char* s = strstr(text, "\nSlab:");
    *free_kb = f ? strtol(f + 8, NULL, 10) : -1;
    *slab_kb = s ? strtol(s + 6, NULL, 10) : -1;
}

// fail-nth's value, read through the open descriptor (which allocates nothing).
static long read_fail_nth(int fd) {
    char text[32];
    long n = sc(SYS_pread64, fd, text, sizeof text - 1, 0);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    return strtol(text, NULL, 10);
}

// Writes to every page of the stack below us and to our data, so that no page fault, which
// would allocate, happens between arming fail-nth and the fork: after a failed fork the
// parent's page tables may be left write-protected, to be made writable at the next write.
__attribute__((noinline)) static void touch_memory(void) {
    volatile char stack[64 * 1024];
    for (size_t i = 0; i < sizeof stack; i += 4096)
        stack[i] = 0;
}

// fork(2), then at once write(fd, "0", 1) to disarm fail-nth, before this process (parent or
// child) touches memory: when the fork used fewer allocations than N, the next one (a
// copy-on-write fault on the way back) would be the one to fail.
static const char zero = '0';
static long fork_then_disarm(int fd) {
    long pid;
    __asm__ volatile("syscall\n\t"
                     "mov %%rax, %%r12\n\t"
                     "mov %[write], %%eax\n\t"
                     "syscall\n\t"
                     "mov %%r12, %%rax"
                     : "=a"(pid)
                     : "a"((long)SYS_fork), [write] "i"(SYS_write), "D"((long)fd), "S"(&zero), "d"(1L)
                     : "rcx", "r11", "r12", "memory");
    return pid;
}

int main(void) {
    mkdir(P, 0755);
    if (mount("proc", P, "proc", 0, NULL)) {
        printf("FAIL: mount proc: %s\n", res(-errno));
        return 1;
    }
    int fd = (int)sc(SYS_open, P "/self/fail-nth", O_RDWR);
    if (fd < 0) {
        printf("FAIL: open self/fail-nth: %s\n", res(fd));
        return 1;
    }

    // The counter reads back, and counts this task's allocations down.
    long r = sc(SYS_write, fd, "1000", 4);
    long armed = read_fail_nth(fd);
    sc(SYS_close, (int)sc(SYS_open, P "/meminfo", O_RDONLY));
    long after_open = read_fail_nth(fd);
    sc(SYS_write, fd, "0", 1);
    printf("write 1000: %s, reads back %ld; an open and close later it is lower: %s\n", res(r), armed,
           yes(after_open >= 0 && after_open < 1000));
    if (r != 4 || armed != 1000 || !(after_open >= 0 && after_open < 1000))
        fail("fail-nth does not read back or count down", 1000);
    printf("write \"x\": %s, \"-1\": %s, \"4294967296\": %s\n", res(sc(SYS_write, fd, "x", 1)),
           res(sc(SYS_write, fd, "-1", 2)), res(sc(SYS_write, fd, "4294967296", 10)));

    // A first fork and exit, so that everything a fork touches has been touched once.
    long pid = fork_then_disarm(fd);
    if (pid == 0)
        for (;;)
            sc(SYS_exit_group, 0);
    sc(SYS_wait4, pid, 0, 0, 0);
    (void)*(volatile const char*)&zero;

    long base_free, base_slab;
    touch_memory();
    meminfo(&base_free, &base_slab);
    if (base_free <= 0 || base_slab < 0) {
        printf("FAIL: meminfo has no MemFree or Slab line\n");
        return 1;
    }
    long n = 1;
    for (; n < 500; ++n) {
        char text[16];
        int length = snprintf(text, sizeof text, "%ld", n);
        touch_memory();
        if (sc(SYS_write, fd, text, length) != length) {
            fail("write to fail-nth", n);
            break;
        }
        pid = fork_then_disarm(fd);
        if (pid == 0)
            for (;;)
                sc(SYS_exit_group, 0);
        if (pid > 0) {
            int status = 0;
            if (sc(SYS_wait4, pid, &status, 0, 0) != pid || !WIFEXITED(status))
                fail("the child was not reaped", n);
        } else if (pid != -ENOMEM) {
            fail(res(pid), n);
        } else if (read_fail_nth(fd) != 0) {
            fail("the failure left fail-nth armed", n);
        }
        long now_free, now_slab;
        touch_memory();
        meminfo(&now_free, &now_slab);
        if (now_free != base_free || now_slab != base_slab) {
            printf("FAIL at N=%ld: MemFree %ld -> %ld kB, Slab %ld -> %ld kB\n", n, base_free, now_free, base_slab,
                   now_slab);
            ++failures;
        }
        if (pid > 0)
            break;
    }
    printf("fork failed with ENOMEM for N = 1..%ld and succeeded at N = %ld\n", n - 1, n);
    if (n < 2 || n >= 500)
        fail("no allocation point found, or no end to them", n);
    printf("MemFree and Slab back at their baseline after each: %s\n", yes(!failures));
    printf("fail-nth-fork: %s\n", failures ? "FAIL" : "PASS");
    return failures ? 1 : 0;
}
