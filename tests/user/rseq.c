// rseq: restartable sequences. Registration's rules and errnos; the kernel writes the cpu_id
// fields (0 on this one-CPU machine) and resets them at unregistration; a critical section is
// aborted to its handler (and rseq_cs cleared) when a signal arrives or the thread is switched
// out inside it; a descriptor with a wrong signature before its abort handler, or a version
// the kernel does not know, is SIGSEGV. fork keeps the registration, a CLONE_VM thread does
// not, exec forgets it.
#include <sys/time.h>

#include "lib/facts.h"
#include "lib/proc.h"

#define SIG 0x53053053

// Linux 6.1's <linux/rseq.h> (musl-gcc does not see the kernel's headers).
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_CPU_ID_UNINITIALIZED (-1)
struct rseq_cs {
    uint32_t version;
    uint32_t flags;
    uint64_t start_ip;
    uint64_t post_commit_offset;
    uint64_t abort_ip;
} __attribute__((aligned(32)));
struct rseq {
    uint32_t cpu_id_start;
    uint32_t cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
} __attribute__((aligned(32)));

static struct rseq area __attribute__((aligned(32)));
static struct rseq_cs cs __attribute__((aligned(32)));

// rseq_spin(&area.rseq_cs, &cs): arms the section, then spins inside it until the kernel moves
// it to the abort handler, which returns 1.
int rseq_spin(volatile uint64_t* slot, struct rseq_cs* desc);
extern char cs_start[], cs_end[], cs_abort[];
__asm__(".text\n"
        ".globl rseq_spin\n"
        "rseq_spin:\n"
        "  movq %rsi, (%rdi)\n"
        "cs_start:\n"
        "  jmp cs_start\n"
        "cs_end:\n"
        "  xorl %eax, %eax\n"
        "  ret\n"
        "  .long 0x53053053\n"
        "cs_abort:\n"
        "  movl $1, %eax\n"
        "  ret\n");

static long reg(void* a, unsigned len, int flags, unsigned sig) { return sc(SYS_rseq, a, len, flags, sig); }

static volatile int alarms;
static void on_alarm(int sig) {
    (void)sig;
    alarms++;
}

static void describe(uint32_t version, uint64_t abort_ip) {
    cs.version = version;
    cs.flags = 0;
    cs.start_ip = (uint64_t)cs_start;
    cs.post_commit_offset = (uint64_t)(cs_end - cs_start);
    cs.abort_ip = abort_ip;
}

// In a child: arm a broken descriptor and take a signal inside the section.
static void broken_section(uint32_t version, uint64_t abort_ip) {
    long pid = raw_fork();
    if (pid == 0) {
        describe(version, abort_ip);
        on_signal(SIGALRM, on_alarm, 0);
        struct itimerval t = {{0, 0}, {0, 20000}};
        setitimer(ITIMER_REAL, &t, NULL);
        rseq_spin((volatile uint64_t*)&area.rseq_cs, &cs);
        die(0);
    }
    printf("  %s\n", status_text(reap(pid)));
}

static int thread_fn(void* arg) {
    (void)arg;
    static struct rseq other __attribute__((aligned(32)));
    printf("a CLONE_VM thread registers its own area: %s\n", res(reg(&other, 32, 0, SIG)));
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    area.cpu_id = (uint32_t)RSEQ_CPU_ID_UNINITIALIZED;
    char* misaligned = (char*)&area + 8;
    printf("misaligned: %s\n", res(reg(misaligned, 32, 0, SIG)));
    printf("length 16: %s\n", res(reg(&area, 16, 0, SIG)));
    printf("length 64: %s\n", res(reg(&area, 64, 0, SIG)));
    printf("unknown flag: %s\n", res(reg(&area, 32, 2, SIG)));
    printf("kernel address: %s\n", res(reg((void*)0xffff800000000000ul, 32, 0, SIG)));
    printf("unregister with nothing registered: %s\n", res(reg(&area, 32, RSEQ_FLAG_UNREGISTER, SIG)));
    long r = reg(&area, 32, 0, SIG);
    printf("register: %s, cpu_id_start %u, cpu_id %d\n", res(r), area.cpu_id_start, (int)area.cpu_id);
    printf("again, the same: %s\n", res(reg(&area, 32, 0, SIG)));
    printf("again, another signature: %s\n", res(reg(&area, 32, 0, SIG + 1)));
    static struct rseq second __attribute__((aligned(32)));
    printf("again, another area: %s\n", res(reg(&second, 32, 0, SIG)));
    printf("unregister, another signature: %s\n", res(reg(&area, 32, RSEQ_FLAG_UNREGISTER, SIG + 1)));
    printf("unregister, another area: %s\n", res(reg(&second, 32, RSEQ_FLAG_UNREGISTER, SIG)));
    printf("unregister with another flag: %s\n", res(reg(&area, 32, RSEQ_FLAG_UNREGISTER | 2, SIG)));
    r = reg(&area, 32, RSEQ_FLAG_UNREGISTER, SIG);
    printf("unregister: %s, cpu_id %d\n", res(r), (int)area.cpu_id);
    r = reg(&area, 32, 0, SIG);
    printf("register again: %s, cpu_id %d\n", res(r), (int)area.cpu_id);

    // A signal inside the section: the handler runs, and the section resumes at its abort.
    // (Any switch to another task aborts it too, so spin until the signal has come.)
    describe(0, (uint64_t)cs_abort);
    on_signal(SIGALRM, on_alarm, 0);
    struct itimerval t = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &t, NULL);
    int aborted;
    do
        aborted = rseq_spin((volatile uint64_t*)&area.rseq_cs, &cs);
    while (aborted == 1 && !alarms);
    printf("a signal in the section: aborted %s, handler ran %s, rseq_cs cleared %s\n", yes(aborted == 1),
           yes(alarms == 1), yes(area.rseq_cs == 0));

    // A switch to another runnable process inside the section aborts it too.
    long spinner = raw_fork();
    if (spinner == 0)
        for (;;) {
        }
    aborted = rseq_spin((volatile uint64_t*)&area.rseq_cs, &cs);
    printf("switched out in the section: aborted %s, no signal %s\n", yes(aborted == 1), yes(alarms == 1));
    sc(SYS_kill, spinner, SIGKILL);
    reap(spinner);

    printf("a signature that does not match:\n");
    describe(0, (uint64_t)cs_abort - 1);
    broken_section(0, (uint64_t)cs_abort - 1);
    printf("version 1:\n");
    broken_section(1, (uint64_t)cs_abort);
    printf("an abort handler inside the section:\n");
    broken_section(0, (uint64_t)cs_start + 1);

    long child = raw_fork();
    if (child == 0) {
        printf("a forked child is registered: %s\n", res(reg(&area, 32, 0, SIG)));
        die(0);
    }
    reap(child);
    long thread = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, thread_fn, NULL);
    reap(thread);
    return 0;
}
