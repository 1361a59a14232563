// futex-shared: futexes between processes. Shared futexes meet on the object behind the page:
// MAP_SHARED anonymous memory inherited across fork (either side waking the other, requeue and
// FUTEX_WAKE_OP across processes), /dev/zero's shared mappings, and a MAP_SHARED tmpfs file,
// whether the mapping was inherited or mapped again (at another address, by the other process,
// through another offset), even after the file was unlinked; a read-only MAP_PRIVATE mapping of
// the file still reads the file's page and meets them too. They never meet across processes on
// private memory (copy-on-write after fork, or a writable MAP_PRIVATE file mapping once written
// through), nor with FUTEX_PRIVATE_FLAG. Waiters are seen asleep in the kernel before anyone
// wakes them, where the key lets the waker count them.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"
#include "lib/futex.h"

struct slot {
    volatile long result;
    volatile int done;
    volatile int about_to_wait;
    volatile long woke;
};

static struct slot* slots;  // in MAP_SHARED memory: what fork children report

// A fork child that waits on `word` (5 s at most, or `ms` when given) and reports in `s`.
static long fork_waiter(volatile uint32_t* word, int op, uint32_t val, struct slot* s, long ms) {
    memset((void*)s, 0, sizeof *s);
    long pid = raw_fork();
    if (pid == 0) {
        struct timespec t = ns_to_ts(ms ? ms * 1000000L : 5000000000L);
        s->about_to_wait = 1;
        s->result = futex(word, op, val, &t, NULL, 0);
        s->done = 1;
        die(0);
    }
    return pid;
}

static const char* finish(long pid, struct slot* s) {
    reap(pid);
    return res(s->result);
}

