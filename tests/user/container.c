// container: the container sequence as an unprivileged user — unshare(CLONE_NEWUSER |
// CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS), write the id maps, fork: the child is pid 1 and
// root inside, its children are numbered from 2, an orphan is reaped by it, it may set the
// hostname and mount a proc of its own; killing it ends the namespace. Then BusyBox's unshare
// applet does the same from the shell's side.
// usertest: file /bin/busybox /bin/busybox
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static long write_file(const char* path, const char* text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    long r = sc(SYS_write, fd, text, strlen(text));
    close(fd);
    return r < 0 ? r : 0;
}

static int inside(void) {
    printf("  pid %ld, ppid %ld, uid %ld\n", (long)getpid(), (long)getppid(), (long)getuid());
    printf("  sethostname: %s\n", res(sethostname("box", 3) ? -errno : 0));
    struct utsname u;
    uname(&u);
    printf("  nodename: %s\n", u.nodename);
    mkdir("/tmp/container-proc", 0755);
    printf("  mount proc: %s\n", res(mount("proc", "/tmp/container-proc", "proc", 0, NULL) ? -errno : 0));
    char link[32] = {0};
    printf("  its self: %s\n", readlink("/tmp/container-proc/self", link, sizeof link - 1) < 0 ? res(-errno) : link);
    long c = raw_fork();
    if (c == 0) {
        long orphan = raw_fork();
        if (orphan == 0) {
            sleep_ms(100);
            die(getppid() == 1 ? 0 : 1);
        }
        die(3);
    }
    printf("  first child: pid %ld, %s\n", c, status_text(reap(c)));
    int st;
    long o = sc(SYS_wait4, -1, &st, 0, 0);
    printf("  the orphan (pid %ld) was ours to reap: %s\n", o, status_text(st));
    long sleeper = raw_fork();
    if (sleeper == 0) {
        for (;;)
            pause();
    }
    printf("  a sleeper: pid %ld\n", sleeper);
    fflush(stdout);
    for (;;)
        pause();
}

int main(void) {
    int ready[2];
    sc(SYS_pipe2, ready, 0);
    long outer = raw_fork();
    if (outer == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        // The id change made us undumpable, so /proc/self's map files would be root's.
        printf("uid_map while undumpable: %s\n", res(write_file("/proc/self/uid_map", "0 1000 1")));
        sc(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
        long r = sc(SYS_unshare, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS);
        printf("unshare as uid 1000: %s\n", res(r));
        printf("uid_map: %s\n", res(write_file("/proc/self/uid_map", "0 1000 1")));
        printf("setgroups deny: %s\n", res(write_file("/proc/self/setgroups", "deny")));
        printf("gid_map: %s\n", res(write_file("/proc/self/gid_map", "0 1000 1")));
        printf("uid now: %ld\n", (long)getuid());
        fflush(stdout);
        long init = raw_fork();
        if (init == 0)
            inside();
        sleep_ms(400);
        printf("killing the namespace's init: %s\n", res(sc(SYS_kill, init, SIGKILL)));
        printf("init: %s\n", status_text(reap(init)));
        printf("nothing left to wait for: %s\n", res(sc(SYS_wait4, -1, 0, WNOHANG, 0)));
        fflush(stdout);
        die(0);
    }
    printf("outer: %s\n", status_text(reap(outer)));
    rmdir("/tmp/container-proc");

    long bb = raw_fork();
    if (bb == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        char* args[] = {"busybox", "unshare", "-r", "-p", "-f", "-u", "/bin/busybox", "sh", "-c",
                        "echo busybox unshare: pid $$ uid $(busybox id -u); busybox hostname inner; busybox hostname",
                        NULL};
        execve("/bin/busybox", args, NULL);
        die(127);
    }
    printf("busybox: %s\n", status_text(reap(bb)));
    return 0;
}
