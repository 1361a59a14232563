// fork-basic: fork through the libc (musl's fork is the fork system call, glibc's is clone with
// CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID) and through the raw system call: 0 in the child, the
// child's pid in the parent, getppid/gettid in the child, private copies of globals, heap and
// stack in both directions, exit statuses, 100 forks in a row and 20 children alive at once all
// reaped exactly once, a zombie keeps its pid until reaped.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

static int global = 1;

struct facts {
    long pid, ppid, tid, fork_ret;
};

static void one(const char* label, long (*do_fork)(void)) {
    printf("-- %s --\n", label);
    int p[2], back[2];
    sc(SYS_pipe2, p, 0);
    sc(SYS_pipe2, back, 0);
    global = 1;
    int on_stack = 2;
    int* heap = malloc(sizeof *heap);
    *heap = 3;
    long parent = sc(SYS_getpid);
    long pid = do_fork();
    if (pid == 0) {
        struct facts f = {sc(SYS_getpid), sc(SYS_getppid), sc(SYS_gettid), pid};
        sc(SYS_write, p[1], &f, sizeof f);
        global = 10;
        on_stack = 20;
        *heap = 30;
        tell(p[1]);
        hear(back[0]);  // the parent changed its copies
        int ok = global == 10 && on_stack == 20 && *heap == 30;
        _exit(ok ? 42 : 43);
    }
    struct facts f;
    sc(SYS_read, p[0], &f, sizeof f);
    hear(p[0]);
    printf("fork returned a pid > 0 here: %s; 0 in the child: %s\n", yes(pid > 0), yes(f.fork_ret == 0));
    printf("child's getpid is that pid: %s; its gettid too: %s\n", yes(f.pid == pid), yes(f.tid == pid));
    printf("child's getppid is our getpid: %s; we are still ourselves: %s\n", yes(f.ppid == parent),
           yes(sc(SYS_getpid) == parent));
    printf("child's writes invisible here: %s\n", yes(global == 1 && on_stack == 2 && *heap == 3));
    global = 100;
    on_stack = 200;
    *heap = 300;
    tell(back[1]);
    int st = reap(pid);
    printf("our writes invisible there (it exits 42 if so): %s\n", status_text(st));
    free(heap);
    for (int i = 0; i < 2; ++i) {
        close(p[i]);
        close(back[i]);
    }
}

static long libc_fork(void) { return fork(); }

int main(void) {
    one("libc fork", libc_fork);
    one("raw fork system call", raw_fork);

    printf("-- exit statuses --\n");
    int codes[] = {0, 1, 42, 127, 255, 256, 257, -1};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; ++i) {
        long pid = fork();
        if (pid == 0)
            _exit(codes[i]);
        printf("_exit(%d): %s\n", codes[i], status_text(reap(pid)));
    }

    printf("-- 100 forks in a row --\n");
    long pids[100];
    int distinct = 1, reaped = 1;
    for (int i = 0; i < 100; ++i) {
        long pid = fork();
        if (pid == 0)
            _exit(i);
        pids[i] = pid;
        int st = reap(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != i)
            reaped = 0;
        for (int j = 0; j < i; ++j)
            if (pids[j] == pid)
                distinct = 0;
    }
    printf("each exited with its number: %s; pids distinct: %s\n", yes(reaped), yes(distinct));

    printf("-- 20 children at once --\n");
    int gate[2];
    sc(SYS_pipe2, gate, 0);
    long live[20];
    for (int i = 0; i < 20; ++i) {
        live[i] = fork();
        if (live[i] == 0) {
            close(gate[1]);
            char c;
            long r = read(gate[0], &c, 1);  // EOF when the parent closes the write end
            _exit(r == 0 ? 50 + i : 1);
        }
    }
    close(gate[0]);
    int st;
    printf("none has exited yet (WNOHANG): %s\n", res(sc(SYS_wait4, -1, &st, WNOHANG, 0)));
    close(gate[1]);
    int seen[20] = {0}, bad = 0;
    for (int k = 0; k < 20; ++k) {
        long pid = sc(SYS_wait4, -1, &st, 0, 0);
        int i = 0;
        while (i < 20 && live[i] != pid)
            ++i;
        if (i == 20 || seen[i]++ || !WIFEXITED(st) || WEXITSTATUS(st) != 50 + i)
            bad = 1;
    }
    printf("20 reaped by wait4(-1), each once, each with its status: %s\n", yes(!bad));
    printf("then: %s\n", res(sc(SYS_wait4, -1, &st, 0, 0)));

    printf("-- a zombie keeps its pid --\n");
    long pid = fork();
    if (pid == 0)
        _exit(0);
    siginfo_t si;
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    printf("kill(zombie, 0): %s\n", res(sc(SYS_kill, pid, 0)));
    reap(pid);
    printf("after reaping: kill(pid, 0): %s\n", res(sc(SYS_kill, pid, 0)));
    return 0;
}
