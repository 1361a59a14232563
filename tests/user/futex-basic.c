// futex-basic: futex(2) in one address space. Every operation's errors (alignment, bad
// pointers, read-only and unmapped pages, bitset 0, unknown operations, FUTEX_CLOCK_REALTIME
// where it is refused, bad timeouts, negative counts); timeouts (relative for FUTEX_WAIT,
// absolute on either clock for FUTEX_WAIT_BITSET); wake counts and FIFO order; bitsets;
// private and shared keys never meeting; requeue counts; FUTEX_WAKE_OP's operations and
// comparisons; signals interrupting a wait (EINTR, SA_RESTART, restart_syscall). Waiters are
// CLONE_VM children (lib/futex.h), seen asleep in the kernel before anything wakes them.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"
#include "lib/futex.h"

#include <sys/time.h>

static volatile uint32_t words[4];
#define A (&words[0])
#define B (&words[1])

static void errors(void) {
    printf("-- errors --\n");
    *A = 1;
    printf("WAIT on a different value: %s; WAIT_PRIVATE: %s\n", res(futex(A, FUTEX_WAIT, 2, NULL, NULL, 0)),
           res(futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0)));
    printf("WAKE with nobody waiting: %s; WAKE_PRIVATE: %s\n", res(futex(A, FUTEX_WAKE, 1, NULL, NULL, 0)),
           res(futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)));
    volatile uint32_t* odd = (volatile uint32_t*)((char*)A + 1);
    printf("misaligned: WAIT %s, WAKE %s, WAKE_PRIVATE %s, REQUEUE %s\n", res(futex(odd, FUTEX_WAIT, 0, NULL, NULL, 0)),
           res(futex(odd, FUTEX_WAKE, 1, NULL, NULL, 0)),
           res(futex(odd, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)),
           res(futex(A, FUTEX_REQUEUE, 1, VAL2(1), odd, 0)));

    // Private keys need no page: a wake on nothing finds nobody, a wait cannot read the word.
    // Shared keys look the page up: EFAULT.
    volatile uint32_t* null = NULL;
    volatile uint32_t* kernel = (volatile uint32_t*)0xffff800000000000UL;
    // 4 GiB: between a static program's image and heap far below and its mmap area far above.
    volatile uint32_t* unmapped = (volatile uint32_t*)0x100000000UL;
    volatile uint32_t* bad[] = {null, unmapped, kernel};
    const char* bad_name[] = {"NULL", "unmapped", "kernel address"};
    for (int i = 0; i < 3; ++i)
        printf("%s: WAIT_PRIVATE %s, WAKE_PRIVATE %s, WAIT %s, WAKE %s\n", bad_name[i],
               res(futex(bad[i], FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0)),
               res(futex(bad[i], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)),
               res(futex(bad[i], FUTEX_WAIT, 0, NULL, NULL, 0)), res(futex(bad[i], FUTEX_WAKE, 1, NULL, NULL, 0)));

    // A read-only private page never changes: no shared futex there. Read-only shared memory
    // is fine for waiting and waking; only FUTEX_WAKE_OP writes.
    volatile uint32_t* ro_private = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile uint32_t* ro_shared = mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile uint32_t* none = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("read-only private page: WAIT_PRIVATE(1) %s, WAKE_PRIVATE %s, WAIT(1) %s, WAKE %s\n",
           res(futex(ro_private, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)),
           res(futex(ro_private, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)),
           res(futex(ro_private, FUTEX_WAIT, 1, NULL, NULL, 0)), res(futex(ro_private, FUTEX_WAKE, 1, NULL, NULL, 0)));
    printf("read-only shared page: WAIT(1) %s, WAKE %s, WAKE_OP onto it %s, word still 0: %s\n",
           res(futex(ro_shared, FUTEX_WAIT, 1, NULL, NULL, 0)), res(futex(ro_shared, FUTEX_WAKE, 1, NULL, NULL, 0)),
           res(futex(A, FUTEX_WAKE_OP, 1, VAL2(1), ro_shared, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0))),
           yes(*ro_shared == 0));
    printf("PROT_NONE page: WAIT_PRIVATE %s, WAKE_PRIVATE %s, WAIT %s, WAKE %s\n",
           res(futex(none, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0)),
           res(futex(none, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0)),
           res(futex(none, FUTEX_WAIT, 0, NULL, NULL, 0)), res(futex(none, FUTEX_WAKE, 1, NULL, NULL, 0)));
    printf("WAKE_OP onto: read-only private %s, unmapped %s, NULL %s\n",
           res(futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, VAL2(1), ro_private, FUTEX_OP(FUTEX_OP_SET, 1, 0, 0))),
           res(futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, VAL2(1), unmapped, FUTEX_OP(FUTEX_OP_SET, 1, 0, 0))),
           res(futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, VAL2(1), null, FUTEX_OP(FUTEX_OP_SET, 1, 0, 0))));
    printf("CMP_REQUEUE reading an unmapped word: %s\n",
           res(futex(unmapped, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 1, VAL2(1), A, 0)));

    printf("bitset 0: WAIT_BITSET %s, WAKE_BITSET %s\n", res(futex(A, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0)),
           res(futex(A, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0)));
    int unknown[] = {FUTEX_FD, 14, 15, 0x7f, 0x200 | FUTEX_WAKE, -1};
    for (int i = 0; i < 6; ++i)
        printf("op %#x: %s\n", unknown[i], res(futex(A, unknown[i], 1, NULL, NULL, 0)));
    printf("FUTEX_CLOCK_REALTIME with WAIT %s, WAKE %s, REQUEUE %s, WAIT_BITSET (value differs) %s\n",
           res(futex(A, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 2, NULL, NULL, 0)),
           res(futex(A, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0)),
           res(futex(A, FUTEX_REQUEUE | FUTEX_CLOCK_REALTIME, 1, VAL2(1), B, 0)),
           res(futex(A, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 2, NULL, NULL, FUTEX_BITSET_MATCH_ANY)));

    // The timeout is read and checked before anything else, the clock rule included.
    struct timespec bad_nsec = {0, 1000000000L}, neg_sec = {-1, 0}, neg_nsec = {0, -1};
    printf("timeouts: tv_nsec 1e9 %s, tv_sec -1 %s, tv_nsec -1 %s, pointer 8 %s, bad pointer with CLOCK_REALTIME %s\n",
           res(futex(A, FUTEX_WAIT, 1, &bad_nsec, NULL, 0)), res(futex(A, FUTEX_WAIT, 1, &neg_sec, NULL, 0)),
           res(futex(A, FUTEX_WAIT_BITSET, 1, &neg_nsec, NULL, 1)), res(futex(A, FUTEX_WAIT, 1, (void*)8, NULL, 0)),
           res(futex(A, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, (void*)8, NULL, 0)));
    printf("bad timeout with a value that differs: %s; a bad pointer where WAKE takes a count: %s\n",
           res(futex(A, FUTEX_WAIT, 2, &bad_nsec, NULL, 0)), res(futex(A, FUTEX_WAKE, 1, (void*)8, NULL, 0)));
    printf("negative counts: REQUEUE nr_wake -1 %s, nr_requeue -1 %s, CMP_REQUEUE nr_requeue -1 %s\n",
           res(futex(A, FUTEX_REQUEUE, -1, VAL2(1), B, 0)), res(futex(A, FUTEX_REQUEUE, 1, VAL2(-1), B, 0)),
           res(futex(A, FUTEX_CMP_REQUEUE, 1, VAL2(0xffffffffUL), B, 1)));
    printf("CMP_REQUEUE: value differs %s, value matches %s; WAKE_OP negative counts %s\n",
           res(futex(A, FUTEX_CMP_REQUEUE, 1, VAL2(1), B, 7)), res(futex(A, FUTEX_CMP_REQUEUE, 1, VAL2(1), B, 1)),
           res(futex(A, FUTEX_WAKE_OP, -1, VAL2(-1), B, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0))));
}

