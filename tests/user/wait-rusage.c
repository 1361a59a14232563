// wait-rusage: the resource usage wait4 returns for a reaped child and getrusage
// RUSAGE_CHILDREN: a child that burns 100 ms of CPU and touches 256 pages reports CPU time and
// page faults and a maximum resident size; nothing is counted for a child only peeked at with
// WNOWAIT; a WNOHANG wait4 that finds nothing leaves the rusage buffer alone; grandchildren
// reaped by the child are included.
#include "lib/facts.h"
#include "lib/proc.h"

static long ms(struct timeval tv) {
    return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void burn(long cpu_ms) {
    struct timespec t;
    do {
        for (volatile int i = 0; i < 10000; ++i) {
        }
        sc(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &t);
    } while (t.tv_sec * 1000 + t.tv_nsec / 1000000 < cpu_ms);
}

static void touch(int pages) {
    char* m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < pages; ++i)
        m[i * PAGE] = 1;
}

int main(void) {
    struct rusage ru, ch, ch0;
    sc(SYS_getrusage, RUSAGE_CHILDREN, &ch0);  // lib/proc.h's fork probe is in it already

    long pid = raw_fork();
    if (pid == 0) {
        touch(256);
        burn(100);
        die(0);
    }
    siginfo_t si;
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    sc(SYS_getrusage, RUSAGE_CHILDREN, &ch);
    printf(
        "after WNOWAIT: children's totals unchanged: %s\n",
        yes(ch.ru_minflt == ch0.ru_minflt && ms(ch.ru_utime) + ms(ch.ru_stime) == ms(ch0.ru_utime) + ms(ch0.ru_stime)));
    memset(&ru, 0, sizeof ru);
    int st;
    long r = sc(SYS_wait4, pid, &st, 0, &ru);
    printf("wait4 with rusage: the pid %s\n", yes(r == pid));
    printf("child cpu >= 80 ms: %s; minflt >= 256: %s; maxrss >= 1024 KiB: %s\n",
           yes(ms(ru.ru_utime) + ms(ru.ru_stime) >= 80), yes(ru.ru_minflt >= 256), yes(ru.ru_maxrss >= 1024));
    sc(SYS_getrusage, RUSAGE_CHILDREN, &ch);
    printf("children's totals now include it: cpu >= 80 ms more %s, minflt >= 256 more %s\n",
           yes(ms(ch.ru_utime) + ms(ch.ru_stime) - ms(ch0.ru_utime) - ms(ch0.ru_stime) >= 80),
           yes(ch.ru_minflt - ch0.ru_minflt >= 256));
    long before_flt = ch.ru_minflt;

    printf("-- a child that reaps its own child --\n");
    pid = raw_fork();
    if (pid == 0) {
        long g = raw_fork();
        if (g == 0) {
            touch(512);
            die(0);
        }
        int gst;
        sc(SYS_wait4, g, &gst, 0, 0);
        die(0);
    }
    memset(&ru, 0, sizeof ru);
    sc(SYS_wait4, pid, &st, 0, &ru);
    printf("its rusage includes the grandchild's 512 faults: %s\n", yes(ru.ru_minflt >= 512));
    sc(SYS_getrusage, RUSAGE_CHILDREN, &ch);
    printf("our totals grew by as much: %s\n", yes(ch.ru_minflt - before_flt >= 512));

    printf("-- WNOHANG with nothing to reap --\n");
    int gate[2];
    sc(SYS_pipe2, gate, 0);
    pid = raw_fork();
    if (pid == 0) {
        hear(gate[0]);
        die(0);
    }
    memset(&ru, 0x55, sizeof ru);
    r = sc(SYS_wait4, pid, &st, WNOHANG, &ru);
    int untouched = 1;
    for (size_t i = 0; i < sizeof ru; ++i)
        untouched &= ((unsigned char*)&ru)[i] == 0x55;
    printf("wait4: %s; rusage buffer untouched: %s\n", res(r), yes(untouched));
    tell(gate[1]);
    reap(pid);
    printf("getrusage RUSAGE_CHILDREN into a bad pointer: %s; who 5: %s\n", res(sc(SYS_getrusage, RUSAGE_CHILDREN, 8)),
           res(sc(SYS_getrusage, 5, &ch)));
    return 0;
}
