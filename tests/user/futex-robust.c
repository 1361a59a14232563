// futex-robust: robust futexes. set_robust_list and get_robust_list (sizes, pids, bad pointers,
// a fork child starts without a list, a zombie has none left); then a process that dies
// holding locks on its robust list, in MAP_SHARED memory: each lock it owns becomes
// FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and one waiter wakes; locks owned by someone else
// stay as they are; list_op_pending is handled (an unowned word only wakes a waiter); a PI entry
// is marked but wakes nobody; circular lists, misaligned offsets and bad heads are survived;
// death by SIGKILL and exec release the list too. In a CLONE_VM child the wake is a shared
// one, which a FUTEX_PRIVATE_FLAG waiter does not see. Last, the libc's robust mutexes:
// pthread_mutex_lock says EOWNERDEAD after the owner died.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"
#include "lib/futex.h"

#include <pthread.h>
#include <stddef.h>

struct rlock {
    struct robust_list list;
    volatile uint32_t word;
};

struct shared {
    struct robust_list_head head;
    struct rlock locks[4];
    volatile int ready;
    volatile int go;
    volatile long result;
    pthread_mutex_t mutex;
};

static struct shared* s;
static const char* self_path;

#define OFFSET ((long)offsetof(struct rlock, word) - (long)offsetof(struct rlock, list))

// The owner's side: an empty list in shared memory, registered.
static void init_list(struct shared* m) {
    m->head.list.next = &m->head.list;
    m->head.futex_offset = OFFSET;
    m->head.list_op_pending = NULL;
    sc(SYS_set_robust_list, &m->head, sizeof m->head);
}

// Puts a lock on the list (as a libc does after taking it); `pi` sets bit 0 of the link.
static void add_lock(struct shared* m, struct rlock* l, int pi) {
    l->list.next = m->head.list.next;
    m->head.list.next = (struct robust_list*)((unsigned long)&l->list | (pi ? 1 : 0));
}

static const char* word_text(uint32_t w, long owner) {
    static char bufs[4][64];
    static int next;
    char* b = bufs[next++ % 4];
    int n = 0;
    b[0] = 0;
    if (w & FUTEX_WAITERS)
        n += snprintf(b + n, 64 - n, "WAITERS|");
    if (w & FUTEX_OWNER_DIED)
        n += snprintf(b + n, 64 - n, "OWNER_DIED|");
    uint32_t tid = w & FUTEX_TID_MASK;
    if (tid == 0)
        snprintf(b + n, 64 - n, "0");
    else if ((long)tid == owner)
        snprintf(b + n, 64 - n, "owner");
    else
        snprintf(b + n, 64 - n, "another tid");
    return b;
}

static void registration(void) {
    printf("-- set_robust_list, get_robust_list --\n");
    struct robust_list_head head = {{&head.list}, 0, NULL};
    size_t sizes[] = {0, 23, 25, 48};
    for (int i = 0; i < 4; ++i)
        printf("set_robust_list length %zu: %s\n", sizes[i], res(sc(SYS_set_robust_list, &head, sizes[i])));
    printf("set_robust_list NULL: %s; a wild pointer: %s\n", res(sc(SYS_set_robust_list, NULL, sizeof head)),
           res(sc(SYS_set_robust_list, 0xdead0000UL, sizeof head)));
    printf("set_robust_list: %s\n", res(sc(SYS_set_robust_list, &head, sizeof head)));
    void* got = NULL;
    size_t len = 0;
    long r = sc(SYS_get_robust_list, 0, &got, &len);
    printf("get_robust_list(0): %s, the head set: %s, length %zu\n", res(r), yes(got == &head), len);
    r = sc(SYS_get_robust_list, sc(SYS_gettid), &got, &len);
    printf("get_robust_list(own tid): %s, the head set: %s\n", res(r), yes(got == &head));
    printf("get_robust_list: pid -1 %s, INT_MAX %s, head pointer NULL %s, length pointer NULL %s\n",
           res(sc(SYS_get_robust_list, -1, &got, &len)), res(sc(SYS_get_robust_list, INT_MAX, &got, &len)),
           res(sc(SYS_get_robust_list, 0, NULL, &len)), res(sc(SYS_get_robust_list, 0, &got, NULL)));

    // A raw fork: the kernel gives the child no list (libcs register one again in their fork).
    s->ready = s->go = 0;
    long pid = raw_fork();
    if (pid == 0) {
        s->result = sc(SYS_get_robust_list, 0, &got, &len) == 0 && got == NULL;
        s->ready = 1;
        WAIT_FOR(s->go);
        init_list(s);
        s->ready = 2;
        WAIT_FOR(s->go == 2);
        die(0);
    }
    WAIT_FOR(s->ready == 1);
    printf("a fork child starts without a list: %s\n", yes(s->result));
    s->go = 1;
    WAIT_FOR(s->ready == 2);
    got = NULL;
    r = sc(SYS_get_robust_list, pid, &got, &len);
    printf("get_robust_list(child) after it registered one: %s, its head: %s\n", res(r), yes(got == &s->head));
    s->go = 2;
    WAIT_FOR(sc(SYS_waitid, P_PID, pid, NULL, WEXITED | WNOWAIT, NULL) == 0);
    got = (void*)1;
    r = sc(SYS_get_robust_list, pid, &got, &len);
    printf("get_robust_list(zombie child): %s, head NULL: %s\n", res(r), yes(got == NULL));
    reap(pid);
    sc(SYS_set_robust_list, NULL, sizeof head);
}

