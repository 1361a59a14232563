// exit-pdeathsig: PR_SET_PDEATHSIG: the signal a process gets when its parent dies (here the
// grandchild of a subreaper: it is reparented to us and we reap it). Its default action kills;
// an SA_SIGINFO handler sees si_pid = the dead parent. PR_GET_PDEATHSIG reads it back, 0 clears
// it, an invalid number is EINVAL, a fork child starts without one.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>

static long wait_reparented(long first) {
    WAIT_FOR(sc(SYS_getppid) != first);
    return sc(SYS_getppid);
}

static volatile int got_sig, got_code, got_pid_is_parent;
static volatile long parent_pid;
static void on_sig(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_pid_is_parent = si->si_pid == parent_pid;
}

// A middle process whose child sets a death signal and then waits (pause) to be killed by it or
// to report through its handler.
static void scenario(const char* label, int sig, int with_handler) {
    printf("-- %s --\n", label);
    long mid = raw_fork();
    if (mid == 0) {
        int ready[2];
        sc(SYS_pipe2, ready, 0);
        long mine = sc(SYS_getpid);
        long g = raw_fork();
        if (g == 0) {
            parent_pid = mine;
            if (with_handler)
                on_siginfo(sig, on_sig, 0);
            sc(SYS_prctl, PR_SET_PDEATHSIG, sig, 0, 0, 0);
            tell(ready[1]);
            wait_reparented(mine);
            WAIT_FOR(got_sig);
            die(got_sig == sig && got_pid_is_parent ? 10 : got_sig == sig ? 11 : 12);
        }
        hear(ready[0]);
        die(0);
    }
    reap(mid);
    int st = 0;
    long r = sc(SYS_wait4, -1, &st, 0, 0);
    printf("the orphan: %s\n", r > 0 ? status_text(st) : res(r));
}

int main(void) {
    sc(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int v = -1;
    long r = sc(SYS_prctl, PR_GET_PDEATHSIG, &v, 0, 0, 0);
    printf("PR_GET_PDEATHSIG at start: %s, %d\n", res(r), v);
    printf("PR_SET_PDEATHSIG SIGUSR1: %s\n", res(sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0)));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &v, 0, 0, 0);
    printf("read back: %s\n", sig_name(v));
    printf("PR_SET_PDEATHSIG 65: %s\n", res(sc(SYS_prctl, PR_SET_PDEATHSIG, 65, 0, 0, 0)));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &v, 0, 0, 0);
    printf("read back: %s\n", sig_name(v));
    printf("PR_SET_PDEATHSIG 0: %s\n", res(sc(SYS_prctl, PR_SET_PDEATHSIG, 0, 0, 0, 0)));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &v, 0, 0, 0);
    printf("read back: %d\n", v);
    printf("PR_GET_PDEATHSIG into a bad pointer: %s\n", res(sc(SYS_prctl, PR_GET_PDEATHSIG, 8, 0, 0, 0)));
    sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
    long pid = raw_fork();
    if (pid == 0) {
        int cv = -1;
        sc(SYS_prctl, PR_GET_PDEATHSIG, &cv, 0, 0, 0);
        die(cv);
    }
    printf("a fork child's death signal: %d\n", WEXITSTATUS(reap(pid)));
    sc(SYS_prctl, PR_SET_PDEATHSIG, 0, 0, 0, 0);

    scenario("SIGTERM, default action", SIGTERM, 0);
    scenario("SIGUSR1 with an SA_SIGINFO handler (10: si_pid is the dead parent)", SIGUSR1, 1);
    scenario("SIGKILL", SIGKILL, 0);
    return 0;
}
