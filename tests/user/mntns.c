// mntns: mount namespaces. unshare(CLONE_NEWNS) and clone(CLONE_NEWNS) copy the mount table:
// tmpfs and proc mounted or unmounted inside do not show outside, and mounts made before are
// there in the copy; an unprivileged user needs a user namespace of its own (EPERM without),
// and there may mount tmpfs but not take inherited mounts apart (EINVAL: they are locked);
// /proc/self/ns/mnt names another namespace; setns into a namespace through its ns file.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWNS 0x00020000
#define CLONE_NEWPID 0x20000000
#define D "/tmp/mntns"

static const char* exists(const char* path) {
    struct stat st;
    long r = sc(SYS_stat, path, &st);
    return r == 0 ? "yes" : res(r);
}

static unsigned long ns_ino(const char* path) {
    struct stat st;
    return sc(SYS_stat, path, &st) < 0 ? 0 : st.st_ino;
}

static long mount_tmpfs(const char* where) { return sc(SYS_mount, "none", where, "tmpfs", 0, 0); }

static void touch(const char* path) {
    long fd = sc(SYS_open, path, O_CREAT | O_WRONLY, 0644);
    sc(SYS_close, fd);
}

static int clone_child(void* arg) {
    (void)arg;
    printf("clone child: mount tmpfs: %s\n", res(mount_tmpfs(D "/a")));
    touch(D "/a/cloned");
    printf("clone child: sees its file: %s\n", exists(D "/a/cloned"));
    return 0;
}

int main(void) {
    sc(SYS_mkdir, D, 0755);
    sc(SYS_mkdir, D "/a", 0777);
    sc(SYS_mkdir, D "/b", 0777);
    sc(SYS_mkdir, D "/p", 0777);
    printf("mount tmpfs on b before: %s\n", res(mount_tmpfs(D "/b")));
    touch(D "/b/before");
    unsigned long init_mnt = ns_ino("/proc/self/ns/mnt");

    printf("-- unshare --\n");
    int ready[2], done[2];
    pipe(ready);
    pipe(done);
    long c = raw_fork();
    if (c == 0) {
        printf("unshare(CLONE_NEWNS): %s\n", res(sc(SYS_unshare, CLONE_NEWNS)));
        printf("another mnt namespace: %s\n", ns_ino("/proc/self/ns/mnt") != init_mnt ? "yes" : "no");
        printf("b's file in the copy: %s\n", exists(D "/b/before"));
        printf("mount tmpfs on a: %s\n", res(mount_tmpfs(D "/a")));
        touch(D "/a/inside");
        printf("umount b: %s\n", res(sc(SYS_umount2, D "/b", 0)));
        printf("b's file after umount: %s\n", exists(D "/b/before"));
        tell(ready[1]);
        hear(done[0]);
        printf("umount a: %s\n", res(sc(SYS_umount2, D "/a", 0)));
        die(0);
    }
    hear(ready[0]);
    printf("outside: a's file: %s\n", exists(D "/a/inside"));
    printf("outside: b's file: %s\n", exists(D "/b/before"));
    tell(done[1]);
    reap(c);

    printf("-- clone --\n");
    long k = proc_clone(CLONE_NEWNS | SIGCHLD, child_stack(), NULL, NULL, 0, clone_child, NULL);
    reap(k);
    printf("outside: the clone child's file: %s\n", exists(D "/a/cloned"));

    printf("-- proc inside --\n");
    c = raw_fork();
    if (c == 0) {
        sc(SYS_unshare, CLONE_NEWNS | CLONE_NEWPID);
        long g = raw_fork();
        if (g == 0) {
            printf("mount proc: %s\n", res(sc(SYS_mount, "proc", D "/p", "proc", 0, 0)));
            char buf[16] = {0};
            long n = sc(SYS_readlink, D "/p/self", buf, sizeof buf - 1);
            printf("self: %s\n", n < 0 ? res(n) : buf);
            printf("1 there: %s\n", exists(D "/p/1"));
            die(0);
        }
        reap(g);
        die(0);
    }
    reap(c);
    printf("outside: p/self: %s\n", exists(D "/p/self"));

    printf("-- unprivileged --\n");
    c = raw_fork();
    if (c == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("unshare(CLONE_NEWNS): %s\n", res(sc(SYS_unshare, CLONE_NEWNS)));
        printf("mount tmpfs in the initial namespace: %s\n", res(mount_tmpfs(D "/a")));
        printf("unshare(CLONE_NEWUSER|CLONE_NEWNS): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS)));
        printf("mount tmpfs: %s\n", res(mount_tmpfs(D "/a")));
        touch(D "/a/mine");
        printf("its file: %s\n", exists(D "/a/mine"));
        printf("umount it: %s\n", res(sc(SYS_umount2, D "/a", 0)));
        printf("umount an inherited mount: %s\n", res(sc(SYS_umount2, D "/b", 0)));
        printf("umount -l an inherited mount: %s\n", res(sc(SYS_umount2, D "/b", MNT_DETACH)));
        printf("mount proc (pid namespace of the initial user namespace): %s\n",
               res(sc(SYS_mount, "proc", D "/p", "proc", 0, 0)));
        die(0);
    }
    reap(c);
    printf("outside: b's file: %s\n", exists(D "/b/before"));

    printf("-- setns --\n");
    pipe(ready);
    pipe(done);
    c = raw_fork();
    if (c == 0) {
        sc(SYS_unshare, CLONE_NEWNS);
        mount_tmpfs(D "/a");
        touch(D "/a/held");
        tell(ready[1]);
        hear(done[0]);
        die(0);
    }
    hear(ready[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/ns/mnt", c);
    long fd = sc(SYS_open, path, O_RDONLY);
    long b = raw_fork();
    if (b == 0) {
        printf("setns(CLONE_NEWUTS) on a mnt file: %s\n", res(sc(SYS_setns, fd, 0x04000000)));
        printf("setns(mnt): %s\n", res(sc(SYS_setns, fd, CLONE_NEWNS)));
        printf("the holder's file: %s\n", exists(D "/a/held"));
        char cwd[64];
        long n = sc(SYS_getcwd, cwd, sizeof cwd);
        printf("cwd: %s\n", n < 0 ? res(n) : cwd);
        die(0);
    }
    reap(b);
    tell(done[1]);
    reap(c);
    printf("outside: the holder's file: %s\n", exists(D "/a/held"));
    sc(SYS_umount2, D "/b", 0);
    return 0;
}
