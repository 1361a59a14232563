// clone-sighand: CLONE_SIGHAND (with CLONE_VM, which it requires) shares the signal handler
// table: a handler set or ignored by either process is the other's, and a handler installed by
// the child runs in the parent. The blocked mask and the pending signals stay per process.
// Without CLONE_SIGHAND a CLONE_VM child gets a copy of the table.
#include "lib/facts.h"
#include "lib/proc.h"

static volatile int usr1_hits, usr2_hits;
static void on_usr1(int sig) {
    (void)sig;
    ++usr1_hits;
}
static void on_usr2(int sig) {
    (void)sig;
    ++usr2_hits;
}

struct ctl {
    volatile int stage;       // the parent moves it forward
    volatile int child_stage; // the child reports
    struct ksigaction tmpl;   // a libc-made action (its restorer)
    volatile int saw_usr2_handler;
    volatile uint64_t child_blocked;
};
static struct ctl c;

static void wait_stage(volatile int* s, int v) {
    WAIT_FOR(*s >= v);
}

static int child_fn(void* arg) {
    (void)arg;
    // 1: ignore SIGTERM, install on_usr1 for SIGUSR1, block SIGHUP.
    struct ksigaction a = c.tmpl;
    a.handler = SIG_IGN;
    sc(SYS_rt_sigaction, SIGTERM, &a, 0, KSIGSET);
    a = c.tmpl;
    a.handler = on_usr1;
    sc(SYS_rt_sigaction, SIGUSR1, &a, 0, KSIGSET);
    uint64_t hup = SIGBIT(SIGHUP);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &hup, 0, KSIGSET);
    c.child_stage = 1;
    // 2: the parent installed on_usr2 for SIGUSR2: see it, then get SIGUSR2 from the parent.
    wait_stage(&c.stage, 2);
    struct ksigaction now;
    sc(SYS_rt_sigaction, SIGUSR2, 0, &now, KSIGSET);
    c.saw_usr2_handler = now.handler == on_usr2;
    sc(SYS_rt_sigprocmask, SIG_BLOCK, 0, &c.child_blocked, KSIGSET);
    c.child_stage = 2;
    wait_stage(&c.stage, 3);
    return 0;
}

static const char* action_of(int sig) {
    struct ksigaction a;
    sc(SYS_rt_sigaction, sig, 0, &a, KSIGSET);
    if (a.handler == SIG_DFL)
        return "SIG_DFL";
    if (a.handler == SIG_IGN)
        return "SIG_IGN";
    if (a.handler == on_usr1)
        return "on_usr1";
    if (a.handler == on_usr2)
        return "on_usr2";
    return "another handler";
}

static void run(unsigned long flags, const char* label) {
    printf("-- %s --\n", label);
    on_signal(SIGTERM, SIG_DFL, 0);
    on_signal(SIGUSR1, SIG_DFL, 0);
    on_signal(SIGUSR2, SIG_DFL, 0);
    usr1_hits = usr2_hits = 0;
    memset((void*)&c, 0, sizeof c);
    on_signal(SIGHUP, on_usr2, 0);  // only to fetch a libc-made action with its restorer
    sc(SYS_rt_sigaction, SIGHUP, 0, &c.tmpl, KSIGSET);
    on_signal(SIGHUP, SIG_DFL, 0);
    long pid = proc_clone(flags | SIGCHLD, child_stack(), NULL, NULL, 0, child_fn, NULL);
    wait_stage(&c.child_stage, 1);
    printf("child ignored SIGTERM: here %s\n", action_of(SIGTERM));
    printf("child set a SIGUSR1 handler: here %s\n", action_of(SIGUSR1));
    printf("child blocked SIGHUP: our mask %s\n", mask_text(blocked_mask()));
    if (action_of(SIGUSR1)[0] == 'o') {
        sc(SYS_kill, getpid(), SIGUSR1);
        printf("SIGUSR1 to us ran the child's handler here: %s\n", yes(usr1_hits == 1));
    }
    on_signal(SIGUSR2, on_usr2, 0);
    c.stage = 2;
    wait_stage(&c.child_stage, 2);
    printf("we set a SIGUSR2 handler: the child saw it %s; its mask %s\n", yes(c.saw_usr2_handler),
           mask_text(c.child_blocked));
    if (c.saw_usr2_handler) {
        sc(SYS_kill, pid, SIGUSR2);
        WAIT_FOR(usr2_hits != 0);
        printf("SIGUSR2 to the child ran our handler there (shared memory): %s\n", yes(usr2_hits == 1));
    }
    c.stage = 3;
    printf("child %s\n", status_text(reap(pid)));
}

int main(void) {
    run(CLONE_VM, "CLONE_VM without CLONE_SIGHAND");
    run(CLONE_VM | CLONE_SIGHAND, "CLONE_VM|CLONE_SIGHAND");
    printf("after the sharer exited: SIGTERM %s, SIGUSR1 %s\n", action_of(SIGTERM), action_of(SIGUSR1));
    return 0;
}
