// signal-mask: rt_sigprocmask (SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, the old mask, EINVAL for a
// bad `how` only when a set is given, a wrong sigset size, SIGKILL and SIGSTOP never blocked)
// and rt_sigpending; a blocked signal waits and runs before sigprocmask returns when unblocked;
// standard signals coalesce while real-time ones queue in order with their values; a blocked
// ignored signal is still queued but dropped at delivery; setting SIG_IGN (or SIG_DFL for a
// signal ignored by default) discards a pending one; the order in which several pending
// signals reach their handlers.
#include "lib/facts.h"
#include "lib/proc.h"

static volatile int hits[65];
static int order[32], norder;
static int values[8], nvalues;

static void on_sig(int sig, siginfo_t* si, void* uc) {
    (void)uc;
    ++hits[sig];
    if (norder < 32)
        order[norder++] = sig;
    if (sig >= 34 && si->si_code == SI_QUEUE && nvalues < 8)
        values[nvalues++] = si->si_value.sival_int;
}

static void queue(int sig, int value) {
    siginfo_t q;
    memset(&q, 0, sizeof q);
    q.si_signo = sig;
    q.si_code = SI_QUEUE;
    q.si_pid = getpid();
    q.si_value.sival_int = value;
    sc(SYS_rt_sigqueueinfo, getpid(), sig, &q);
}

int main(void) {
    uint64_t set, old;
    printf("-- rt_sigprocmask --\n");
    printf("at start: blocked %s, pending %s\n", mask_text(blocked_mask()), mask_text(pending_mask()));
    set = SIGBIT(SIGUSR1) | SIGBIT(SIGKILL) | SIGBIT(SIGSTOP) | SIGBIT(40);
    long r = sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, KSIGSET);
    printf("SIG_BLOCK {SIGUSR1,SIGKILL,SIGSTOP,40}: %s -> %s\n", res(r), mask_text(blocked_mask()));
    set = SIGBIT(SIGUSR2);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, &old, KSIGSET);
    printf("SIG_BLOCK {SIGUSR2}: old %s, now %s\n", mask_text(old), mask_text(blocked_mask()));
    set = SIGBIT(SIGUSR1);
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, &old, KSIGSET);
    printf("SIG_UNBLOCK {SIGUSR1}: old %s, now %s\n", mask_text(old), mask_text(blocked_mask()));
    set = SIGBIT(SIGHUP);
    sc(SYS_rt_sigprocmask, SIG_SETMASK, &set, &old, KSIGSET);
    printf("SIG_SETMASK {SIGHUP}: old %s, now %s\n", mask_text(old), mask_text(blocked_mask()));
    set = ~0ULL;
    sc(SYS_rt_sigprocmask, SIG_SETMASK, &set, 0, KSIGSET);
    printf("SIG_SETMASK all: %s\n", mask_text(blocked_mask()));
    set = 0;
    sc(SYS_rt_sigprocmask, SIG_SETMASK, &set, 0, KSIGSET);
    printf("how 3 with a set: %s; how 99 without a set: %s\n", res(sc(SYS_rt_sigprocmask, 3, &set, 0, KSIGSET)),
           res(sc(SYS_rt_sigprocmask, 99, 0, &old, KSIGSET)));
    printf("sigsetsize 4: %s; 16: %s\n", res(sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4)),
           res(sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 16)));
    printf("set 8: %s; oldset 8: %s\n", res(sc(SYS_rt_sigprocmask, SIG_BLOCK, 8, 0, KSIGSET)),
           res(sc(SYS_rt_sigprocmask, SIG_BLOCK, 0, 8, KSIGSET)));
    uint64_t p;
    printf("rt_sigpending size 4: %s; 16: %s; bad pointer: %s\n", res(sc(SYS_rt_sigpending, &p, 4)),
           res(sc(SYS_rt_sigpending, &p, 16)), res(sc(SYS_rt_sigpending, 8, KSIGSET)));

    printf("-- pending and delivery --\n");
    for (int s = 1; s <= 64; ++s)
        if (s != SIGKILL && s != SIGSTOP && (s < 32 || s > 34))  // libcs reserve 32-34
            on_siginfo(s, on_sig, 0);
    set = SIGBIT(SIGUSR1);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, KSIGSET);
    sc(SYS_kill, getpid(), SIGUSR1);
    sc(SYS_kill, getpid(), SIGUSR1);
    sc(SYS_kill, getpid(), SIGUSR1);
    printf("SIGUSR1 blocked, sent 3 times: pending %s, handled %d\n", mask_text(pending_mask()), hits[SIGUSR1]);
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, KSIGSET);
    printf("unblocked: handled %d times by the time sigprocmask returned\n", hits[SIGUSR1]);
    set = SIGBIT(40);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, KSIGSET);
    queue(40, 1);
    queue(40, 2);
    queue(40, 3);
    sc(SYS_kill, getpid(), 40);
    nvalues = 0;
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, KSIGSET);
    printf("signal 40 queued 4 times: handled %d, values in order:", hits[40]);
    for (int i = 0; i < nvalues; ++i)
        printf(" %d", values[i]);
    printf("\n");

    printf("-- ignored signals and pending ones --\n");
    on_signal(SIGUSR2, SIG_IGN, 0);
    set = SIGBIT(SIGUSR2) | SIGBIT(SIGWINCH) | SIGBIT(SIGTERM);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, KSIGSET);
    sc(SYS_kill, getpid(), SIGUSR2);
    printf("SIGUSR2 ignored but blocked, sent: pending %s\n", mask_text(pending_mask()));
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, KSIGSET);
    printf("unblocked: pending %s\n", mask_text(pending_mask()));
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, KSIGSET);
    sc(SYS_kill, getpid(), SIGTERM);
    sc(SYS_kill, getpid(), SIGWINCH);
    printf("SIGTERM and SIGWINCH pending: %s\n", mask_text(pending_mask()));
    on_signal(SIGTERM, SIG_IGN, 0);
    printf("SIGTERM set to SIG_IGN: pending %s\n", mask_text(pending_mask()));
    on_signal(SIGWINCH, SIG_DFL, 0);
    printf("SIGWINCH set to SIG_DFL (ignored by default): pending %s\n", mask_text(pending_mask()));
    on_siginfo(SIGWINCH, on_sig, 0);
    sc(SYS_kill, getpid(), SIGWINCH);
    printf("SIGWINCH with a handler, sent again: pending %s\n", mask_text(pending_mask()));
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, KSIGSET);
    printf("unblocked: SIGWINCH handled %d\n", hits[SIGWINCH]);

    printf("-- several pending at once --\n");
    on_siginfo(SIGTERM, on_sig, 0);
    set = ~0ULL;
    sc(SYS_rt_sigprocmask, SIG_SETMASK, &set, 0, KSIGSET);
    int sends[] = {50, 40, SIGTERM, SIGHUP, SIGUSR2, SIGCHLD, SIGUSR1, SIGSEGV};
    on_siginfo(SIGUSR2, on_sig, 0);
    for (int i = 0; i < 8; ++i)
        sc(SYS_kill, getpid(), sends[i]);
    printf("pending %s\n", mask_text(pending_mask()));
    norder = 0;
    set = 0;
    sc(SYS_rt_sigprocmask, SIG_SETMASK, &set, 0, KSIGSET);
    printf("handlers ran in this order:");
    for (int i = 0; i < norder; ++i)
        printf(" %s", sig_name(order[i]));
    printf("\n");
    return 0;
}
