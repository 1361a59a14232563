// clone-exit-signal: the CSIGNAL byte of clone(2) is the signal the parent gets when the child
// dies. SIGCHLD children are waited for by default; any other exit signal (0, SIGUSR1, a
// real-time one, even numbers above 64, which legacy clone does not check) makes a "clone
// child" that only __WCLONE or __WALL waits for; invalid numbers and 0 send nothing. The signal
// carries CLD_EXITED, the child's pid and status whatever its number. Only SIGCHLD children
// are reaped automatically when SIGCHLD is ignored.
#include "lib/facts.h"
#include "lib/proc.h"

static int child_fn(void* arg) {
    (void)arg;
    return 3;
}

static const uint64_t watched = SIGBIT(SIGCHLD) | SIGBIT(SIGUSR1) | SIGBIT(SIGUSR2) | SIGBIT(64);

static void show(int exit_signal) {
    printf("-- exit signal: %s --\n", sig_name(exit_signal));
    long pid = proc_clone((unsigned long)exit_signal, child_stack(), NULL, NULL, 0, child_fn, NULL);
    if (pid <= 0) {
        printf("clone: %s\n", res(pid));
        return;
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT | __WALL, 0);
    printf("waitid WNOWAIT|__WALL: %s, si_pid matches %s, %s %d\n", res(r), yes(si.si_pid == pid),
           code_name(si.si_code), si.si_status);
    uint64_t pend = pending_mask() & watched;
    printf("pending: %s\n", mask_text(pend));
    for (int s = 1; s <= 64; ++s) {
        if (!(pend & SIGBIT(s)))
            continue;
        uint64_t one = SIGBIT(s);
        struct timespec zero = {0, 0};
        memset(&si, 0, sizeof si);
        long got = sc(SYS_rt_sigtimedwait, &one, &si, &zero, KSIGSET);
        printf("  sigtimedwait: %s; si_signo %s, %s, si_pid matches %s, si_status %d\n", sig_name((int)got),
               sig_name(si.si_signo),
               code_name(si.si_code), yes(si.si_pid == pid), si.si_status);
    }
    int st = 0;
    r = sc(SYS_wait4, -1, &st, WNOHANG, 0);
    printf("wait4(-1, WNOHANG) without __WCLONE: %s\n", r == pid ? status_text(st) : res(r));
    if (r == pid)
        return;
    r = sc(SYS_wait4, pid, &st, WNOHANG, 0);
    printf("wait4(pid, WNOHANG) without __WCLONE: %s\n", r == pid ? status_text(st) : res(r));
    if (r == pid)
        return;
    r = sc(SYS_wait4, pid, &st, WNOHANG | __WCLONE, 0);
    printf("wait4 with __WCLONE: %s\n", r == pid ? status_text(st) : res(r));
    if (r != pid) {
        r = sc(SYS_wait4, pid, &st, __WALL, 0);
        printf("wait4 with __WALL: %s\n", r == pid ? status_text(st) : res(r));
    }
}

static int child_sigchld_then_wclone(void) {
    // A SIGCHLD child is invisible to __WCLONE.
    long pid = proc_clone(SIGCHLD, child_stack(), NULL, NULL, 0, child_fn, NULL);
    siginfo_t si;
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    int st = 0;
    long r = sc(SYS_wait4, pid, &st, WNOHANG | __WCLONE, 0);
    printf("-- a SIGCHLD child and __WCLONE --\nwait4 with __WCLONE: %s\n", r == pid ? status_text(st) : res(r));
    r = sc(SYS_wait4, pid, &st, __WALL, 0);
    printf("wait4 with __WALL: %s\n", r == pid ? status_text(st) : res(r));
    struct timespec zero = {0, 0};
    uint64_t one = SIGBIT(SIGCHLD);
    return (int)sc(SYS_rt_sigtimedwait, &one, 0, &zero, KSIGSET);
}

int main(void) {
    uint64_t block = watched;
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, KSIGSET);
    show(SIGCHLD);
    child_sigchld_then_wclone();
    show(SIGUSR1);
    show(0);
    show(64);
    show(65);
    show(255);

    printf("-- SIGCHLD ignored: only SIGCHLD children are reaped automatically --\n");
    on_signal(SIGCHLD, SIG_IGN, 0);
    int st = 0;
    long pid = proc_clone(SIGUSR2, child_stack(), NULL, NULL, 0, child_fn, NULL);
    long r = sc(SYS_wait4, pid, &st, __WALL, 0);
    printf("exit signal SIGUSR2: wait4 __WALL: %s\n", r == pid ? status_text(st) : res(r));
    printf("pending: %s\n", mask_text(pending_mask() & watched));
    struct timespec zero = {0, 0};
    uint64_t one = SIGBIT(SIGUSR2);
    sc(SYS_rt_sigtimedwait, &one, 0, &zero, KSIGSET);
    pid = proc_clone(0, child_stack(), NULL, NULL, 0, child_fn, NULL);
    r = sc(SYS_wait4, pid, &st, __WALL, 0);
    printf("exit signal 0: wait4 __WALL: %s\n", r == pid ? status_text(st) : res(r));
    pid = proc_clone(SIGCHLD, child_stack(), NULL, NULL, 0, child_fn, NULL);
    r = sc(SYS_wait4, pid, &st, __WALL, 0);
    printf("exit signal SIGCHLD: wait4 __WALL: %s\n", r == pid ? status_text(st) : res(r));
    printf("pending: %s\n", mask_text(pending_mask() & watched));
    return 0;
}
