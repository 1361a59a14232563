// nproc-userns: RLIMIT_NPROC counts tasks per (user namespace, real uid), and a task counts at
// every level up to the initial namespace, through the (parent, owner) of each namespace on the
// way, where the limit is the one its creator had when it made the namespace (Linux's ucounts:
// inc_rlimit_ucounts, is_rlimit_overlimit, the namespace's rlimit_max). Root of a namespace is
// not the initial namespace's root: it is limited.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>
#include <sys/resource.h>

static long write_file(const char* path, const char* text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    long r = sc(SYS_write, fd, text, strlen(text));
    close(fd);
    return r < 0 ? r : 0;
}

static void set_nproc(long soft, long hard) {
    struct rlimit r = {soft, hard};
    long e = sc(SYS_setrlimit, RLIMIT_NPROC, &r);
    if (e)
        printf("  setrlimit(%ld, %ld): %s\n", soft, hard, res(e));
}

static void become(int uid) {
    sc(SYS_setresgid, uid, uid, uid);
    sc(SYS_setresuid, uid, uid, uid);
    sc(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
}

// Forks sleeping children until fork fails (at most `tries`); says how many it got and how it
// stopped. The children stay until kill_all.
static long kids[16];
static int nkids;
static void fork_until_refused(const char* who, int tries) {
    int got = 0;
    long r = 0;
    for (int i = 0; i < tries; ++i) {
        r = raw_fork();
        if (r == 0)
            for (;;)
                sc(SYS_pause);
        if (r < 0)
            break;
        kids[nkids++] = r;
        ++got;
    }
    printf("  %s: %d forks, then %s\n", who, got, r < 0 ? res(r) : "no refusal");
}

static void kill_all(void) {
    for (int i = 0; i < nkids; ++i) {
        sc(SYS_kill, kids[i], SIGKILL);
        reap(kids[i]);
    }
    nkids = 0;
}

static void run(const char* title, void (*fn)(void)) {
    printf("%s\n", title);
    fflush(stdout);
    long c = raw_fork();
    if (c == 0) {
        fn();
        kill_all();
        fflush(stdout);
        die(0);
    }
    reap(c);
}

// The namespace keeps the limit its creator had: raising the soft limit inside does not help
// at the parent's level.
static void captured_limit(void) {
    set_nproc(3, 100);
    become(1000);
    printf("  unshare(CLONE_NEWUSER) with RLIMIT_NPROC 3: %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
    set_nproc(100, 100);
    fork_until_refused("inside, soft limit raised to 100", 6);
}

// Inside, the namespace's own level uses the task's current limit.
static void own_level(void) {
    set_nproc(100, 100);
    become(1000);
    printf("  unshare(CLONE_NEWUSER) with RLIMIT_NPROC 100: %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
    set_nproc(2, 100);
    fork_until_refused("inside, soft limit lowered to 2", 6);
}

// uid 1000's tasks outside count against the namespace's limit at the parent's level.
static void outside_tasks_count(void) {
    set_nproc(4, 100);
    become(1000);
    fork_until_refused("outside, 2 sleepers", 2);
    printf("  unshare(CLONE_NEWUSER) with RLIMIT_NPROC 4: %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
    set_nproc(100, 100);
    fork_until_refused("inside, soft limit raised to 100", 6);
}

// The root of a namespace is limited (only the initial namespace's uid 0 is not), and holding
// every capability in the namespace does not help.
static void namespace_root(void) {
    become(1000);
    printf("  unshare(CLONE_NEWUSER): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
    printf("  uid_map: %s\n", res(write_file("/proc/self/uid_map", "0 1000 1")));
    printf("  setresuid(0): %s, uid %ld\n", res(sc(SYS_setresuid, 0, 0, 0)), sc(SYS_getuid));
    set_nproc(1, 1);
    fork_until_refused("uid 0 inside with RLIMIT_NPROC 1", 3);
}

// A namespace made by root for kernel uid 100000: its tasks count in (namespace, 100000) and,
// above, in root's (initial, 0), not with uid 100000's tasks of the initial namespace.
static void separate_namespaces(void) {
    int ready[2], mapped[2];
    sc(SYS_pipe2, ready, 0);
    sc(SYS_pipe2, mapped, 0);
    long outer = raw_fork();
    if (outer == 0) {
        set_nproc(3, 3);
        become(100000);
        fork_until_refused("uid 100000 outside, RLIMIT_NPROC 3", 6);
        char c = 1;
        sc(SYS_write, ready[1], &c, 1);
        sc(SYS_read, mapped[0], &c, 1);  // until the other part is done
        fork_until_refused("uid 100000 outside again", 1);
        kill_all();
        fflush(stdout);
        die(0);
    }
    char c;
    sc(SYS_read, ready[0], &c, 1);
    int go[2], done[2];
    sc(SYS_pipe2, go, 0);
    sc(SYS_pipe2, done, 0);
    long inner = raw_fork();
    if (inner == 0) {
        printf("  root: unshare(CLONE_NEWUSER): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
        sc(SYS_write, done[1], &c, 1);
        sc(SYS_read, go[0], &c, 1);
        set_nproc(3, 3);
        printf("  setresuid(0) inside (kernel uid 100000): %s\n", res(sc(SYS_setresuid, 0, 0, 0)));
        fork_until_refused("uid 0 inside, RLIMIT_NPROC 3", 6);
        kill_all();
        fflush(stdout);
        die(0);
    }
    sc(SYS_read, done[0], &c, 1);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/uid_map", inner);
    printf("  uid_map \"0 100000 1\": %s\n", res(write_file(path, "0 100000 1")));
    snprintf(path, sizeof path, "/proc/%ld/gid_map", inner);
    printf("  gid_map \"0 100000 1\": %s\n", res(write_file(path, "0 100000 1")));
    fflush(stdout);
    sc(SYS_write, go[1], &c, 1);
    reap(inner);
    sc(SYS_write, mapped[1], &c, 1);
    reap(outer);
}

int main(void) {
    run("-- a namespace keeps its creator's limit", captured_limit);
    run("-- the namespace's own level", own_level);
    run("-- tasks outside count at the parent's level", outside_tasks_count);
    run("-- the root of a namespace", namespace_root);
    run("-- a namespace made by root", separate_namespaces);
    return 0;
}
