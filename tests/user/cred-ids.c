// cred-ids: the set*id family's rules, as root and after dropping to unprivileged ids in forked
// children: setuid/setgid (all ids as root, only the effective ones otherwise), setreuid/
// setregid (the saved id follows), setresuid/setresgid (any of the current three), setfsuid/
// setfsgid (the old id back, never an error), EINVAL for -1, getresuid/getresgid's order of
// writes with a bad pointer, getgroups/setgroups (sorted, NGROUPS_MAX, EPERM before EINVAL),
// the parent-death signal cleared when the effective ids change, and what uid 1000 may no
// longer do (hard limits, other users' limits and priorities, mount, reboot).
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/mount.h>
#include <sys/prctl.h>

static void ids(const char* label) {
    unsigned r = 0, e = 0, s = 0, gr = 0, ge = 0, gs = 0;
    sc(SYS_getresuid, &r, &e, &s);
    sc(SYS_getresgid, &gr, &ge, &gs);
    long fsuid = sc(SYS_setfsuid, -1);  // -1 changes nothing: a query
    long fsgid = sc(SYS_setfsgid, -1);
    printf("  %s: uid %u/%u/%u fsuid %ld, gid %u/%u/%u fsgid %ld\n", label, r, e, s, fsuid, gr, ge, gs, fsgid);
}

static void groups(const char* label) {
    unsigned list[8];
    long n = sc(SYS_getgroups, 8, list);
    printf("  %s: %s groups", label, res(n));
    for (long i = 0; i < n; ++i)
        printf(" %u", list[i]);
    printf("\n");
}

static void step(const char* what, long r) { printf("  %s: %s\n", what, res(r)); }

// Runs fn in a forked child (credential changes cannot be undone) and waits for it.
static void in_child(const char* title, void (*fn)(void)) {
    printf("-- %s --\n", title);
    long pid = raw_fork();
    if (pid == 0) {
        fn();
        die(0);
    }
    printf("  (child %s)\n", status_text(reap(pid)));
}

static void root_setuid(void) {
    ids("start");
    step("setuid(-1)", sc(SYS_setuid, -1));
    step("setgid(-1)", sc(SYS_setgid, -1));
    step("setuid(1000) as root", sc(SYS_setuid, 1000));
    ids("after");
    step("setuid(0) back", sc(SYS_setuid, 0));
    step("setuid(1000) again (no change)", sc(SYS_setuid, 1000));
    step("setgid(50) without CAP_SETGID", sc(SYS_setgid, 50));
    step("setreuid(-1, -1)", sc(SYS_setreuid, -1, -1));
    step("setresuid(-1, -1, -1)", sc(SYS_setresuid, -1, -1, -1));
}

static void effective_only(void) {
    step("setresuid(-1, 1000, -1) (seteuid)", sc(SYS_setresuid, -1, 1000, -1));
    ids("euid 1000");
    step("setuid(2000) with euid 1000", sc(SYS_setuid, 2000));
    step("setuid(0) (the real uid)", sc(SYS_setuid, 0));
    ids("back");
    step("setuid(3000) as root again", sc(SYS_setuid, 3000));
    ids("after");
}

static void reuid(void) {
    step("setreuid(1000, 2000)", sc(SYS_setreuid, 1000, 2000));
    ids("1000/2000");
    step("setreuid(-1, 1000) (euid to the real uid)", sc(SYS_setreuid, -1, 1000));
    ids("after");
    step("setreuid(-1, 2000) (euid to the saved uid)", sc(SYS_setreuid, -1, 2000));
    ids("after");
    step("setreuid(3000, -1)", sc(SYS_setreuid, 3000, -1));
    step("setreuid(-1, 3000)", sc(SYS_setreuid, -1, 3000));
    step("setreuid(2000, -1) (ruid to the euid)", sc(SYS_setreuid, 2000, -1));
    ids("after");
    step("setreuid(1000, 1000)", sc(SYS_setreuid, 1000, 1000));
    step("setreuid(2000, 2000)", sc(SYS_setreuid, 2000, 2000));
    ids("after");
}

