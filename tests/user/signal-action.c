// signal-action: rt_sigaction and what a handler sees. Errors (signal 0 and 65, SIGKILL and
// SIGSTOP handlers, a wrong sigset size, bad pointers), unknown sa_flags bits dropped
// (SA_UNSUPPORTED reads back clear), the old action returned; an SA_SIGINFO handler gets
// si_signo/si_code/si_pid/si_uid for kill (SI_USER), tgkill (SI_TKILL) and rt_sigqueueinfo
// (SI_QUEUE with its value); the signal is blocked in its handler (with sa_mask) unless
// SA_NODEFER, and uc_sigmask holds the mask to restore; SA_RESETHAND resets to SIG_DFL; a
// handler without SA_RESTORER cannot return (Linux kills with SIGSEGV).
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

#include <ucontext.h>

static volatile int hits;
static volatile uint64_t mask_inside, uc_mask;
static siginfo_t last;

static void on_info(int sig, siginfo_t* si, void* ucv) {
    (void)sig;
    ++hits;
    last = *si;
    mask_inside = blocked_mask();
    ucontext_t* uc = ucv;
    memcpy((void*)&uc_mask, &uc->uc_sigmask, sizeof uc_mask);
}

static void on_plain(int sig) {
    (void)sig;
    ++hits;
    mask_inside = blocked_mask();
}

static void show_info(const char* how) {
    printf("%s: handler ran %d, si_signo %s, %s, si_pid is us %s, si_uid %d\n", how, hits, sig_name(last.si_signo),
           code_name(last.si_code), yes(last.si_pid == getpid()), (int)last.si_uid);
}