static void timeouts(void) {
    printf("-- timeouts --\n");
    *A = 3;
    struct timespec rel = {0, 50 * 1000000L};
    long t0 = now_ns(CLOCK_MONOTONIC);
    long r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 3, &rel, NULL, 0);
    long ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
    printf("WAIT 50 ms relative: %s, timed out after >= 50 ms: %s\n", res(r), yes(ms >= 50));

    t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec abs_mono = ns_to_ts(t0 + 50 * 1000000L);
    r = futex(A, FUTEX_WAIT_BITSET, 3, &abs_mono, NULL, FUTEX_BITSET_MATCH_ANY);
    ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
    printf("WAIT_BITSET at monotonic now + 50 ms: %s, after >= 50 ms: %s\n", res(r), yes(ms >= 50));

    long rt0 = now_ns(CLOCK_REALTIME);
    t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec abs_real = ns_to_ts(rt0 + 50 * 1000000L);
    r = futex(A, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG, 3, &abs_real, NULL, 1);
    ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1000000;
    printf("WAIT_BITSET|CLOCK_REALTIME at realtime now + 50 ms: %s, after >= 40 ms: %s\n", res(r), yes(ms >= 40));

    struct timespec zero = {0, 0};
    printf("zero relative timeout: %s; absolute 0 (long past): %s; absolute 0 with a value that differs: %s\n",
           res(futex(A, FUTEX_WAIT, 3, &zero, NULL, 0)), res(futex(A, FUTEX_WAIT_BITSET, 3, &zero, NULL, 1)),
           res(futex(A, FUTEX_WAIT_BITSET, 4, &zero, NULL, 1)));
    // A relative timeout in WAIT_BITSET's absolute sense: monotonic time 50 ms is long past.
    printf("WAIT_BITSET given a relative-looking 50 ms: %s\n", res(futex(A, FUTEX_WAIT_BITSET, 3, &rel, NULL, 1)));
}

