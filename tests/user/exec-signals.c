// exec-signals: what execve does to signal state: caught signals go back to SIG_DFL, ignored
// ones stay SIG_IGN, and every action loses its flags, mask and restorer; the blocked mask and
// pending signals survive; the alternate signal stack is gone. An ignored SIGCHLD stays ignored,
// so the new program's children are reaped automatically.
#include "lib/facts.h"
#include "lib/proc.h"

static void handler(int sig) { (void)sig; }

static void show_action(int sig) {
    struct ksigaction a;
    memset(&a, 0x55, sizeof a);
    sc(SYS_rt_sigaction, sig, 0, &a, KSIGSET);
    const char* h = a.handler == SIG_DFL ? "SIG_DFL" : a.handler == SIG_IGN ? "SIG_IGN" : "a handler";
    printf("  %s: %s, flags %#lx, restorer %s, mask %s\n", sig_name(sig), h, a.flags, a.restorer ? "set" : "NULL",
           mask_text(a.mask));
}

static const int sigs[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGPIPE, SIGCHLD, SIGINT};

static void report(void) {
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; ++i)
        show_action(sigs[i]);
    printf("  blocked %s\n", mask_text(blocked_mask()));
    printf("  pending %s\n", mask_text(pending_mask()));
    stack_t ss;
    sc(SYS_sigaltstack, 0, &ss);
    printf("  sigaltstack: %s\n", ss.ss_flags & SS_DISABLE ? "SS_DISABLE" : "still set");
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "report")) {
        printf("after exec:\n");
        report();
        long pid = raw_fork();
        if (pid == 0)
            die(0);
        int st;
        printf("  SIGCHLD ignored: our child is reaped by itself, wait4: %s\n", res(sc(SYS_wait4, pid, &st, 0, 0)));
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigaddset(&sa.sa_mask, SIGINT);
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    uint64_t block = SIGBIT(SIGHUP) | SIGBIT(SIGQUIT) | SIGBIT(SIGINT);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, KSIGSET);
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sc(SYS_sigaltstack, &ss, 0);
    printf("before exec:\n");
    report();
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_kill, sc(SYS_getpid), SIGHUP);
        sc(SYS_kill, sc(SYS_getpid), SIGINT);
        sa.sa_flags = 0;
        sigaction(SIGCHLD, &sa, NULL);  // only in the child, so we can reap it
        char* args[] = {argv[0], "report", NULL};
        sc(SYS_execve, argv[0], args, NULL);
        die(127);
    }
    printf("the child sent itself SIGHUP and SIGINT (blocked), ignored SIGCHLD and exec'd: %s\n",
           status_text(reap(pid)));
    return 0;
}
