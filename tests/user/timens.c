// timens: time namespaces. unshare(CLONE_NEWTIME) makes a namespace for the caller's children
// (ns/time_for_children), whose offsets /proc/<pid>/timens_offsets shows and sets until a task
// has entered it (EINVAL, EPERM, ERANGE, EACCES as Linux); children see CLOCK_MONOTONIC (RAW,
// COARSE), CLOCK_BOOTTIME, /proc/uptime and sysinfo shifted, absolute clock_nanosleep and futex
// deadlines in the namespace's time. Legacy clone cannot pass CLONE_NEWTIME (its bit is part of
// the exit signal), clone3 can; a CLONE_VM child (vfork too, in 6.1) is EINVAL; setns to a time namespace (EUSERS when the address space is shared, EPERM without
// CAP_SYS_ADMIN) freezes its offsets; unprivileged needs CLONE_NEWUSER.
#include "lib/facts.h"
#include "lib/futex.h"
#include "lib/proc.h"

#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <time.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const long SEC = 1000000000L;

static long clock_ns(clockid_t clock) {
    struct timespec ts;
    sc(SYS_clock_gettime, clock, &ts);
    return ts.tv_sec * SEC + ts.tv_nsec;
}

static void link_of(const char* path, char* out, size_t size) {
    long n = sc(SYS_readlink, path, out, size - 1);
    out[n > 0 ? n : 0] = 0;
}

static int same_link(const char* a, const char* b) {
    char x[64], y[64];
    link_of(a, x, sizeof x);
    link_of(b, y, sizeof y);
    return strcmp(x, y) == 0;
}

static long write_text(const char* path, const char* text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    long r = sc(SYS_write, fd, text, strlen(text));
    close(fd);
    return r;
}

