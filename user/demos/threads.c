// threads: pthread_create is clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
// CLONE_THREAD | ...): every thread shares the process's pid (getpid) and memory, and has its
// own thread id (gettid), listed in /proc/self/task. A fork from a thread copies only that
// thread.
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t all_started;
static long counter;

static void list_tasks(const char* who) {
    DIR* dir = opendir("/proc/self/task");
    int n = 0;
    struct dirent* entry;
    while (dir && (entry = readdir(dir)))
        if (entry->d_name[0] != '.')
            n++;
    if (dir)
        closedir(dir);
    printf("%s: /proc/self/task has %d entries\n", who, n);
}

static void* worker(void* arg) {
    long id = (long)arg;
    pthread_mutex_lock(&lock);
    printf("thread %ld: pid %d, tid %ld\n", id, getpid(), (long)syscall(SYS_gettid));
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 100000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    pthread_barrier_wait(&all_started);  // everyone alive at once for the listing below
    pthread_barrier_wait(&all_started);
    if (id == 0) {
        pid_t child = fork();
        if (child == 0) {
            list_tasks("   a child forked by thread 0");
            _exit(0);
        }
        waitpid(child, NULL, 0);
    }
    return NULL;
}

int main(void) {
    printf("main:     pid %d, tid %ld\n", getpid(), (long)syscall(SYS_gettid));
    pthread_t threads[THREADS];
    pthread_barrier_init(&all_started, NULL, THREADS + 1);
    for (long i = 0; i < THREADS; i++)
        pthread_create(&threads[i], NULL, worker, (void*)i);
    pthread_barrier_wait(&all_started);
    list_tasks("main, with every thread running");
    pthread_barrier_wait(&all_started);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("the shared counter: %ld (%d threads x 100000 increments under one mutex)\n", counter, THREADS);
    list_tasks("main, after the joins");
    return 0;
}
