// fork-fds: a fork child gets copies of the descriptors that point at the same open files: the
// file offset and status flags (O_APPEND, O_NONBLOCK) are shared, the per-descriptor
// FD_CLOEXEC flag, close and dup2 are not.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>

int main(void) {
    sc(SYS_mkdir, "/tmp/fork-fds", 0755);
    int fd = (int)sc(SYS_open, "/tmp/fork-fds/file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    sc(SYS_write, fd, "0123456789abcdefghij", 20);
    sc(SYS_lseek, fd, 0, SEEK_SET);
    int other = (int)sc(SYS_open, "/dev/null", O_RDONLY);
    printf("fds %d and %d\n", fd, other);

    long pid = raw_fork();
    if (pid == 0) {
        char b[5];
        sc(SYS_read, fd, b, 5);
        sc(SYS_fcntl, fd, F_SETFL, O_APPEND);
        sc(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
        sc(SYS_close, other);
        sc(SYS_dup2, fd, 9);
        die(memcmp(b, "01234", 5) == 0 ? 0 : 1);
    }
    printf("child read 5 bytes, set O_APPEND and FD_CLOEXEC, closed fd %d, dup2'd to 9: %s\n", other,
           status_text(reap(pid)));
    printf("our offset is now: %s\n", res(sc(SYS_lseek, fd, 0, SEEK_CUR)));
    char b[6] = {0};
    sc(SYS_read, fd, b, 5);
    printf("we read on: \"%s\"\n", b);
    printf("O_APPEND here: %s\n", yes(sc(SYS_fcntl, fd, F_GETFL) & O_APPEND));
    printf("FD_CLOEXEC here: %s\n", yes(sc(SYS_fcntl, fd, F_GETFD) & FD_CLOEXEC));
    printf("fd %d still open: %s; fd 9 here: %s\n", other, yes(sc(SYS_fcntl, other, F_GETFD) >= 0),
           res(sc(SYS_fcntl, 9, F_GETFD)));

    printf("-- both write through the shared offset --\n");
    sc(SYS_fcntl, fd, F_SETFL, 0);
    sc(SYS_lseek, fd, 0, SEEK_SET);
    int p[2];
    sc(SYS_pipe2, p, 0);
    pid = raw_fork();
    if (pid == 0) {
        sc(SYS_write, fd, "AAAA", 4);
        tell(p[1]);
        die(0);
    }
    hear(p[0]);
    sc(SYS_write, fd, "BBBB", 4);
    reap(pid);
    char all[21] = {0};
    sc(SYS_pread64, fd, all, 20, 0);
    printf("child wrote AAAA, then we wrote BBBB: \"%s\"\n", all);

    printf("-- O_NONBLOCK set by the child on a pipe is ours too --\n");
    pid = raw_fork();
    if (pid == 0) {
        sc(SYS_fcntl, p[0], F_SETFL, O_NONBLOCK);
        die(0);
    }
    reap(pid);
    char c;
    printf("read on the empty pipe: %s\n", res(sc(SYS_read, p[0], &c, 1)));
    return 0;
}
