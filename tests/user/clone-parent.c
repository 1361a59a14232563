// clone-parent: CLONE_PARENT makes the new process a sibling of its creator: its parent (getppid,
// who waits for it, who gets its exit signal) is the creator's parent, and its exit signal is
// the creator's own, whatever CSIGNAL asked (copy_process: exit_signal =
// group_leader->exit_signal).
#include "lib/facts.h"
#include "lib/proc.h"

static long me;
static int report[2];

static int grandchild(void* arg) {
    (void)arg;
    return sc(SYS_getppid) == me ? 10 : 11;
}

// The middle process: makes a CLONE_PARENT child with exit signal SIG, tells its pid, exits.
static int middle(void* arg) {
    int sig = (int)(long)arg;
    long b = proc_clone(CLONE_PARENT | (unsigned long)sig, child_stack(), NULL, NULL, 0, grandchild, NULL);
    sc(SYS_write, report[1], &b, sizeof b);
    int st;
    long w = sc(SYS_wait4, b, &st, __WALL, 0);
    return w == -ECHILD ? 20 : 21;
}

static void run(int middle_sig, int asked_sig) {
    printf("-- creator's exit signal %s, CLONE_PARENT|%s --\n", sig_name(middle_sig), sig_name(asked_sig));
    long a = proc_clone((unsigned long)middle_sig, child_stack(), NULL, NULL, 0, middle, (void*)(long)asked_sig);
    long b = 0;
    sc(SYS_read, report[0], &b, sizeof b);
    printf("sibling created: %s\n", yes(b > 0));
    int st = 0;
    long r = sc(SYS_wait4, a, &st, __WALL, 0);
    printf("creator: %s (20: its wait4 for the sibling said ECHILD)\n", r == a ? status_text(st) : res(r));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PID, b, &si, WEXITED | WNOWAIT | __WALL, 0);
    printf("the sibling is our child: waitid %s, %s %d (10: its getppid is us)\n", res(r), code_name(si.si_code),
           si.si_status);
    uint64_t pend = pending_mask() & (SIGBIT(SIGCHLD) | SIGBIT(SIGUSR1) | SIGBIT(SIGUSR2));
    printf("signals pending from both: %s\n", mask_text(pend));
    r = sc(SYS_wait4, b, &st, WNOHANG, 0);
    printf("wait4 without __WCLONE: %s\n", r == b ? status_text(st) : res(r));
    if (r != b) {
        r = sc(SYS_wait4, b, &st, WNOHANG | __WCLONE, 0);
        printf("wait4 with __WCLONE: %s\n", r == b ? status_text(st) : res(r));
    }
    struct timespec zero = {0, 0};
    uint64_t all = ~0ULL;
    while (sc(SYS_rt_sigtimedwait, &all, 0, &zero, KSIGSET) > 0) {
    }
}

int main(void) {
    me = sc(SYS_getpid);
    sc(SYS_pipe2, report, 0);
    uint64_t block = SIGBIT(SIGCHLD) | SIGBIT(SIGUSR1) | SIGBIT(SIGUSR2);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, KSIGSET);
    run(SIGCHLD, SIGUSR1);
    run(SIGUSR2, SIGCHLD);
    run(SIGCHLD, 0);
    return 0;
}
