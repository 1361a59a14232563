// fail-nth-exec: execve with an injected allocation failure at each point, N = 1, 2, ...,
// from a single-threaded process and from a second thread (de_thread). Found by the fuzzer
// (docs/reliability.md): a failure while filling the new image, past the point of no return,
// killed the process from inside execve and leaked the new address space. Each exec must either
// fail and return, succeed, or kill the process with SIGSEGV, and leave /proc/sprout-counters'
// mm_struct objects and kmalloc objects at their baseline. (A failure in a page fault of the new
// program is retried, not fatal, as in Linux.) Sprout-only (fail-nth).
#include "lib/facts.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define P "/tmp/fail-nth-exec"

static long counter(const char* key) {
    static char text[16384];
    int fd = open(P "/sprout-counters", O_RDONLY);
    long n = fd < 0 ? 0 : read(fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = '\0';
    const char* at = strstr(text, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static char* self;
static int nth;
static char thread_stack[65536];

static int exec_with_failure(void* arg) {
    (void)arg;
    char text[16];
    int length = snprintf(text, sizeof text, "%d", nth);
    char* argv[] = {self, "--exec-child", NULL};
    int fd = (int)sc(SYS_open, P "/thread-self/fail-nth", O_WRONLY);
    sc(SYS_write, fd, text, length);
    sc(SYS_execve, self, argv, argv + 2);
    sc(SYS_exit_group, 99);  // the exec failed and returned
    return 0;
}

static int run(int threaded, int n) {
    nth = n;
    long pid = fork();
    if (pid == 0) {
        if (threaded) {
            clone(exec_with_failure, thread_stack + sizeof thread_stack, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, 0);
            for (;;)
                pause();
        }
        exec_with_failure(NULL);
    }
    int status = 0;
    waitpid((pid_t)pid, &status, 0);
    return status;
}

int main(int argc, char** argv) {
    if (argc > 1)
        return 0;  // the exec'd program
    self = argv[0];
    mkdir(P, 0755);
    if (mount("proc", P, "proc", 0, NULL)) {
        printf("FAIL: mount proc: %s\n", res(-errno));
        return 1;
    }
    run(0, 1000);  // first uses, then the baseline
    run(1, 1000);
    long base_mm = counter("slab mm_struct "), base_objects = counter("kmalloc_objects ");
    if (base_mm < 0 || base_objects < 0) {
        printf("FAIL: no /proc/sprout-counters\n");
        return 1;
    }
    int failures = 0, segv = 0, succeeded = 0, returned = 0, other = 0;
    for (int threaded = 0; threaded < 2; ++threaded) {
        for (int n = 1; n <= 80; ++n) {
            int status = run(threaded, n);
            if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
                ++segv;
            else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                ++succeeded;
            else if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
                ++returned;
            else
                ++other;
            long mm = -1, objects = -1;
            for (int attempt = 0; attempt < 20; ++attempt) {
                mm = counter("slab mm_struct ");
                objects = counter("kmalloc_objects ");
                if (mm == base_mm && objects == base_objects)
                    break;
                usleep(10000);
            }
            if (mm != base_mm || objects != base_objects) {
                printf("FAIL: %s, N=%d: mm_struct %ld -> %ld, kmalloc objects %ld -> %ld\n",
                       threaded ? "thread" : "process", n, base_mm, mm, base_objects, objects);
                base_mm = mm, base_objects = objects;
                ++failures;
            }
        }
    }
    // A failure before the point of no return returns from execve; one after it kills with
    // SIGSEGV; a failed page fault of the new program is retried (as Linux's VM_FAULT_OOM is)
    // and the program runs to its end.
    printf("early N failed and returned: %s; the last N succeeded: %s; died of SIGSEGV: %d; anything else: %d\n",
           yes(returned > 0), yes(succeeded > 0), segv, other);
    printf("mm_struct and kmalloc objects back at their baseline after each: %s\n", yes(!failures));
    int bad = failures || !returned || !succeeded || other;
    printf("fail-nth-exec: %s\n", bad ? "FAIL" : "PASS");
    return bad;
}
