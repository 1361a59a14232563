// settime: clock_settime(CLOCK_REALTIME) and settimeofday move the wall clock (and only it:
// CLOCK_MONOTONIC goes on), settimeofday's timezone comes back from gettimeofday; EPERM without
// CAP_SYS_TIME, EINVAL for other clocks, bad nanoseconds or microseconds, negative seconds and
// a zone beyond 15 hours, EFAULT. The clock is put back at the end.
#include <sys/time.h>
#include <time.h>

#include "lib/facts.h"
#include "lib/proc.h"

static long long now_s(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec;
}

int main(void) {
    struct timespec before, mono;
    clock_gettime(CLOCK_REALTIME, &before);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    struct timespec ahead = {before.tv_sec + 100000, before.tv_nsec};
    long r = sc(SYS_clock_settime, CLOCK_REALTIME, &ahead);
    long long wall = now_s(CLOCK_REALTIME), m = now_s(CLOCK_MONOTONIC);
    printf("clock_settime 100000 s ahead: %s, realtime moved: %s, monotonic did not: %s\n", res(r),
           yes(wall - before.tv_sec >= 100000 && wall - before.tv_sec < 100010), yes(m - mono.tv_sec < 10));
    struct timeval back = {before.tv_sec + 2, 0};
    r = sc(SYS_settimeofday, &back, 0);
    wall = now_s(CLOCK_REALTIME);
    printf("settimeofday back: %s, realtime back: %s\n", res(r), yes(wall - before.tv_sec >= 0 && wall - before.tv_sec < 10));

    struct timezone tz = {-120, 0}, got = {0, 0};
    printf("settimeofday zone only: %s\n", res(sc(SYS_settimeofday, 0, &tz)));
    struct timeval tv;
    sc(SYS_gettimeofday, &tv, &got);
    printf("gettimeofday's zone: %d %d\n", got.tz_minuteswest, got.tz_dsttime);
    struct timezone far = {16 * 60, 0};
    printf("zone 16 hours west: %s\n", res(sc(SYS_settimeofday, 0, &far)));
    struct timezone zero = {0, 0};
    sc(SYS_settimeofday, 0, &zero);

    struct timespec bad = {before.tv_sec, 1000000000};
    printf("nsec 1e9: %s\n", res(sc(SYS_clock_settime, CLOCK_REALTIME, &bad)));
    struct timespec negative = {-1, 0};
    printf("negative seconds: %s\n", res(sc(SYS_clock_settime, CLOCK_REALTIME, &negative)));
    struct timeval bad_tv = {before.tv_sec, 1000001};
    printf("usec 1000001: %s\n", res(sc(SYS_settimeofday, &bad_tv, 0)));
    printf("CLOCK_MONOTONIC: %s\n", res(sc(SYS_clock_settime, CLOCK_MONOTONIC, &ahead)));
    printf("CLOCK_BOOTTIME: %s\n", res(sc(SYS_clock_settime, CLOCK_BOOTTIME, &ahead)));
    printf("CLOCK_PROCESS_CPUTIME_ID: %s\n", res(sc(SYS_clock_settime, CLOCK_PROCESS_CPUTIME_ID, &ahead)));
    printf("clock 100: %s\n", res(sc(SYS_clock_settime, 100, &ahead)));
    printf("wild pointer: %s\n", res(sc(SYS_clock_settime, CLOCK_REALTIME, 16)));
    printf("settimeofday NULL, NULL: %s\n", res(sc(SYS_settimeofday, 0, 0)));

    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setresuid, 1000, 1000, 1000);
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        printf("uid 1000: clock_settime %s, settimeofday %s, bad nsec %s\n", res(sc(SYS_clock_settime, CLOCK_REALTIME, &t)),
               res(sc(SYS_settimeofday, 0, &tz)), res(sc(SYS_clock_settime, CLOCK_REALTIME, &bad)));
        die(0);
    }
    reap(pid);
    return 0;
}