// One owner: a fork child that registers a list, runs `setup` on it, reports ready, waits for
// the parent's go, then dies the way `how` says (0 exit, SIGKILL from the parent, or exec).
enum death { EXIT, KILLED, EXEC };

static long start_owner(void (*setup)(struct shared*, long), enum death how) {
    s->ready = s->go = 0;
    long pid = raw_fork();
    if (pid == 0) {
        init_list(s);
        setup(s, sc(SYS_gettid));
        s->ready = 1;
        WAIT_FOR(s->go);
        if (how == EXEC) {
            char* argv[] = {(char*)self_path, "exit", NULL};
            sc(SYS_execve, self_path, argv, NULL);
            die(99);
        }
        if (how == KILLED)
            for (;;)
                sc(SYS_pause);
        die(0);
    }
    WAIT_FOR(s->ready);
    return pid;
}

static void end_owner(long pid, enum death how) {
    if (how == KILLED)
        sc(SYS_kill, pid, SIGKILL);
    s->go = 1;
}

static void hold_one(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid;
    add_lock(m, &m->locks[0], 0);
}
static void hold_one_contended(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid | FUTEX_WAITERS;
    add_lock(m, &m->locks[0], 0);
}
static void hold_three(struct shared* m, long tid) {
    for (int i = 0; i < 3; ++i) {
        m->locks[i].word = (uint32_t)tid | (i == 1 ? FUTEX_WAITERS : 0);
        add_lock(m, &m->locks[i], 0);
    }
}
static void hold_others(struct shared* m, long tid) {
    m->locks[0].word = ((uint32_t)tid + 1) & FUTEX_TID_MASK;  // another task's lock on our list
    add_lock(m, &m->locks[0], 0);
}
static void pending_unowned(struct shared* m, long tid) {
    (void)tid;
    m->locks[0].word = 0;  // released in user space, the wake-up not yet made
    m->head.list_op_pending = &m->locks[0].list;
}
static void pending_owned(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid;  // taken, not yet on the list
    m->head.list_op_pending = &m->locks[0].list;
}
static void pending_and_listed(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid | FUTEX_WAITERS;
    add_lock(m, &m->locks[0], 0);
    m->head.list_op_pending = &m->locks[0].list;
}
static void hold_pi(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid | FUTEX_WAITERS;
    add_lock(m, &m->locks[0], 1);
}
static void circular(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid;
    m->head.list.next = &m->locks[0].list;
    m->locks[0].list.next = &m->locks[0].list;
}
static void misaligned(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid;
    add_lock(m, &m->locks[0], 0);
    m->head.futex_offset = OFFSET + 1;
}
static void bad_head(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid;
    sc(SYS_set_robust_list, 0x100000000UL, sizeof m->head);
}
static void bad_link(struct shared* m, long tid) {
    m->locks[0].word = (uint32_t)tid;
    m->locks[1].word = (uint32_t)tid;
    add_lock(m, &m->locks[0], 0);
    add_lock(m, &m->locks[1], 0);
    m->locks[0].list.next = (struct robust_list*)0x100000000UL;  // the walk ends here
}

static void words_after(long pid, int n) {
    printf("  words:");
    for (int i = 0; i < n; ++i)
        printf(" %s", word_text(s->locks[i].word, pid));
    printf("\n");
}

static void owner_dies(void) {
    printf("-- the owner dies --\n");
    struct {
        const char* what;
        void (*setup)(struct shared*, long);
        enum death how;
        int words;
    } cases[] = {
        {"one lock, exit", hold_one, EXIT, 1},
        {"one lock, SIGKILL", hold_one, KILLED, 1},
        {"one lock, exec", hold_one, EXEC, 1},
        {"three locks", hold_three, EXIT, 3},
        {"a lock owned by another tid", hold_others, EXIT, 1},
        {"list_op_pending, owned", pending_owned, EXIT, 1},
        {"list_op_pending also on the list", pending_and_listed, EXIT, 1},
        {"circular list", circular, EXIT, 1},
        {"misaligned futex_offset", misaligned, EXIT, 1},
        {"unreadable head", bad_head, EXIT, 1},
        {"unreadable link after the first lock", bad_link, EXIT, 2},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        memset(s->locks, 0, sizeof s->locks);
        long pid = start_owner(cases[i].setup, cases[i].how);
        end_owner(pid, cases[i].how);
        int st = reap(pid);
        printf("%s: %s\n", cases[i].what, status_text(st));
        words_after(pid, cases[i].words);
    }
}