static void wake_counts(void) {
    printf("-- wake counts and order --\n");
    struct waiter w[4];
    *A = 0;
    for (int i = 0; i < 3; ++i)
        start_waiter(&w[i], A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, i + 1);
    long r = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    WAIT_FOR(w[0].done);
    printf("3 waiters, WAKE 1: %s; the first to wait woke: %s; still queued: %ld\n", res(r), yes(w[0].done),
           queued(A, 1));
    r = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
    WAIT_FOR(w[1].done);
    printf("WAKE 0 wakes one all the same: %s; the second woke: %s; still queued: %ld\n", res(r), yes(w[1].done),
           queued(A, 1));
    r = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    printf("WAKE INT_MAX: %s\n", res(r));
    for (int i = 0; i < 3; ++i)
        printf("waiter %d: %s\n", i, finish_waiter(&w[i]));
    for (int i = 0; i < 2; ++i)
        start_waiter(&w[i], A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, i + 1);
    r = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, -5, NULL, NULL, 0);
    printf("WAKE -5: %s; still queued %ld\n", res(r), queued(A, 1));
    futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    printf("waiters: %s, %s\n", finish_waiter(&w[0]), finish_waiter(&w[1]));
}

static void bitsets(void) {
    printf("-- bitsets --\n");
    struct waiter w[4];
    *A = 0;
    uint32_t sets[3] = {1, 2, 4};
    for (int i = 0; i < 3; ++i)
        start_waiter(&w[i], A, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, sets[i], i + 1);
    long r = futex(A, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 2);
    WAIT_FOR(w[1].done);
    printf("waiters with bitsets 1, 2, 4; WAKE_BITSET 2: %s (the one with 2 woke: %s); queued %ld\n", res(r),
           yes(w[1].done && !w[0].done && !w[2].done), queued(A, 1));
    r = futex(A, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 8);
    printf("WAKE_BITSET 8: %s\n", res(r));
    r = futex(A, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 5);
    printf("WAKE_BITSET 5: %s\n", res(r));
    for (int i = 0; i < 3; ++i)
        printf("waiter %d: %s\n", i, finish_waiter(&w[i]));

    start_waiter(&w[0], A, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, 0x10, 1);
    start_waiter(&w[1], A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, 2);
    r = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    long r2 = futex(A, FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0x80000000u);
    printf("plain WAKE wakes a WAIT_BITSET waiter: %s, WAKE_BITSET 0x80000000 wakes a plain WAIT waiter: %s\n", res(r),
           res(r2));
    printf("waiters: %s, %s\n", finish_waiter(&w[0]), finish_waiter(&w[1]));
}

