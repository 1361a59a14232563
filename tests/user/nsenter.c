// nsenter: BusyBox's nsenter applet joins a process's namespaces. An unprivileged process
// (uid 1000) makes user, pid, mount and uts namespaces; their init sets the hostname and mounts
// a proc of its own. Then `busybox nsenter -t PID -U -u -p -m` runs a shell that sees the
// inside: the hostname, uid 0, a pid of the namespace (its parent outside: ppid 0), the
// namespace's init as /proc's pid 1 — once from root, once from uid 1000.
// usertest: file /bin/busybox /bin/busybox
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>

static long write_file(const char* path, const char* text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -errno;
    long r = sc(SYS_write, fd, text, strlen(text));
    close(fd);
    return r < 0 ? r : 0;
}

static void run_nsenter(const char* who, long target, int uid, int preserve) {
    char pid_text[16];
    snprintf(pid_text, sizeof pid_text, "%ld", target);
    long c = raw_fork();
    if (c == 0) {
        if (uid) {
            sc(SYS_setresgid, uid, uid, uid);
            sc(SYS_setresuid, uid, uid, uid);
            sc(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
        }
        char* args[14] = {"busybox", "nsenter", "-t", pid_text, "-U", "-u", "-p", "-m", "/bin/busybox", "sh", "-c",
                        "echo \"  pid $$, ppid $PPID\"; echo \"  hostname $(busybox hostname)\"; "
                        "echo \"  uid $(busybox id -u), gid $(busybox id -g)\"; "
                        "echo \"  proc's pid 1: $(busybox cat /tmp/nsenter-proc/1/comm)\"; "
                        "[ \"$(busybox readlink /tmp/nsenter-proc/1/ns/pid)\" = \"$(busybox readlink /tmp/nsenter-proc/$$/ns/pid)\" ] "
                        "&& echo \"  in the pid namespace of that pid 1\"",
                        NULL};
        if (preserve) {
            // --preserve-credentials before the program: the ids stay (kernel uid 1000 is
            // uid 0 inside).
            memmove(&args[5], &args[4], sizeof(char*) * 9);
            args[4] = "--preserve-credentials";
        }
        execve("/bin/busybox", args, NULL);
        die(127);
    }
    printf("%s: busybox nsenter%s:\n", who, preserve ? " --preserve-credentials" : "");
    fflush(stdout);
    printf("%s: nsenter %s\n", who, status_text(reap(c)));
}

int main(void) {
    mkdir("/tmp/nsenter-proc", 0777);
    int ready[2], done[2], pid_pipe[2];
    sc(SYS_pipe2, ready, 0);
    sc(SYS_pipe2, pid_pipe, 0);
    sc(SYS_pipe2, done, 0);
    long outer = raw_fork();
    if (outer == 0) {
        sc(SYS_setresgid, 1000, 1000, 1000);
        sc(SYS_setresuid, 1000, 1000, 1000);
        sc(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0);
        long r = sc(SYS_unshare, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS);
        printf("unshare as uid 1000: %s\n", res(r));
        printf("uid_map: %s\n", res(write_file("/proc/self/uid_map", "0 1000 1")));
        printf("setgroups deny: %s\n", res(write_file("/proc/self/setgroups", "deny")));
        printf("gid_map: %s\n", res(write_file("/proc/self/gid_map", "0 1000 1")));
        fflush(stdout);
        long init = raw_fork();
        if (init == 0) {
            printf("init: pid %ld, sethostname: %s\n", (long)getpid(), res(sethostname("box", 3) ? -errno : 0));
            printf("init: mount proc: %s\n", res(mount("proc", "/tmp/nsenter-proc", "proc", 0, NULL) ? -errno : 0));
            fflush(stdout);
            char c = 1;
            sc(SYS_write, ready[1], &c, 1);
            sc(SYS_read, done[0], &c, 1);
            die(0);
        }
        sc(SYS_write, pid_pipe[1], &init, sizeof init);
        printf("init: %s\n", status_text(reap(init)));
        fflush(stdout);
        die(0);
    }
    char c;
    long init = 0;
    sc(SYS_read, ready[0], &c, 1);
    sc(SYS_read, pid_pipe[0], &init, sizeof init);
    run_nsenter("root", init, 0, 0);
    // BusyBox fails on setgroups(0, NULL) when not root: the namespace denies setgroups.
    run_nsenter("uid 1000", init, 1000, 0);
    run_nsenter("uid 1000", init, 1000, 1);
    // Our own view has not changed.
    char host[65] = {0};
    gethostname(host, sizeof host);
    printf("our hostname is not box: %s\n", yes(strcmp(host, "box") != 0));
    sc(SYS_write, done[1], &c, 1);
    printf("outer: %s\n", status_text(reap(outer)));
    rmdir("/tmp/nsenter-proc");
    return 0;
}
