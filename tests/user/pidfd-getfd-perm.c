// pidfd-getfd-perm: pidfd_getfd's permission is ptrace's (PTRACE_MODE_ATTACH_REALCREDS): root
// (CAP_SYS_PTRACE) may take a descriptor from an unprivileged process; an unprivileged process
// may not take one from root's, nor from one of its own ids that is not dumpable (a setuid
// made it so) until it says PR_SET_DUMPABLE 1. PR_GET_DUMPABLE before and after.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>

int main(void) {
    int ready[2], go[2];
    sc(SYS_pipe2, ready, 0);
    sc(SYS_pipe2, go, 0);
    long child = raw_fork();
    if (child == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        long before = sc(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
        tell(ready[1]);
        hear(go[0]);
        long bad = sc(SYS_prctl, PR_SET_DUMPABLE, 2, 0, 0, 0);
        sc(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
        long after = sc(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
        printf("child: dumpable after setresuid %s; PR_SET_DUMPABLE 2: %s; then 1: dumpable %s\n", res(before),
               res(bad), res(after));
        fflush(stdout);
        tell(ready[1]);
        hear(go[0]);
        die(0);
    }
    hear(ready[0]);
    long pidfd = sc(SYS_pidfd_open, child, 0);
    long fd = sc(SYS_pidfd_getfd, pidfd, 1, 0);
    printf("root takes the unprivileged child's stdout: %s\n", fd >= 0 ? "yes" : res(fd));
    if (fd >= 0)
        sc(SYS_close, fd);
    long prober = raw_fork();
    if (prober == 0) {
        long me_fd = sc(SYS_pidfd_open, sc(SYS_getppid), 0);
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        long sibling_fd = sc(SYS_pidfd_open, child, 0);
        long a = sc(SYS_pidfd_getfd, me_fd, 1, 0);
        long b = sc(SYS_pidfd_getfd, sibling_fd, 1, 0);
        printf("uid 1000 takes from root: %s; from another uid 1000 process: %s\n", res(a < 0 ? a : 0),
               res(b < 0 ? b : 0));
        fflush(stdout);
        die(0);
    }
    reap(prober);
    tell(go[1]);
    hear(ready[0]);
    prober = raw_fork();
    if (prober == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        long sibling_fd = sc(SYS_pidfd_open, child, 0);
        long b = sc(SYS_pidfd_getfd, sibling_fd, 1, 0);
        printf("uid 1000 takes from the dumpable uid 1000 process: %s\n", res(b < 0 ? b : 0));
        fflush(stdout);
        die(0);
    }
    reap(prober);
    tell(go[1]);
    reap(child);
    return 0;
}
