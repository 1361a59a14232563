// ipcns: ipc namespaces. /proc/<pid>/ns/ipc; unshare(CLONE_NEWIPC) and clone(CLONE_NEWIPC) need
// CAP_SYS_ADMIN over the owning user namespace (EPERM), clone refuses CLONE_NEWIPC with
// CLONE_SYSVSEM (EINVAL, after the privilege check) while unshare takes both; setns to an ipc
// namespace by its file or a pidfd (EPERM without CAP_SYS_ADMIN over its owner and our own).
#include "lib/facts.h"
#include "lib/proc.h"

#ifndef CLONE_NEWIPC
#define CLONE_NEWIPC 0x08000000
#endif

static void link_of(const char* path, char* out, size_t size) {
    long n = sc(SYS_readlink, path, out, size - 1);
    out[n > 0 ? n : 0] = 0;
}

static int same_link(const char* a, const char* b) {
    char x[64], y[64];
    link_of(a, x, sizeof x);
    link_of(b, y, sizeof y);
    return strcmp(x, y) == 0;
}

static char before[64];

// A fork-like clone (no CLONE_VM): the child reports whether its ipc namespace is new.
static void try_clone(const char* what, unsigned long flags) {
    link_of("/proc/self/ns/ipc", before, sizeof before);
    long c = sc(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (c == 0) {
        char now[64];
        link_of("/proc/self/ns/ipc", now, sizeof now);
        printf("  %s child: new ipc namespace: %s\n", what, yes(strcmp(now, before) != 0));
        die(0);
    }
    printf("%s: %s\n", what, c > 0 ? "a child" : res(c));
    if (c > 0)
        reap(c);
}

static void privileged(void) {
    printf("-- root\n");
    try_clone("clone(CLONE_NEWIPC)", CLONE_NEWIPC);
    try_clone("clone(CLONE_NEWIPC|CLONE_SYSVSEM)", CLONE_NEWIPC | CLONE_SYSVSEM);
    try_clone("clone(CLONE_SYSVSEM)", CLONE_SYSVSEM);
    printf("unshare(CLONE_SYSVSEM): %s\n", res(sc(SYS_unshare, CLONE_SYSVSEM)));
    printf("unshare(CLONE_NEWIPC): %s\n", res(sc(SYS_unshare, CLONE_NEWIPC)));
    printf("new ipc namespace: %s\n", yes(!same_link("/proc/self/ns/ipc", "/proc/1/ns/ipc")));
    printf("unshare(CLONE_NEWIPC|CLONE_SYSVSEM): %s\n", res(sc(SYS_unshare, CLONE_NEWIPC | CLONE_SYSVSEM)));
    char mine[64];
    link_of("/proc/self/ns/ipc", mine, sizeof mine);
    long c = raw_fork();
    if (c == 0) {
        printf("fork child shares it: %s\n", yes(same_link("/proc/self/ns/ipc", "/proc/self/ns/ipc") &&
                                                 strcmp((link_of("/proc/self/ns/ipc", before, sizeof before), before), mine) == 0));
        die(0);
    }
    reap(c);
    int fd = open("/proc/1/ns/ipc", O_RDONLY);
    printf("setns(/proc/1/ns/ipc, CLONE_NEWUTS): %s\n", res(sc(SYS_setns, fd, CLONE_NEWUTS)));
    printf("setns(/proc/1/ns/ipc, CLONE_NEWIPC): %s\n", res(sc(SYS_setns, fd, CLONE_NEWIPC)));
    close(fd);
    printf("back in init's: %s\n", yes(same_link("/proc/self/ns/ipc", "/proc/1/ns/ipc")));
    printf("unshare(CLONE_NEWIPC): %s\n", res(sc(SYS_unshare, CLONE_NEWIPC)));
    int pidfd = (int)sc(SYS_pidfd_open, 1, 0);
    printf("setns(pidfd of 1, CLONE_NEWIPC): %s\n", res(sc(SYS_setns, pidfd, CLONE_NEWIPC)));
    printf("back in init's: %s\n", yes(same_link("/proc/self/ns/ipc", "/proc/1/ns/ipc")));
    printf("setns(pidfd of 1, CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWNS): %s\n",
           res(sc(SYS_setns, pidfd, CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS)));
    close(pidfd);
}

static void unprivileged(void) {
    printf("-- uid 1000\n");
    int init_ipc = open("/proc/1/ns/ipc", O_RDONLY);  // opened while root
    sc(SYS_setresgid, 1000, 1000, 1000);
    sc(SYS_setresuid, 1000, 1000, 1000);
    printf("unshare(CLONE_NEWIPC): %s\n", res(sc(SYS_unshare, CLONE_NEWIPC)));
    try_clone("clone(CLONE_NEWIPC)", CLONE_NEWIPC);
    try_clone("clone(CLONE_NEWIPC|CLONE_SYSVSEM)", CLONE_NEWIPC | CLONE_SYSVSEM);
    try_clone("clone(CLONE_NEWUSER|CLONE_NEWIPC)", CLONE_NEWUSER | CLONE_NEWIPC);
    try_clone("clone(CLONE_NEWUSER|CLONE_NEWIPC|CLONE_SYSVSEM)", CLONE_NEWUSER | CLONE_NEWIPC | CLONE_SYSVSEM);
    printf("setns(init's ipc): %s\n", res(sc(SYS_setns, init_ipc, CLONE_NEWIPC)));
    printf("unshare(CLONE_NEWUSER|CLONE_NEWIPC): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER | CLONE_NEWIPC)));
    printf("new ipc namespace: %s\n", yes(!same_link("/proc/self/ns/ipc", "/proc/1/ns/ipc")));
    printf("setns(init's ipc) from the user namespace: %s\n", res(sc(SYS_setns, init_ipc, CLONE_NEWIPC)));
    printf("unshare(CLONE_NEWIPC) in it: %s\n", res(sc(SYS_unshare, CLONE_NEWIPC)));
    try_clone("clone(CLONE_NEWIPC) in it", CLONE_NEWIPC);
    try_clone("clone(CLONE_NEWIPC|CLONE_SYSVSEM) in it", CLONE_NEWIPC | CLONE_SYSVSEM);
}

int main(void) {
    char link[64];
    link_of("/proc/self/ns/ipc", link, sizeof link);
    printf("ns/ipc: %s\n", link);
    long c = raw_fork();
    if (c == 0) {
        privileged();
        die(0);
    }
    printf("root part %s\n", status_text(reap(c)));
    c = raw_fork();
    if (c == 0) {
        unprivileged();
        die(0);
    }
    printf("uid 1000 part %s\n", status_text(reap(c)));
    return 0;
}