static void show_offsets(const char* who, const char* path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    long n = fd < 0 ? -errno : sc(SYS_read, fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = 0;
    printf("%s offsets (read %s):\n%s", who, n < 0 ? res(n) : "ok", buf);
}

static double uptime_seconds(void) {
    char buf[64] = {0};
    int fd = open("/proc/uptime", O_RDONLY);
    sc(SYS_read, fd, buf, sizeof buf - 1);
    close(fd);
    return strtod(buf, NULL);
}

static int in_range(long value, long low, long high) { return value >= low && value < high; }

// /proc/stat's btime, and field 22 (start time, clock ticks) of /proc/<pid>/stat.
static long read_btime(void) {
    static char buf[4096];
    int fd = open("/proc/stat", O_RDONLY);
    long n = sc(SYS_read, fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char* p = strstr(buf, "btime ");
    return p ? strtol(p + 6, NULL, 10) : -1;
}

static long start_ticks(long pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY);
    long n = sc(SYS_read, fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char* p = strrchr(buf, ')');
    if (!p)
        return -1;
    p += 2;  // field 3
    for (int field = 3; field < 22 && p; ++field) {
        p = strchr(p, ' ');
        if (p)
            ++p;
    }
    return p ? strtol(p, NULL, 10) : -1;
}

struct clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static long clone3_flags(unsigned long flags) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.exit_signal = SIGCHLD;
    return sc(SYS_clone3, &args, sizeof args);
}

// What a child of a namespace with offsets monotonic +1000 s, boottime +2000 s sees.
static long t0_mono, t0_raw, t0_boot, t0_real;
static double t0_uptime;
static long t0_sysinfo, t0_btime, t0_parent_start, t0_parent;

static void check_clocks(const char* who) {
    long mono = clock_ns(CLOCK_MONOTONIC) - t0_mono;
    long raw = clock_ns(CLOCK_MONOTONIC_RAW) - t0_raw;
    long coarse = clock_ns(CLOCK_MONOTONIC_COARSE) - t0_mono;
    long boot = clock_ns(CLOCK_BOOTTIME) - t0_boot;
    long real = clock_ns(CLOCK_REALTIME) - t0_real;
    printf("%s: monotonic +1000s: %s, raw: %s, coarse: %s, boottime +2000s: %s, realtime unshifted: %s\n", who,
           yes(in_range(mono, 1000 * SEC, 1005 * SEC)), yes(in_range(raw, 1000 * SEC, 1005 * SEC)),
           yes(in_range(coarse, 999 * SEC, 1005 * SEC)), yes(in_range(boot, 2000 * SEC, 2005 * SEC)),
           yes(in_range(real, 0, 5 * SEC)));
    double up = uptime_seconds() - t0_uptime;
    struct sysinfo si;
    sysinfo(&si);
    long sys_up = si.uptime - t0_sysinfo;
    printf("%s: /proc/uptime +2000s: %s, sysinfo uptime +2000s: %s\n", who, yes(up >= 1999.9 && up < 2005),
           yes(sys_up >= 1999 && sys_up < 2006));
    long btime = read_btime() - t0_btime;
    long start = start_ticks(t0_parent) - t0_parent_start;
    printf("%s: /proc/stat btime -2000s: %s, parent's start time +2000s: %s\n", who, yes(btime >= -2001 && btime <= -1999),
           yes(start >= 199900 && start <= 200100));
}

static void check_sleeps(const char* who) {
    // An absolute deadline 50 ms ahead on the namespace's clock.
    long start = clock_ns(CLOCK_MONOTONIC);
    long target = start + 50 * 1000000L;
    struct timespec ts = {target / SEC, target % SEC};
    long r = sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    long slept = clock_ns(CLOCK_MONOTONIC) - start;
    printf("%s: clock_nanosleep(MONOTONIC, ABSTIME, now+50ms): %s, slept 40ms..2s: %s\n", who, res(r),
           yes(in_range(slept, 40 * 1000000L, 2 * SEC)));
    start = clock_ns(CLOCK_BOOTTIME);
    target = start + 50 * 1000000L;
    ts = (struct timespec){target / SEC, target % SEC};
    r = sc(SYS_clock_nanosleep, CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL);
    slept = clock_ns(CLOCK_BOOTTIME) - start;
    printf("%s: clock_nanosleep(BOOTTIME, ABSTIME, now+50ms): %s, slept 40ms..2s: %s\n", who, res(r),
           yes(in_range(slept, 40 * 1000000L, 2 * SEC)));
    // A deadline before the offset (host time 0 and earlier) has passed.
    ts = (struct timespec){5, 0};
    start = clock_ns(CLOCK_MONOTONIC);
    r = sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    printf("%s: clock_nanosleep(ABSTIME, 5s): %s, at once: %s\n", who, res(r),
           yes(clock_ns(CLOCK_MONOTONIC) - start < SEC));
    uint32_t word = 0;
    start = clock_ns(CLOCK_MONOTONIC);
    target = start + 50 * 1000000L;
    ts = (struct timespec){target / SEC, target % SEC};
    r = futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &ts, NULL, FUTEX_BITSET_MATCH_ANY);
    slept = clock_ns(CLOCK_MONOTONIC) - start;
    printf("%s: futex WAIT_BITSET (monotonic, now+50ms): %s, slept 40ms..2s: %s\n", who, res(r),
           yes(in_range(slept, 40 * 1000000L, 2 * SEC)));
}

static char parent_children_link[64];

static int vm_child(void* arg) {
    (void)arg;
    return 0;
}

static int vfork_child(void* arg) {
    (void)arg;
    return 0;
}

// A child sharing our address space may not change its clocks: EUSERS.
static long vm_setns_result;
static int vm_setns_child(void* arg) {
    vm_setns_result = sc(SYS_setns, (long)arg, CLONE_NEWTIME);
    return 0;
}

