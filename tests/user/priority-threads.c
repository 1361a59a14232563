// priority-threads: getpriority/setpriority's PRIO_PROCESS names a thread: a thread's id
// changes that thread's nice value only; PRIO_PGRP and PRIO_USER reach every thread. (The
// return value of getpriority is 20 - nice.)
// usertest: build musl glibc
#include <pthread.h>
#include <sys/resource.h>

#include "lib/facts.h"
#include "lib/proc.h"

static volatile long thread_tid;
static int go[2], done[2];

static void* worker(void* arg) {
    (void)arg;
    thread_tid = sc(SYS_gettid);
    tell(go[1]);
    hear(done[0]);
    printf("the thread sees its own nice through 0: %ld\n", 20 - sc(SYS_getpriority, PRIO_PROCESS, 0));
    return NULL;
}

static int run(void);

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    // In a process group of its own, so that PRIO_PGRP reaches nobody else.
    long child = raw_fork();
    if (child == 0) {
        sc(SYS_setpgid, 0, 0);
        die(run());
    }
    printf("%s\n", status_text(reap(child)));
    return 0;
}

static int run(void) {
    sc(SYS_pipe2, go, 0);
    sc(SYS_pipe2, done, 0);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    hear(go[0]);
    long pid = sc(SYS_getpid);
    printf("setpriority(thread, 7): %s\n", res(sc(SYS_setpriority, PRIO_PROCESS, thread_tid, 7)));
    printf("thread's nice: %ld, process's (leader's): %ld\n", 20 - sc(SYS_getpriority, PRIO_PROCESS, thread_tid),
           20 - sc(SYS_getpriority, PRIO_PROCESS, pid));
    printf("PRIO_PGRP: %ld (the lowest nice)\n", 20 - sc(SYS_getpriority, PRIO_PGRP, 0));
    printf("setpriority(PRIO_PGRP, 3): %s\n", res(sc(SYS_setpriority, PRIO_PGRP, 0, 3)));
    printf("thread's nice: %ld, leader's: %ld\n", 20 - sc(SYS_getpriority, PRIO_PROCESS, thread_tid),
           20 - sc(SYS_getpriority, PRIO_PROCESS, pid));
    printf("a missing id: %s\n", res(sc(SYS_getpriority, PRIO_PROCESS, 99999)));
    printf("a negative id: %s\n", res(sc(SYS_getpriority, PRIO_PROCESS, -5)));
    printf("which 3: %s\n", res(sc(SYS_getpriority, 3, 0)));
    tell(done[1]);
    pthread_join(t, NULL);
    return 0;
}
