// signal-kill: kill, tgkill and tkill: signal 0 probes, invalid signals (EINVAL), missing targets
// (ESRCH, also for kill(INT_MIN) and a process group nobody is in), tgkill's tgid/tid pairing
// and EINVAL for ids <= 0; kill(0) reaches our process group, kill(-pgid) another, kill(-1)
// everyone but init and ourselves; permissions: an unprivileged process gets EPERM for a
// root process, except SIGCONT within its session.
#include "lib/facts.h"
#include "lib/proc.h"

#include <limits.h>

static volatile int got;
static void on_usr1(int sig) {
    (void)sig;
    got = 1;
}

// A child that waits for SIGUSR1 (handler) and exits 1 if it got it; `pgrp` puts it in its
// own process group.
static long waiter(int ready_fd, int own_group) {
    long pid = raw_fork();
    if (pid == 0) {
        if (own_group)
            sc(SYS_setpgid, 0, 0);
        uint64_t none = 0;
        tell(ready_fd);
        while (!got)
            sc(SYS_rt_sigsuspend, &none, KSIGSET);
        die(1);
    }
    if (own_group)
        sc(SYS_setpgid, pid, pid);
    return pid;
}

int main(void) {
    long me = sc(SYS_getpid), tid = sc(SYS_gettid);
    on_signal(SIGUSR1, on_usr1, 0);
    uint64_t block = SIGBIT(SIGUSR1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, KSIGSET);  // children unblock in sigsuspend

    printf("-- kill --\n");
    printf("kill(self, 0): %s\n", res(sc(SYS_kill, me, 0)));
    printf("kill(self, 65): %s; kill(self, -1): %s\n", res(sc(SYS_kill, me, 65)), res(sc(SYS_kill, me, -1)));
    printf("kill(999999, 0): %s; kill(999999, 65): %s\n", res(sc(SYS_kill, 999999, 0)), res(sc(SYS_kill, 999999, 65)));
    printf("kill(INT_MIN, 0): %s\n", res(sc(SYS_kill, INT_MIN, 0)));
    printf("kill(-999999, SIGUSR1) (no such group): %s\n", res(sc(SYS_kill, -999999, SIGUSR1)));
    printf("kill(parent, 0): %s\n", res(sc(SYS_kill, sc(SYS_getppid), 0)));

    printf("-- tgkill and tkill --\n");
    printf("tgkill(us, us, 0): %s\n", res(sc(SYS_tgkill, me, tid, 0)));
    printf("tgkill(0, tid): %s; tgkill(-1, tid): %s; tgkill(us, 0): %s; tgkill(us, -5): %s\n",
           res(sc(SYS_tgkill, 0, tid, 0)), res(sc(SYS_tgkill, -1, tid, 0)), res(sc(SYS_tgkill, me, 0, 0)),
           res(sc(SYS_tgkill, me, -5, 0)));
    printf("tgkill(parent, our tid): %s; tgkill(us, 999999): %s\n", res(sc(SYS_tgkill, sc(SYS_getppid), tid, 0)),
           res(sc(SYS_tgkill, me, 999999, 0)));
    printf("tgkill(us, us, 65): %s; tgkill(999999, 999999, 65): %s\n", res(sc(SYS_tgkill, me, tid, 65)),
           res(sc(SYS_tgkill, 999999, 999999, 65)));
    printf("tkill(0): %s; tkill(-1): %s; tkill(999999): %s; tkill(us, 0): %s\n", res(sc(SYS_tkill, 0, 0)),
           res(sc(SYS_tkill, -1, 0)), res(sc(SYS_tkill, 999999, 0)), res(sc(SYS_tkill, tid, 0)));

    printf("-- groups --\n");
    int ready[2];
    sc(SYS_pipe2, ready, 0);
    long same = waiter(ready[1], 0);
    long other = waiter(ready[1], 1);
    hear(ready[0]);
    hear(ready[0]);
    printf("kill(0, SIGUSR1) (our group; ours is blocked): %s\n", res(sc(SYS_kill, 0, SIGUSR1)));
    printf("the child in our group: %s\n", status_text(reap(same)));
    printf("the other group's child still waits: %s\n", res(sc(SYS_wait4, other, 0, WNOHANG, 0)));
    printf("kill(-its pgid, SIGUSR1): %s\n", res(sc(SYS_kill, -other, SIGUSR1)));
    printf("it: %s\n", status_text(reap(other)));
    printf("our SIGUSR1 pending: %s\n", yes(pending_mask() & SIGBIT(SIGUSR1)));
    struct timespec zero = {0, 0};
    sc(SYS_rt_sigtimedwait, &block, 0, &zero, KSIGSET);
    long a = waiter(ready[1], 0), b = waiter(ready[1], 1);
    hear(ready[0]);
    hear(ready[0]);
    printf("kill(-1, SIGUSR1): %s\n", res(sc(SYS_kill, -1, SIGUSR1)));
    printf("children: %s, %s\n", status_text(reap(a)), status_text(reap(b)));
    printf("sent to us too: %s\n", yes(pending_mask() & SIGBIT(SIGUSR1)));

    printf("-- permissions --\n");
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setresuid, 65534, 65534, 65534);
        printf("uid 65534 -> root parent: kill 0 %s, SIGUSR1 %s, SIGCONT (same session) %s\n",
               res(sc(SYS_kill, me, 0)), res(sc(SYS_kill, me, SIGUSR1)), res(sc(SYS_kill, me, SIGCONT)));
        printf("tgkill %s, tkill %s\n", res(sc(SYS_tgkill, me, tid, SIGUSR1)), res(sc(SYS_tkill, tid, SIGUSR1)));
        printf("kill(1, 0) (init): %s\n", res(sc(SYS_kill, 1, 0)));
        long g = raw_fork();
        if (g == 0) {
            for (;;)
                sc(SYS_pause);
        }
        printf("uid 65534 -> its own uid 65534 child: SIGTERM %s\n", res(sc(SYS_kill, g, SIGTERM)));
        int st;
        sc(SYS_wait4, g, &st, 0, 0);
        printf("which died: %s\n", status_text(st));
        die(0);
    }
    reap(pid);
    printf("our SIGUSR1 pending: %s\n", yes(pending_mask() & SIGBIT(SIGUSR1)));
    return 0;
}
