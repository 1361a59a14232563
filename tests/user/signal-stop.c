// signal-stop: stopping and continuing a child: SIGSTOP and SIGTSTP stop it, wait4 WUNTRACED
// reports 0x137f-style statuses and WCONTINUED 0xffff, waitid WSTOPPED/WCONTINUED give
// CLD_STOPPED/CLD_CONTINUED, each state change is reported once, the parent gets SIGCHLD with
// those codes unless SA_NOCLDSTOP, SIGKILL ends a stopped child, a signal sent to a stopped
// child stays pending until SIGCONT, and a nanosleep cut by a stop resumes transparently
// (restart_syscall) and sleeps its full length. SIGCHLD is blocked and taken with
// rt_sigtimedwait, one event at a time. The program starts its own session, so its own process
// group is orphaned (SIGTSTP does not stop its members) while a child's own group, whose parent
// is in another group of the same session, is not.
#include "lib/facts.h"
#include "lib/proc.h"

static void on_chld(int sig) { (void)sig; }

// A child in its own process group (not orphaned: we are its parent, in the same session).
static long spinner(void) {
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setpgid, 0, 0);
        for (;;)
            sc(SYS_pause);
    }
    sc(SYS_setpgid, pid, pid);
    return pid;
}

// The next SIGCHLD (waiting up to 5 s, or not at all when wait_ms is 0).
static void next_chld(long pid, long wait_ms) {
    uint64_t set = SIGBIT(SIGCHLD);
    struct timespec t = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = sc(SYS_rt_sigtimedwait, &set, &si, &t, KSIGSET);
    if (r < 0)
        printf("  SIGCHLD: %s\n", res(r));
    else
        printf("  SIGCHLD: %s, si_pid matches %s, si_status %s\n", code_name(si.si_code), yes(si.si_pid == pid),
               si.si_code == CLD_EXITED ? res(si.si_status) : sig_name(si.si_status));
}

int main(void) {
    int st;
    siginfo_t si;
    on_signal(SIGCHLD, on_chld, 0);
    uint64_t chld = SIGBIT(SIGCHLD);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &chld, 0, KSIGSET);
    printf("setsid: a new session %s\n", yes(sc(SYS_setsid) == sc(SYS_getpid)));

    long pid = spinner();
    sc(SYS_kill, pid, SIGSTOP);
    long r = sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    printf("SIGSTOP, wait4 WUNTRACED: %s, %s; WIFSTOPPED %d WSTOPSIG %s\n", yes(r == pid), status_text(st),
           WIFSTOPPED(st) ? 1 : 0, sig_name(WSTOPSIG(st)));
    next_chld(pid, 5000);
    printf("reported once: WNOHANG|WUNTRACED again: %s\n", res(sc(SYS_wait4, pid, &st, WNOHANG | WUNTRACED, 0)));
    printf("without WUNTRACED the stop is not reported: %s\n", res(sc(SYS_wait4, pid, &st, WNOHANG, 0)));
    sc(SYS_kill, pid, SIGCONT);
    r = sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    printf("SIGCONT, wait4 WCONTINUED: %s, %s; WIFCONTINUED %d\n", yes(r == pid), status_text(st),
           WIFCONTINUED(st) ? 1 : 0);
    next_chld(pid, 5000);
    printf("reported once: %s\n", res(sc(SYS_wait4, pid, &st, WNOHANG | WCONTINUED, 0)));

    sc(SYS_kill, pid, SIGTSTP);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PID, pid, &si, WSTOPPED, 0);
    printf("SIGTSTP, waitid WSTOPPED: %s, %s, si_status %s\n", res(r), code_name(si.si_code), sig_name(si.si_status));
    next_chld(pid, 5000);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PID, pid, &si, WSTOPPED | WNOHANG, 0);
    printf("again: %s, nothing (si_pid 0) %s\n", res(r), yes(si.si_pid == 0));
    sc(SYS_kill, pid, SIGUSR1);
    sleep_ms(20);
    memset(&si, 0, sizeof si);
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, 0);
    printf("SIGUSR1 to the stopped child: still alive %s\n", yes(si.si_pid == 0));
    sc(SYS_kill, pid, SIGCONT);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PID, pid, &si, WEXITED, 0);
    printf("SIGCONT, then the pending SIGUSR1 kills it: %s, si_status %s\n", code_name(si.si_code),
           sig_name(si.si_status));
    printf("two SIGCHLDs were sent (continued, killed): the second merged into the first\n");
    next_chld(pid, 0);
    next_chld(pid, 0);

    pid = spinner();
    sc(SYS_kill, pid, SIGSTOP);
    sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    next_chld(pid, 5000);
    sc(SYS_kill, pid, SIGKILL);
    printf("SIGKILL to a stopped child: %s\n", status_text(reap(pid)));
    next_chld(pid, 5000);

    printf("-- SA_NOCLDSTOP --\n");
    on_signal(SIGCHLD, on_chld, SA_NOCLDSTOP);
    pid = spinner();
    sc(SYS_kill, pid, SIGSTOP);
    sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    next_chld(pid, 0);
    sc(SYS_kill, pid, SIGCONT);
    sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    sleep_ms(50);
    next_chld(pid, 0);
    sc(SYS_kill, pid, SIGTERM);
    reap(pid);
    next_chld(pid, 5000);

    printf("-- our own group is orphaned: SIGTSTP does not stop its members, SIGSTOP does --\n");
    on_signal(SIGCHLD, on_chld, 0);
    pid = raw_fork();
    if (pid == 0)
        for (;;)
            sc(SYS_pause);
    sc(SYS_kill, pid, SIGTSTP);
    sleep_ms(50);
    memset(&si, 0, sizeof si);
    sc(SYS_waitid, P_PID, pid, &si, WSTOPPED | WEXITED | WNOHANG, 0);
    printf("SIGTSTP: nothing to report (si_pid 0): %s\n", yes(si.si_pid == 0));
    next_chld(pid, 0);
    sc(SYS_kill, pid, SIGSTOP);
    r = sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    printf("SIGSTOP: %s\n", r == pid ? status_text(st) : res(r));
    next_chld(pid, 5000);
    sc(SYS_kill, pid, SIGKILL);
    reap(pid);
    next_chld(pid, 5000);

    printf("-- a nanosleep cut by a stop --\n");
    pid = raw_fork();
    if (pid == 0) {
        struct timespec t0, t1, req = {0, 300 * 1000000L};
        sc(SYS_clock_gettime, CLOCK_MONOTONIC, &t0);
        long nr = sc(SYS_nanosleep, &req, 0);
        sc(SYS_clock_gettime, CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        die(nr == 0 && ms >= 300 ? 0 : 1);
    }
    sleep_ms(50);
    sc(SYS_kill, pid, SIGSTOP);
    sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    sc(SYS_kill, pid, SIGCONT);
    printf("nanosleep returned 0 after its full 300 ms: %s\n", status_text(reap(pid)));
    return 0;
}
