// fork-inherit: what a fork child inherits (handlers, ignored signals, the blocked mask, the
// alternate signal stack, cwd, umask, rlimits, process group and session, nice value, the
// name, the FS base) and what starts afresh (pending signals, alarm and ITIMER_REAL, the death
// signal, the subreaper flag, CPU times and the children's totals).
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>
#include <sys/time.h>

#define ARCH_GET_FS 0x1003

static void on_usr1(int sig) { (void)sig; }

int main(void) {
    on_signal(SIGUSR1, on_usr1, SA_RESTART);
    on_signal(SIGUSR2, SIG_IGN, 0);
    uint64_t block = SIGBIT(SIGHUP) | SIGBIT(SIGTERM);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, KSIGSET);
    sc(SYS_kill, sc(SYS_getpid), SIGHUP);
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sc(SYS_sigaltstack, &ss, 0);
    sc(SYS_mkdir, "/tmp/fork-inherit", 0755);
    sc(SYS_chdir, "/tmp/fork-inherit");
    sc(SYS_umask, 027);
    struct rlimit rl = {100, 200};
    sc(SYS_setrlimit, RLIMIT_NOFILE, &rl);
    sc(SYS_setpriority, PRIO_PROCESS, 0, 5);
    sc(SYS_prctl, PR_SET_NAME, "inherit-me", 0, 0, 0);
    sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    sc(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    sc(SYS_alarm, 100);
    struct itimerval it = {{0, 0}, {200, 0}};
    // alarm and ITIMER_REAL are one timer: the setitimer replaces the alarm.
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
    // A child that has exited and been reaped: our children's totals become non-zero (faults).
    long z = raw_fork();
    if (z == 0) {
        char* m = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int i = 0; i < 64; ++i)
            m[i * PAGE] = 1;
        die(0);
    }
    reap(z);
    unsigned long fs = 0;
    sc(SYS_arch_prctl, ARCH_GET_FS, &fs);
    long pgid = sc(SYS_getpgid, 0), sid = sc(SYS_getsid, 0);
    int pds = -1, psr = -1;
    sc(SYS_prctl, PR_GET_PDEATHSIG, &pds, 0, 0, 0);
    sc(SYS_prctl, PR_GET_CHILD_SUBREAPER, &psr, 0, 0, 0);
    printf("parent: pending %s; death signal %s, subreaper %d\n", mask_text(pending_mask()), sig_name(pds), psr);
    struct rusage ru;
    sc(SYS_getrusage, RUSAGE_CHILDREN, &ru);
    printf("parent: children's minor faults > 0: %s\n", yes(ru.ru_minflt > 0));

    long pid = raw_fork();
    if (pid == 0) {
        struct ksigaction a;
        sc(SYS_rt_sigaction, SIGUSR1, 0, &a, KSIGSET);
        printf("SIGUSR1 handler inherited: %s, SA_RESTART kept: %s\n", yes(a.handler == on_usr1),
               yes(a.flags & SA_RESTART));
        sc(SYS_rt_sigaction, SIGUSR2, 0, &a, KSIGSET);
        printf("SIGUSR2 still ignored: %s\n", yes(a.handler == SIG_IGN));
        printf("blocked %s; pending %s\n", mask_text(blocked_mask()), mask_text(pending_mask()));
        stack_t cur;
        sc(SYS_sigaltstack, 0, &cur);
        printf("sigaltstack inherited: %s\n", yes(cur.ss_sp == alt && cur.ss_size == sizeof alt && cur.ss_flags == 0));
        char cwd[64];
        sc(SYS_getcwd, cwd, sizeof cwd);
        int um = (int)sc(SYS_umask, 0);
        printf("cwd %s, umask %03o\n", cwd, um);
        struct rlimit got;
        sc(SYS_getrlimit, RLIMIT_NOFILE, &got);
        printf("RLIMIT_NOFILE %lu/%lu\n", (unsigned long)got.rlim_cur, (unsigned long)got.rlim_max);
        printf("same process group %s, same session %s\n", yes(sc(SYS_getpgid, 0) == pgid),
               yes(sc(SYS_getsid, 0) == sid));
        printf("getpriority (20 - nice): %ld\n", sc(SYS_getpriority, PRIO_PROCESS, 0));
        char name[17] = {0};
        sc(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
        printf("name \"%s\"\n", name);
        int ds = -1;
        sc(SYS_prctl, PR_GET_PDEATHSIG, &ds, 0, 0, 0);
        int sr = -1;
        sc(SYS_prctl, PR_GET_CHILD_SUBREAPER, &sr, 0, 0, 0);
        printf("death signal %d, subreaper %d\n", ds, sr);
        printf("alarm left: %ld\n", sc(SYS_alarm, 0));
        struct itimerval cur_it;
        sc(SYS_getitimer, ITIMER_REAL, &cur_it);
        printf("ITIMER_REAL armed: %s\n", yes(cur_it.it_value.tv_sec || cur_it.it_value.tv_usec));
        unsigned long cfs = 0;
        sc(SYS_arch_prctl, ARCH_GET_FS, &cfs);
        printf("FS base inherited: %s\n", yes(cfs == fs));
        sc(SYS_getrusage, RUSAGE_CHILDREN, &ru);
        printf("children's totals start at zero: %s\n", yes(ru.ru_minflt == 0 && ru.ru_utime.tv_sec == 0 &&
                                                             ru.ru_utime.tv_usec == 0 && ru.ru_stime.tv_usec == 0));
        die(0);
    }
    printf("child: %s\n", status_text(reap(pid)));
    struct itimerval cur_it;
    sc(SYS_getitimer, ITIMER_REAL, &cur_it);
    printf("our ITIMER_REAL still armed: %s\n", yes(cur_it.it_value.tv_sec > 100));
    return 0;
}
