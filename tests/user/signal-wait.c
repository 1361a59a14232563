// signal-wait: waiting for signals: rt_sigsuspend swaps in a mask, returns EINTR after the
// handler, and puts the old mask back; rt_sigtimedwait takes a pending blocked signal without a
// handler (with its siginfo), times out with EAGAIN, waits for a signal sent later by a child,
// takes real-time signals in queue order, and refuses bad sizes and timeouts.
#include "lib/facts.h"
#include "lib/proc.h"

static volatile int hits;
static volatile uint64_t mask_in_handler;
static void on_usr1(int sig) {
    (void)sig;
    ++hits;
    mask_in_handler = blocked_mask();
}

int main(void) {
    on_signal(SIGUSR1, on_usr1, 0);
    uint64_t block = SIGBIT(SIGUSR1) | SIGBIT(SIGUSR2) | SIGBIT(40);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, KSIGSET);
    long me = sc(SYS_getpid);

    printf("-- rt_sigsuspend --\n");
    sc(SYS_kill, me, SIGUSR1);
    uint64_t during = SIGBIT(SIGHUP) | SIGBIT(SIGUSR2);
    long r = sc(SYS_rt_sigsuspend, &during, KSIGSET);
    printf("pending SIGUSR1, suspend with {SIGHUP,SIGUSR2}: %s, handler ran %d, mask in the handler %s\n", res(r), hits,
           mask_text(mask_in_handler));
    printf("mask after: %s\n", mask_text(blocked_mask()));
    long pid = raw_fork();
    if (pid == 0) {
        sleep_ms(50);
        sc(SYS_kill, me, SIGUSR1);
        die(0);
    }
    hits = 0;
    uint64_t none = 0;
    r = sc(SYS_rt_sigsuspend, &none, KSIGSET);
    printf("suspend until a child sends SIGUSR1: %s, handler ran %d\n", res(r), hits);
    reap(pid);
    printf("sigsetsize 4: %s; mask 8: %s\n", res(sc(SYS_rt_sigsuspend, &none, 4)),
           res(sc(SYS_rt_sigsuspend, 8, KSIGSET)));

    printf("-- rt_sigtimedwait --\n");
    struct timespec zero = {0, 0}, short_wait = {0, 50 * 1000000L};
    siginfo_t si;
    uint64_t want = SIGBIT(SIGUSR2);
    printf("nothing pending, zero timeout: %s\n", res(sc(SYS_rt_sigtimedwait, &want, &si, &zero, KSIGSET)));
    printf("nothing pending, 50 ms: %s\n", res(sc(SYS_rt_sigtimedwait, &want, &si, &short_wait, KSIGSET)));
    sc(SYS_kill, me, SIGUSR2);
    memset(&si, 0, sizeof si);
    r = sc(SYS_rt_sigtimedwait, &want, &si, &zero, KSIGSET);
    printf("SIGUSR2 pending: %s, si_signo %s, %s, si_pid is us %s\n", sig_name((int)r), sig_name(si.si_signo),
           code_name(si.si_code), yes(si.si_pid == me));
    printf("taken: pending now %s\n", mask_text(pending_mask()));
    sc(SYS_kill, me, SIGUSR1);
    hits = 0;
    want = SIGBIT(SIGUSR1);
    r = sc(SYS_rt_sigtimedwait, &want, 0, &zero, KSIGSET);
    printf("SIGUSR1 (which has a handler) taken by sigtimedwait: %s, handler ran %d\n", sig_name((int)r), hits);
    pid = raw_fork();
    if (pid == 0) {
        sleep_ms(50);
        sc(SYS_kill, me, SIGUSR2);
        die(0);
    }
    want = SIGBIT(SIGUSR2);
    memset(&si, 0, sizeof si);
    r = sc(SYS_rt_sigtimedwait, &want, &si, 0, KSIGSET);
    printf("no timeout, a child sends SIGUSR2: %s, si_pid is the child %s\n", sig_name((int)r), yes(si.si_pid == pid));
    reap(pid);
    for (int v = 1; v <= 3; ++v) {
        siginfo_t q;
        memset(&q, 0, sizeof q);
        q.si_signo = 40;
        q.si_code = SI_QUEUE;
        q.si_pid = me;
        q.si_value.sival_int = v * 11;
        sc(SYS_rt_sigqueueinfo, me, 40, &q);
    }
    want = SIGBIT(40) | SIGBIT(SIGUSR2);
    sc(SYS_kill, me, SIGUSR2);
    printf("SIGUSR2 and three signal 40s pending, taken in order:");
    while ((r = sc(SYS_rt_sigtimedwait, &want, &si, &zero, KSIGSET)) > 0)
        printf(" %s%s", sig_name((int)r),
               r == 40 ? (si.si_value.sival_int == 11   ? "(11)"
                          : si.si_value.sival_int == 22 ? "(22)"
                                                        : "(33)")
                       : "");
    printf("; then %s\n", res(r));
    struct timespec bad = {0, 1000000000L}, neg = {-1, 0};
    printf("tv_nsec 1000000000: %s; tv_sec -1: %s; sigsetsize 4: %s; set 8: %s; info 8: ",
           res(sc(SYS_rt_sigtimedwait, &want, 0, &bad, KSIGSET)), res(sc(SYS_rt_sigtimedwait, &want, 0, &neg, KSIGSET)),
           res(sc(SYS_rt_sigtimedwait, &want, 0, &zero, 4)), res(sc(SYS_rt_sigtimedwait, 8, 0, &zero, KSIGSET)));
    sc(SYS_kill, me, SIGUSR2);
    r = sc(SYS_rt_sigtimedwait, &want, 8, &zero, KSIGSET);
    printf("%s; SIGUSR2 still pending: %s\n", res(r), yes(pending_mask() & SIGBIT(SIGUSR2)));
    return 0;
}