static void resuid(void) {
    step("setresuid(1000, 2000, 3000)", sc(SYS_setresuid, 1000, 2000, 3000));
    ids("1000/2000/3000");
    step("setresuid(3000, -1, -1)", sc(SYS_setresuid, 3000, -1, -1));
    step("setresuid(4000, -1, -1)", sc(SYS_setresuid, 4000, -1, -1));
    step("setresuid(-1, -1, 4000)", sc(SYS_setresuid, -1, -1, 4000));
    step("setresuid(2000, 3000, 1000) (1000 is gone)", sc(SYS_setresuid, 2000, 3000, 1000));
    step("setresuid(2000, 3000, 2000)", sc(SYS_setresuid, 2000, 3000, 2000));
    ids("permuted");
    step("setresuid(-1, -1, -1)", sc(SYS_setresuid, -1, -1, -1));
    step("setuid(2000) (the real and saved uid)", sc(SYS_setuid, 2000));
    ids("after");
    step("setuid(0)", sc(SYS_setuid, 0));
    step("setresuid(0, 0, 0)", sc(SYS_setresuid, 0, 0, 0));
}

static void gids(void) {
    step("setresgid(100, 200, 300)", sc(SYS_setresgid, 100, 200, 300));
    ids("gids");
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    step("setgid(300) (the saved gid)", sc(SYS_setgid, 300));
    ids("after");
    step("setgid(400)", sc(SYS_setgid, 400));
    step("setregid(-1, 100)", sc(SYS_setregid, -1, 100));
    ids("after");
    step("setregid(300, -1)", sc(SYS_setregid, 300, -1));
    step("setregid(-1, 300)", sc(SYS_setregid, -1, 300));
    ids("after");
    step("setregid(300, -1)", sc(SYS_setregid, 300, -1));
    ids("after");
    step("setresgid(-1, -1, -1)", sc(SYS_setresgid, -1, -1, -1));
    step("setresgid(100, -1, -1)", sc(SYS_setresgid, 100, -1, -1));
    step("setresgid(-1, -1, 300)", sc(SYS_setresgid, -1, -1, 300));
    step("setgid(-1)", sc(SYS_setgid, -1));
}

static void fsids(void) {
    printf("  setfsuid(1234) returns %ld\n", sc(SYS_setfsuid, 1234));
    printf("  setfsgid(4321) returns %ld\n", sc(SYS_setfsgid, 4321));
    ids("fs ids set");
    step("setresuid(1000, 1000, 2000) (fsuid follows the euid)", sc(SYS_setresuid, 1000, 1000, 2000));
    step("setresgid(10, 10, 20)", sc(SYS_setresgid, 10, 10, 20));
    ids("after");
    printf("  setfsuid(5000) returns %ld\n", sc(SYS_setfsuid, 5000));
    printf("  setfsuid(2000) returns %ld\n", sc(SYS_setfsuid, 2000));
    printf("  setfsgid(30) returns %ld\n", sc(SYS_setfsgid, 30));
    printf("  setfsgid(20) returns %ld\n", sc(SYS_setfsgid, 20));
    ids("after");
    printf("  setfsuid(1000) returns %ld\n", sc(SYS_setfsuid, 1000));
    ids("after");
}

static void group_lists(void) {
    groups("start");
    unsigned three[] = {30, 10, 20};
    step("setgroups(3, {30, 10, 20})", sc(SYS_setgroups, 3, three));
    groups("sorted");
    unsigned one;
    step("getgroups(1, buf)", sc(SYS_getgroups, 1, &one));
    step("getgroups(0, NULL)", sc(SYS_getgroups, 0, 0));
    step("getgroups(-1, buf)", sc(SYS_getgroups, -1, &one));
    step("getgroups(3, NULL)", sc(SYS_getgroups, 3, 0));
    unsigned dup[] = {7, 7, 5};
    step("setgroups(3, {7, 7, 5})", sc(SYS_setgroups, 3, dup));
    groups("duplicates");
    step("setgroups(-1, NULL)", sc(SYS_setgroups, -1, 0));
    step("setgroups(65537, NULL)", sc(SYS_setgroups, 65537, 0));
    step("setgroups(65536, NULL)", sc(SYS_setgroups, 65536, 0));
    unsigned bad[] = {1, (unsigned)-1};
    step("setgroups(2, {1, -1})", sc(SYS_setgroups, 2, bad));
    step("setgroups(1, NULL)", sc(SYS_setgroups, 1, 0));
    groups("unchanged");
    step("setgroups(0, NULL)", sc(SYS_setgroups, 0, 0));
    groups("none");
    unsigned two[] = {4, 2};
    step("setgroups(2, {4, 2})", sc(SYS_setgroups, 2, two));
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    groups("kept");
    step("setgroups(0, NULL) without CAP_SETGID", sc(SYS_setgroups, 0, 0));
    step("setgroups(-1, NULL) without CAP_SETGID", sc(SYS_setgroups, -1, 0));
    step("getgroups(2, buf)", sc(SYS_getgroups, 2, two));
}

