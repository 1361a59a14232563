// futex.h: what the futex tests (futex-*) share (it includes lib/proc.h).
//
// - The UAPI constants of <linux/futex.h> (musl's headers do not ship the kernel's).
// - futex(): the raw system call; VAL2(n) passes a count where the timeout pointer goes.
// - queued(): how many waiters sleep on a word, counted without disturbing them (a
//   FUTEX_CMP_REQUEUE of the word onto itself wakes nobody and returns the count), so a test
//   knows a waiter is really asleep in the kernel before it acts, instead of sleeping "long
//   enough".
// - Waiters: CLONE_VM children (sharing the test's memory, so their private futexes meet the
//   parent's) that make one futex call and record its result; waiters that are never woken
//   end after waiter_timeout_ms (5 s) with ETIMEDOUT rather than hanging the test.
#pragma once
#include <limits.h>
#include <time.h>

#include "proc.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_FD 2
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_LE 3
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP_CMP_GE 5
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    ((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) | ((cmparg)&0xfff))

#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

struct robust_list {
    struct robust_list* next;
};
struct robust_list_head {
    struct robust_list list;
    long futex_offset;
    struct robust_list* list_op_pending;
};

#define VAL2(n) ((const void*)(unsigned long)(n))

static inline long futex(volatile uint32_t* uaddr, int op, uint32_t val, const void* timeout, volatile uint32_t* uaddr2,
                         uint32_t val3) {
    return sc(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static inline long queued(volatile uint32_t* word, int private_op) {
    return futex(word, FUTEX_CMP_REQUEUE | (private_op ? FUTEX_PRIVATE_FLAG : 0), 0, VAL2(INT_MAX), word, *word);
}

// Polls until `n` waiters are queued on `word` (at most 3 s); whether they were.
static inline int wait_queued(volatile uint32_t* word, int private_op, long n) {
    return WAIT_FOR(queued(word, private_op) == n);
}

static inline long now_ns(clockid_t clock) {
    struct timespec t;
    sc(SYS_clock_gettime, clock, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline struct timespec ns_to_ts(long ns) {
    struct timespec t = {ns / 1000000000L, ns % 1000000000L};
    return t;
}

// How long a waiter sleeps at most; a test expecting nobody to wake it lowers this.
static long waiter_timeout_ms = 5000;

struct waiter {
    volatile uint32_t* word;
    int op;  // FUTEX_WAIT or FUTEX_WAIT_BITSET, with flags
    uint32_t val;
    uint32_t bitset;
    volatile long result;
    volatile int done;
    long pid;
};

static int waiter_main(void* arg) {
    struct waiter* w = arg;
    struct timespec t = ns_to_ts(waiter_timeout_ms * 1000000L);
    if ((w->op & 127) == FUTEX_WAIT_BITSET)
        t = ns_to_ts(now_ns((w->op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC) +
                     t.tv_sec * 1000000000L + t.tv_nsec);
    w->result = futex(w->word, w->op, w->val, &t, NULL, w->bitset);
    w->done = 1;
    return 0;
}

// Starts a waiter and returns once it sleeps in the kernel (the queue on its word grew to
// `expect`); prints a line if it never did.
static inline void start_waiter(struct waiter* w, volatile uint32_t* word, int op, uint32_t val, uint32_t bitset,
                                long expect) {
    w->word = word;
    w->op = op;
    w->val = val;
    w->bitset = bitset;
    w->result = 0;
    w->done = 0;
    w->pid = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, waiter_main, w);
    if (w->pid <= 0 || !wait_queued(word, op & FUTEX_PRIVATE_FLAG, expect))
        printf("waiter did not queue (clone %s, %ld queued)\n", res(w->pid), queued(word, op & FUTEX_PRIVATE_FLAG));
}

// Waits for a waiter to finish (woken, or its time ran out) and reaps it; its result.
static inline const char* finish_waiter(struct waiter* w) {
    WAIT_FOR(w->done);
    reap(w->pid);
    return res(w->result);
}
