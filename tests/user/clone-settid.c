// clone-settid: CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID through raw
// clone(2). Parent_tid is written in the parent's memory before clone returns; child_tid in the
// child's memory before it runs; at exit the kernel zeroes child_tid and wakes a futex waiter
// there only when the child's mm is shared (CLONE_VM), also when it is killed. Bad pointers
// for all three are silently ignored, as Linux does.
#include "lib/facts.h"
#include "lib/proc.h"

#define FUTEX_WAIT 0

struct shared {
    volatile int ptid, ctid;
    volatile int child_saw_ctid, child_tid, child_saw_ptid;
    volatile int go;
};

static int vm_child(void* arg) {
    struct shared* s = arg;
    s->child_tid = (int)sc(SYS_gettid);
    s->child_saw_ctid = s->ctid;
    s->child_saw_ptid = s->ptid;
    WAIT_FOR(s->go);
    return 3;
}

static int set_tid_child(void* arg) {
    struct shared* s = arg;
    s->child_tid = (int)sc(SYS_set_tid_address, &s->ctid);
    return 0;
}

static int sleeper(void* arg) {
    (void)arg;
    for (;;)
        sc(SYS_pause);
    return 0;
}

static int quick(void* arg) {
    (void)arg;
    return 5;
}

// Waits (futex, at most 3 s) until *word is no longer `value`.
static void wait_word(volatile int* word, int value) {
    for (int i = 0; i < 30 && *word == value; ++i) {
        struct timespec t = {0, 100 * 1000000L};
        sc(SYS_futex, word, FUTEX_WAIT, value, &t, 0, 0);
    }
}

int main(void) {
    struct shared* s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    printf("-- CLONE_VM with all three --\n");
    memset(s, 0, sizeof *s);
    long pid = proc_clone(CLONE_VM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD,
                          child_stack(), (int*)&s->ptid, (int*)&s->ctid, 0, vm_child, s);
    printf("clone: child created %s; parent_tid == the returned pid when clone returns: %s\n", yes(pid > 0),
           yes(s->ptid == pid));
    WAIT_FOR(s->child_tid);
    printf("child saw child_tid == its tid: %s; saw parent_tid set too: %s; its tid is the pid: %s\n",
           yes(s->child_saw_ctid == s->child_tid), yes(s->child_saw_ptid == pid), yes(s->child_tid == pid));
    printf("child_tid still set while it lives: %s\n", yes(s->ctid == pid));
    s->go = 1;
    wait_word(&s->ctid, (int)pid);
    printf("child_tid zeroed at exit, futex waiter woken: %s\n", yes(s->ctid == 0));
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- CLONE_VM, killed by SIGKILL --\n");
    memset(s, 0, sizeof *s);
    pid = proc_clone(CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, child_stack(), NULL,
                     (int*)&s->ctid, 0, sleeper, NULL);
    WAIT_FOR(s->ctid != 0);
    printf("child_tid set: %s\n", yes(s->ctid == pid));
    sc(SYS_kill, pid, SIGKILL);
    wait_word(&s->ctid, (int)pid);
    printf("child_tid zeroed when it is killed: %s\n", yes(s->ctid == 0));
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- CLONE_CHILD_CLEARTID only: nothing set at start --\n");
    memset(s, 0, sizeof *s);
    s->ctid = 77;
    pid = proc_clone(CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, child_stack(), NULL, (int*)&s->ctid, 0, vm_child, s);
    WAIT_FOR(s->child_tid);
    printf("child saw child_tid unchanged (77): %s\n", yes(s->child_saw_ctid == 77));
    s->go = 1;
    wait_word(&s->ctid, 77);
    printf("zeroed at exit: %s\n", yes(s->ctid == 0));
    reap(pid);

    printf("-- without CLONE_VM (fork-like), the words in MAP_SHARED memory --\n");
    memset(s, 0, sizeof *s);
    s->ctid = 1234;
    int pipefd[2];
    sc(SYS_pipe2, pipefd, 0);
    pid = sc(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, 0, &s->ptid,
             &s->ctid, 0);
    if (pid == 0) {
        // child_tid was written in the child's memory: here a MAP_SHARED page, seen by both.
        s->child_saw_ctid = s->ctid;
        s->child_tid = (int)sc(SYS_getpid);
        hear(pipefd[0]);
        die(0);
    }
    WAIT_FOR(s->child_tid);
    printf("parent_tid written: %s\n", yes(s->ptid == pid));
    printf("child saw child_tid == its pid: %s\n", yes(s->child_saw_ctid == s->child_tid));
    tell(pipefd[1]);
    int st = reap(pid);
    printf("child: %s; child_tid after its exit (mm not shared): %s\n", status_text(st),
           s->ctid == 0 ? "zeroed" : s->ctid == pid ? "still the pid" : "other");

    printf("-- without CLONE_VM, the words in private memory --\n");
    static int priv_ptid, priv_ctid;
    pid = sc(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0, &priv_ptid, &priv_ctid, 0);
    if (pid == 0) {
        int ok_c = priv_ctid == (int)sc(SYS_getpid);
        int ptid_zero = priv_ptid == 0;
        die(ok_c | ptid_zero << 1);
    }
    st = reap(pid);
    printf("parent: parent_tid set %s, child_tid untouched %s\n", yes(priv_ptid == pid), yes(priv_ctid == 0));
    printf("child: child_tid set in its copy %s; its copy of parent_tid still 0 %s\n",
           yes(WEXITSTATUS(st) & 1), yes(WEXITSTATUS(st) & 2));

    printf("-- bad pointers are ignored --\n");
    static const int ro_word = 9;
    int* bad[] = {(int*)8, (int*)0xffff800000000000UL, (int*)0x800000000000UL, (int*)&ro_word};
    const char* what[] = {"8", "kernel address", "non-canonical", "read-only page"};
    for (int i = 0; i < 4; ++i) {
        pid = proc_clone(CLONE_PARENT_SETTID | SIGCHLD, child_stack(), bad[i], NULL, 0, quick, NULL);
        printf("PARENT_SETTID %s: %s", what[i], pid > 0 ? "a child" : res(pid));
        if (pid > 0)
            printf(", %s", status_text(reap(pid)));
        pid = proc_clone(CLONE_CHILD_SETTID | SIGCHLD, child_stack(), NULL, bad[i], 0, quick, NULL);
        printf("; CHILD_SETTID: %s", pid > 0 ? "a child" : res(pid));
        if (pid > 0)
            printf(", %s", status_text(reap(pid)));
        pid = proc_clone(CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD, child_stack(), NULL, bad[i], 0, quick, NULL);
        printf("; CLONE_VM|CHILD_CLEARTID: %s", pid > 0 ? "a child" : res(pid));
        if (pid > 0)
            printf(", %s", status_text(reap(pid)));
        printf("\n");
    }
    printf("read-only word unchanged: %s\n", yes(ro_word == 9));

    printf("-- set_tid_address in a CLONE_VM child --\n");
    memset(s, 0, sizeof *s);
    s->ctid = 55;
    pid = proc_clone(CLONE_VM | SIGCHLD, child_stack(), NULL, NULL, 0, set_tid_child, s);
    wait_word(&s->ctid, 55);
    printf("set_tid_address returned the tid: %s; the word zeroed at exit: %s\n", yes(s->child_tid == pid),
           yes(s->ctid == 0));
    reap(pid);
    return 0;
}