static void faults(void) {
    unsigned a = 99, b = 99;
    step("getresuid(&a, bad, &b)", sc(SYS_getresuid, &a, 8, &b));
    printf("  a written: %s, b written: %s\n", yes(a != 99), yes(b != 99));
    step("getresgid(NULL, &a, &b)", sc(SYS_getresgid, 0, &a, &b));
    step("getgroups(1, bad) with no groups", sc(SYS_getgroups, 1, 8));
}

static void death_signal(void) {
    int sig = -1;
    sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
    step("setresuid(0, 0, 0) (no change)", sc(SYS_setresuid, 0, 0, 0));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("  death signal kept: %s\n", sig_name(sig));
    unsigned five = 5;
    step("setgroups(1, {5})", sc(SYS_setgroups, 1, &five));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("  after setgroups: %s\n", sig_name(sig));
    step("setresuid(1000, -1, -1) (real uid only)", sc(SYS_setresuid, 1000, -1, -1));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("  after a new real uid: %s\n", sig_name(sig));
    step("setresuid(-1, 1000, -1)", sc(SYS_setresuid, -1, 1000, -1));
    sc(SYS_prctl, PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    printf("  after a new effective uid: %s\n", sig_name(sig));
}

// What root may do and uid 1000 may not: raise a hard limit, touch another user's limits or
// priority, lower its own nice value past RLIMIT_NICE, mount, reboot.
static void unprivileged_limits(void) {
    long parent = sc(SYS_getppid);
    struct rlimit limit;
    sc(SYS_getrlimit, RLIMIT_NOFILE, &limit);
    struct rlimit lower = {256, 512};
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    step("setrlimit NOFILE 256/512", sc(SYS_setrlimit, RLIMIT_NOFILE, &lower));
    step("setrlimit NOFILE back to the old hard limit", sc(SYS_setrlimit, RLIMIT_NOFILE, &limit));
    struct rlimit old;
    step("prlimit64 of the root parent (read only)", sc(SYS_prlimit64, parent, RLIMIT_NOFILE, 0, &old));
    step("prlimit64 of ourselves by pid", sc(SYS_prlimit64, sc(SYS_getpid), RLIMIT_NOFILE, 0, &old));
    step("setpriority(PRIO_PROCESS, 0, 5)", sc(SYS_setpriority, PRIO_PROCESS, 0, 5));
    step("setpriority(PRIO_PROCESS, 0, 2) (lower)", sc(SYS_setpriority, PRIO_PROCESS, 0, 2));
    step("setpriority(PRIO_PROCESS, 0, 7)", sc(SYS_setpriority, PRIO_PROCESS, 0, 7));
    step("setpriority of the root parent", sc(SYS_setpriority, PRIO_PROCESS, parent, 7));
    step("getpriority(PRIO_USER, 0) (20 - nice)", sc(SYS_getpriority, PRIO_USER, 0));
    step("setpriority(PRIO_USER, 0, 9)", sc(SYS_setpriority, PRIO_USER, 0, 9));
    step("getpriority(PRIO_PROCESS, 0)", sc(SYS_getpriority, PRIO_PROCESS, 0));
    step("getpriority(PRIO_USER, 54321) (nobody)", sc(SYS_getpriority, PRIO_USER, 54321));
    step("mount tmpfs on /tmp", sc(SYS_mount, "none", "/tmp", "tmpfs", 0, 0));
    step("umount2 /tmp", sc(SYS_umount2, "/tmp", 0));
    step("reboot (bad magic)", sc(SYS_reboot, 0, 0, 0, 0));
}

int main(void) {
    printf("-- root --\n");
    printf("  getuid %ld, geteuid %ld, getgid %ld, getegid %ld\n", sc(SYS_getuid), sc(SYS_geteuid), sc(SYS_getgid),
           sc(SYS_getegid));
    ids("ids");
    in_child("setuid as root, then as 1000", root_setuid);
    in_child("an effective uid only", effective_only);
    in_child("setreuid", reuid);
    in_child("setresuid", resuid);
    in_child("gids", gids);
    in_child("fs ids", fsids);
    in_child("supplementary groups", group_lists);
    in_child("bad pointers", faults);
    in_child("the parent-death signal", death_signal);
    in_child("limits, priorities, mounts as uid 1000", unprivileged_limits);
    ids("the parent at the end");
    return 0;
}
