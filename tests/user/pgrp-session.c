// pgrp-session: process groups and sessions: getpgid/getpgrp/getsid for ourselves, a child and a
// missing pid (ESRCH); setpgid(0, 0) makes a group leader, moves a child into another group of
// the session, and refuses: a negative pgid (EINVAL), a pid that is not us or our child (ESRCH),
// a child that has exec'd (EACCES), a group in another session (EPERM), a session leader
// (EPERM), a child in another session (EPERM); setsid makes a new session and group (and
// EPERM for a group leader); a fork child inherits both.
#include "lib/facts.h"
#include "lib/proc.h"

static long me;

static const char* who(long id) {
    static char bufs[4][32];
    static int next;
    char* b = bufs[next++ % 4];
    if (id < 0)
        return res(id);
    snprintf(b, 32, "%s", id == me ? "us" : id == 0 ? "0" : "other");
    return b;
}

// A child that waits on fd before exiting (or execs when exec_it).
static long child(int fd, int exec_it, char* self) {
    long pid = raw_fork();
    if (pid == 0) {
        if (exec_it) {
            char* args[] = {self, "wait", NULL};
            char* env[] = {NULL};
            sc(SYS_dup2, fd, 0);
            sc(SYS_execve, self, args, env);
        }
        hear(fd);
        die(0);
    }
    return pid;
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "wait")) {
        hear(0);
        return 0;
    }
    me = sc(SYS_getpid);
    long r;
    long pg = sc(SYS_getpgid, 0), sid = sc(SYS_getsid, 0);
    printf("getpgid(0) == getpgrp: %s; == getpgid(us): %s\n", yes(pg == sc(SYS_getpgrp)),
           yes(pg == sc(SYS_getpgid, me)));
    printf("we lead our group: %s; our session: %s\n", yes(pg == me), yes(sid == me));
    printf("getpgid(999999): %s; getsid(999999): %s; getsid(parent) is ours: %s\n", res(sc(SYS_getpgid, 999999)),
           res(sc(SYS_getsid, 999999)), yes(sc(SYS_getsid, sc(SYS_getppid)) == sid));
    printf("getpgid(-1): %s\n", res(sc(SYS_getpgid, -1)));

    printf("-- setpgid --\n");
    printf("setpgid(0, -1): %s\n", res(sc(SYS_setpgid, 0, -1)));
    printf("setpgid(parent, 0): %s; setpgid(999999, 0): %s\n", res(sc(SYS_setpgid, sc(SYS_getppid), 0)),
           res(sc(SYS_setpgid, 999999, 0)));
    r = sc(SYS_setpgid, 0, 0);
    printf("setpgid(0, 0): %s; now our group is %s\n", res(r), who(sc(SYS_getpgid, 0)));
    printf("setpgid(0, 999999): %s\n", res(sc(SYS_setpgid, 0, 999999)));
    int g[2];
    sc(SYS_pipe2, g, 0);
    long a = child(g[0], 0, argv[0]);
    printf("child A in our group: %s\n", who(sc(SYS_getpgid, a)));
    r = sc(SYS_setpgid, a, a);
    printf("setpgid(A, A): %s; A's group is A: %s\n", res(r), yes(sc(SYS_getpgid, a) == a));
    long b = child(g[0], 0, argv[0]);
    r = sc(SYS_setpgid, b, a);
    printf("setpgid(B, A's group): %s; B's group is A's: %s\n", res(r), yes(sc(SYS_getpgid, b) == a));
    r = sc(SYS_setpgid, b, 0);
    printf("setpgid(B, 0) back to a group of its own: %s, B leads it: %s\n", res(r), yes(sc(SYS_getpgid, b) == b));
    printf("setpgid(B, us) back into ours: %s\n", res(sc(SYS_setpgid, b, me)));
    long e = child(g[0], 1, argv[0]);
    // Until the child has exec'd, setpgid works: move it back and forth until it refuses.
    int tries = 0;
    while ((r = sc(SYS_setpgid, e, e)) == 0 && tries++ < 200) {
        sc(SYS_setpgid, e, me);
        sleep_ms(5);
    }
    printf("setpgid on a child after its exec: %s\n", res(r));

    printf("-- setsid --\n");
    printf("setsid as a group leader: %s\n", res(sc(SYS_setsid)));
    int ready[2], report[2];
    sc(SYS_pipe2, ready, 0);
    sc(SYS_pipe2, report, 0);
    long s = raw_fork();
    if (s == 0) {
        long ns = sc(SYS_setsid);
        long mine = sc(SYS_getpid);
        long res4[4];
        res4[0] = ns == mine;
        res4[1] = sc(SYS_getsid, 0) == mine;
        res4[2] = sc(SYS_getpgid, 0) == mine;
        res4[3] = sc(SYS_setsid);
        sc(SYS_write, report[1], res4, sizeof res4);
        long res2[2];
        res2[0] = sc(SYS_setpgid, 0, me);
        res2[1] = sc(SYS_setpgid, 0, 0);
        sc(SYS_write, report[1], res2, sizeof res2);
        long sub = raw_fork();
        if (sub == 0) {
            long ok = sc(SYS_getsid, 0) == mine && sc(SYS_getpgid, 0) == mine;
            die((int)ok);
        }
        int st;
        sc(SYS_wait4, sub, &st, 0, 0);
        long inherit = WEXITSTATUS(st);
        sc(SYS_write, report[1], &inherit, sizeof inherit);
        tell(ready[1]);
        hear(g[0]);
        die(0);
    }
    long res4[4], res2[2], inherit;
    sc(SYS_read, report[0], res4, sizeof res4);
    sc(SYS_read, report[0], res2, sizeof res2);
    sc(SYS_read, report[0], &inherit, sizeof inherit);
    hear(ready[0]);
    printf("child's setsid returns its pid %s; its session %s and group %s are its pid; setsid again: %s\n",
           yes(res4[0]), yes(res4[1]), yes(res4[2]), res(res4[3]));
    printf("the session leader's setpgid into our group: %s; setpgid(0, 0): %s\n", res(res2[0]), res(res2[1]));
    printf("its fork child inherits session and group: %s\n", yes(inherit));
    printf("we see its session: %s; its group: %s\n", yes(sc(SYS_getsid, s) == s), yes(sc(SYS_getpgid, s) == s));
    printf("setpgid(it, it) from here (another session): %s\n", res(sc(SYS_setpgid, s, s)));
    printf("setpgid(A, its group, another session): %s\n", res(sc(SYS_setpgid, a, s)));
    for (int i = 0; i < 4; ++i)
        tell(g[1]);
    reap(a);
    reap(b);
    reap(e);
    reap(s);
    return 0;
}
