// tty-ctty: the serial line as a controlling terminal: no terminal for the runner (/dev/tty
// ENXIO, TIOCGPGRP ENOTTY), a session leader acquiring ttyS0 by opening it (not with O_NOCTTY),
// TIOCGPGRP/TIOCGSID, TIOCSPGRP's errors, TIOCSCTTY's rules, SIGTTIN for a background reader,
// EIO when it ignores SIGTTIN, SIGTTOU for a background tcsetattr, and TIOCNOTTY.
#include "lib/facts.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

static int g_fd;

// A process of a new background group in the session: runs `what`, reports how it ended.
static void background(const char* name, int (*what)(void)) {
    int pipefd[2];
    pipe(pipefd);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        char c;
        read(pipefd[0], &c, 1);  // the group exists before the parent goes on
        _exit(what());
    }
    setpgid(pid, pid);
    write(pipefd[1], "g", 1);
    int status;
    waitpid(pid, &status, WUNTRACED);
    if (WIFSTOPPED(status)) {
        printf("%s: stopped by %s\n", name, WSTOPSIG(status) == SIGTTIN ? "SIGTTIN" : WSTOPSIG(status) == SIGTTOU ? "SIGTTOU" : "another signal");
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    } else if (WIFEXITED(status)) {
        printf("%s: exited %d\n", name, WEXITSTATUS(status));
    } else {
        printf("%s: killed by %d\n", name, WTERMSIG(status));
    }
    close(pipefd[0]);
    close(pipefd[1]);
}

static int read_line(void) {
    char c;
    long r = sc(SYS_read, g_fd, &c, 1);
    printf("  read: %s\n", res(r));
    fflush(stdout);
    return 0;
}
static int read_ignoring_sigttin(void) {
    signal(SIGTTIN, SIG_IGN);
    return read_line();
}
static int set_attributes(void) {
    struct termios t;
    tcgetattr(g_fd, &t);
    long r = sc(SYS_ioctl, g_fd, TCSETS, &t);
    printf("  TCSETS: %s\n", res(r));
    fflush(stdout);
    return 0;
}
static int set_attributes_ignoring_sigttou(void) {
    signal(SIGTTOU, SIG_IGN);
    return set_attributes();
}
static int steal(void) {
    printf("  TIOCSCTTY from a non-leader: %s\n", res(sc(SYS_ioctl, g_fd, TIOCSCTTY, 0)));
    int pgrp = getpgrp();
    printf("  TIOCSPGRP to itself from the background: %s\n", res(sc(SYS_ioctl, g_fd, TIOCSPGRP, &pgrp)));
    fflush(stdout);
    return 0;
}

int main(void) {
    int pgrp = 0;
    printf("runner's /dev/tty: %s\n", res(sc(SYS_openat, AT_FDCWD, "/dev/tty", O_RDWR)));
    printf("console TIOCGPGRP: %s\n", res(sc(SYS_ioctl, 0, TIOCGPGRP, &pgrp)));
    printf("console TIOCGSID: %s\n", res(sc(SYS_ioctl, 0, TIOCGSID, &pgrp)));
    printf("console TIOCNOTTY: %s\n", res(sc(SYS_ioctl, 0, TIOCNOTTY)));
    fflush(stdout);
    pid_t leader = fork();
    if (leader == 0) {
        printf("setsid: %s\n", setsid() == getpid() ? "a new session" : "failed");
        long fd = sc(SYS_openat, AT_FDCWD, "/dev/ttyS0", O_RDWR | O_NOCTTY);
        printf("ttyS0 with O_NOCTTY: TIOCGPGRP %s\n", res(sc(SYS_ioctl, fd, TIOCGPGRP, &pgrp)));
        printf("console open: TIOCGPGRP %s\n", res(sc(SYS_ioctl, 0, TIOCGPGRP, &pgrp)));
        g_fd = sc(SYS_openat, AT_FDCWD, "/dev/ttyS0", O_RDWR);
        printf("ttyS0 opened: TIOCGPGRP %s", res(sc(SYS_ioctl, g_fd, TIOCGPGRP, &pgrp)));
        printf(", ours: %s\n", pgrp == getpgrp() ? "yes" : "no");
        int sid = 0;
        sc(SYS_ioctl, g_fd, TIOCGSID, &sid);
        printf("TIOCGSID is our session: %s\n", sid == getsid(0) ? "yes" : "no");
        printf("the console is the same terminal: TIOCGPGRP %s\n", res(sc(SYS_ioctl, 0, TIOCGPGRP, &pgrp) < 0 ? -1 : 0));
        long tty = sc(SYS_openat, AT_FDCWD, "/dev/tty", O_RDWR);
        printf("/dev/tty: %s\n", tty >= 0 ? "opens" : res(tty));
        printf("TIOCSCTTY again: %s\n", res(sc(SYS_ioctl, g_fd, TIOCSCTTY, 0)));
        int bad = -1;
        printf("TIOCSPGRP -1: %s\n", res(sc(SYS_ioctl, g_fd, TIOCSPGRP, &bad)));
        bad = 999999;
        printf("TIOCSPGRP to no group: %s\n", res(sc(SYS_ioctl, g_fd, TIOCSPGRP, &bad)));
        int one = 1;
        printf("TIOCSPGRP to init's group: %s\n", res(sc(SYS_ioctl, g_fd, TIOCSPGRP, &one)));
        fflush(stdout);
        background("background read", read_line);
        background("background read ignoring SIGTTIN", read_ignoring_sigttin);
        background("background TCSETS", set_attributes);
        background("background TCSETS ignoring SIGTTOU", set_attributes_ignoring_sigttou);
        background("background TIOCSCTTY/TIOCSPGRP", steal);
        // Leaving without a hangup of the line: give the terminal up first (SIGHUP ignored,
        // since TIOCNOTTY from a leader sends it to the foreground group, ours).
        signal(SIGHUP, SIG_IGN);
        printf("TIOCNOTTY: %s\n", res(sc(SYS_ioctl, g_fd, TIOCNOTTY)));
        printf("after it, TIOCGPGRP: %s\n", res(sc(SYS_ioctl, g_fd, TIOCGPGRP, &pgrp)));
        printf("after it, /dev/tty: %s\n", res(sc(SYS_openat, AT_FDCWD, "/dev/tty", O_RDWR)));
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(leader, &status, 0);
    printf("leader exited %d\n", WEXITSTATUS(status));
    return 0;
}
