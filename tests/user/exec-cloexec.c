// exec-cloexec: execve closes exactly the descriptors marked close-on-exec (O_CLOEXEC at open,
// F_SETFD, dup3 O_CLOEXEC, F_DUPFD_CLOEXEC, pipe2 O_CLOEXEC; dup and dup2 clear the mark) and
// keeps the others with their offsets and status flags. A CLONE_FILES child that execs gets
// its own table first: the parent's close-on-exec descriptors stay open.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>

static void report(void) {
    for (int fd = 3; fd < 16; ++fd) {
        long fl = sc(SYS_fcntl, fd, F_GETFD);
        if (fl < 0)
            continue;
        long fl2 = sc(SYS_fcntl, fd, F_GETFL);
        printf("  fd %d open%s%s\n", fd, fl2 & O_NONBLOCK ? ", O_NONBLOCK" : "", fl2 & O_APPEND ? ", O_APPEND" : "");
    }
    char b[4] = {0};
    if (sc(SYS_read, 3, b, 3) == 3)
        printf("  fd 3 reads on from offset 3: \"%s\"\n", b);
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "report")) {
        printf("after exec:\n");
        report();
        return 0;
    }
    sc(SYS_mkdir, "/tmp/exec-cloexec", 0755);
    int fd3 = (int)sc(SYS_open, "/tmp/exec-cloexec/f", O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0644);
    sc(SYS_write, fd3, "abcdefghij", 10);
    sc(SYS_lseek, fd3, 3, SEEK_SET);
    int fd4 = (int)sc(SYS_open, "/dev/null", O_RDONLY | O_CLOEXEC);
    int fd5 = (int)sc(SYS_open, "/dev/null", O_RDONLY);
    sc(SYS_fcntl, fd5, F_SETFD, FD_CLOEXEC);
    int fd6 = (int)sc(SYS_dup, fd4);
    int fd7 = (int)sc(SYS_dup3, fd3, 7, O_CLOEXEC);
    int fd8 = (int)sc(SYS_fcntl, fd3, F_DUPFD_CLOEXEC, 8);
    int fd9 = (int)sc(SYS_dup2, fd4, 9);
    int pp[2];
    sc(SYS_pipe2, pp, O_CLOEXEC | O_NONBLOCK);  // 10, 11
    int np[2];
    sc(SYS_pipe2, np, O_NONBLOCK);  // 12, 13
    printf("before exec: 3 plain O_APPEND, 4 O_CLOEXEC, 5 F_SETFD, 6 dup(4), 7 dup3(3, O_CLOEXEC),\n"
           "8 F_DUPFD_CLOEXEC(3), 9 dup2(4), 10/11 pipe2 O_CLOEXEC, 12/13 pipe2 O_NONBLOCK: %d %d %d %d %d %d %d "
           "%d %d %d %d\n",
           fd3, fd4, fd5, fd6, fd7, fd8, fd9, pp[0], pp[1], np[0], np[1]);
    long pid = raw_fork();
    if (pid == 0) {
        char* args[] = {argv[0], "report", NULL};
        sc(SYS_execve, argv[0], args, NULL);
        die(127);
    }
    printf("child: %s\n", status_text(reap(pid)));

    printf("-- a CLONE_FILES child execs --\n");
    pid = sc(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        char* args[] = {argv[0], "report", NULL};
        sc(SYS_execve, argv[0], args, NULL);
        die(127);
    }
    printf("child: %s\n", status_text(reap(pid)));
    printf("ours still open:");
    for (int fd = 3; fd < 14; ++fd)
        if (sc(SYS_fcntl, fd, F_GETFD) >= 0)
            printf(" %d", fd);
    printf("\n");
    return 0;
}
