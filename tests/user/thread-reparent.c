// thread-reparent: when a process's parent dies, every thread of the process gets the new
// parent (found by the fuzzer, docs/reliability.md: only the leader did, and a second thread
// then made a CLONE_PARENT child of the freed parent, a kernel panic). Here a process with two
// threads loses its parent: the second thread's getppid() names the subreaper, its
// CLONE_PARENT child is the subreaper's child, and the subreaper reaps both.
#include "lib/facts.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static long subreaper;
static int ready[2], go[2];
static char thread_stack[65536];

static void say(const char* text) { sc(SYS_write, 1, text, strlen(text)); }

static int second_thread(void* arg) {
    (void)arg;
    char byte;
    sc(SYS_write, ready[1], "r", 1);
    sc(SYS_read, go[0], &byte, 1);  // the parent has died
    say(sc(SYS_getppid) == subreaper ? "the second thread's parent is the subreaper: yes\n"
                                     : "the second thread's parent is the subreaper: no\n");
    long child = sc(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (child == 0)
        sc(SYS_exit_group, 7);
    say(child > 0 ? "clone(CLONE_PARENT) from it: a child\n" : "clone(CLONE_PARENT) from it: failed\n");
    sc(SYS_exit_group, 0);
    return 0;
}

int main(void) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    subreaper = getpid();
    if (pipe(ready) || pipe(go))
        return 1;
    long parent = fork();
    if (parent == 0) {
        long process = fork();
        if (process == 0) {
            clone(second_thread, thread_stack + sizeof thread_stack, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, NULL);
            for (;;)
                pause();
        }
        char byte;
        sc(SYS_read, ready[0], &byte, 1);  // the second thread exists
        _exit(0);
    }
    int status;
    waitpid((pid_t)parent, &status, 0);
    printf("the parent exited: %s\n", yes(WIFEXITED(status)));
    sc(SYS_write, go[1], "g", 1);
    int exits[2] = {-1, -1};
    for (int i = 0; i < 2; ++i) {
        long pid = wait4(-1, &status, 0, NULL);
        if (pid > 0 && WIFEXITED(status))
            exits[i] = WEXITSTATUS(status);
    }
    int low = exits[0] < exits[1] ? exits[0] : exits[1], high = exits[0] < exits[1] ? exits[1] : exits[0];
    printf("the subreaper reaped the process and the CLONE_PARENT child: exit statuses %d and %d\n", low, high);
    printf("nothing else to reap: %s\n", res(sc(SYS_wait4, -1, &status, WNOHANG, 0)));
    return 0;
}