int main(void) {
    struct ksigaction act, old;
    printf("-- errors --\n");
    memset(&act, 0, sizeof act);
    act.handler = SIG_IGN;
    printf("signal 0: %s; 65: %s\n", res(sc(SYS_rt_sigaction, 0, &act, 0, KSIGSET)),
           res(sc(SYS_rt_sigaction, 65, &act, 0, KSIGSET)));
    printf("ignore SIGKILL: %s; SIGSTOP: %s\n", res(sc(SYS_rt_sigaction, SIGKILL, &act, 0, KSIGSET)),
           res(sc(SYS_rt_sigaction, SIGSTOP, &act, 0, KSIGSET)));
    memset(&old, 0x55, sizeof old);
    long r = sc(SYS_rt_sigaction, SIGKILL, 0, &old, KSIGSET);
    printf("query SIGKILL: %s, SIG_DFL %s\n", res(r), yes(old.handler == SIG_DFL));
    printf("SIGKILL to SIG_DFL: %s\n", res(sc(SYS_rt_sigaction, SIGKILL, &old, 0, KSIGSET)));
    printf("sigsetsize 4: %s; 16: %s\n", res(sc(SYS_rt_sigaction, SIGUSR1, &act, 0, 4)),
           res(sc(SYS_rt_sigaction, SIGUSR1, &act, 0, 16)));
    printf("act 8: %s\n", res(sc(SYS_rt_sigaction, SIGUSR1, 8, 0, KSIGSET)));
    printf("oldact 8 while setting SIG_IGN: %s\n", res(sc(SYS_rt_sigaction, SIGUSR1, &act, 8, KSIGSET)));
    sc(SYS_rt_sigaction, SIGUSR1, 0, &old, KSIGSET);
    printf("SIGUSR1 is now SIG_IGN: %s\n", yes(old.handler == SIG_IGN));

    printf("-- flags --\n");
    struct ksigaction tmpl;
    on_siginfo(SIGUSR2, on_info, 0);
    sc(SYS_rt_sigaction, SIGUSR2, 0, &tmpl, KSIGSET);
    printf("libc-made action: SA_SIGINFO %s, SA_RESTORER %s, restorer set %s\n", yes(tmpl.flags & SA_SIGINFO),
           yes(tmpl.flags & SA_RESTORER), yes(tmpl.restorer != NULL));
    act = tmpl;
    act.flags |= SA_UNSUPPORTED | 0x00000100 | SA_RESTART;
    sc(SYS_rt_sigaction, SIGUSR2, &act, 0, KSIGSET);
    sc(SYS_rt_sigaction, SIGUSR2, 0, &old, KSIGSET);
    printf("set flags %#lx, read back %#lx\n", act.flags, old.flags);
    act.flags = tmpl.flags;
    act.mask = SIGBIT(SIGKILL) | SIGBIT(SIGSTOP) | SIGBIT(SIGHUP);
    struct ksigaction prev;
    sc(SYS_rt_sigaction, SIGUSR2, &act, &prev, KSIGSET);
    printf("the old action comes back: flags %#lx\n", prev.flags);
    sc(SYS_rt_sigaction, SIGUSR2, 0, &old, KSIGSET);
    printf("sa_mask with SIGKILL|SIGSTOP|SIGHUP reads back %s\n", mask_text(old.mask));

    printf("-- what the handler sees --\n");
    on_siginfo(SIGUSR1, on_info, 0);
    hits = 0;
    sc(SYS_kill, getpid(), SIGUSR1);
    show_info("kill");
    printf("blocked inside: %s; uc_sigmask: %s; after: %s\n", mask_text(mask_inside), mask_text(uc_mask),
           mask_text(blocked_mask()));
    hits = 0;
    sc(SYS_tgkill, getpid(), sc(SYS_gettid), SIGUSR1);
    show_info("tgkill");
    hits = 0;
    sc(SYS_tkill, sc(SYS_gettid), SIGUSR1);
    show_info("tkill");
    hits = 0;
    siginfo_t q;
    memset(&q, 0, sizeof q);
    q.si_signo = SIGUSR1;
    q.si_code = SI_QUEUE;
    q.si_pid = getpid();
    q.si_uid = 0;
    q.si_value.sival_int = 4242;
    printf("rt_sigqueueinfo: %s\n", res(sc(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &q)));
    show_info("rt_sigqueueinfo");
    printf("si_value %d\n", last.si_value.sival_int);
    q.si_code = SI_KERNEL;
    printf("rt_sigqueueinfo pretending SI_KERNEL to ourselves: %s\n",
           res(sc(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &q)));
    q.si_code = SI_QUEUE;
    printf("rt_sigqueueinfo to a missing pid: %s; bad info: %s\n", res(sc(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &q)),
           res(sc(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, 8)));

    printf("-- sa_mask, SA_NODEFER, SA_RESETHAND --\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_plain;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGHUP);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, NULL);
    hits = 0;
    raise(SIGUSR1);
    printf("sa_mask {SIGHUP,SIGTERM}: blocked inside %s\n", mask_text(mask_inside));
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_NODEFER: blocked inside %s\n", mask_text(mask_inside));
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    hits = 0;
    raise(SIGUSR1);
    sc(SYS_rt_sigaction, SIGUSR1, 0, &old, KSIGSET);
    printf("SA_RESETHAND: ran %d, blocked inside %s, now SIG_DFL %s, flags %#lx\n", hits, mask_text(mask_inside),
           yes(old.handler == SIG_DFL), old.flags & ~(unsigned long)SA_RESTORER);
    long pid = fork();
    if (pid == 0) {
        raise(SIGUSR1);  // the default action now
        _exit(0);
    }
    printf("the second SIGUSR1 (in a child): %s\n", status_text(reap(pid)));

    printf("-- a handler without SA_RESTORER --\n");
    pid = fork();
    if (pid == 0) {
        struct ksigaction bare;
        memset(&bare, 0, sizeof bare);
        bare.handler = on_plain;
        sc(SYS_rt_sigaction, SIGUSR1, &bare, 0, KSIGSET);
        sc(SYS_kill, sc(SYS_getpid), SIGUSR1);
        _exit(0);
    }
    printf("child: %s\n", status_text(reap(pid)));
    return 0;
}
