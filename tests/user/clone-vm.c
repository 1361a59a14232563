// clone-vm: raw clone(2) children on a new stack (the helper passes stack_top): they run on it,
// share memory with CLONE_VM and copy it without, get the TLS base CLONE_SETTLS names (the
// parent's otherwise), inherit the signal mask, and lose the alternate signal stack exactly when
// they share the mm without CLONE_VFORK (copy_process clears sas_ss_sp for CLONE_VM).
#include "lib/facts.h"
#include "lib/proc.h"

#define ARCH_GET_FS 0x1003

struct report {
    unsigned long local_addr, fs;
    int tid, ppid;
    uint64_t blocked;
    stack_t alt;
    long alt_r;
};

static struct report rep;
static volatile int counter;
static char* stack_lo;
static char* stack_hi;

static int child_fn(void* arg) {
    volatile int local = 1;
    rep.local_addr = (unsigned long)&local;
    sc(SYS_arch_prctl, ARCH_GET_FS, &rep.fs);
    rep.tid = (int)sc(SYS_gettid);
    rep.ppid = (int)sc(SYS_getppid);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, 0, &rep.blocked, KSIGSET);
    rep.alt_r = sc(SYS_sigaltstack, 0, &rep.alt);
    counter += (int)(long)arg;
    return 0;
}

// Runs child_fn through clone with FLAGS on a fresh stack; returns the pid.
static long run(unsigned long flags, unsigned long tls, long add) {
    memset(&rep, 0, sizeof rep);
    stack_hi = child_stack();
    stack_lo = stack_hi - 256 * 1024;
    return proc_clone(flags, stack_hi, NULL, NULL, tls, child_fn, (void*)add);
}

static const char* alt_text(void) {
    static char b[64];
    if (rep.alt_r < 0)
        return res(rep.alt_r);
    snprintf(b, sizeof b, "%s", rep.alt.ss_flags & SS_DISABLE ? "SS_DISABLE" : rep.alt.ss_flags ? "other" : "set");
    return b;
}

int main(void) {
    unsigned long my_fs = 0;
    sc(SYS_arch_prctl, ARCH_GET_FS, &my_fs);
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    printf("sigaltstack set: %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    uint64_t mask = SIGBIT(SIGUSR2);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &mask, 0, KSIGSET);

    printf("-- CLONE_VM|SIGCHLD --\n");
    counter = 10;
    long pid = run(CLONE_VM | SIGCHLD, 0, 5);
    int st = reap(pid);
    printf("child %s\n", status_text(st));
    printf("ran on the new stack: %s\n",
           yes(rep.local_addr > (unsigned long)stack_lo && rep.local_addr < (unsigned long)stack_hi));
    printf("its write is ours (counter 15): %s\n", yes(counter == 15));
    printf("tid is the pid: %s; getppid is us: %s\n", yes(rep.tid == pid), yes(rep.ppid == getpid()));
    printf("FS base is ours: %s\n", yes(rep.fs == my_fs));
    printf("blocked mask inherited: %s\n", mask_text(rep.blocked));
    printf("sigaltstack in the child: %s\n", alt_text());

    printf("-- CLONE_VM|CLONE_SETTLS --\n");
    static unsigned long fake_tls[64];
    fake_tls[0] = (unsigned long)fake_tls;
    pid = run(CLONE_VM | CLONE_SETTLS | SIGCHLD, (unsigned long)fake_tls, 1);
    reap(pid);
    printf("child's FS base is the tls argument: %s\n", yes(rep.fs == (unsigned long)fake_tls));
    unsigned long fs_after = 0;
    sc(SYS_arch_prctl, ARCH_GET_FS, &fs_after);
    printf("ours unchanged: %s\n", yes(fs_after == my_fs));

    printf("-- CLONE_VM|CLONE_VFORK --\n");
    counter = 0;
    pid = run(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 7);
    printf("when clone returns the child has run (counter 7): %s\n", yes(counter == 7));
    reap(pid);
    printf("sigaltstack in the child: %s\n", alt_text());

    printf("-- without CLONE_VM, on a new stack --\n");
    counter = 0;
    pid = run(SIGCHLD, 0, 9);
    reap(pid);
    printf("its write stayed in its copy (counter 0): %s\n", yes(counter == 0));
    printf("its report stayed there too (tid 0): %s\n", yes(rep.tid == 0));
    // Learn what it saw through a shared page instead.
    struct report* shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid = sc(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        shared->alt_r = sc(SYS_sigaltstack, 0, &shared->alt);
        sc(SYS_rt_sigprocmask, SIG_BLOCK, 0, &shared->blocked, KSIGSET);
        die(0);
    }
    reap(pid);
    rep = *shared;
    printf("fork-like child: sigaltstack %s, same stack size %s, mask %s\n", alt_text(),
           yes(rep.alt.ss_size == sizeof alt), mask_text(rep.blocked));
    pid = sc(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        shared->alt_r = sc(SYS_sigaltstack, 0, &shared->alt);
        die(0);
    }
    reap(pid);
    rep = *shared;
    printf("CLONE_VFORK without CLONE_VM: sigaltstack %s\n", alt_text());
    return 0;
}
