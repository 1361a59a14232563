// clone-pidfd: CLONE_PIDFD with legacy clone: the pidfd is written where parent_tid points
// (the lowest free descriptor, close-on-exec), poll reports it readable once the child has
// exited, pidfd_send_signal signals through it, waitid(P_PIDFD) waits through it; a bad
// pointer for it is EFAULT and leaves no child and no descriptor behind.
#include "lib/facts.h"
#include "lib/proc.h"

#include <poll.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static int sleeper(void* arg) {
    (void)arg;
    for (;;)
        sc(SYS_pause);
    return 0;
}
static int quick(void* arg) {
    (void)arg;
    return 4;
}

int main(void) {
    int pidfd = -1;
    long pid = proc_clone(CLONE_PIDFD | SIGCHLD, child_stack(), &pidfd, NULL, 0, sleeper, NULL);
    printf("clone: a child %s; pidfd %d, FD_CLOEXEC %s\n", yes(pid > 0), pidfd,
           yes(sc(SYS_fcntl, pidfd, F_GETFD) == FD_CLOEXEC));
    struct pollfd pf = {pidfd, POLLIN, 0};
    printf("poll while it runs: %s\n", res(sc(SYS_poll, &pf, 1, 0)));
    printf("pidfd_send_signal SIGTERM: %s\n", res(sc(SYS_pidfd_send_signal, pidfd, SIGTERM, 0, 0)));
    pf.revents = 0;
    long r = sc(SYS_poll, &pf, 1, 5000);
    printf("poll after: %s, POLLIN %s\n", res(r), yes(pf.revents & POLLIN));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, 0);
    printf("waitid P_PIDFD: %s, %s %s, si_pid matches %s\n", res(r), code_name(si.si_code), sig_name(si.si_status),
           yes(si.si_pid == pid));
    printf("pidfd_send_signal to the reaped child: %s\n", res(sc(SYS_pidfd_send_signal, pidfd, SIGTERM, 0, 0)));
    sc(SYS_close, pidfd);

    pidfd = -1;
    pid = proc_clone(CLONE_PIDFD | SIGCHLD, child_stack(), &pidfd, NULL, 0, quick, NULL);
    int st = reap(pid);
    printf("a child reaped by wait4: %s; its pidfd %d still open %s\n", status_text(st), pidfd,
           yes(sc(SYS_fcntl, pidfd, F_GETFD) >= 0));
    memset(&si, 0, sizeof si);
    printf("waitid P_PIDFD on it: %s\n", res(sc(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED | WNOHANG, 0)));
    sc(SYS_close, pidfd);

    printf("-- errors --\n");
    pid = proc_clone(CLONE_PIDFD | SIGCHLD, child_stack(), (int*)8, NULL, 0, quick, NULL);
    printf("pidfd pointer 8: %s\n", pid > 0 ? "a child" : res(pid));
    printf("no child left: %s; fd 3 free: %s\n", res(sc(SYS_wait4, -1, &st, WNOHANG | __WALL, 0)),
           yes(sc(SYS_fcntl, 3, F_GETFD) == -EBADF));
    printf("waitid P_PIDFD on fd 0 (not a pidfd): %s; on fd 99: %s\n",
           res(sc(SYS_waitid, P_PIDFD, 0, &si, WEXITED | WNOHANG, 0)),
           res(sc(SYS_waitid, P_PIDFD, 99, &si, WEXITED, 0)));
    return 0;
}
