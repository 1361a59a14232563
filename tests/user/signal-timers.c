// signal-timers: alarm and setitimer(ITIMER_REAL), one timer: alarm returns the seconds left
// (rounded), alarm(0) cancels, an alarm fires SIGALRM (default action: terminate), a one-shot
// itimer fires once, an interval itimer keeps firing until disarmed, getitimer shows what is
// left, setitimer returns the old value, and its EINVAL/EFAULT cases.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/time.h>

static volatile int hits;
static void on_alarm(int sig) {
    (void)sig;
    ++hits;
}

static long ms_of(struct timeval tv) {
    return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int main(void) {
    on_signal(SIGALRM, on_alarm, 0);
    printf("alarm(5): %ld\n", sc(SYS_alarm, 5));
    printf("alarm(2): %ld (seconds left of the first)\n", sc(SYS_alarm, 2));
    struct itimerval cur;
    sc(SYS_getitimer, ITIMER_REAL, &cur);
    printf("getitimer: value between 1 and 2 s %s, interval 0 %s\n",
           yes(ms_of(cur.it_value) > 1000 && ms_of(cur.it_value) <= 2000), yes(ms_of(cur.it_interval) == 0));
    printf("alarm(0): %ld\n", sc(SYS_alarm, 0));
    sc(SYS_getitimer, ITIMER_REAL, &cur);
    printf("now disarmed: %s\n", yes(ms_of(cur.it_value) == 0));

    hits = 0;
    sc(SYS_alarm, 1);
    uint64_t none = 0;
    long r = sc(SYS_rt_sigsuspend, &none, KSIGSET);
    printf("alarm(1) then sigsuspend: %s, handler ran %d, alarm left %ld\n", res(r), hits, sc(SYS_alarm, 0));

    long pid = raw_fork();
    if (pid == 0) {
        struct ksigaction dfl = {SIG_DFL, 0, 0, 0};
        sc(SYS_rt_sigaction, SIGALRM, &dfl, 0, KSIGSET);
        sc(SYS_alarm, 1);
        for (;;)
            sc(SYS_pause);
    }
    printf("a child's alarm with the default action: %s\n", status_text(reap(pid)));

    printf("-- setitimer --\n");
    struct itimerval it = {{0, 0}, {0, 100000}}, old;
    memset(&old, 0x55, sizeof old);
    long sr = sc(SYS_setitimer, ITIMER_REAL, &it, &old);
    printf("one-shot 100 ms: %s, old value 0: %s\n", res(sr),
           yes(ms_of(old.it_value) == 0 && ms_of(old.it_interval) == 0));
    hits = 0;
    sc(SYS_rt_sigsuspend, &none, KSIGSET);
    sleep_ms(250);
    printf("fired %d time(s) in 250 ms\n", hits);
    it.it_interval.tv_usec = 20000;
    it.it_value.tv_usec = 20000;
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
    hits = 0;
    while (hits < 5)
        sc(SYS_rt_sigsuspend, &none, KSIGSET);
    memset(&it, 0, sizeof it);
    sc(SYS_setitimer, ITIMER_REAL, &it, &old);
    printf("interval 20 ms: fired 5 times; the old value had interval 20 ms: %s\n", yes(ms_of(old.it_interval) == 20));
    hits = 0;
    sleep_ms(100);
    printf("disarmed: fired %d more\n", hits);
    sc(SYS_alarm, 7);
    memset(&old, 0, sizeof old);
    it.it_value.tv_sec = 3;
    sc(SYS_setitimer, ITIMER_REAL, &it, &old);
    printf("setitimer after alarm(7): old value about 7 s: %s; alarm(0) now: %ld\n",
           yes(old.it_value.tv_sec == 6 || old.it_value.tv_sec == 7), sc(SYS_alarm, 0));

    printf("-- errors --\n");
    it.it_value.tv_sec = 0;
    it.it_value.tv_usec = 1000000;
    printf("tv_usec 1000000: %s\n", res(sc(SYS_setitimer, ITIMER_REAL, &it, 0)));
    it.it_value.tv_usec = -1;
    printf("tv_usec -1: %s\n", res(sc(SYS_setitimer, ITIMER_REAL, &it, 0)));
    it.it_value.tv_usec = 0;
    it.it_value.tv_sec = -1;
    printf("tv_sec -1: %s\n", res(sc(SYS_setitimer, ITIMER_REAL, &it, 0)));
    it.it_value.tv_sec = 0;
    it.it_interval.tv_usec = 2000000;
    printf("interval tv_usec 2000000: %s\n", res(sc(SYS_setitimer, ITIMER_REAL, &it, 0)));
    memset(&it, 0, sizeof it);
    printf("which 3: %s; getitimer which 3: %s\n", res(sc(SYS_setitimer, 3, &it, 0)), res(sc(SYS_getitimer, 3, &cur)));
    printf("value pointer 8: %s; old pointer 8: %s; getitimer 8: %s\n", res(sc(SYS_setitimer, ITIMER_REAL, 8, 0)),
           res(sc(SYS_setitimer, ITIMER_REAL, &it, 8)), res(sc(SYS_getitimer, ITIMER_REAL, 8)));
    return 0;
}
