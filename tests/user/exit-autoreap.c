// exit-autoreap: a parent that ignores SIGCHLD (SIG_IGN) or sets SA_NOCLDWAIT gets no zombies:
// its children vanish at exit and wait4 blocks until the last one is gone, then says ECHILD;
// with SA_NOCLDWAIT the SIGCHLD handler still runs. A zombie made before SIGCHLD was ignored
// stays reapable. Back to SIG_DFL, zombies and statuses return.
#include "lib/facts.h"
#include "lib/proc.h"

static volatile int chld_hits;
static void on_chld(int sig) {
    (void)sig;
    ++chld_hits;
}

static long child_after(long ms, int code) {
    long pid = raw_fork();
    if (pid == 0) {
        sleep_ms(ms);
        die(code);
    }
    return pid;
}

int main(void) {
    int st = 0;
    printf("-- SIGCHLD SIG_DFL --\n");
    long pid = child_after(0, 3);
    siginfo_t si;
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    printf("a zombie: kill 0: %s\n", res(sc(SYS_kill, pid, 0)));
    printf("wait4: %s\n", sc(SYS_wait4, pid, &st, 0, 0) == pid ? status_text(st) : "failed");

    printf("-- SIGCHLD SIG_IGN --\n");
    on_signal(SIGCHLD, SIG_IGN, 0);
    pid = child_after(0, 3);
    long pid2 = child_after(200, 4);
    long r = sc(SYS_wait4, -1, &st, 0, 0);
    printf("wait4(-1) blocks until both are gone, then: %s\n", res(r));
    printf("the first pid is gone: kill 0: %s\n", res(sc(SYS_kill, pid, 0)));
    (void)pid2;
    pid = child_after(100, 3);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PID, pid, &si, WEXITED, 0);
    printf("waitid(P_PID) too: %s\n", res(r));
    printf("WNOHANG with no children: %s\n", res(sc(SYS_wait4, -1, &st, WNOHANG, 0)));

    printf("-- SA_NOCLDWAIT with a handler --\n");
    on_signal(SIGCHLD, on_chld, SA_NOCLDWAIT);
    chld_hits = 0;
    pid = child_after(0, 3);
    r = sc(SYS_wait4, -1, &st, 0, 0);
    printf("wait4: %s; the handler ran: %s\n", res(r), yes(chld_hits == 1));

    printf("-- a zombie from before SIG_IGN --\n");
    on_signal(SIGCHLD, SIG_DFL, 0);
    pid = child_after(0, 5);
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    on_signal(SIGCHLD, SIG_IGN, 0);
    r = sc(SYS_wait4, pid, &st, WNOHANG, 0);
    printf("wait4 after SIG_IGN: %s\n", r == pid ? status_text(st) : res(r));
    if (r != pid)
        printf("kill 0: %s\n", res(sc(SYS_kill, pid, 0)));

    printf("-- back to SIG_DFL --\n");
    on_signal(SIGCHLD, SIG_DFL, 0);
    pid = child_after(0, 6);
    r = sc(SYS_wait4, pid, &st, 0, 0);
    printf("wait4: %s\n", r == pid ? status_text(st) : res(r));
    return 0;
}
