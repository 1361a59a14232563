// pid-namespace: unshare(CLONE_NEWUSER | CLONE_NEWPID) needs no privilege. The caller stays
// where it is; its next child is pid 1 of a new namespace: its parent is invisible (getppid 0),
// its children are numbered from 2, orphans are reparented to it, and when it exits every
// process left in the namespace is killed.
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_file(const char* path, const char* text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        perror(path);
    if (fd >= 0)
        close(fd);
}

int main(void) {
    uid_t uid = getuid();
    gid_t gid = getgid();
    printf("outside: pid %d, uid %d\n", getpid(), uid);
    if (unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0) {
        perror("unshare");
        return 1;
    }
    char map[64];
    snprintf(map, sizeof map, "0 %d 1", uid);
    write_file("/proc/self/uid_map", map);
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %d 1", gid);
    write_file("/proc/self/gid_map", map);
    printf("after unshare the caller is still pid %d; its next child starts the namespace\n", getpid());
    fflush(stdout);

    pid_t init = fork();
    if (init == 0) {
        printf("  init:    pid %d, parent %d (outside, so invisible), uid %d\n", getpid(), getppid(), getuid());
        fflush(stdout);
        int said[2];
        pipe(said);
        pid_t a = fork();
        if (a == 0) {
            pid_t orphan = fork();
            if (orphan == 0) {
                printf("    orphan: pid %d, parent %d\n", getpid(), getppid());
                fflush(stdout);
                write(said[1], "", 1);
                while (getppid() != 1)
                    usleep(1000);
                printf("    orphan: my parent exited; now my parent is %d, the namespace's init\n", getppid());
                fflush(stdout);
                pause();  // until init's exit kills the namespace
            }
            char c;
            read(said[0], &c, 1);  // let the orphan-to-be speak first
            printf("   child:  pid %d forked the orphan-to-be %d and exits\n", getpid(), orphan);
            fflush(stdout);
            _exit(0);
        }
        waitpid(a, NULL, 0);
        usleep(100000);
        printf("  init:    exiting: the kernel kills every process left in the namespace\n");
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(init, &status, 0);
    printf("outside: the namespace's init (pid %d out here) exited with status %d\n", init, WEXITSTATUS(status));
    return 0;
}
