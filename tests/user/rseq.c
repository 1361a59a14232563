// rseq: restartable sequences as Linux 6.1 has them. Registration's rules and errors, the cpu
// ids the kernel writes, unregistering, a critical section aborted by a signal and by
// preemption (resuming at its abort handler, rseq_cs cleared), an invalid section killing the
// thread with SIGSEGV, and fork keeping the registration.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/time.h>

#define RSEQ_SIG 0x53053053u

struct rseq_area {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
} __attribute__((aligned(32)));

struct rseq_cs_desc {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
} __attribute__((aligned(32)));

static struct rseq_area area;
static struct rseq_area other;

// spin_in_cs: spins inside the critical section [cs_start, cs_end) until the kernel moves it
// to cs_abort, which returns 1.
long spin_in_cs(void);
extern char cs_start[], cs_end[], cs_abort[];
__asm__(".text\n"
        ".globl spin_in_cs, cs_start, cs_end, cs_abort\n"
        "spin_in_cs:\n"
        "cs_start:\n"
        "    jmp cs_start\n"
        "cs_end:\n"
        "    .long 0x53053053\n"
        "cs_abort:\n"
        "    mov $1, %eax\n"
        "    ret\n");

static struct rseq_cs_desc cs;

static long rseq_call(void* p, uint32_t len, int flags, uint32_t sig) { return sc(SYS_rseq, p, len, flags, sig); }

static volatile int alarms;
static void on_alarm(int sig) {
    (void)sig;
    ++alarms;
}

int main(void) {
    printf("-- registration\n");
    printf("length 16: %s\n", res(rseq_call(&area, 16, 0, RSEQ_SIG)));
    printf("misaligned: %s\n", res(rseq_call((char*)&area + 4, 32, 0, RSEQ_SIG)));
    printf("flags 2: %s\n", res(rseq_call(&area, 32, 2, RSEQ_SIG)));
    printf("kernel address: %s\n", res(rseq_call((void*)0xffff800000000000ul, 32, 0, RSEQ_SIG)));
    printf("unregister unregistered: %s\n", res(rseq_call(&area, 32, 1, RSEQ_SIG)));
    area.cpu_id = 77;
    area.cpu_id_start = 77;
    printf("register: %s\n", res(rseq_call(&area, 32, 0, RSEQ_SIG)));
    printf("cpu_id %u cpu_id_start %u\n", area.cpu_id, area.cpu_id_start);
    printf("again: %s\n", res(rseq_call(&area, 32, 0, RSEQ_SIG)));
    printf("another area: %s\n", res(rseq_call(&other, 32, 0, RSEQ_SIG)));
    printf("another signature: %s\n", res(rseq_call(&area, 32, 0, RSEQ_SIG + 1)));
    printf("unregister, other signature: %s\n", res(rseq_call(&area, 32, 1, RSEQ_SIG + 1)));
    printf("unregister, other length: %s\n", res(rseq_call(&area, 64, 1, RSEQ_SIG)));
    printf("unregister with flags 3: %s\n", res(rseq_call(&area, 32, 3, RSEQ_SIG)));

    long c = raw_fork();
    if (c == 0) {
        printf("a forked child is still registered: %s\n", yes(rseq_call(&area, 32, 0, RSEQ_SIG) == -EBUSY));
        fflush(stdout);
        die(0);
    }
    reap(c);

    printf("-- critical sections\n");
    cs.version = 0;
    cs.flags = 0;
    cs.start_ip = (uint64_t)cs_start;
    cs.post_commit_offset = (uint64_t)(cs_end - cs_start);
    cs.abort_ip = (uint64_t)cs_abort;
    on_signal(SIGALRM, on_alarm, 0);
    struct itimerval t = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &t, NULL);
    // Other events (a preemption by a kernel thread) may abort it first: enter again until the
    // signal has come.
    long r;
    do {
        area.rseq_cs = (uint64_t)&cs;
        r = spin_in_cs();
    } while (!alarms);
    printf("a signal aborts the section: %s, handler ran: %s, rseq_cs cleared: %s\n", yes(r == 1), yes(alarms == 1),
           yes(area.rseq_cs == 0));

    // Preemption: a busy sibling takes the CPU from us now and then.
    long busy = raw_fork();
    if (busy == 0)
        for (;;)
            ;
    area.rseq_cs = (uint64_t)&cs;
    r = spin_in_cs();
    printf("preemption aborts the section: %s, rseq_cs cleared: %s\n", yes(r == 1), yes(area.rseq_cs == 0));
    kill(busy, SIGKILL);
    reap(busy);

    // A section whose abort handler lacks the signature kills the thread at the next event.
    c = raw_fork();
    if (c == 0) {
        static struct rseq_cs_desc bad;
        bad = cs;
        bad.abort_ip = (uint64_t)cs_abort + 1;
        area.rseq_cs = (uint64_t)&bad;
        kill(getpid(), SIGALRM);
        die(0);
    }
    printf("bad signature: %s\n", status_text(reap(c)));
    c = raw_fork();
    if (c == 0) {
        static struct rseq_cs_desc bad;
        bad = cs;
        bad.abort_ip = (uint64_t)cs_start;  // inside the section
        area.rseq_cs = (uint64_t)&bad;
        kill(getpid(), SIGALRM);
        die(0);
    }
    printf("abort inside the section: %s\n", status_text(reap(c)));

    printf("-- unregistering\n");
    printf("unregister: %s\n", res(rseq_call(&area, 32, 1, RSEQ_SIG)));
    printf("cpu_id %d cpu_id_start %u\n", (int)area.cpu_id, area.cpu_id_start);
    printf("unregister again: %s\n", res(rseq_call(&area, 32, 1, RSEQ_SIG)));
    return 0;
}
