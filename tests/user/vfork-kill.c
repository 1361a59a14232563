// vfork-kill: a vfork parent waits for its child killably (found by the fuzzer,
// docs/reliability.md). A vfork child that stops itself leaves its parent waiting: SIGKILL
// still ends the parent, the child lives on (reparented to this subreaper) until it is killed
// too. The same for a pid namespace's init whose vfork child stops: SIGKILL from the parent
// namespace ends it, and its death takes the child with it (the init reaps it: ECHILD here).
#include "lib/facts.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>

static void on_alarm(int sig) { (void)sig; }

// wait4 with a time limit (EINTR when it runs out).
static long wait_for(long pid, int* status, int options, long ms) {
    struct itimerval t = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &t, NULL);
    long r = sc(SYS_wait4, pid, status, options, 0);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    return r;
}

// The parent's part: vfork a child that stops itself, then exit once it is released.
static void vfork_a_stopping_child(void) {
    long child = sc(SYS_vfork);
    if (child == 0) {
        sc(SYS_kill, sc(SYS_getpid), SIGSTOP);
        sc(SYS_exit, 0);
    }
    sc(SYS_exit_group, 0);
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    prctl(PR_SET_CHILD_SUBREAPER, 1);

    long parent = fork();
    if (parent == 0)
        vfork_a_stopping_child();
    int status = 0;
    printf("the vfork parent still waits after 300 ms: %s\n", res(wait_for(parent, &status, 0, 300)));
    kill(parent, SIGKILL);
    long r = wait_for(parent, &status, 0, 2000);
    printf("SIGKILL ends it: %s, by signal %d\n", yes(r == parent), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    r = wait_for(-1, &status, WUNTRACED, 2000);
    printf("its child, now ours, is stopped: %s\n", yes(r > 0 && WIFSTOPPED(status)));
    kill((pid_t)r, SIGKILL);
    r = wait_for(-1, &status, 0, 2000);
    printf("and killed too: %s, by signal %d\n", yes(r > 0), WIFSIGNALED(status) ? WTERMSIG(status) : 0);

    long init = sc(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (init == 0)
        vfork_a_stopping_child();
    printf("a namespace's init still waits after 300 ms: %s\n", res(wait_for(init, &status, 0, 300)));
    kill(init, SIGKILL);
    r = wait_for(init, &status, 0, 2000);
    printf("SIGKILL ends it: %s, by signal %d\n", yes(r == init), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    printf("its stopped child went with it: %s\n", res(wait_for(-1, &status, __WALL, 2000)));
    return 0;
}
