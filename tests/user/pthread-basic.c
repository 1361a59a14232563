// pthread-basic: the libc's threads on the kernel's thread groups: create and join with return
// values, one pid and distinct tids, detached threads, a mutex and a condition variable under
// contention, pthread_exit, cancellation (a thread-directed signal the libc sends with tgkill),
// thread-specific data, and a process-directed signal taken by the one thread that does not
// block it.
// usertest: build musl glibc
#include "lib/facts.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#define THREADS 4

static pid_t main_pid;
static pid_t tids[THREADS];
static pid_t pids[THREADS];

static void* identify(void* arg) {
    long i = (long)arg;
    tids[i] = (pid_t)syscall(SYS_gettid);
    pids[i] = getpid();
    return (void*)(i * 10 + 1);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* contend(void* arg) {
    (void)arg;
    for (int i = 0; i < 20000; ++i) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

#define QUEUE 8
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[QUEUE];
static int head, count;

static void* produce(void* arg) {
    long base = (long)arg;
    for (int i = 1; i <= 500; ++i) {
        pthread_mutex_lock(&qlock);
        while (count == QUEUE)
            pthread_cond_wait(&not_full, &qlock);
        queue[(head + count++) % QUEUE] = (int)(base + i);
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&qlock);
    }
    return NULL;
}

static void* consume(void* arg) {
    long* sum = arg;
    for (int i = 0; i < 1000; ++i) {
        pthread_mutex_lock(&qlock);
        while (count == 0)
            pthread_cond_wait(&not_empty, &qlock);
        *sum += queue[head];
        head = (head + 1) % QUEUE;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&qlock);
    }
    return NULL;
}

static void* exits_early(void* arg) {
    (void)arg;
    pthread_exit((void*)42);
    return NULL;
}

static volatile int cleanup_ran;
static void cleanup(void* arg) {
    (void)arg;
    cleanup_ran = 1;
}

static void* sleeps_forever(void* arg) {
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    for (;;) {
        struct timespec ts = {10, 0};
        nanosleep(&ts, NULL);  // a cancellation point
    }
    pthread_cleanup_pop(0);
    return NULL;
}

static pthread_key_t key;
static volatile int destructor_calls;
static void destructor(void* value) {
    if (value)
        __atomic_add_fetch(&destructor_calls, 1, __ATOMIC_SEQ_CST);
}
static void* uses_key(void* arg) {
    pthread_setspecific(key, arg);
    return pthread_getspecific(key) == arg ? (void*)1 : NULL;
}

static volatile pid_t handled_by;
static void on_usr1(int sig) {
    (void)sig;
    handled_by = (pid_t)syscall(SYS_gettid);
}
static volatile int worker_ready;
static pid_t worker_tid;
static void* waits_for_usr1(void* arg) {
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    worker_ready = 1;
    while (!handled_by) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static volatile int detached_done;
static void* detached(void* arg) {
    (void)arg;
    __atomic_add_fetch(&detached_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

int main(void) {
    main_pid = getpid();
    pid_t main_tid = (pid_t)syscall(SYS_gettid);
    printf("main thread: tid == pid: %s\n", yes(main_tid == main_pid));

    printf("-- create and join --\n");
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; ++i)
        printf("create %ld: %s\n", i, res(-pthread_create(&t[i], NULL, identify, (void*)i)));
    int all_joined = 1, values_ok = 1;
    for (long i = 0; i < THREADS; ++i) {
        void* value;
        all_joined &= pthread_join(t[i], &value) == 0;
        values_ok &= (long)value == i * 10 + 1;
    }
    printf("joined all: %s; return values: %s\n", yes(all_joined), yes(values_ok));
    int same_pid = 1, distinct = 1;
    for (int i = 0; i < THREADS; ++i) {
        same_pid &= pids[i] == main_pid;
        distinct &= tids[i] != main_pid && tids[i] > 0;
        for (int j = 0; j < i; ++j)
            distinct &= tids[i] != tids[j];
    }
    printf("getpid in every thread is the process's: %s; tids distinct: %s\n", yes(same_pid), yes(distinct));

    printf("-- mutex, 4 threads x 20000 --\n");
    for (int i = 0; i < THREADS; ++i)
        pthread_create(&t[i], NULL, contend, NULL);
    for (int i = 0; i < THREADS; ++i)
        pthread_join(t[i], NULL);
    printf("counter: %ld\n", counter);

    printf("-- condition variables: 2 producers, 1 consumer, a queue of 8 --\n");
    long sum = 0;
    pthread_t p1, p2, c;
    pthread_create(&c, NULL, consume, &sum);
    pthread_create(&p1, NULL, produce, (void*)0L);
    pthread_create(&p2, NULL, produce, (void*)1000L);
    pthread_join(p1, NULL);
    pthread_join(p2, NULL);
    pthread_join(c, NULL);
    printf("consumed sum: %ld\n", sum);

    printf("-- pthread_exit, cancellation, keys --\n");
    void* value;
    pthread_create(&t[0], NULL, exits_early, NULL);
    pthread_join(t[0], &value);
    printf("pthread_exit value: %ld\n", (long)value);
    pthread_create(&t[0], NULL, sleeps_forever, NULL);
    struct timespec ts = {0, 20000000};
    nanosleep(&ts, NULL);
    printf("cancel: %s\n", res(-pthread_cancel(t[0])));
    pthread_join(t[0], &value);
    printf("joined a cancelled thread: %s; cleanup handler ran: %s\n", yes(value == PTHREAD_CANCELED),
           yes(cleanup_ran));
    pthread_key_create(&key, destructor);
    for (long i = 0; i < THREADS; ++i)
        pthread_create(&t[i], NULL, uses_key, (void*)(i + 1));
    int keys_ok = 1;
    for (int i = 0; i < THREADS; ++i) {
        pthread_join(t[i], &value);
        keys_ok &= value == (void*)1;
    }
    printf("thread-specific values: %s; destructors: %d\n", yes(keys_ok), destructor_calls);

    printf("-- detached threads --\n");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 8; ++i)
        pthread_create(&t[0], &attr, detached, NULL);
    for (int i = 0; i < 2000 && detached_done < 8; ++i)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    printf("detached threads ran: %d\n", detached_done);

    printf("-- a process signal goes to the thread that does not block it --\n");
    signal(SIGUSR1, on_usr1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_create(&t[0], NULL, waits_for_usr1, NULL);
    while (!worker_ready)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    kill(getpid(), SIGUSR1);
    pthread_join(t[0], NULL);
    printf("handled by the worker: %s\n", yes(handled_by == worker_tid));
    return 0;
}