static void keys(void) {
    printf("-- private and shared keys --\n");
    struct waiter w;
    long r1, r2;
    *A = 0;
    start_waiter(&w, A, FUTEX_WAIT, 0, 0, 1);
    r1 = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    r2 = futex(A, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("shared waiter on private memory: WAKE_PRIVATE %s, WAKE %s; waiter %s\n", res(r1), res(r2),
           finish_waiter(&w));
    start_waiter(&w, A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, 1);
    r1 = futex(A, FUTEX_WAKE, 1, NULL, NULL, 0);
    r2 = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    printf("private waiter: WAKE %s, WAKE_PRIVATE %s; waiter %s\n", res(r1), res(r2), finish_waiter(&w));
    volatile uint32_t* shm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    start_waiter(&w, shm, FUTEX_WAIT, 0, 0, 1);
    r1 = futex(shm, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    r2 = futex(shm, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("shared waiter on MAP_SHARED memory: WAKE_PRIVATE %s, WAKE %s; waiter %s\n", res(r1), res(r2),
           finish_waiter(&w));
    start_waiter(&w, A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, 1);
    r1 = futex(B, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    r2 = futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    printf("neighbouring words do not meet: WAKE on the next word %s, on the word %s; waiter %s\n", res(r1), res(r2),
           finish_waiter(&w));
}

static void requeue(void) {
    printf("-- requeue --\n");
    struct waiter w[4];
    *A = 0;
    *B = 0;
    for (int i = 0; i < 4; ++i)
        start_waiter(&w[i], A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, i + 1);
    long r = futex(A, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 1, VAL2(2), B, 0);
    WAIT_FOR(w[0].done);
    printf("4 waiters on A, REQUEUE wake 1 move 2 to B: %s; A %ld, B %ld; the first woke: %s\n", res(r), queued(A, 1),
           queued(B, 1), yes(w[0].done));
    r = futex(A, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, VAL2(0), B, 0);
    printf("REQUEUE 0, 0: %s\n", res(r));
    r = futex(A, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, VAL2(5), B, 1);
    printf("CMP_REQUEUE with a stale value: %s; A %ld, B %ld\n", res(r), queued(A, 1), queued(B, 1));
    r = futex(A, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, VAL2(5), B, 0);
    printf("CMP_REQUEUE move all: %s; A %ld, B %ld\n", res(r), queued(A, 1), queued(B, 1));
    r = futex(B, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    WAIT_FOR(w[1].done);
    printf("WAKE 1 on B: %s; it woke the oldest (moved first): %s\n", res(r),
           yes(w[1].done && !w[2].done && !w[3].done));
    r = futex(B, FUTEX_REQUEUE, 0, VAL2(5), A, 0);
    printf("shared REQUEUE of private waiters: %s\n", res(r));
    r = futex(B, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    printf("WAKE all on B: %s\n", res(r));
    for (int i = 0; i < 4; ++i)
        printf("waiter %d: %s\n", i, finish_waiter(&w[i]));
    // Requeue onto the same word: waiters stay where they are; the count is everyone matched.
    for (int i = 0; i < 2; ++i)
        start_waiter(&w[i], A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, i + 1);
    r = futex(A, FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0, VAL2(1), A, 0);
    printf("REQUEUE A onto A, move 1: %s; A %ld\n", res(r), queued(A, 1));
    futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    printf("waiters: %s, %s\n", finish_waiter(&w[0]), finish_waiter(&w[1]));
}

static void wake_op_values(void) {
    printf("-- FUTEX_WAKE_OP: the operation on the second word --\n");
    struct {
        const char* name;
        uint32_t start;
        uint32_t op;
    } ops[] = {
        {"SET 7", 1, FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 0)},
        {"ADD 5", 10, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)},
        {"ADD -1 (12-bit sign extension)", 10, FUTEX_OP(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_EQ, 0)},
        {"OR 0x30", 0x0f, FUTEX_OP(FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_EQ, 0)},
        {"ANDN 0x0c", 0x0f, FUTEX_OP(FUTEX_OP_ANDN, 0x0c, FUTEX_OP_CMP_EQ, 0)},
        {"XOR 0xff", 0x0f, FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_EQ, 0)},
        {"SET 1<<20 (OPARG_SHIFT)", 0, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 20, FUTEX_OP_CMP_EQ, 0)},
        {"OR 1<<31 (OPARG_SHIFT)", 1, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 0)},
        {"ADD 1<<(40&31) (shift out of range)", 0,
         FUTEX_OP(FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT, 40, FUTEX_OP_CMP_EQ, 0)},
        {"op 5", 9, FUTEX_OP(5, 1, FUTEX_OP_CMP_EQ, 0)},
        {"op 7", 9, FUTEX_OP(7, 1, FUTEX_OP_CMP_EQ, 0)},
        {"SET 3, cmp 6", 9, FUTEX_OP(FUTEX_OP_SET, 3, 6, 0)},
        {"SET 4, cmp 15", 9, FUTEX_OP(FUTEX_OP_SET, 4, 15, 0)},
    };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; ++i) {
        *B = ops[i].start;
        long r = futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, VAL2(1), B, ops[i].op);
        printf("%s on %#x: %s, word now %#x\n", ops[i].name, ops[i].start, res(r), *B);
    }
}

