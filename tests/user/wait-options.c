// wait-options: wait4 and waitid arguments and rules: WNOHANG (0 while the child runs, then its
// pid), waitid WNOWAIT (the zombie stays), waitid's siginfo (si_signo SIGCHLD, si_code, si_pid,
// si_uid, si_status) and its zeroed siginfo under WNOHANG, ECHILD (no children, not our child),
// which pids match (a pid, -1, 0 = our group, -pgid; P_PID, P_PGID with 0 = our group, P_ALL),
// and the EINVAL/ESRCH cases (unknown options, waitid without WEXITED/WSTOPPED/WCONTINUED, a bad
// idtype, P_PID 0, negative ids, wait4(INT_MIN)), and EFAULT for bad status, siginfo and
// rusage pointers (the child has been reaped all the same: the copy-out comes after).
#include "lib/facts.h"
#include "lib/proc.h"

#include <limits.h>

static long child_waiting(int fd, int code) {
    long pid = raw_fork();
    if (pid == 0) {
        hear(fd);
        die(code);
    }
    return pid;
}

static long child_exiting(int code) {
    long pid = raw_fork();
    if (pid == 0)
        die(code);
    siginfo_t si;
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    return pid;
}

int main(void) {
    int st = 0;
    siginfo_t si;
    printf("-- no children --\n");
    printf("wait4(-1): %s; WNOHANG: %s\n", res(sc(SYS_wait4, -1, &st, 0, 0)), res(sc(SYS_wait4, -1, &st, WNOHANG, 0)));
    printf("waitid P_ALL: %s\n", res(sc(SYS_waitid, P_ALL, 0, &si, WEXITED, 0)));
    printf("wait4(our parent): %s; wait4(999999): %s\n", res(sc(SYS_wait4, sc(SYS_getppid), &st, 0, 0)),
           res(sc(SYS_wait4, 999999, &st, 0, 0)));

    printf("-- WNOHANG --\n");
    int gate[2];
    sc(SYS_pipe2, gate, 0);
    long pid = child_waiting(gate[0], 7);
    printf("running: wait4 WNOHANG %s\n", res(sc(SYS_wait4, pid, &st, WNOHANG, 0)));
    memset(&si, 0x55, sizeof si);
    long r = sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, 0);
    printf("running: waitid WNOHANG %s, si_signo %d si_pid %d (zeroed)\n", res(r), si.si_signo, si.si_pid);
    tell(gate[1]);
    r = sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    printf("exited: waitid WNOWAIT %s; si_signo %s, %s, si_pid matches %s, si_uid %d, si_status %d\n", res(r),
           sig_name(si.si_signo), code_name(si.si_code), yes(si.si_pid == pid), si.si_uid, si.si_status);
    r = sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    printf("again WNOWAIT: %s, still there\n", res(r));
    r = sc(SYS_wait4, pid, &st, WNOHANG, 0);
    printf("wait4 WNOHANG now: the pid %s, %s\n", yes(r == pid), status_text(st));
    printf("once more: %s\n", res(sc(SYS_wait4, pid, &st, WNOHANG, 0)));

    printf("-- waitid with a NULL siginfo, wait4 with a NULL status --\n");
    pid = child_exiting(1);
    printf("waitid NULL: %s\n", res(sc(SYS_waitid, P_PID, pid, 0, WEXITED, 0)));
    pid = child_exiting(1);
    r = sc(SYS_wait4, pid, 0, 0, 0);
    printf("wait4 NULL: the pid %s\n", yes(r == pid));

    printf("-- bad pointers --\n");
    for (int i = 0; i < 4; ++i) {
        static const char* what[] = {"wait4 status 8", "wait4 rusage 8", "waitid siginfo 8", "waitid rusage 8"};
        pid = child_exiting(2);
        if (i == 0)
            r = sc(SYS_wait4, pid, 8, 0, 0);
        else if (i == 1)
            r = sc(SYS_wait4, pid, &st, 0, 8);
        else if (i == 2)
            r = sc(SYS_waitid, P_PID, pid, 8, WEXITED, 0);
        else
            r = sc(SYS_waitid, P_PID, pid, &si, WEXITED, 8);
        printf("%s: %s; ", what[i], r == pid ? "the pid" : res(r));
        r = sc(SYS_wait4, pid, &st, WNOHANG, 0);
        printf("the child after it: %s\n", r == pid ? status_text(st) : res(r));
    }

    printf("-- invalid arguments --\n");
    pid = child_exiting(3);
    printf("wait4 options 0x10000: %s\n", res(sc(SYS_wait4, pid, &st, 0x10000, 0)));
    printf("wait4 WNOWAIT (waitid only): %s\n", res(sc(SYS_wait4, pid, &st, WNOWAIT, 0)));
    r = sc(SYS_wait4, pid, &st, WEXITED | WNOHANG, 0);
    printf("wait4 WEXITED (waitid only): %s\n", r == pid ? "reaped the child" : res(r));
    if (r != pid)
        reap(pid);
    pid = child_exiting(3);
    printf("wait4(INT_MIN): %s\n", res(sc(SYS_wait4, INT_MIN, &st, 0, 0)));
    printf("waitid options 0: %s\n", res(sc(SYS_waitid, P_PID, pid, &si, 0, 0)));
    printf("waitid WNOHANG only: %s\n", res(sc(SYS_waitid, P_PID, pid, &si, WNOHANG, 0)));
    printf("waitid options 0x10000|WEXITED: %s\n", res(sc(SYS_waitid, P_PID, pid, &si, 0x10000 | WEXITED, 0)));
    printf("waitid idtype 7: %s\n", res(sc(SYS_waitid, 7, pid, &si, WEXITED, 0)));
    printf("waitid P_PID 0: %s; P_PID -1: %s\n", res(sc(SYS_waitid, P_PID, 0, &si, WEXITED, 0)),
           res(sc(SYS_waitid, P_PID, -1, &si, WEXITED, 0)));
    printf("waitid P_PGID -1: %s\n", res(sc(SYS_waitid, P_PGID, -1, &si, WEXITED, 0)));
    printf("waitid P_PID of a non-child: %s\n", res(sc(SYS_waitid, P_PID, sc(SYS_getppid), &si, WEXITED, 0)));
    r = sc(SYS_wait4, pid, &st, 0, 0);
    printf("the child after those: %s\n", r == pid ? status_text(st) : res(r));

    printf("-- which children match --\n");
    long a = child_exiting(10);                 // our group
    long b = raw_fork();                        // its own group
    if (b == 0) {
        sc(SYS_setpgid, 0, 0);
        die(11);
    }
    sc(SYS_setpgid, b, b);
    sc(SYS_waitid, P_PID, b, &si, WEXITED | WNOWAIT, 0);
    r = sc(SYS_wait4, 0, &st, WNOHANG, 0);
    printf("wait4(0) (our group) takes A: %s, %s\n", yes(r == a), status_text(st));
    printf("wait4(0) again: %s\n", res(sc(SYS_wait4, 0, &st, WNOHANG, 0)));
    r = sc(SYS_wait4, -b, &st, WNOHANG, 0);
    printf("wait4(-pgid of B) takes B: %s, %s\n", yes(r == b), status_text(st));
    a = child_exiting(12);
    b = raw_fork();
    if (b == 0) {
        sc(SYS_setpgid, 0, 0);
        die(13);
    }
    sc(SYS_setpgid, b, b);
    sc(SYS_waitid, P_PID, b, &si, WEXITED | WNOWAIT, 0);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PGID, b, &si, WEXITED, 0);
    printf("waitid P_PGID B's group: %s, B %s, status %d\n", res(r), yes(si.si_pid == b), si.si_status);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PGID, 0, &si, WEXITED | WNOHANG, 0);
    printf("waitid P_PGID 0 (our group): %s, A %s, status %d\n", res(r), yes(si.si_pid == a), si.si_status);
    a = child_exiting(14);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_ALL, 12345, &si, WEXITED, 0);
    printf("waitid P_ALL (id ignored): %s, status %d\n", res(r), si.si_status);
    printf("wait4(-999999): %s\n", res(sc(SYS_wait4, -999999, &st, WNOHANG, 0)));
    return 0;
}
