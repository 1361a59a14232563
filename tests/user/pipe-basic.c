// pipe-basic: pipe and pipe2: the two ends (read-only, write-only, a FIFO in fstat, ESPIPE for
// lseek), flags O_CLOEXEC and O_NONBLOCK (and EINVAL for others, EFAULT for a bad array),
// EAGAIN reading an empty nonblocking pipe and writing a full one (64 KiB by default), EOF once
// every writer is closed, EPIPE with SIGPIPE once every reader is closed (killed by SIGPIPE by
// default, EPIPE alone when it is ignored or blocked), and FIONREAD.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/ioctl.h>
#include <sys/stat.h>

int main(void) {
    int p[2] = {-1, -1};
    long r0 = sc(SYS_pipe, p);
    printf("pipe: %s, fds %d %d\n", res(r0), p[0], p[1]);
    printf("read end: O_RDONLY %s; write end: O_WRONLY %s\n",
           yes((sc(SYS_fcntl, p[0], F_GETFL) & O_ACCMODE) == O_RDONLY),
           yes((sc(SYS_fcntl, p[1], F_GETFL) & O_ACCMODE) == O_WRONLY));
    struct stat st;
    sc(SYS_fstat, p[0], &st);
    printf("fstat: S_ISFIFO %s, size %ld\n", yes(S_ISFIFO(st.st_mode)), (long)st.st_size);
    printf("lseek: %s; write to the read end: %s; read from the write end: %s\n", res(sc(SYS_lseek, p[0], 0, SEEK_CUR)),
           res(sc(SYS_write, p[0], "x", 1)), res(sc(SYS_read, p[1], &st, 1)));
    sc(SYS_write, p[1], "hello", 5);
    int avail = -1;
    sc(SYS_ioctl, p[0], FIONREAD, &avail);
    printf("FIONREAD after writing 5: %d\n", avail);
    char buf[16] = {0};
    printf("read 16: %s \"%s\"\n", res(sc(SYS_read, p[0], buf, 16)), buf);
    sc(SYS_close, p[1]);
    printf("all writers closed: read %s (EOF)\n", res(sc(SYS_read, p[0], buf, 16)));
    sc(SYS_close, p[0]);

    printf("-- pipe2 flags --\n");
    int q[2];
    r0 = sc(SYS_pipe2, q, 0);
    printf("pipe2 0: %s, FD_CLOEXEC %s, O_NONBLOCK %s\n", res(r0), yes(sc(SYS_fcntl, q[0], F_GETFD) & FD_CLOEXEC),
           yes(sc(SYS_fcntl, q[0], F_GETFL) & O_NONBLOCK));
    sc(SYS_close, q[0]);
    sc(SYS_close, q[1]);
    long r = sc(SYS_pipe2, q, O_CLOEXEC | O_NONBLOCK);
    printf("pipe2 O_CLOEXEC|O_NONBLOCK: %s; both ends FD_CLOEXEC %s, O_NONBLOCK %s\n", res(r),
           yes((sc(SYS_fcntl, q[0], F_GETFD) & FD_CLOEXEC) && (sc(SYS_fcntl, q[1], F_GETFD) & FD_CLOEXEC)),
           yes((sc(SYS_fcntl, q[0], F_GETFL) & O_NONBLOCK) && (sc(SYS_fcntl, q[1], F_GETFL) & O_NONBLOCK)));
    int bad[2];
    printf("pipe2 O_APPEND: %s; O_RDWR: %s; 0x80000000: %s\n", res(sc(SYS_pipe2, bad, O_APPEND)),
           res(sc(SYS_pipe2, bad, O_RDWR)), res(sc(SYS_pipe2, bad, 0x80000000)));
    printf("pipe2 into a bad array: %s; pipe: %s\n", res(sc(SYS_pipe2, 8, 0)), res(sc(SYS_pipe, 8)));

    printf("-- nonblocking --\n");
    printf("read empty: %s\n", res(sc(SYS_read, q[0], buf, 1)));
    static char big[1 << 20];
    long total = 0;
    while ((r = sc(SYS_write, q[1], big, 4096)) > 0)
        total += r;
    printf("filled with 4 KiB writes: %ld bytes, then %s\n", total, res(r));
    printf("a 1-byte write when full: %s\n", res(sc(SYS_write, q[1], big, 1)));
    sc(SYS_read, q[0], big, 4096);
    printf("after reading 4096: write 4096 %s\n", res(sc(SYS_write, q[1], big, 4096)));
    sc(SYS_close, q[0]);
    sc(SYS_close, q[1]);

    printf("-- no reader left --\n");
    sc(SYS_pipe2, q, 0);
    sc(SYS_close, q[0]);
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_write, q[1], "x", 1);
        die(0);
    }
    printf("write with SIGPIPE default: %s\n", status_text(reap(pid)));
    on_signal(SIGPIPE, SIG_IGN, 0);
    printf("SIGPIPE ignored: write %s\n", res(sc(SYS_write, q[1], "x", 1)));
    on_signal(SIGPIPE, SIG_DFL, 0);
    uint64_t b = SIGBIT(SIGPIPE);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &b, 0, KSIGSET);
    r = sc(SYS_write, q[1], "x", 1);
    printf("SIGPIPE blocked: write %s, SIGPIPE pending %s\n", res(r), yes(pending_mask() & SIGBIT(SIGPIPE)));
    return 0;
}