static void anonymous(void) {
    printf("-- MAP_SHARED anonymous memory across fork --\n");
    volatile uint32_t* m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile uint32_t* a = &m[0];
    volatile uint32_t* b = &m[1];
    long pid = fork_waiter(a, FUTEX_WAIT, 0, &slots[0], 0);
    int seen = wait_queued(a, 0, 1);
    long r = futex(a, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("child waits, parent counts it %s and wakes it: %s; child: %s\n", yes(seen), res(r), finish(pid, &slots[0]));

    pid = raw_fork();
    if (pid == 0) {
        wait_queued(a, 0, 1);
        slots[1].woke = futex(a, FUTEX_WAKE, 1, NULL, NULL, 0);
        die(0);
    }
    struct timespec t = {5, 0};
    r = futex(a, FUTEX_WAIT, 0, &t, NULL, 0);
    reap(pid);
    printf("parent waits, child wakes it: %s; the child's wake: %s\n", res(r), res(slots[1].woke));

    long p1 = fork_waiter(a, FUTEX_WAIT, 0, &slots[0], 0);
    wait_queued(a, 0, 1);
    long p2 = fork_waiter(a, FUTEX_WAIT, 0, &slots[1], 0);
    wait_queued(a, 0, 2);
    r = futex(a, FUTEX_REQUEUE, 0, VAL2(2), b, 0);
    long on_a = queued(a, 0), on_b = queued(b, 0);
    printf("two children on A, REQUEUE to B: %s (A %ld, B %ld)", res(r), on_a, on_b);
    r = futex(b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    printf("; WAKE on B: %s; children: %s, %s\n", res(r), finish(p1, &slots[0]), finish(p2, &slots[1]));

    *b = 0;
    pid = fork_waiter(b, FUTEX_WAIT, 0, &slots[0], 0);
    wait_queued(b, 0, 1);
    r = futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0));
    printf("child on B, WAKE_OP(A, B: SET 1 if it was 0): %s; B now %u; child: %s\n", res(r), *b,
           finish(pid, &slots[0]));

    // With FUTEX_PRIVATE_FLAG the key is the waiter's own address space: nobody else meets it.
    *a = 0;
    pid = fork_waiter(a, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &slots[0], 300);
    WAIT_FOR(slots[0].about_to_wait);
    sleep_ms(50);
    long seen_private = queued(a, 1);
    long r1 = futex(a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    long r2 = futex(a, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("child waits with FUTEX_PRIVATE_FLAG: parent counts %ld, WAKE_PRIVATE %s, WAKE %s; child: %s\n",
           seen_private, res(r1), res(r2), finish(pid, &slots[0]));
}

static void private_after_fork(void) {
    printf("-- private memory after fork --\n");
    static volatile uint32_t word;
    volatile uint32_t* heap = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile uint32_t* words[2] = {&word, heap};
    const char* what[2] = {"static data", "MAP_PRIVATE anonymous"};
    for (int i = 0; i < 2; ++i) {
        long pid = fork_waiter(words[i], FUTEX_WAIT, 0, &slots[0], 300);
        WAIT_FOR(slots[0].about_to_wait);
        sleep_ms(50);
        long r = futex(words[i], FUTEX_WAKE, 1, NULL, NULL, 0);
        printf("%s: child waits (shared op), parent wakes the same address: %s; child: %s\n", what[i], res(r),
               finish(pid, &slots[0]));
    }
}

static void dev_zero(void) {
    printf("-- /dev/zero MAP_SHARED --\n");
    int fd = open("/dev/zero", O_RDWR);
    volatile uint32_t* z = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (z == MAP_FAILED) {
        printf("mmap /dev/zero: failed\n");
        return;
    }
    long pid = fork_waiter(&z[5], FUTEX_WAIT, 0, &slots[0], 0);
    int seen = wait_queued(&z[5], 0, 1);
    long r = futex(&z[5], FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("child waits: counted %s, woken %s; child: %s\n", yes(seen), res(r), finish(pid, &slots[0]));
}

static void file(void) {
    printf("-- a MAP_SHARED tmpfs file --\n");
    const char* path = "/tmp/futex-shared-file";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ftruncate(fd, 2 * PAGE);
    char* map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap MAP_SHARED: %s\n", map == MAP_FAILED ? res(-errno) : "ok");
    if (map == MAP_FAILED)
        return;
    // The word at file offset PAGE + 8.
    volatile uint32_t* word = (volatile uint32_t*)(map + PAGE + 8);

    long pid = fork_waiter(word, FUTEX_WAIT, 0, &slots[0], 0);
    int seen = wait_queued(word, 0, 1);
    long r = futex(word, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("inherited mapping: counted %s, woken %s; child: %s\n", yes(seen), res(r), finish(pid, &slots[0]));

    char* again = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    volatile uint32_t* word2 = (volatile uint32_t*)(again + PAGE + 8);
    pid = fork_waiter(word, FUTEX_WAIT, 0, &slots[0], 0);
    seen = wait_queued(word2, 0, 1);
    r = futex(word2, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("a second mapping at another address: different address %s, counted %s, woken %s; child: %s\n",
           yes(word2 != word), yes(seen), res(r), finish(pid, &slots[0]));

    char* offset = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
    volatile uint32_t* word3 = (volatile uint32_t*)(offset + 8);
    pid = fork_waiter(word, FUTEX_WAIT, 0, &slots[0], 0);
    seen = wait_queued(word3, 0, 1);
    long wrong = futex((volatile uint32_t*)(again + 8), FUTEX_WAKE, 1, NULL, NULL, 0);
    r = futex(word3, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("a mapping of the second page only: counted %s; the first page's word %s; woken %s; child: %s\n", yes(seen),
           res(wrong), res(r), finish(pid, &slots[0]));

    // The child maps the file itself, after the fork.
    memset(&slots[0], 0, sizeof slots[0]);
    pid = raw_fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        char* own = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        struct timespec t = {5, 0};
        slots[0].result = futex((volatile uint32_t*)(own + PAGE + 8), FUTEX_WAIT, 0, &t, NULL, 0);
        die(0);
    }
    seen = wait_queued(word, 0, 1);
    r = futex(word, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("the child's own mapping: counted %s, woken %s; child: %s\n", yes(seen), res(r), finish(pid, &slots[0]));

    // A read-only private mapping reads the file's own page: the key is the file's.
    char* ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    pid = fork_waiter((volatile uint32_t*)(ro + PAGE + 8), FUTEX_WAIT, 0, &slots[0], 0);
    seen = wait_queued(word, 0, 1);
    r = futex(word, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("child waits on a read-only MAP_PRIVATE mapping: counted %s, woken %s; child: %s\n", yes(seen), res(r),
           finish(pid, &slots[0]));

    // A writable private mapping gets its own copy of the page: the key is the address space.
    char* priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    pid = fork_waiter((volatile uint32_t*)(priv + PAGE + 8), FUTEX_WAIT, 0, &slots[0], 300);
    WAIT_FOR(slots[0].about_to_wait);
    sleep_ms(50);
    long counted = queued(word, 0);
    r = futex(word, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("child waits on a writable MAP_PRIVATE mapping: counted %ld, woken %s; child: %s\n", counted, res(r),
           finish(pid, &slots[0]));

    // The waiter keeps the file alive: unlinking it changes nothing.
    pid = fork_waiter(word, FUTEX_WAIT, 0, &slots[0], 0);
    seen = wait_queued(word, 0, 1);
    long u = sc(SYS_unlink, path);
    r = futex(word2, FUTEX_WAKE, 1, NULL, NULL, 0);
    printf("file unlinked while the child waits (%s): counted %s, woken %s; child: %s\n", res(u), yes(seen), res(r),
           finish(pid, &slots[0]));
    close(fd);
}

int main(void) {
    slots = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    anonymous();
    private_after_fork();
    dev_zero();
    file();
    return 0;
}
