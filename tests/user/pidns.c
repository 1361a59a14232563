// pidns: pid namespaces, the container sequence. unshare(CLONE_NEWPID) leaves the caller where
// it is and puts its next child in a new namespace as pid 1 (getppid 0: its parent is outside),
// whose children are 2, 3, ...; orphans inside go to that init; its init ignores signals it does
// not handle from inside, but dies of SIGKILL from outside, taking the namespace with it, after
// which nothing can be forked into it (ENOMEM). Nesting stops at 32 levels. clone3's set_tid
// names a number per level. The parent sees the child's outer pid (compared, never printed);
// numbers inside a new namespace are deterministic and printed.
#include "lib/facts.h"
#include "lib/proc.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define MNT "/tmp/pidns-proc"

// Runs fn in a child and waits for it, so each part starts from a process of the initial
// namespace with nothing unshared.
static void part(const char* title, void (*fn)(void)) {
    printf("-- %s --\n", title);
    long pid = raw_fork();
    if (pid == 0) {
        fn();
        die(0);
    }
    int st = reap(pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("part ended: %s\n", status_text(st));
}

static long getpid_(void) { return sc(SYS_getpid); }
static long getppid_(void) { return sc(SYS_getppid); }

static volatile sig_atomic_t got_usr1;
static volatile long usr1_pid = -1;
static void on_usr1(int sig, siginfo_t* info, void* ctx) {
    (void)sig, (void)ctx;
    got_usr1 = 1;
    usr1_pid = info->si_pid;
}

// ---- the container sequence ----------------------------------------------------------------

static void container_init(int to_outside) {
    printf("init: getpid %ld, getppid %ld\n", getpid_(), getppid_());
    // Children numbered from 2.
    for (int i = 0; i < 2; ++i) {
        long c = raw_fork();
        if (c == 0) {
            printf("child: getpid %ld, getppid %ld\n", getpid_(), getppid_());
            die(0);
        }
        int st = 0;
        long w = sc(SYS_wait4, c, &st, 0, 0);
        printf("init: fork returned %ld, wait4 returned %s\n", c, res(w));
    }
    // An orphan: 4 forks 5 and exits; 5 is handed to init, which reaps it.
    int go[2];
    pipe(go);
    long mid = raw_fork();
    if (mid == 0) {
        long orphan = raw_fork();
        if (orphan == 0) {
            hear(go[0]);  // until its parent is gone
            printf("orphan: getpid %ld, getppid %s after its parent died\n", getpid_(),
                   WAIT_FOR(getppid_() == 1) ? "1" : "not 1");
            die(7);
        }
        die(0);
    }
    printf("init: middle process %ld exited: %s\n", mid, status_text(reap(mid)));
    tell(go[1]);
    int st = 0;
    long w = sc(SYS_wait4, -1, &st, 0, 0);
    printf("init: reaped orphan %s, %s\n", res(w), status_text(st));
    // Signals from inside: the init ignores what it leaves at SIG_DFL, even SIGKILL; a handled
    // one arrives with the sender's number.
    on_siginfo(SIGUSR1, on_usr1, SA_RESTART);
    long k = raw_fork();
    if (k == 0) {
        printf("inside: kill(1, SIGTERM) %s, kill(1, SIGKILL) %s\n", res(sc(SYS_kill, 1, SIGTERM)),
               res(sc(SYS_kill, 1, SIGKILL)));
        printf("inside: kill(1, SIGUSR1) %s\n", res(sc(SYS_kill, 1, SIGUSR1)));
        die(0);
    }
    reap(k);
    printf("init: alive after SIGTERM and SIGKILL from inside; SIGUSR1 from %ld handled %s, si_pid %ld\n", k,
           got_usr1 ? "yes" : "no", usr1_pid);
    // From outside: the sender is not visible here, so si_pid is 0.
    got_usr1 = 0;
    usr1_pid = -1;
    tell(to_outside);
    int handled = WAIT_FOR(got_usr1);
    printf("init: SIGUSR1 from outside %s, si_pid %ld\n", handled ? "handled" : "missing", usr1_pid);
}

static void container(void) {
    long before = getpid_();
    printf("unshare(CLONE_NEWPID) %s\n", res(sc(SYS_unshare, CLONE_NEWPID)));
    printf("getpid unchanged: %s\n", getpid_() == before ? "yes" : "no");
    printf("again before a child: %s\n", res(sc(SYS_unshare, CLONE_NEWPID)));
    printf("thread into the new namespace: %s\n",
           res(sc(SYS_clone, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, child_stack(), 0, 0, 0)));
    printf("clone(CLONE_NEWPID) too: %s\n", res(sc(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0)));

    int ready[2], last[2];
    pipe(ready);
    pipe(last);
    long init = raw_fork();
    if (init == 0) {
        close(ready[0]);
        close(last[0]);
        container_init(ready[1]);
        // One more process that stays: it dies with the namespace. It holds `last` open.
        long stay = raw_fork();
        if (stay == 0) {
            for (;;)
                pause();
        }
        printf("init: staying child is %ld\n", stay);
        tell(ready[1]);
        for (;;)
            pause();
    }
    close(last[1]);
    hear(ready[0]);
    printf("fork returned the outer pid: %s\n", init > 1 ? "yes" : "no");
    sc(SYS_kill, init, SIGUSR1);
    hear(ready[0]);
    // SIGTERM from outside is ignored too (SIG_DFL); SIGKILL from outside kills it.
    printf("outside: kill(init, SIGTERM) %s\n", res(sc(SYS_kill, init, SIGTERM)));
    long alive = sc(SYS_kill, init, 0);
    printf("outside: init still there: %s\n", alive == 0 ? "yes" : "no");
    printf("outside: kill(init, SIGKILL) %s\n", res(sc(SYS_kill, init, SIGKILL)));
    int st = 0;
    long w = sc(SYS_wait4, -1, &st, 0, 0);
    printf("outside: wait4 returned the fork's pid: %s, %s\n", w == init ? "yes" : "no", status_text(st));
    char c;
    printf("outside: the rest of the namespace is gone: %s\n", read(last[0], &c, 1) == 0 ? "yes" : "no");
    printf("outside: fork into the dead namespace: %s\n", res(raw_fork()));
}

// ---- SIGCHLD and waitid across the boundary -------------------------------------------------

static void chld_info(void) {
    sc(SYS_unshare, CLONE_NEWPID);
    long c = raw_fork();
    if (c == 0)
        die(3);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    long r = sc(SYS_waitid, P_PID, c, &info, WEXITED, 0);
    printf("waitid %s: si_pid is the outer pid: %s, si_status %d\n", res(r), info.si_pid == c ? "yes" : "no",
           info.si_status);
}

// ---- nesting ------------------------------------------------------------------------------

static void grandchild_ns(void) {
    sc(SYS_unshare, CLONE_NEWPID);
    long a = raw_fork();
    if (a == 0) {
        // pid 1 of level 1; its child 2 makes a level-2 namespace.
        long b = raw_fork();
        if (b == 0) {
            sc(SYS_unshare, CLONE_NEWPID);
            long c = raw_fork();
            if (c == 0) {
                printf("level 2: getpid %ld, getppid %ld\n", getpid_(), getppid_());
                die(0);
            }
            reap(c);
            printf("level 1 process 2: fork returned %ld (its number in level 1)\n", c);
            die(0);
        }
        reap(b);
        die(0);
    }
    reap(a);
}

static void depth(void) {
    for (int level = 1;; ++level) {
        long r = sc(SYS_unshare, CLONE_NEWPID);
        if (r != 0) {
            printf("unshare at level %d: %s\n", level - 1, res(r));
            break;
        }
        long c = raw_fork();
        if (c < 0) {
            printf("fork at level %d: %s\n", level, res(c));
            break;
        }
        if (c > 0) {
            int st = reap(c);
            die(WIFEXITED(st) ? WEXITSTATUS(st) : 99);
        }
        if (getpid_() != 1 || getppid_() != 0) {
            printf("level %d: getpid %ld getppid %ld\n", level, getpid_(), getppid_());
            die(1);
        }
    }
    printf("deepest: getpid %ld\n", getpid_());
    die(0);
}

// ---- clone3 set_tid -----------------------------------------------------------------------

// struct clone_args (linux/sched.h), up to set_tid (VER1: 80 bytes).
struct cargs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size;
};