// A waiter on lock 0 (shared or private op), queued before the owner dies.
static void contended(const char* what, void (*setup)(struct shared*, long), int op, enum death how, int woken) {
    memset(s->locks, 0, sizeof s->locks);
    waiter_timeout_ms = woken ? 5000 : 300;
    long pid = start_owner(setup, how);
    uint32_t val = s->locks[0].word;
    struct waiter w;
    start_waiter(&w, &s->locks[0].word, op, val, 0, 1);
    end_owner(pid, how);
    int st = reap(pid);
    printf("%s: owner %s; waiter %s\n", what, status_text(st), finish_waiter(&w));
    words_after(pid, 1);
}

static void waiters(void) {
    printf("-- waiters --\n");
    contended("contended lock, owner exits", hold_one_contended, FUTEX_WAIT, EXIT, 1);
    contended("contended lock, owner killed", hold_one_contended, FUTEX_WAIT, KILLED, 1);
    contended("list_op_pending on an unowned word", pending_unowned, FUTEX_WAIT, EXIT, 1);
    contended("a PI entry (bit 0): marked, nobody woken", hold_pi, FUTEX_WAIT, EXIT, 0);
    contended("FUTEX_WAITERS not set: nobody woken", hold_one, FUTEX_WAIT, EXIT, 0);
    waiter_timeout_ms = 5000;
}

// ---- A CLONE_VM owner: the memory is private, the wake-up is still shared ----

static struct shared vm_state;

static int vm_owner(void* arg) {
    (void)arg;
    init_list(&vm_state);
    hold_one_contended(&vm_state, sc(SYS_gettid));
    vm_state.ready = 1;
    WAIT_FOR(vm_state.go);
    // Dies only once the parent sleeps on the lock (go 2: with FUTEX_PRIVATE_FLAG).
    wait_queued(&vm_state.locks[0].word, vm_state.go == 2, 1);
    return 0;
}

static void clone_vm(void) {
    printf("-- a CLONE_VM owner, private memory --\n");
    memset(&vm_state, 0, sizeof vm_state);
    long pid = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, vm_owner, NULL);
    WAIT_FOR(vm_state.ready);
    struct waiter w;
    start_waiter(&w, &vm_state.locks[0].word, FUTEX_WAIT, vm_state.locks[0].word, 0, 1);
    vm_state.go = 1;
    reap(pid);
    printf("shared waiter: %s; word %s\n", finish_waiter(&w), word_text(vm_state.locks[0].word, pid));

    // The owner dies while this private wait sleeps: the walk's shared wake misses it.
    memset(&vm_state, 0, sizeof vm_state);
    pid = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, vm_owner, NULL);
    WAIT_FOR(vm_state.ready);
    struct timespec t = {0, 300 * 1000000L};
    vm_state.go = 2;
    long r = futex(&vm_state.locks[0].word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, vm_state.locks[0].word, &t, NULL, 0);
    reap(pid);
    printf("private waiter: %s; word %s\n", res(r), word_text(vm_state.locks[0].word, pid));
}

// ---- The libc's robust mutexes ----

static void libc_mutex(void) {
    printf("-- pthread robust mutex --\n");
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&s->mutex, &attr);
    for (int contend = 0; contend < 2; ++contend) {
        s->ready = s->go = 0;
        pid_t pid = fork();
        if (pid == 0) {
            pthread_mutex_lock(&s->mutex);
            s->ready = 1;
            WAIT_FOR(s->go);
            if (contend)
                sleep_ms(100);  // the parent blocks in pthread_mutex_lock meanwhile
            _exit(0);
        }
        WAIT_FOR(s->ready);
        s->go = 1;
        if (!contend)
            reap(pid);
        int r = pthread_mutex_lock(&s->mutex);
        printf("%s: lock %s", contend ? "owner dies while the parent waits" : "owner died before the lock", res(-r));
        if (contend)
            reap(pid);
        if (r == EOWNERDEAD)
            printf(", consistent %s", res(-pthread_mutex_consistent(&s->mutex)));
        printf(", unlock %s", res(-pthread_mutex_unlock(&s->mutex)));
        r = pthread_mutex_lock(&s->mutex);
        printf(", lock again %s", res(-r));
        printf(", unlock %s\n", res(-pthread_mutex_unlock(&s->mutex)));
    }
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "exit"))
        return 0;
    self_path = argv[0];
    s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    registration();
    owner_dies();
    waiters();
    clone_vm();
    libc_mutex();
    return 0;
}
