// setns: /proc/<pid>/ns/{uts,pid,pid_for_children,user} and setns(2). The links read
// "<kind>:[<inode>]" (the initial namespaces' fixed numbers) and lead to a file whose inode
// number is the namespace's; a new namespace gets another number. setns through such a file
// (its kind or 0, EINVAL for another; EBADF, EINVAL for other files) and through a pidfd
// (CLONE_NEW* flags): a uts namespace, a pid namespace for the children (the active one or
// below: EINVAL above), a user namespace (not one's own: EINVAL; CAP_SYS_ADMIN in it: EPERM).
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWPID 0x20000000

static void link_text(const char* label, const char* path) {
    char buf[64];
    long n = sc(SYS_readlink, path, buf, sizeof buf - 1);
    if (n < 0) {
        printf("%s: readlink %s\n", label, res(n));
        return;
    }
    buf[n] = 0;
    printf("%s: %s\n", label, buf);
}

// The namespace's number, from following the link.
static unsigned long ns_ino(const char* path) {
    struct stat st;
    long r = sc(SYS_stat, path, &st);
    return r < 0 ? 0 : st.st_ino;
}

static void nodename(const char* who) {
    struct utsname u;
    sc(SYS_uname, &u);
    printf("%s: nodename \"%s\"\n", who, u.nodename);
}