static long clone3_set_tid(const int* tids, size_t n) {
    struct cargs args;
    memset(&args, 0, sizeof args);
    args.exit_signal = SIGCHLD;
    args.set_tid = (uint64_t)(uintptr_t)tids;
    args.set_tid_size = n;
    return sc(SYS_clone3, &args, sizeof args);
}

static void set_tid(void) {
    sc(SYS_unshare, CLONE_NEWPID);
    int three[3] = {1, 7777, 7777};
    printf("three numbers for two levels: %s\n", res(clone3_set_tid(three, 3)));
    int no_init[2] = {2, 7777};
    printf("2 before the namespace has an init: %s\n", res(clone3_set_tid(no_init, 2)));
    int first[2] = {1, 7777};
    int printed[2];
    pipe(printed);
    long c = clone3_set_tid(first, 2);
    if (c == 0) {
        printf("child: getpid %ld\n", getpid_());
        tell(printed[1]);
        for (;;)
            pause();  // until killed
    }
    hear(printed[0]);
    printf("parent: clone3 returned %s\n", res(c));
    int taken[2] = {1, 7778};
    printf("1 again: %s\n", res(clone3_set_tid(taken, 2)));
    int second[2] = {5, 7778};
    long d = clone3_set_tid(second, 2);
    if (d == 0) {
        printf("second child: getpid %ld, getppid %ld\n", getpid_(), getppid_());
        die(0);
    }
    reap(d);
    printf("parent: clone3 returned %s\n", res(d));
    sc(SYS_kill, c, SIGKILL);
    reap(c);
}

