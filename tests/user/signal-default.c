// signal-default: default actions beyond "terminate" (wait-status has those): SIGCHLD, SIGURG
// and SIGWINCH are ignored, SIGCONT on a running process does nothing; a blocked fatal signal
// waits until unblocked; SIG_IGN protects from SIGTERM but nothing protects from SIGKILL, even
// with every signal blocked; a fatal signal stays fatal when the process is blocked in a
// system call.
#include "lib/facts.h"
#include "lib/proc.h"

static void child_gets(const char* label, int sig) {
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_kill, sc(SYS_getpid), sig);
        die(0);
    }
    printf("%s: %s\n", label, status_text(reap(pid)));
}

int main(void) {
    child_gets("SIGCHLD", SIGCHLD);
    child_gets("SIGURG", SIGURG);
    child_gets("SIGWINCH", SIGWINCH);
    child_gets("SIGCONT", SIGCONT);

    int gate[2];
    sc(SYS_pipe2, gate, 0);
    long pid = raw_fork();
    if (pid == 0) {
        uint64_t b = SIGBIT(SIGTERM);
        sc(SYS_rt_sigprocmask, SIG_BLOCK, &b, 0, KSIGSET);
        sc(SYS_kill, sc(SYS_getpid), SIGTERM);
        tell(gate[1]);  // still alive
        sleep_ms(50);
        sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &b, 0, KSIGSET);
        die(0);
    }
    printf("SIGTERM blocked: the child lives on after it: %s\n", yes(hear(gate[0])));
    printf("then unblocks it: %s\n", status_text(reap(pid)));

    pid = raw_fork();
    if (pid == 0) {
        struct ksigaction ign = {SIG_IGN, 0, 0, 0};
        sc(SYS_rt_sigaction, SIGTERM, &ign, 0, KSIGSET);
        sc(SYS_kill, sc(SYS_getpid), SIGTERM);
        uint64_t all = ~0ULL;
        sc(SYS_rt_sigprocmask, SIG_SETMASK, &all, 0, KSIGSET);
        sc(SYS_kill, sc(SYS_getpid), SIGKILL);
        die(0);
    }
    printf("SIGTERM ignored, then SIGKILL with everything blocked: %s\n", status_text(reap(pid)));

    int never[2];
    sc(SYS_pipe2, never, 0);
    pid = raw_fork();
    if (pid == 0) {
        char c;
        tell(gate[1]);
        sc(SYS_read, never[0], &c, 1);  // blocks for good
        die(0);
    }
    hear(gate[0]);
    sleep_ms(20);
    sc(SYS_kill, pid, SIGTERM);
    printf("SIGTERM to a child blocked in read: %s\n", status_text(reap(pid)));
    pid = raw_fork();
    if (pid == 0) {
        tell(gate[1]);
        for (;;)
            sc(SYS_pause);
    }
    hear(gate[0]);
    sc(SYS_kill, pid, SIGHUP);
    printf("SIGHUP to a child in pause: %s\n", status_text(reap(pid)));
    return 0;
}
