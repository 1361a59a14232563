// fork-nproc: RLIMIT_NPROC counts the processes of a user (real uid): a child that turned into
// uid 65534 with a limit of 2 may fork once, then fork fails with EAGAIN until that child is
// reaped (a zombie still counts); root (uid 0, the INIT_USER) is never limited.
#include "lib/facts.h"
#include "lib/proc.h"

int main(void) {
    printf("uid %ld\n", sc(SYS_getuid));
    struct rlimit zero = {0, 0};
    long pid = raw_fork();
    if (pid == 0) {
        printf("root with RLIMIT_NPROC 0: setrlimit %s\n", res(sc(SYS_setrlimit, RLIMIT_NPROC, &zero)));
        long g = raw_fork();
        if (g == 0)
            die(0);
        printf("root forks anyway: %s\n", yes(g > 0));
        if (g > 0)
            reap(g);
        die(0);
    }
    reap(pid);

    pid = raw_fork();
    if (pid == 0) {
        struct rlimit two = {2, 2};
        printf("setrlimit NPROC 2: %s\n", res(sc(SYS_setrlimit, RLIMIT_NPROC, &two)));
        printf("setresuid 65534: %s\n", res(sc(SYS_setresuid, 65534, 65534, 65534)));
        int gate[2];
        sc(SYS_pipe2, gate, 0);
        long a = raw_fork();
        if (a == 0) {
            hear(gate[0]);
            die(0);
        }
        printf("first fork (2 processes of uid 65534): %s\n", a > 0 ? "a child" : res(a));
        long b = raw_fork();
        if (b == 0)
            die(0);
        printf("second fork (would be 3): %s\n", b > 0 ? "a child" : res(b));
        tell(gate[1]);
        siginfo_t si;
        sc(SYS_waitid, P_PID, a, &si, WEXITED | WNOWAIT, 0);
        b = raw_fork();
        if (b == 0)
            die(0);
        printf("the first is a zombie, fork: %s\n", b > 0 ? "a child" : res(b));
        reap(a);
        b = raw_fork();
        if (b == 0)
            die(0);
        printf("after reaping it, fork: %s\n", b > 0 ? "a child" : res(b));
        if (b > 0)
            reap(b);
        printf("and again: ");
        long c = raw_fork();
        if (c == 0)
            die(0);
        printf("%s\n", c > 0 ? "a child" : res(c));
        if (c > 0)
            reap(c);
        die(0);
    }
    printf("child: %s\n", status_text(reap(pid)));
    return 0;
}
