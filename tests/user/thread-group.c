// thread-group: what a process with threads looks like from outside and from inside. exit() in
// any thread ends them all with its code; a thread's own exit (pthread_exit) does not; a main
// thread that exits first leaves a zombie leader that is reported only when the last thread is
// gone, with that thread's status; a fatal signal kills every thread; the children a thread
// forked are waited for by another thread; execve from a thread that is not the leader keeps the
// process's pid and leaves one thread; tgkill reaches one thread, and another process's tgid
// with a wrong tid is ESRCH.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

#include <pthread.h>

static const char* self_path;

static void* sleeper(void* arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void* exits_process(void* arg) {
    exit((int)(long)arg);
    return NULL;
}

static void* thread_exits(void* arg) {
    (void)arg;
    return NULL;
}

static void* lingers_then_exits(void* arg) {
    int fd = (int)(long)arg;
    char c;
    (void)!read(fd, &c, 1);  // until the parent says
    exit(7);
    return NULL;
}

static volatile long forked_pid;
static void* forks_a_child(void* arg) {
    (void)arg;
    long pid = fork();
    if (pid == 0)
        _exit(9);
    forked_pid = pid;
    return NULL;
}

static char* exec_pid_arg;
static void* execs(void* arg) {
    (void)arg;
    char* args[] = {(char*)self_path, "after-exec", exec_pid_arg, NULL};
    execve(self_path, args, NULL);
    _exit(127);
    return NULL;
}

int main(int argc, char** argv) {
    self_path = argv[0];
    if (argc > 2 && !strcmp(argv[1], "after-exec")) {
        long before = strtol(argv[2], NULL, 10);
        printf("  after exec from a thread: same pid: %s; tid == pid: %s\n", yes(before == getpid()),
               yes(syscall(SYS_gettid) == getpid()));
        return 5;
    }

    printf("-- exit() in a thread ends the process --\n");
    long pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        pthread_create(&t, NULL, sleeper, NULL);
        pthread_create(&t, NULL, exits_process, (void*)3L);
        for (;;)
            pause();
    }
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- pthread_exit in main: the process lives on in its threads --\n");
    int pipefd[2];
    (void)!pipe(pipefd);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, lingers_then_exits, (void*)(long)pipefd[0]);
        pthread_exit(NULL);
    }
    sleep_ms(50);
    int st;
    long r = waitpid(pid, &st, WNOHANG);
    printf("while a thread lives, the zombie leader is not reported: %s\n", yes(r == 0));
    printf("kill(pid, 0) still finds the process: %s\n", res(kill(pid, 0)));
    (void)!write(pipefd[1], "x", 1);
    printf("then: %s\n", status_text(reap(pid)));

    printf("-- a thread returning does not end the process --\n");
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, thread_exits, NULL);
        pthread_join(t, NULL);
        _exit(4);
    }
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- a fatal signal kills every thread --\n");
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        for (int i = 0; i < 3; ++i)
            pthread_create(&t, NULL, sleeper, NULL);
        for (;;)
            pause();
    }
    sleep_ms(50);
    kill(pid, SIGTERM);
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- tgkill --\n");
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, sleeper, NULL);
        for (;;)
            pause();
    }
    sleep_ms(50);
    printf("tgkill(child, child, 0): %s\n", res(sc(SYS_tgkill, pid, pid, 0)));
    printf("tgkill(child, our pid, 0): %s\n", res(sc(SYS_tgkill, pid, getpid(), 0)));
    printf("tgkill(child, child, SIGKILL): %s\n", res(sc(SYS_tgkill, pid, pid, SIGKILL)));
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- children of a thread are the process's --\n");
    pthread_t t;
    pthread_create(&t, NULL, forks_a_child, NULL);
    pthread_join(t, NULL);
    r = waitpid((pid_t)forked_pid, &st, 0);
    printf("main thread reaped the thread's child: %s, %s\n", yes(r == forked_pid), status_text(st));

    printf("-- execve from a thread --\n");
    pid = fork();
    if (pid == 0) {
        static char buf[32];
        snprintf(buf, sizeof buf, "%d", getpid());
        exec_pid_arg = buf;
        pthread_t e;
        pthread_create(&e, NULL, sleeper, NULL);
        pthread_create(&e, NULL, execs, NULL);
        for (;;)
            pause();
    }
    printf("child: %s\n", status_text(reap(pid)));
    return 0;
}