static void wake_op_compare(void) {
    printf("-- FUTEX_WAKE_OP: the comparison decides whether the second word's waiters wake --\n");
    struct {
        const char* name;
        uint32_t old;
        int cmp;
        int cmparg;
    } cases[] = {
        {"EQ 5", 5, FUTEX_OP_CMP_EQ, 5},
        {"EQ 5", 6, FUTEX_OP_CMP_EQ, 5},
        {"NE 5", 5, FUTEX_OP_CMP_NE, 5},
        {"NE 5", 6, FUTEX_OP_CMP_NE, 5},
        {"LT 5", 4, FUTEX_OP_CMP_LT, 5},
        {"LT 5", 5, FUTEX_OP_CMP_LT, 5},
        {"LE 5", 5, FUTEX_OP_CMP_LE, 5},
        {"LE 5", 6, FUTEX_OP_CMP_LE, 5},
        {"GT 5", 6, FUTEX_OP_CMP_GT, 5},
        {"GT 5", 5, FUTEX_OP_CMP_GT, 5},
        {"GE 5", 5, FUTEX_OP_CMP_GE, 5},
        {"GE 5", 4, FUTEX_OP_CMP_GE, 5},
        {"LT -1 (signed)", 0xfffffffe, FUTEX_OP_CMP_LT, 0xfff},
        {"GT 1 (signed)", 0x80000000u, FUTEX_OP_CMP_GT, 1},
    };
    struct waiter wa, wb;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        *A = 0;
        *B = cases[i].old;
        start_waiter(&wa, A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, 1);
        start_waiter(&wb, B, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, cases[i].old, 0, 1);
        // The operation leaves the word as it was (ADD 0), so the waiter on it can stay.
        long r = futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, VAL2(1), B,
                       FUTEX_OP(FUTEX_OP_ADD, 0, cases[i].cmp, cases[i].cmparg));
        printf("old %d, %s: %s", (int)cases[i].old, cases[i].name, res(r));
        long left = futex(B, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
        printf(" (second word's waiter %s)\n", left ? "left asleep" : "woken");
        finish_waiter(&wa);
        finish_waiter(&wb);
    }
    struct waiter w[4];
    *A = 0;
    *B = 0;
    for (int i = 0; i < 2; ++i)
        start_waiter(&w[i], A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, i + 1);
    for (int i = 2; i < 4; ++i)
        start_waiter(&w[i], B, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, 0, i - 1);
    long r = futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, VAL2(0), B, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0));
    printf("2 + 2 waiters, counts 0 and 0: %s (A %ld, B %ld left)\n", res(r), queued(A, 1), queued(B, 1));
    r = futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 5, VAL2(5), A, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
    printf("uaddr2 == uaddr1, old value 0 matches: %s\n", res(r));
    r = futex(A, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 5, VAL2(5), B, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
    printf("B's value 1 does not match 0: %s\n", res(r));
    r = futex(B, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
    printf("the rest: %s\n", res(r));
    for (int i = 0; i < 4; ++i)
        printf("waiter %d: %s\n", i, finish_waiter(&w[i]));
}

// ---- signals ----

static volatile int hits;
static void on_alarm(int sig) {
    (void)sig;
    ++hits;
}
static void arm(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
}

// A CLONE_VM child that wakes the parent once its handler ran and its wait is queued again.
static int rewaker(void* arg) {
    (void)arg;
    WAIT_FOR(hits > 0);
    wait_queued(A, 1, 1);
    futex(A, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    return 0;
}

static void signals(void) {
    printf("-- signals --\n");
    *A = 0;
    struct timespec two = {2, 0};
    on_signal(SIGALRM, on_alarm, 0);
    hits = 0;
    arm(50);
    long r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
    printf("WAIT, handler without SA_RESTART: %s, handler ran %d\n", res(r), hits);
    hits = 0;
    arm(50);
    r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &two, NULL, 0);
    printf("WAIT with a timeout, without SA_RESTART: %s, handler ran %d\n", res(r), hits);

    on_signal(SIGALRM, on_alarm, SA_RESTART);
    hits = 0;
    long pid = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, rewaker, NULL);
    arm(50);
    r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
    printf("WAIT, SA_RESTART handler: %s (restarted and woken later), handler ran %d\n", res(r), hits);
    reap(pid);
    hits = 0;
    arm(50);
    r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &two, NULL, 0);
    printf("WAIT with a timeout, SA_RESTART handler: %s, handler ran %d\n", res(r), hits);
    hits = 0;
    arm(50);
    struct timespec abs2 = ns_to_ts(now_ns(CLOCK_MONOTONIC) + 2000000000L);
    r = futex(A, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &abs2, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("WAIT_BITSET with a deadline, SA_RESTART handler: %s, handler ran %d\n", res(r), hits);
    printf("restart_syscall afterwards: %s\n", res(sc(SYS_restart_syscall)));

    // A blocked signal, or an ignored one, interrupts nothing.
    struct timespec t100 = {0, 100 * 1000000L};
    hits = 0;
    set_blocked(SIGBIT(SIGALRM));
    arm(30);
    r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &t100, NULL, 0);
    printf("SIGALRM blocked: %s, pending afterwards: %s\n", res(r), yes(pending_mask() & SIGBIT(SIGALRM)));
    signal(SIGALRM, SIG_IGN);
    set_blocked(0);
    arm(30);
    r = futex(A, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &t100, NULL, 0);
    printf("SIGALRM ignored: %s, handler ran %d\n", res(r), hits);
    signal(SIGALRM, SIG_DFL);
}

int main(void) {
    errors();
    timeouts();
    wake_counts();
    bitsets();
    keys();
    requeue();
    wake_op_values();
    wake_op_compare();
    signals();
    return 0;
}