// ---- procfs from inside -------------------------------------------------------------------

static void list_pids(const char* who) {
    DIR* dir = opendir(MNT);
    int pids[64], n = 0;
    struct dirent* e;
    while (dir && (e = readdir(dir)) && n < 64)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
            pids[n++] = atoi(e->d_name);
    if (dir)
        closedir(dir);
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j)
            if (pids[j] < pids[i]) {
                int t = pids[i];
                pids[i] = pids[j];
                pids[j] = t;
            }
    printf("%s lists:", who);
    for (int i = 0; i < n; ++i)
        printf(" %d", pids[i]);
    printf("\n");
}

static void procfs(void) {
    sc(SYS_unshare, CLONE_NEWPID);
    mkdir(MNT, 0755);
    int mounted[2], done[2];
    pipe(mounted);
    pipe(done);
    long init = raw_fork();
    if (init == 0) {
        close(done[1]);
        printf("mount from inside: %s\n", res(sc(SYS_mount, "proc", MNT, "proc", 0, 0)));
        long c = raw_fork();
        if (c == 0) {
            hear(done[0]);
            die(0);
        }
        char link[64] = {0};
        long n = sc(SYS_readlink, MNT "/self", link, sizeof link - 1);
        printf("init: self -> %s\n", n > 0 ? link : res(n));
        n = sc(SYS_readlink, MNT "/thread-self", link, sizeof link - 1);
        printf("init: thread-self -> %s\n", n > 0 ? link : res(n));
        list_pids("init");
        struct stat s;
        printf("init: %s/2 %s, %s/3 %s\n", MNT, res(stat(MNT "/2", &s) == 0 ? 0 : -errno), MNT,
               res(stat(MNT "/3", &s) == 0 ? 0 : -errno));
        tell(mounted[1]);
        hear(done[0]);
        reap(c);
        die(0);
    }
    hear(mounted[0]);
    char link[64] = {0};
    printf("outside: self -> %s\n", res(sc(SYS_readlink, MNT "/self", link, sizeof link - 1)));
    list_pids("outside");
    close(done[1]);
    reap(init);
    printf("umount: %s\n", res(sc(SYS_umount2, MNT, 0)));
}

int main(void) {
    part("container", container);
    part("SIGCHLD across", chld_info);
    part("grandchild namespace", grandchild_ns);
    part("depth", depth);
    part("clone3 set_tid", set_tid);
    part("procfs", procfs);
    return 0;
}
