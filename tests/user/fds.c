// fds: the file descriptor table: dup/dup2/dup3 (lowest free number, shared offsets),
// fcntl (F_DUPFD[_CLOEXEC], F_GETFD/SETFD, F_GETFL/SETFL), ioctl TCGETS/TIOCGWINSZ on the
// console and ENOTTY elsewhere, and what stdin/stdout/stderr are.
#include "lib/facts.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

static const char* acc(long fl) {
    switch (fl & O_ACCMODE) {
    case O_RDONLY: return "O_RDONLY";
    case O_WRONLY: return "O_WRONLY";
    case O_RDWR: return "O_RDWR";
    default: return "?";
    }
}

int main(void) {
    struct stat st;
    for (int i = 0; i < 3; ++i) {
        long r = sc(SYS_fstat, i, &st);
        printf("fd %d: %s, %s\n", i, r < 0 ? res(r) : S_ISCHR(st.st_mode) ? "a char device" : "not a char device",
               acc(sc(SYS_fcntl, i, F_GETFL)));
    }
    printf("fd 3 is free: %s\n", res(sc(SYS_fcntl, 3, F_GETFD)));

    long fd = sc(SYS_openat, AT_FDCWD, "/tmp/fds-test", O_CREAT | O_RDWR | O_TRUNC, 0644);
    printf("open: fd %s\n", res(fd));
    sc(SYS_write, fd, "0123456789", 10);
    long d = sc(SYS_dup, fd);
    printf("dup: fd %s\n", res(d));
    sc(SYS_lseek, fd, 2, SEEK_SET);
    printf("dup shares the offset: %s\n", yes(sc(SYS_lseek, d, 0, SEEK_CUR) == 2));
    printf("dup2(fd, 10): %s\n", res(sc(SYS_dup2, fd, 10)));
    printf("dup2(fd, fd): %s\n", res(sc(SYS_dup2, fd, fd)));
    printf("dup2(99, 11): %s\n", res(sc(SYS_dup2, 99, 11)));
    printf("dup2(fd, -1): %s\n", res(sc(SYS_dup2, fd, -1)));
    printf("dup2(fd, 1 << 20): %s\n", res(sc(SYS_dup2, fd, 1 << 20)));
    printf("dup3(fd, fd, 0): %s\n", res(sc(SYS_dup3, fd, fd, 0)));
    printf("dup3(fd, 12, O_CLOEXEC): %s\n", res(sc(SYS_dup3, fd, 12, O_CLOEXEC)));
    printf("dup3(fd, 13, bad flags): %s\n", res(sc(SYS_dup3, fd, 13, 1)));
    printf("F_GETFD 12: %s\n", res(sc(SYS_fcntl, 12, F_GETFD)));
    printf("F_GETFD 10: %s\n", res(sc(SYS_fcntl, 10, F_GETFD)));
    printf("close 10: %s\n", res(sc(SYS_close, 10)));
    printf("dup2 onto an open fd (12): %s\n", res(sc(SYS_dup2, d, 12)));
    printf("F_GETFD 12 after dup2 (close-on-exec cleared): %s\n", res(sc(SYS_fcntl, 12, F_GETFD)));
    printf("dup after closing fd %ld: %s (the lowest free)\n", d, (sc(SYS_close, d), res(sc(SYS_dup, fd))));

    printf("F_DUPFD 20: %s\n", res(sc(SYS_fcntl, fd, F_DUPFD, 20)));
    printf("F_DUPFD 20 again: %s\n", res(sc(SYS_fcntl, fd, F_DUPFD, 20)));
    long c = sc(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 30);
    printf("F_DUPFD_CLOEXEC 30: %s, F_GETFD: %s\n", res(c), res(sc(SYS_fcntl, c, F_GETFD)));
    printf("F_DUPFD -1: %s\n", res(sc(SYS_fcntl, fd, F_DUPFD, -1)));
    printf("F_SETFD FD_CLOEXEC: %s\n", res(sc(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC)));
    printf("F_GETFD: %s\n", res(sc(SYS_fcntl, fd, F_GETFD)));
    printf("F_SETFD 0: %s\n", res(sc(SYS_fcntl, fd, F_SETFD, 0)));
    printf("F_GETFD: %s\n", res(sc(SYS_fcntl, fd, F_GETFD)));
    long fl = sc(SYS_fcntl, fd, F_GETFL);
    printf("F_GETFL: %s%s%s\n", acc(fl), fl & O_APPEND ? "|O_APPEND" : "", fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
    printf("F_SETFL O_APPEND|O_NONBLOCK: %s\n", res(sc(SYS_fcntl, fd, F_SETFL, O_APPEND | O_NONBLOCK)));
    fl = sc(SYS_fcntl, fd, F_GETFL);
    printf("F_GETFL: %s%s%s\n", acc(fl), fl & O_APPEND ? "|O_APPEND" : "", fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
    printf("the dup sees O_APPEND too (one open file): %s\n", yes(sc(SYS_fcntl, 20, F_GETFL) & O_APPEND));
    printf("F_SETFL O_RDONLY: %s\n", res(sc(SYS_fcntl, fd, F_SETFL, O_RDONLY)));
    fl = sc(SYS_fcntl, fd, F_GETFL);
    printf("F_GETFL: %s%s%s (the access mode stays)\n", acc(fl), fl & O_APPEND ? "|O_APPEND" : "",
           fl & O_NONBLOCK ? "|O_NONBLOCK" : "");
    printf("fcntl on fd 99: %s\n", res(sc(SYS_fcntl, 99, F_GETFD)));
    printf("fcntl with an unknown command: %s\n", res(sc(SYS_fcntl, fd, 9999)));
    long ro = sc(SYS_openat, AT_FDCWD, "/tmp/fds-test", O_RDONLY | O_CLOEXEC);
    printf("open O_CLOEXEC: F_GETFD %s, F_GETFL %s\n", res(sc(SYS_fcntl, ro, F_GETFD)), acc(sc(SYS_fcntl, ro, F_GETFL)));

    struct termios t;
    struct winsize ws;
    printf("TCGETS on a file: %s; on stdout (the console): %s\n", res(sc(SYS_ioctl, fd, TCGETS, &t)),
           res(sc(SYS_ioctl, 1, TCGETS, &t)));
    memset(&ws, 0x55, sizeof ws);
    long r = sc(SYS_ioctl, 1, TIOCGWINSZ, &ws);
    printf("TIOCGWINSZ on the console: %s (rows %d, columns %d)\n", res(r), r == 0 ? ws.ws_row : -1,
           r == 0 ? ws.ws_col : -1);
    printf("TIOCGWINSZ on a file: %s; on /dev/null: %s\n", res(sc(SYS_ioctl, fd, TIOCGWINSZ, &ws)),
           res(sc(SYS_ioctl, sc(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY), TIOCGWINSZ, &ws)));
    printf("ioctl on fd 99: %s\n", res(sc(SYS_ioctl, 99, TCGETS, &t)));
    return 0;
}
