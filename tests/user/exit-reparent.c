// exit-reparent: when a process dies its children go to the nearest living ancestor that set
// PR_SET_CHILD_SUBREAPER, else to init (pid 1); they see the new parent in getppid, the new
// parent gets their SIGCHLD and reaps them, a zombie orphan is announced to the new parent at
// once, and a child whose exit signal was not SIGCHLD is reset to SIGCHLD on the way. The
// subreaper flag is not inherited by fork.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>

static long me;

// Waits (at most 3 s) until our parent is no longer `first` (it died and the kernel
// reparented us); returns the new parent's pid.
static long wait_reparented(long first) {
    WAIT_FOR(sc(SYS_getppid) != first);
    return sc(SYS_getppid);
}

static int grandchild_report(void* arg) {
    long now = wait_reparented((long)arg);
    return now == 1 ? 1 : now == me ? 2 : 3;
}

int main(void) {
    me = sc(SYS_getpid);
    int sr = -1;
    long r0 = sc(SYS_prctl, PR_GET_CHILD_SUBREAPER, &sr, 0, 0, 0);
    printf("PR_GET_CHILD_SUBREAPER at start: %s, %d\n", res(r0), sr);

    printf("-- no subreaper: orphans go to init --\n");
    int res_pipe[2];
    sc(SYS_pipe2, res_pipe, 0);
    long mid = raw_fork();
    if (mid == 0) {
        long mine = sc(SYS_getpid);
        long g = raw_fork();
        if (g == 0) {
            long pp = wait_reparented(mine);
            char v = pp == 1 ? 'I' : pp == me ? 'U' : '?';
            sc(SYS_write, res_pipe[1], &v, 1);
            die(0);
        }
        die(0);
    }
    printf("middle: %s\n", status_text(reap(mid)));
    char v = 0;
    sc(SYS_read, res_pipe[0], &v, 1);
    printf("orphan's getppid: %s\n", v == 'I' ? "1 (init)" : v == 'U' ? "us" : "other");

    printf("-- we are a subreaper --\n");
    printf("PR_SET_CHILD_SUBREAPER: %s\n", res(sc(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)));
    sc(SYS_prctl, PR_GET_CHILD_SUBREAPER, &sr, 0, 0, 0);
    printf("PR_GET_CHILD_SUBREAPER: %d\n", sr);
    uint64_t chld = SIGBIT(SIGCHLD);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &chld, 0, KSIGSET);
    int pids[2];
    sc(SYS_pipe2, pids, 0);
    mid = raw_fork();
    if (mid == 0) {
        int fsr = -1;
        sc(SYS_prctl, PR_GET_CHILD_SUBREAPER, &fsr, 0, 0, 0);
        // A: a normal child that outlives us; B: a clone child (exit signal SIGUSR1) likewise;
        // Z: a child that is already a zombie when we die.
        long a = proc_clone(SIGCHLD, child_stack(), NULL, NULL, 0, grandchild_report, (void*)sc(SYS_getpid));
        long b = proc_clone(SIGUSR1, child_stack(), NULL, NULL, 0, grandchild_report, (void*)sc(SYS_getpid));
        long z = raw_fork();
        if (z == 0)
            die(9);
        siginfo_t si;
        sc(SYS_waitid, P_PID, z, &si, WEXITED | WNOWAIT, 0);
        long all[3] = {a, b, z};
        sc(SYS_write, pids[1], all, sizeof all);
        die(fsr == 0 ? 0 : 1);
    }
    long all[3];
    sc(SYS_read, pids[0], all, sizeof all);
    printf("middle (exit 0: the subreaper flag was not inherited): %s\n", status_text(reap(mid)));
    // The zombie was handed to us: it is reapable right away.
    int st = 0;
    long r = sc(SYS_wait4, all[2], &st, WNOHANG, 0);
    printf("the zombie orphan is ours to reap at once: %s\n", r == all[2] ? status_text(st) : res(r));
    r = sc(SYS_wait4, all[0], &st, 0, 0);
    printf("orphan A, reaped by us: %s (2: its getppid became us)\n", r == all[0] ? status_text(st) : res(r));
    r = sc(SYS_wait4, all[1], &st, 0, 0);
    printf("orphan B (exit signal was SIGUSR1), reaped without __WCLONE: %s\n",
           r == all[1] ? status_text(st) : res(r));
    if (r != all[1]) {
        r = sc(SYS_wait4, all[1], &st, __WALL, 0);
        printf("  with __WALL: %s\n", r == all[1] ? status_text(st) : res(r));
    }
    printf("SIGCHLD pending: %s\n", yes(pending_mask() & SIGBIT(SIGCHLD)));
    printf("no child left: %s\n", res(sc(SYS_wait4, -1, &st, WNOHANG | __WALL, 0)));

    printf("-- the nearest subreaper wins --\n");
    mid = raw_fork();
    if (mid == 0) {
        sc(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        long inner = raw_fork();
        if (inner == 0) {
            long inner_pid = sc(SYS_getpid);
            long g = raw_fork();
            if (g == 0)
                die(wait_reparented(inner_pid) == me ? 2 : 5);
            die(0);
        }
        int ist;
        sc(SYS_wait4, inner, &ist, 0, 0);
        int gst = 0;
        long got = sc(SYS_wait4, -1, &gst, 0, 0);
        die(got > 0 && WIFEXITED(gst) ? WEXITSTATUS(gst) : 99);
    }
    printf("the middle subreaper reaped the orphan (5: its getppid was the middle): %s\n", status_text(reap(mid)));
    return 0;
}
