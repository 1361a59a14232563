// time: clock_gettime (REALTIME, MONOTONIC, BOOTTIME) and gettimeofday as relations (they
// agree, they do not go back, sleeping takes at least the time asked), nanosleep and
// clock_nanosleep, and their EINVALs. No time value is printed.
#include "lib/facts.h"

#include <sys/time.h>
#include <time.h>

static long ns(clockid_t clock) {
    struct timespec ts;
    long r = sc(SYS_clock_gettime, clock, &ts);
    return r < 0 ? r : ts.tv_sec * 1000000000L + ts.tv_nsec;
}

int main(void) {
    struct timespec ts;
    printf("clock_gettime REALTIME: %s; MONOTONIC: %s; BOOTTIME: %s\n", res(sc(SYS_clock_gettime, CLOCK_REALTIME, &ts)),
           res(sc(SYS_clock_gettime, CLOCK_MONOTONIC, &ts)), res(sc(SYS_clock_gettime, CLOCK_BOOTTIME, &ts)));
    long real = ns(CLOCK_REALTIME);
    printf("REALTIME is after 2024-01-01: %s\n", yes(real / 1000000000L > 1704067200L));
    long mono = ns(CLOCK_MONOTONIC), boot = ns(CLOCK_BOOTTIME);
    printf("MONOTONIC is positive and under 10 minutes since boot: %s\n", yes(mono > 0 && mono < 600000000000L));
    printf("BOOTTIME >= MONOTONIC: %s\n", yes(boot >= mono));
    sc(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    printf("tv_nsec in [0, 1e9): %s\n", yes(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L));
    int back = 0;
    long prev = ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 2000; ++i) {
        long now = ns(CLOCK_MONOTONIC);
        back |= now < prev;
        prev = now;
    }
    printf("MONOTONIC never goes back over 2000 reads: %s\n", yes(!back));
    printf("clock 1000: %s; clock -1: %s\n", res(sc(SYS_clock_gettime, 1000, &ts)), res(sc(SYS_clock_gettime, -1, &ts)));

    struct timeval tv;
    printf("gettimeofday: %s\n", res(sc(SYS_gettimeofday, &tv, 0)));
    long r1 = ns(CLOCK_REALTIME) / 1000;
    sc(SYS_gettimeofday, &tv, 0);
    long r2 = ns(CLOCK_REALTIME) / 1000;
    long us = tv.tv_sec * 1000000L + tv.tv_usec;
    printf("gettimeofday lies between two REALTIME reads: %s\n", yes(us >= r1 - 1 && us <= r2 + 1));
    printf("tv_usec in [0, 1e6): %s\n", yes(tv.tv_usec >= 0 && tv.tv_usec < 1000000));
    printf("gettimeofday(NULL, NULL): %s\n", res(sc(SYS_gettimeofday, 0, 0)));
    printf("libc time() agrees with REALTIME within a second: %s\n", yes(labs(time(NULL) - ns(CLOCK_REALTIME) / 1000000000L) <= 1));

    struct timespec req = {0, 20 * 1000 * 1000}, rem = {7, 7};
    long t0 = ns(CLOCK_MONOTONIC);
    long r = sc(SYS_nanosleep, &req, &rem);
    long slept = ns(CLOCK_MONOTONIC) - t0;
    printf("nanosleep 20 ms: %s; slept at least 20 ms: %s, under 2 s: %s\n", res(r), yes(slept >= 20000000L),
           yes(slept < 2000000000L));
    req.tv_nsec = 1000000000L;
    printf("nanosleep tv_nsec = 1e9: %s\n", res(sc(SYS_nanosleep, &req, 0)));
    req.tv_sec = -1;
    req.tv_nsec = 0;
    printf("nanosleep tv_sec = -1: %s\n", res(sc(SYS_nanosleep, &req, 0)));
    req.tv_sec = 0;
    printf("nanosleep 0: %s\n", res(sc(SYS_nanosleep, &req, 0)));

    t0 = ns(CLOCK_MONOTONIC);
    struct timespec until = {(t0 + 30000000L) / 1000000000L, (t0 + 30000000L) % 1000000000L};
    r = sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, 0);
    printf("clock_nanosleep MONOTONIC until now + 30 ms: %s; woke after it: %s\n", res(r),
           yes(ns(CLOCK_MONOTONIC) >= t0 + 30000000L));
    struct timespec past = {0, 1};
    printf("clock_nanosleep until a past time: %s\n", res(sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &past, 0)));
    req.tv_sec = 0;
    req.tv_nsec = 10 * 1000 * 1000;
    t0 = ns(CLOCK_MONOTONIC);
    r = sc(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &req, 0);
    printf("clock_nanosleep REALTIME relative 10 ms: %s; slept at least 10 ms: %s\n", res(r),
           yes(ns(CLOCK_MONOTONIC) - t0 >= 10000000L));
    printf("clock_nanosleep with clock 1000: %s\n", res(sc(SYS_clock_nanosleep, 1000, 0, &req, 0)));
    printf("clock_nanosleep with unknown flags: %s\n", res(sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0x100, &req, 0)));
    req.tv_nsec = -1;
    printf("clock_nanosleep tv_nsec -1: %s\n", res(sc(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, 0)));
    return 0;
}