static void privileged(void) {
    printf("-- root\n");
    printf("unshare(CLONE_NEWTIME|CLONE_THREAD) single-threaded: %s\n", res(sc(SYS_unshare, CLONE_NEWTIME | CLONE_THREAD)));
    printf("ns/time unchanged: %s\n", yes(same_link("/proc/self/ns/time", "/proc/1/ns/time")));
    printf("time_for_children differs: %s\n", yes(!same_link("/proc/self/ns/time", "/proc/self/ns/time_for_children")));
    char link[64];
    link_of("/proc/self/ns/time_for_children", link, sizeof link);
    printf("time_for_children reads time:[...]: %s\n", yes(strncmp(link, "time:[", 6) == 0));
    strcpy(parent_children_link, link);
    show_offsets("new", "/proc/self/timens_offsets");
    const char* path = "/proc/self/timens_offsets";
    printf("write \"monotonic 5 0\": %s\n", res(write_text(path, "monotonic 5 0")));
    printf("write \"boottime -1 999999999\\n\": %s\n", res(write_text(path, "boottime -1 999999999\n")));
    show_offsets("after writes", path);
    printf("write \"1 7 1\\n7 8 2\\n1 1000 0\\n\" (3 lines): %s\n", res(write_text(path, "1 7 1\n7 8 2\n1 1000 0\n")));
    show_offsets("numeric clock ids", path);
    printf("write \"foo 1 0\": %s\n", res(write_text(path, "foo 1 0")));
    printf("write \"monotonic 1\": %s\n", res(write_text(path, "monotonic 1")));
    printf("write \"monotonic 1 1000000000\": %s\n", res(write_text(path, "monotonic 1 1000000000")));
    printf("write \"monotonic 1 -1\": %s\n", res(write_text(path, "monotonic 1 -1")));
    printf("write \"monotonic +1 0\": %s\n", res(write_text(path, "monotonic +1 0")));
    printf("write \"\": %s\n", res(write_text(path, "")));
    printf("write \"\\n\": %s\n", res(write_text(path, "\n")));
    printf("write \"monotonic 9223372037 0\": %s\n", res(write_text(path, "monotonic 9223372037 0")));
    printf("write \"monotonic 4611686019 0\": %s\n", res(write_text(path, "monotonic 4611686019 0")));
    printf("write \"boottime -9223372036 0\": %s\n", res(write_text(path, "boottime -9223372036 0")));
    printf("write \"boottime -100000000 0\": %s\n", res(write_text(path, "boottime -100000000 0")));
    printf("write \"monotonic 1 0\\nbogus\": %s\n", res(write_text(path, "monotonic 1 0\nbogus")));
    int fd;
    printf("write \"monotonic 1000 0\\nboottime 2000 0\\n\": %s\n",
           res(write_text(path, "monotonic 1000 0\nboottime 2000 0\n")));
    show_offsets("set", path);

    t0_mono = clock_ns(CLOCK_MONOTONIC);
    t0_raw = clock_ns(CLOCK_MONOTONIC_RAW);
    t0_boot = clock_ns(CLOCK_BOOTTIME);
    t0_real = clock_ns(CLOCK_REALTIME);
    t0_uptime = uptime_seconds();
    struct sysinfo si;
    sysinfo(&si);
    t0_sysinfo = si.uptime;
    t0_btime = read_btime();
    t0_parent = getpid();
    t0_parent_start = start_ticks(t0_parent);
    printf("our clocks unshifted: %s\n", yes(in_range(clock_ns(CLOCK_MONOTONIC) - t0_mono, 0, 5 * SEC)));

    // A CLONE_VM child that is not a vfork child: EINVAL; a thread too.
    printf("clone(CLONE_VM): %s\n", res(proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, vm_child, NULL)));
    printf("clone(CLONE_THREAD|CLONE_SIGHAND|CLONE_VM): %s\n",
           res(proc_clone(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, child_stack(), NULL, NULL, 0, vm_child, NULL)));

    long c = raw_fork();
    if (c == 0) {
        printf("child: ns/time is parent's time_for_children: %s\n",
               yes(same_link("/proc/self/ns/time", "/proc/self/ns/time_for_children")));
        link_of("/proc/self/ns/time", link, sizeof link);
        printf("child: ns/time is the new one: %s\n", yes(strcmp(link, parent_children_link) == 0));
        check_clocks("child");
        check_sleeps("child");
        show_offsets("child", "/proc/self/timens_offsets");
        die(0);
    }
    reap(c);
    printf("write after a child entered: %s\n", res(write_text(path, "monotonic 1 0")));
    printf("bad write after a child entered: %s\n", res(write_text(path, "monotonic 1 1000000000")));
    show_offsets("frozen", path);

    // vfork shares the address space too: EINVAL in Linux 6.1.
    long v = proc_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, child_stack(), NULL, NULL, 0, vfork_child, NULL);
    printf("vfork: %s\n", v > 0 ? "ok" : res(v));
    if (v > 0)
        reap(v);

    // A second unshare copies the offsets of the namespace for children into a new one.
    printf("unshare(CLONE_NEWTIME) again: %s\n", res(sc(SYS_unshare, CLONE_NEWTIME)));
    printf("another namespace: %s\n", yes(!same_link("/proc/self/ns/time_for_children", "/proc/self/ns/time") &&
                                            strcmp((link_of("/proc/self/ns/time_for_children", link, sizeof link), link),
                                                   parent_children_link) != 0));
    show_offsets("copied", path);
    printf("write: %s\n", res(write_text(path, "monotonic 1000 0")));

    // setns into the namespace we prepared for our children: we enter it, and it freezes.
    fd = open("/proc/self/ns/time_for_children", O_RDONLY);
    printf("setns(time_for_children, CLONE_NEWPID): %s\n", res(sc(SYS_setns, fd, CLONE_NEWPID)));
    printf("setns(time_for_children, CLONE_NEWTIME): %s\n", res(sc(SYS_setns, fd, CLONE_NEWTIME)));
    close(fd);
    printf("now in it (time == time_for_children): %s\n",
           yes(same_link("/proc/self/ns/time", "/proc/self/ns/time_for_children")));
    check_clocks("after setns");
    printf("write after setns: %s\n", res(write_text(path, "monotonic 1 0")));

    // clone3 may pass CLONE_NEWTIME; the other CSIGNAL bits stay reserved.
    char own[64];
    link_of("/proc/self/ns/time", own, sizeof own);
    long k = clone3_flags(CLONE_NEWTIME);
    if (k == 0) {
        printf("clone3 child: ns/time is a new one: %s\n", yes(!same_link("/proc/self/ns/time", "/proc/1/ns/time") &&
                                                             strcmp((link_of("/proc/self/ns/time", link, sizeof link), link),
                                                                    own) != 0));
        check_clocks("clone3 child (copied offsets)");
        die(0);
    }
    printf("clone3(CLONE_NEWTIME): %s\n", k > 0 ? "ok" : res(k));
    if (k > 0)
        reap(k);
    printf("clone3(0x01): %s\n", res(clone3_flags(0x01)));
    printf("clone3(CLONE_NEWTIME|0x01): %s\n", res(clone3_flags(CLONE_NEWTIME | 0x01)));

    // Back to the initial namespace through init's ns/time, by pidfd too.
    int ours = open("/proc/self/ns/time", O_RDONLY);
    fd = open("/proc/1/ns/time", O_RDONLY);
    printf("setns(/proc/1/ns/time, 0): %s\n", res(sc(SYS_setns, fd, 0)));
    close(fd);
    printf("clocks back: %s\n", yes(in_range(clock_ns(CLOCK_MONOTONIC) - t0_mono, 0, 5 * SEC)));
    int pidfd = (int)sc(SYS_pidfd_open, 1, 0);
    printf("setns(pidfd of 1, CLONE_NEWTIME): %s\n", res(sc(SYS_setns, pidfd, CLONE_NEWTIME)));
    printf("setns(pidfd of 1, CLONE_NEWTIME|CLONE_NEWIPC): %s\n", res(sc(SYS_setns, pidfd, CLONE_NEWTIME | CLONE_NEWIPC)));
    close(pidfd);
    long m = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, vm_setns_child, (void*)(long)ours);
    if (m > 0)
        reap(m);
    printf("setns(time) in a CLONE_VM child: %s\n", res(vm_setns_result));
    close(ours);
}