int main(void) {
    link_text("uts", "/proc/self/ns/uts");
    link_text("pid", "/proc/self/ns/pid");
    link_text("pid_for_children", "/proc/self/ns/pid_for_children");
    link_text("user", "/proc/self/ns/user");
    link_text("task/<tid>/ns/uts", "/proc/thread-self/ns/uts");
    struct stat st;
    sc(SYS_lstat, "/proc/self/ns/uts", &st);
    printf("lstat: link %s, mode %o\n", S_ISLNK(st.st_mode) ? "yes" : "no", st.st_mode & 07777);
    sc(SYS_stat, "/proc/self/ns/uts", &st);
    printf("stat: mode %o, inode %lu\n", st.st_mode, (unsigned long)st.st_ino);
    printf("readlink of a missing kind: %s\n", res(sc(SYS_readlink, "/proc/self/ns/nope", (char[8]){0}, 8)));
    long fd = sc(SYS_open, "/proc/self/ns/uts", O_RDONLY);
    printf("open: %s\n", res(fd < 0 ? fd : 0));
    char c;
    printf("read: %s\n", res(sc(SYS_read, fd, &c, 1)));
    printf("setns(own uts, 0): %s\n", res(sc(SYS_setns, fd, 0)));
    printf("setns(own uts, CLONE_NEWUTS): %s\n", res(sc(SYS_setns, fd, CLONE_NEWUTS)));
    printf("setns(own uts, CLONE_NEWPID): %s\n", res(sc(SYS_setns, fd, CLONE_NEWPID)));
    sc(SYS_close, fd);
    printf("setns(-1): %s\n", res(sc(SYS_setns, -1, 0)));
    long file = sc(SYS_open, "/", O_RDONLY);
    printf("setns(a directory): %s\n", res(sc(SYS_setns, file, 0)));
    sc(SYS_close, file);

    printf("-- uts --\n");
    int ready[2], done[2];
    pipe(ready);
    pipe(done);
    unsigned long init_uts = ns_ino("/proc/self/ns/uts");
    long a = raw_fork();
    if (a == 0) {
        sc(SYS_unshare, CLONE_NEWUTS);
        sc(SYS_sethostname, "holder", 6);
        printf("new uts namespace: other number %s\n", ns_ino("/proc/self/ns/uts") != init_uts ? "yes" : "no");
        tell(ready[1]);
        hear(done[0]);
        die(0);
    }
    hear(ready[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/ns/uts", a);
    long ufd = sc(SYS_open, path, O_RDONLY);
    long pfd = sc(SYS_pidfd_open, a, 0);
    long b = raw_fork();
    if (b == 0) {
        printf("setns(holder's uts): %s\n", res(sc(SYS_setns, ufd, CLONE_NEWUTS)));
        nodename("after setns");
        printf("same number: %s\n", ns_ino("/proc/self/ns/uts") == ns_ino(path) ? "yes" : "no");
        die(0);
    }
    reap(b);
    nodename("parent");
    b = raw_fork();
    if (b == 0) {
        printf("setns(pidfd, 0): %s\n", res(sc(SYS_setns, pfd, 0)));
        printf("setns(pidfd, CLONE_NEWUTS): %s\n", res(sc(SYS_setns, pfd, CLONE_NEWUTS)));
        nodename("after setns through the pidfd");
        printf("setns(pidfd, CLONE_NEWUSER), same user namespace: %s\n", res(sc(SYS_setns, pfd, CLONE_NEWUSER)));
        die(0);
    }
    reap(b);
    b = raw_fork();
    if (b == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("unprivileged setns(uts): %s\n", res(sc(SYS_setns, ufd, CLONE_NEWUTS)));
        printf("unprivileged setns(pidfd, CLONE_NEWUTS): %s\n", res(sc(SYS_setns, pfd, CLONE_NEWUTS)));
        die(0);
    }
    reap(b);
    tell(done[1]);
    reap(a);
    printf("setns(pidfd of a reaped process): %s\n", res(sc(SYS_setns, pfd, CLONE_NEWUTS)));
    sc(SYS_close, ufd);
    sc(SYS_close, pfd);

    printf("-- pid --\n");
    long initpid = sc(SYS_open, "/proc/self/ns/pid", O_RDONLY);
    int inner[2];
    pipe(inner);
    pipe(ready);
    pipe(done);
    a = raw_fork();
    if (a == 0) {
        sc(SYS_unshare, CLONE_NEWPID);
        link_text("pid_for_children before a child", "/proc/self/ns/pid_for_children");
        long k = raw_fork();
        if (k == 0) {
            // The namespace's init: holds it while the others join.
            tell(inner[1]);
            hear(done[0]);
            die(0);
        }
        hear(inner[0]);
        printf("pid_for_children now differs from pid: %s\n",
               ns_ino("/proc/self/ns/pid_for_children") != ns_ino("/proc/self/ns/pid") ? "yes" : "no");
        tell(ready[1]);
        reap(k);
        die(0);
    }
    hear(ready[0]);
    snprintf(path, sizeof path, "/proc/%ld/ns/pid_for_children", a);
    long nfd = sc(SYS_open, path, O_RDONLY);
    printf("open the child namespace: %s\n", res(nfd < 0 ? nfd : 0));
    b = raw_fork();
    if (b == 0) {
        printf("setns(pid): %s\n", res(sc(SYS_setns, nfd, CLONE_NEWPID)));
        printf("getpid unchanged: %s\n", sc(SYS_getpid) > 1 ? "yes" : "no");
        printf("pid_for_children is the joined one: %s\n",
               ns_ino("/proc/self/ns/pid_for_children") == ns_ino(path) ? "yes" : "no");
        long k = raw_fork();
        if (k == 0) {
            printf("child: getpid %ld, getppid %ld\n", sc(SYS_getpid), sc(SYS_getppid));
            printf("child: setns back to the parent namespace: %s\n", res(sc(SYS_setns, initpid, CLONE_NEWPID)));
            die(0);
        }
        reap(k);
        printf("setns back to the active namespace: %s\n", res(sc(SYS_setns, initpid, CLONE_NEWPID)));
        die(0);
    }
    reap(b);
    tell(done[1]);
    reap(a);

    printf("-- user --\n");
    long ufd2 = sc(SYS_open, "/proc/self/ns/user", O_RDONLY);
    printf("setns(own user namespace): %s\n", res(sc(SYS_setns, ufd2, CLONE_NEWUSER)));
    pipe(ready);
    pipe(done);
    a = raw_fork();
    if (a == 0) {
        sc(SYS_unshare, CLONE_NEWUSER);
        tell(ready[1]);
        hear(done[0]);
        die(0);
    }
    hear(ready[0]);
    snprintf(path, sizeof path, "/proc/%ld/ns/user", a);
    long nufd = sc(SYS_open, path, O_RDONLY);
    b = raw_fork();
    if (b == 0) {
        printf("setns(child's user namespace): %s\n", res(sc(SYS_setns, nufd, CLONE_NEWUSER)));
        unsigned r, e, s;
        sc(SYS_getresuid, &r, &e, &s);
        printf("uid there: %u %u %u\n", r, e, s);
        printf("setns back to the parent's: %s\n", res(sc(SYS_setns, ufd2, CLONE_NEWUSER)));
        die(0);
    }
    reap(b);
    b = raw_fork();
    if (b == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("unprivileged setns(root's user namespace): %s\n", res(sc(SYS_setns, nufd, CLONE_NEWUSER)));
        die(0);
    }
    reap(b);
    tell(done[1]);
    reap(a);
    return 0;
}
