// fpu: the FPU/SSE/AVX state a program starts with (x87 control word, MXCSR), arithmetic
// through x87, SSE and AVX, and that the state survives system calls and the timer's
// interruptions (the kernel saves and restores it with XSAVE).
// usertest: build musl glibc
#include "lib/facts.h"

#include <cpuid.h>
#include <time.h>

static int have_avx(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6;  // the OS saves SSE and AVX state
}

__attribute__((target("avx"))) static double avx_sum(void) {
    double in[4] = {1.5, 2.25, 3.125, 4.0625}, out[4];
    __asm__ volatile(
        "vmovupd %1, %%ymm3\n"
        "vaddpd %%ymm3, %%ymm3, %%ymm3\n"
        "vmovupd %%ymm3, %0\n"
        : "=m"(out)
        : "m"(in)
        : "xmm3");
    return out[0] + out[1] + out[2] + out[3];
}

// Puts a pattern in ymm5, spins (through timer interrupts) making raw system calls only — a
// libc call would be free to clobber ymm5, which is caller-saved — then reads it back.
__attribute__((target("avx"))) static int ymm_survives(void) {
    double pattern[4] = {11.0, 22.0, 33.0, 44.0}, back[4];
    __asm__ volatile("vmovupd %0, %%ymm5" ::"m"(pattern) : "xmm5");
    struct timespec start, now, nap = {0, 1000000};
    sc(SYS_clock_gettime, CLOCK_MONOTONIC, &start);
    do {
        sc(SYS_sched_yield);
        sc(SYS_nanosleep, &nap, 0);
        sc(SYS_clock_gettime, CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 60000000L);
    __asm__ volatile("vmovupd %%ymm5, %0" : "=m"(back));
    return memcmp(pattern, back, sizeof(back)) == 0;
}

int main(void) {
    unsigned short fcw;
    unsigned mxcsr;
    __asm__ volatile("fnstcw %0" : "=m"(fcw));
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    printf("x87 control word at start: %#x\n", fcw);
    printf("MXCSR at start: %#x\n", mxcsr);

    volatile double a = 1.0, b = 3.0;
    printf("1/3 (SSE double): %.17g\n", a / b);
    long double x = 2.0L;
    printf("sqrt(2) (x87 long double): %.19Lg\n", __builtin_sqrtl(x));
    volatile double zero = 0.0;
    printf("1/0 with exceptions masked: %g\n", a / zero);

    // A changed rounding mode stays changed across a system call.
    unsigned down = (mxcsr & ~0x6000u) | 0x2000u;  // round toward -inf
    __asm__ volatile("ldmxcsr %0" ::"m"(down));
    sc(SYS_getpid);
    unsigned after;
    __asm__ volatile("stmxcsr %0" : "=m"(after));
    printf("MXCSR rounding mode kept across a syscall: %s\n", yes(after == down));
    __asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));

    int avx = have_avx();
    printf("AVX usable: %s\n", yes(avx));
    if (avx) {
        printf("AVX sum: %g\n", avx_sum());
        printf("ymm upper halves survive syscalls and preemption: %s\n", yes(ymm_survives()));
    }
    return 0;
}
