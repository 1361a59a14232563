// subreaper-thread-exec: an orphan reparented to a child subreaper whose leader thread has
// exited goes to a live thread of it, not to the zombie leader (found by the fuzzer,
// docs/reliability.md): an execve from that live thread then releases the old leader, and an
// orphan left pointing at it reported its death to a freed task, a kernel panic. After the
// exec the subreaper, now one thread, reaps the orphan.
#include "lib/facts.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

static char thread_stack[65536];
static char* self;

static void pause_ms(long ms) {
    struct timespec ts = {0, ms * 1000000};
    sc(SYS_nanosleep, &ts, 0);
}

// The surviving thread, once the leader has exited: makes an orphan (a grandchild whose
// parent exits at once), which comes back to this subreaper, then execs this program.
static int survivor(void* arg) {
    (void)arg;
    pause_ms(100);
    long middle = sc(SYS_fork);
    if (middle == 0) {
        if (sc(SYS_fork) == 0) {
            pause_ms(300);
            sc(SYS_exit_group, 5);
        }
        sc(SYS_exit_group, 0);
    }
    sc(SYS_wait4, middle, 0, __WALL, 0);
    char* argv[] = {self, "after-exec", NULL};
    sc(SYS_execve, self, argv, argv + 2);
    sc(SYS_exit_group, 99);
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1) {
        int status = 0;
        long pid = sc(SYS_wait4, -1, &status, 0, 0);
        printf("after the exec, the orphan is reaped: %s, exit status %d\n", yes(pid > 0),
               WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        printf("nothing else: %s\n", res(sc(SYS_wait4, -1, &status, WNOHANG, 0)));
        return 0;
    }
    self = argv[0];
    long subreaper = fork();
    if (subreaper == 0) {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        clone(survivor, thread_stack + sizeof thread_stack, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, NULL);
        sc(SYS_exit, 0);  // the leader thread exits; the survivor lives on
    }
    int status = 0;
    waitpid((pid_t)subreaper, &status, 0);
    printf("the subreaper process exited with status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
