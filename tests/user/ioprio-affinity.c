// ioprio-affinity: ioprio_get/ioprio_set (the class and level a task's I/O runs at, kept per
// task and inherited by fork when set) and sched_getaffinity/sched_setaffinity (the CPUs a task
// may run on) with Linux's rules: EINVAL for bad classes, levels, "which" values, lengths and
// masks naming no CPU that exists, EPERM for the real-time class without CAP_SYS_NICE and for
// another user's task, ESRCH for a missing one, EFAULT for wild pointers.
#include <sched.h>

#include "lib/facts.h"
#include "lib/proc.h"

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define PRIO(class, data) (((class) << 13) | (data))
#define NONE 0
#define RT 1
#define BE 2
#define IDLE 3

static const char* prio_text(long v) {
    static char buf[4][48];
    static int next;
    if (v < 0)
        return res(v);
    char* b = buf[next++ % 4];
    static const char* classes[] = {"none", "rt", "be", "idle", "4", "5", "6", "7"};
    snprintf(b, 48, "%s/%ld", classes[(v >> 13) & 7], v & 0x1fff);
    return b;
}

static long get(int which, int who) { return sc(SYS_ioprio_get, which, who); }
static long set(int which, int who, int prio) { return sc(SYS_ioprio_set, which, who, prio); }

int main(void) {
    long self = sc(SYS_getpid);
    printf("a fresh process: %s\n", prio_text(get(WHO_PROCESS, 0)));
    long r = set(WHO_PROCESS, 0, PRIO(BE, 7));
    printf("set be/7: %s, now %s\n", res(r), prio_text(get(WHO_PROCESS, self)));
    r = set(WHO_PROCESS, 0, PRIO(BE, 8));  // Linux 6.1 takes the level's low 3 bits
    printf("set be/8: %s, now %s\n", res(r), prio_text(get(WHO_PROCESS, 0)));
    r = set(WHO_PROCESS, 0, PRIO(IDLE, 5));
    printf("set idle/5: %s, now %s\n", res(r), prio_text(get(WHO_PROCESS, 0)));
    printf("set none/1: %s\n", res(set(WHO_PROCESS, 0, PRIO(NONE, 1))));
    printf("set class 4: %s\n", res(set(WHO_PROCESS, 0, PRIO(4, 0))));
    r = set(WHO_PROCESS, 0, PRIO(RT, 0));
    printf("set rt/0 as root: %s, now %s\n", res(r), prio_text(get(WHO_PROCESS, 0)));
    printf("set rt/8: %s\n", res(set(WHO_PROCESS, 0, PRIO(RT, 8))));
    printf("which 0: %s, %s\n", res(get(0, 0)), res(set(0, 0, PRIO(BE, 1))));
    printf("which 4: %s\n", res(get(4, 0)));
    printf("a missing pid: %s, %s\n", res(get(WHO_PROCESS, 99999)), res(set(WHO_PROCESS, 99999, PRIO(BE, 1))));
    set(WHO_PROCESS, 0, PRIO(BE, 3));
    long child = raw_fork();
    if (child == 0) {
        printf("a forked child inherits: %s\n", prio_text(get(WHO_PROCESS, 0)));
        die(0);
    }
    reap(child);
    // A process group and a user of our own: the best of their tasks' (the lowest value).
    child = raw_fork();
    if (child == 0) {
        sc(SYS_setpgid, 0, 0);
        sc(SYS_setresuid, 4243, 4243, 4243);
        set(WHO_PROCESS, 0, PRIO(IDLE, 2));
        int ready[2], done[2];
        sc(SYS_pipe2, ready, 0);
        sc(SYS_pipe2, done, 0);
        long g = raw_fork();
        if (g == 0) {
            set(WHO_PROCESS, 0, PRIO(BE, 6));
            tell(ready[1]);
            hear(done[0]);
            die(0);
        }
        hear(ready[0]);
        printf("process group (idle/2 and be/6): %s\n", prio_text(get(WHO_PGRP, 0)));
        printf("user 4243 (idle/2 and be/6): %s\n", prio_text(get(WHO_USER, 4243)));
        set(WHO_PGRP, 0, PRIO(BE, 1));
        printf("set the group to be/1, then the user's: %s\n", prio_text(get(WHO_USER, 4243)));
        tell(done[1]);
        reap(g);
        die(0);
    }
    reap(child);
    printf("user 4242 (no task): %s\n", res(get(WHO_USER, 4242)));
    set(WHO_PROCESS, 0, PRIO(NONE, 0));
    child = raw_fork();
    if (child == 0) {
        printf("after none/0, a child: %s\n", prio_text(get(WHO_PROCESS, 0)));
        die(0);
    }
    reap(child);

    unsigned long mask = 0;
    r = sc(SYS_sched_getaffinity, 0, sizeof mask, &mask);
    printf("getaffinity: %s, mask %#lx\n", res(r), mask);
    printf("getaffinity of pid 1: %s\n", res(sc(SYS_sched_getaffinity, 1, sizeof mask, &mask)));
    printf("getaffinity length 4: %s\n", res(sc(SYS_sched_getaffinity, 0, 4, &mask)));
    printf("getaffinity length 0: %s\n", res(sc(SYS_sched_getaffinity, 0, 0, &mask)));
    printf("getaffinity length 12: %s\n", res(sc(SYS_sched_getaffinity, 0, 12, &mask)));
    printf("getaffinity wild: %s\n", res(sc(SYS_sched_getaffinity, 0, 8, 16)));
    printf("getaffinity missing pid: %s\n", res(sc(SYS_sched_getaffinity, 99999, 8, &mask)));
    unsigned long cpu0 = 1, cpu1 = 2, all = ~0ul;
    printf("setaffinity cpu 0: %s\n", res(sc(SYS_sched_setaffinity, 0, sizeof cpu0, &cpu0)));
    printf("setaffinity all: %s\n", res(sc(SYS_sched_setaffinity, 0, sizeof all, &all)));
    printf("setaffinity cpu 1 only: %s\n", res(sc(SYS_sched_setaffinity, 0, sizeof cpu1, &cpu1)));
    printf("setaffinity length 0: %s\n", res(sc(SYS_sched_setaffinity, 0, 0, &cpu0)));
    printf("setaffinity length 1: %s\n", res(sc(SYS_sched_setaffinity, 0, 1, &cpu0)));
    printf("setaffinity wild: %s\n", res(sc(SYS_sched_setaffinity, 0, 8, 16)));
    printf("setaffinity missing pid: %s\n", res(sc(SYS_sched_setaffinity, 99999, 8, &cpu0)));

    child = raw_fork();
    if (child == 0) {
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("uid 1000, rt: %s\n", res(set(WHO_PROCESS, 0, PRIO(RT, 0))));
        printf("uid 1000, be/2 on itself: %s\n", res(set(WHO_PROCESS, 0, PRIO(BE, 2))));
        printf("uid 1000, be/2 on root's: %s\n", res(set(WHO_PROCESS, (int)self, PRIO(BE, 2))));
        printf("uid 1000, getting root's: %s\n", prio_text(get(WHO_PROCESS, (int)self)));
        printf("uid 1000, setaffinity of root's: %s\n", res(sc(SYS_sched_setaffinity, self, 8, &cpu0)));
        printf("uid 1000, getaffinity of root's: %s\n", res(sc(SYS_sched_getaffinity, self, 8, &mask)));
        die(0);
    }
    reap(child);
    return 0;
}