static void unprivileged(void) {
    printf("-- uid 1000\n");
    int init_time = open("/proc/1/ns/time", O_RDONLY);  // opened while root
    sc(SYS_setresgid, 1000, 1000, 1000);
    sc(SYS_setresuid, 1000, 1000, 1000);
    printf("unshare(CLONE_NEWTIME): %s\n", res(sc(SYS_unshare, CLONE_NEWTIME)));
    // Not dumpable after the change of ids: the file is root's (0644).
    printf("write own timens_offsets, not dumpable: %s\n", res(write_text("/proc/self/timens_offsets", "monotonic 1 0")));
    sc(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
    printf("write own timens_offsets: %s\n", res(write_text("/proc/self/timens_offsets", "monotonic 1 0")));
    printf("setns(/proc/1/ns/time): %s\n", res(sc(SYS_setns, init_time, CLONE_NEWTIME)));
    printf("clone3(CLONE_NEWTIME): %s\n", res(clone3_flags(CLONE_NEWTIME)));
    printf("unshare(CLONE_NEWUSER|CLONE_NEWTIME): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER | CLONE_NEWTIME)));
    printf("write timens_offsets: %s\n", res(write_text("/proc/self/timens_offsets", "boottime 2000 0\nmonotonic 1000 0")));
    show_offsets("in a user namespace", "/proc/self/timens_offsets");
    t0_mono = clock_ns(CLOCK_MONOTONIC);
    t0_raw = clock_ns(CLOCK_MONOTONIC_RAW);
    t0_boot = clock_ns(CLOCK_BOOTTIME);
    t0_real = clock_ns(CLOCK_REALTIME);
    t0_uptime = uptime_seconds();
    struct sysinfo si;
    sysinfo(&si);
    t0_sysinfo = si.uptime;
    t0_btime = read_btime();
    t0_parent = getpid();
    t0_parent_start = start_ticks(t0_parent);
    long c = raw_fork();
    if (c == 0) {
        check_clocks("unprivileged child");
        die(0);
    }
    reap(c);
    // Leaving for the initial namespace needs CAP_SYS_ADMIN over its owner.
    printf("setns(/proc/1/ns/time) from the user namespace: %s\n", res(sc(SYS_setns, init_time, CLONE_NEWTIME)));
}

int main(void) {
    char link[64];
    link_of("/proc/self/ns/time", link, sizeof link);
    printf("ns/time: %s\n", link);
    link_of("/proc/self/ns/time_for_children", link, sizeof link);
    printf("ns/time_for_children: %s\n", link);
    show_offsets("initial", "/proc/self/timens_offsets");
    printf("write initial namespace's offsets: %s\n", res(write_text("/proc/self/timens_offsets", "monotonic 1 0")));
    printf("write initial, out of range: %s\n", res(write_text("/proc/self/timens_offsets", "monotonic -100000000 0")));

    // Legacy clone: bit 7 is the exit signal's (0x80 | SIGCHLD = 145, never sent).
    long c = sc(SYS_clone, CLONE_NEWTIME | SIGCHLD, 0, 0, 0, 0);
    if (c == 0)  // answers through its exit status, so the lines keep their order
        die(same_link("/proc/self/ns/time", "/proc/1/ns/time") ? 0 : 1);
    int st = 0;
    printf("legacy clone(CLONE_NEWTIME|SIGCHLD): %s\n", c > 0 ? "ok" : res(c));
    printf("wait4 without __WALL: %s\n", res(sc(SYS_wait4, c, &st, WNOHANG, 0)));
    printf("wait4 __WALL: %s\n", res(sc(SYS_wait4, c, &st, __WALL, 0) == c ? 0 : -1));
    printf("legacy clone child: in the initial time namespace: %s\n", yes(WIFEXITED(st) && WEXITSTATUS(st) == 0));

    c = raw_fork();
    if (c == 0) {
        privileged();
        die(0);
    }
    printf("root part %s\n", status_text(reap(c)));
    c = raw_fork();
    if (c == 0) {
        unprivileged();
        die(0);
    }
    printf("uid 1000 part %s\n", status_text(reap(c)));
    return 0;
}
