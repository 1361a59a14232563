// vfork-basic: vfork through the libc (both use the vfork system call): the parent stays
// suspended until the child _exits (the child sleeps first and its write is seen the moment
// vfork returns), the child shares the parent's memory, has its own pid and the parent as
// parent, and its exit status arrives through wait4. Then the same with the raw vfork system
// call and with clone(CLONE_VM|CLONE_VFORK) on a new stack, and CLONE_VFORK without CLONE_VM.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

static volatile int shared_word;
static volatile long child_pid_seen, child_ppid_seen;

static int clone_child(void* arg) {
    (void)arg;
    sleep_ms(100);
    shared_word = 2;
    child_pid_seen = sc(SYS_getpid);
    return 6;
}

int main(void) {
    long me = sc(SYS_getpid);
    printf("-- libc vfork --\n");
    shared_word = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        sleep_ms(100);  // the parent must still be waiting when this ends
        shared_word = 1;
        child_pid_seen = sc(SYS_getpid);
        child_ppid_seen = sc(SYS_getppid);
        _exit(5);
    }
    printf("when vfork returns, the child's write is there: %s\n", yes(shared_word == 1));
    printf("child's pid is vfork's return: %s; not ours: %s; its parent is us: %s\n", yes(child_pid_seen == pid),
           yes(child_pid_seen != me), yes(child_ppid_seen == me));
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- clone(CLONE_VM|CLONE_VFORK) on a new stack --\n");
    shared_word = 0;
    long r = proc_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, child_stack(), NULL, NULL, 0, clone_child, NULL);
    printf("when clone returns, the child's write is there: %s; pid matches: %s\n", yes(shared_word == 2),
           yes(child_pid_seen == r));
    printf("child: %s\n", status_text(reap(r)));

    printf("-- CLONE_VFORK without CLONE_VM: suspended, but a copy --\n");
    int p[2];
    sc(SYS_pipe2, p, 0);
    shared_word = 0;
    r = sc(SYS_clone, CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
    if (r == 0) {
        sleep_ms(100);
        shared_word = 3;
        sc(SYS_write, p[1], "child", 5);
        die(7);
    }
    sc(SYS_write, p[1], "parent", 6);
    char b[16] = {0};
    sc(SYS_read, p[0], b, 11);
    printf("order of writes: \"%s\"; child's memory write not ours: %s\n", b, yes(shared_word == 0));
    printf("child: %s\n", status_text(reap(r)));

    printf("-- a vfork child killed by a signal releases the parent too --\n");
    pid = vfork();
    if (pid == 0) {
        sc(SYS_kill, sc(SYS_getpid), SIGTERM);
        _exit(1);
    }
    printf("child: %s\n", status_text(reap(pid)));
    return 0;
}
