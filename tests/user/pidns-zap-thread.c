// pidns-zap-thread: a pid namespace's init whose group leader has exited dies through another
// thread's exit_group: that thread kills the namespace's other processes and waits until they
// are gone, including one whose parent is outside the namespace and reaps it only later. The
// parent's wait4 must wake the waiting thread (found by the fuzzer: seed 1, iteration 1648,
// where the wake-up went to the zombie leader and the namespace hung).
#include "lib/facts.h"
#include "lib/proc.h"

static int thread_fn(void* arg) {
    (void)arg;
    sleep_ms(100);  // the leader has exited by now
    sc(SYS_exit_group, 7);
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("unshare(CLONE_NEWPID): %s\n", res(sc(SYS_unshare, CLONE_NEWPID)));
    int ready[2];
    sc(SYS_pipe2, ready, 0);
    long init = raw_fork();
    if (init == 0) {
        proc_clone(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_FS | CLONE_FILES, child_stack(), NULL, NULL, 0,
                   thread_fn, NULL);
        hear(ready[0]);      // the outside child exists
        sc(SYS_exit, 0);     // the leader alone: a zombie until its thread is done
    }
    long other = raw_fork();  // in the namespace too, but our child, not init's
    if (other == 0) {
        for (;;)
            sc(SYS_pause);
    }
    tell(ready[1]);
    printf("the other process: %s\n", status_text(reap(other)));
    printf("the namespace's init: %s\n", status_text(reap(init)));
    return 0;
}
