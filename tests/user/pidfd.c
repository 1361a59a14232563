// pidfd: pidfd_open (flags, threads, zombies, reaped and unknown pids), what a pidfd is as a file
// (close-on-exec, O_RDWR, no read, write or lseek, fstat of the shared anonymous inode), pidfd_send_signal (flags, siginfo rules,
// zombies, reaped processes), pidfd_getfd (the target's open file, close-on-exec), waitid with
// P_PIDFD (blocking, PIDFD_NONBLOCK's EAGAIN, WNOHANG, not a child) and poll/select on a pidfd:
// readable once the whole process has exited, not while one of its threads lives.
#include "lib/facts.h"
#include "lib/proc.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/select.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#define PIDFD_NONBLOCK O_NONBLOCK

static volatile int seen_sig, seen_code, seen_pid, seen_value;
static void on_usr1(int sig, siginfo_t* si, void* ctx) {
    (void)ctx;
    seen_sig = sig;
    seen_code = si->si_code;
    seen_pid = si->si_pid;
    seen_value = si->si_value.sival_int;
}

static long pidfd_open(long pid, long flags) { return sc(SYS_pidfd_open, pid, flags); }
static long send(long fd, int sig, siginfo_t* info, long flags) { return sc(SYS_pidfd_send_signal, fd, sig, info, flags); }

static const char* revents_text(int r) {
    static char b[4][96];
    static int next;
    char* s = b[next++ % 4];
    s[0] = 0;
    const struct {
        int bit;
        const char* name;
    } names[] = {{POLLIN, "POLLIN"},     {POLLPRI, "POLLPRI"},       {POLLOUT, "POLLOUT"},
                 {POLLERR, "POLLERR"},   {POLLHUP, "POLLHUP"},       {POLLNVAL, "POLLNVAL"},
                 {POLLRDNORM, "POLLRDNORM"}, {POLLWRNORM, "POLLWRNORM"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (r & names[i].bit)
            snprintf(s + strlen(s), 96 - strlen(s), "%s%s", s[0] ? "|" : "", names[i].name);
    return s[0] ? s : "0";
}

// poll on one pidfd: "N revents".
static const char* poll_one(int fd, short events, int timeout) {
    static char b[4][128];
    static int next;
    char* s = b[next++ % 4];
    struct pollfd p = {fd, events, 0};
    long r = sc(SYS_poll, &p, 1, timeout);
    snprintf(s, 128, "%s %s", res(r), revents_text(p.revents));
    return s;
}

// A child that waits for signals until one kills it.
static long sleeper(void) {
    long pid = raw_fork();
    if (pid == 0)
        for (;;)
            sc(SYS_pause);
    return pid;
}

// Blocks until `pid` is a zombie, without reaping it.
static void wait_zombie(long pid) {
    siginfo_t si;
    while (sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0) == -EINTR) {
    }
}

static volatile int thread_go;
static int thread_body(void* arg) {
    (void)arg;
    while (!thread_go)
        sc(SYS_sched_yield);
    return 0;
}
static int late_thread(void* arg) {
    (void)arg;
    sleep_ms(400);
    for (;;)
        sc(SYS_exit_group, 3);
    return 0;
}

int main(void) {
    on_siginfo(SIGUSR1, on_usr1, 0);
    long self_pid = sc(SYS_getpid);

    printf("-- pidfd_open --\n");
    long self = pidfd_open(self_pid, 0);
    printf("our own pid: fd %s, FD_CLOEXEC %s, F_GETFL is O_RDWR %s\n", res(self),
           yes(fcntl(self, F_GETFD) == FD_CLOEXEC), yes(fcntl(self, F_GETFL) == O_RDWR));
    long nb = pidfd_open(self_pid, PIDFD_NONBLOCK);
    printf("PIDFD_NONBLOCK: F_GETFL is O_RDWR|O_NONBLOCK %s\n", yes(fcntl(nb, F_GETFL) == (O_RDWR | O_NONBLOCK)));
    close(nb);
    printf("flags 1: %s; O_CLOEXEC: %s\n", res(pidfd_open(self_pid, 1)), res(pidfd_open(self_pid, O_CLOEXEC)));
    printf("pid 0: %s; pid -1: %s; pid 99999: %s\n", res(pidfd_open(0, 0)), res(pidfd_open(-1, 0)),
           res(pidfd_open(99999, 0)));
    long init = pidfd_open(1, 0);
    printf("pid 1: a pidfd %s\n", yes(init >= 0));
    close(init);
    char buf[8];
    printf("read: %s; write: %s; lseek: %s\n", res(sc(SYS_read, self, buf, 8)), res(sc(SYS_write, self, "x", 1)),
           res(sc(SYS_lseek, self, 0, SEEK_SET)));

    // Every pidfd is a file on the one anonymous inode.
    struct stat st, st2;
    long fr = sc(SYS_fstat, self, &st);
    long other = pidfd_open(1, 0);
    sc(SYS_fstat, other, &st2);
    close(other);
    printf("fstat: %s, mode %o, size %ld, nlink %ld, uid %d, blksize %ld, st_dev major 0 %s, shared with "
           "another pidfd %s\n",
           res(fr), st.st_mode, (long)st.st_size, (long)st.st_nlink, st.st_uid, (long)st.st_blksize,
           yes(major(st.st_dev) == 0), yes(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev));

    // A thread's id is no process: EINVAL.
    int ptid = 0;
    long tid = proc_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                              CLONE_PARENT_SETTID,
                          child_stack(), &ptid, NULL, 0, thread_body, NULL);
    printf("a thread: %s\n", tid > 0 ? res(pidfd_open(tid, 0)) : res(tid));
    thread_go = 1;

    printf("-- pidfd_send_signal --\n");
    long r = send(self, SIGUSR1, NULL, 0);
    printf("to ourselves: %s; the handler saw %s, si_pid ours %s\n", res(r), code_name(seen_code),
           yes(seen_pid == self_pid));
    printf("flags 1: %s; fd 0 (no pidfd): %s; fd 99: %s\n", res(send(self, SIGUSR1, NULL, 1)),
           res(send(0, SIGUSR1, NULL, 0)), res(send(99, SIGUSR1, NULL, 0)));
    printf("signal 65: %s; signal 0: %s\n", res(send(self, 65, NULL, 0)), res(send(self, 0, NULL, 0)));
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = SIGUSR2;
    info.si_code = SI_QUEUE;
    printf("si_signo not the signal: %s\n", res(send(self, SIGUSR1, &info, 0)));
    info.si_signo = SIGUSR1;
    info.si_value.sival_int = 77;
    seen_code = 0;
    r = send(self, SIGUSR1, &info, 0);
    printf("SI_QUEUE to ourselves: %s; seen %s with value %d\n", res(r), code_name(seen_code), seen_value);
    info.si_code = SI_USER;
    seen_code = 99;
    r = send(self, SIGUSR1, &info, 0);
    printf("SI_USER to ourselves: %s; seen %s\n", res(r), code_name(seen_code));
    printf("a bad siginfo pointer: %s\n", res(send(self, SIGUSR1, (siginfo_t*)8, 0)));

    long child = sleeper();
    long pfd = pidfd_open(child, 0);
    printf("a child: pidfd %s\n", res(pfd));
    info.si_code = SI_USER;
    printf("SI_USER to another process: %s\n", res(send(pfd, SIGUSR1, &info, 0)));
    info.si_code = SI_TKILL;
    printf("SI_TKILL to it: %s\n", res(send(pfd, SIGUSR1, &info, 0)));
    info.si_code = SI_KERNEL;
    printf("SI_KERNEL to it: %s\n", res(send(pfd, SIGUSR1, &info, 0)));
    info.si_code = SI_QUEUE;
    printf("SI_QUEUE to it (caught there): %s\n", res(send(pfd, SIGUSR1, &info, 0)));
    printf("poll while it runs: %s\n", poll_one(pfd, POLLIN, 0));
    printf("SIGTERM: %s\n", res(send(pfd, SIGTERM, NULL, 0)));
    printf("poll until it is gone: %s\n", poll_one(pfd, POLLIN | POLLRDNORM | POLLOUT, 5000));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PIDFD, pfd, &si, WEXITED, 0);
    printf("waitid(P_PIDFD): %s, %s %s\n", res(r), code_name(si.si_code), sig_name(si.si_status));
    printf("reaped: send %s, poll %s\n", res(send(pfd, SIGTERM, NULL, 0)), poll_one(pfd, POLLIN, 0));
    printf("pidfd_open of the reaped pid: %s\n", res(pidfd_open(child, 0)));
    close(pfd);

    printf("-- zombies --\n");
    child = raw_fork();
    if (child == 0)
        die(4);
    wait_zombie(child);
    pfd = pidfd_open(child, 0);
    printf("pidfd_open of a zombie: %s\n", yes(pfd >= 0));
    printf("poll: %s; SIGTERM: %s; pidfd_getfd: %s\n", poll_one(pfd, POLLIN, 0), res(send(pfd, SIGTERM, NULL, 0)),
           res(sc(SYS_pidfd_getfd, pfd, 0, 0)));
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PIDFD, pfd, &si, WEXITED, 0);
    printf("waitid: %s, %s %d\n", res(r), code_name(si.si_code), si.si_status);
    printf("reaped: pidfd_getfd %s, waitid %s\n", res(sc(SYS_pidfd_getfd, pfd, 0, 0)),
           res(sc(SYS_waitid, P_PIDFD, pfd, &si, WEXITED, 0)));
    close(pfd);

    printf("-- pidfd_getfd --\n");
    int pipefd[2];
    pipe(pipefd);
    child = raw_fork();
    if (child == 0) {
        int fd = open("/tmp/pidfd-getfd", O_CREAT | O_RDWR | O_TRUNC, 0600);
        sc(SYS_write, fd, "hello", 5);
        sc(SYS_write, pipefd[1], &fd, sizeof fd);
        for (;;)
            sc(SYS_pause);
    }
    int their_fd = -1;
    sc(SYS_read, pipefd[0], &their_fd, sizeof their_fd);
    pfd = pidfd_open(child, 0);
    long got = sc(SYS_pidfd_getfd, pfd, their_fd, 0);
    char text[8] = {0};
    long pos = sc(SYS_lseek, got, 0, SEEK_CUR);
    sc(SYS_pread64, got, text, 5, 0);
    printf("their file: a descriptor %s, FD_CLOEXEC %s, shared offset %ld, reads \"%s\"\n", yes(got >= 0),
           yes(fcntl(got, F_GETFD) == FD_CLOEXEC), pos, text);
    printf("flags 1: %s; a descriptor they do not have: %s; fd 0 as the pidfd: %s; fd 99: %s\n",
           res(sc(SYS_pidfd_getfd, pfd, their_fd, 1)), res(sc(SYS_pidfd_getfd, pfd, 77, 0)),
           res(sc(SYS_pidfd_getfd, 0, their_fd, 0)), res(sc(SYS_pidfd_getfd, 99, their_fd, 0)));
    long mine = sc(SYS_pidfd_getfd, self, 1, 0);
    printf("our own stdout: a descriptor %s, FD_CLOEXEC %s\n", yes(mine >= 0), yes(fcntl(mine, F_GETFD) == FD_CLOEXEC));
    close(mine);
    close(got);
    send(pfd, SIGKILL, NULL, 0);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PIDFD, pfd, &si, WEXITED, 0);
    printf("then SIGKILL: %s %s\n", code_name(si.si_code), sig_name(si.si_status));
    close(pfd);
    unlink("/tmp/pidfd-getfd");

    printf("-- waitid(P_PIDFD) --\n");
    printf("id -1: %s; fd 0: %s; our own pidfd (no child): %s\n", res(sc(SYS_waitid, P_PIDFD, -1, &si, WEXITED, 0)),
           res(sc(SYS_waitid, P_PIDFD, 0, &si, WEXITED, 0)), res(sc(SYS_waitid, P_PIDFD, self, &si, WEXITED, 0)));
    child = raw_fork();
    if (child == 0) {
        sleep_ms(100);
        die(3);
    }
    nb = pidfd_open(child, PIDFD_NONBLOCK);
    memset(&si, 0, sizeof si);
    si.si_pid = 1234;
    r = sc(SYS_waitid, P_PIDFD, nb, &si, WEXITED, 0);
    printf("PIDFD_NONBLOCK while it runs: %s, siginfo untouched %s\n", res(r), yes(si.si_pid == 1234));
    r = sc(SYS_waitid, P_PIDFD, nb, &si, WEXITED | WNOHANG, 0);
    printf("with WNOHANG: %s, si_pid %d\n", res(r), si.si_pid);
    printf("poll: %s\n", poll_one(nb, POLLIN, 5000));
    r = sc(SYS_waitid, P_PIDFD, nb, &si, WEXITED | WNOWAIT, 0);
    printf("WNOWAIT once it exited: %s, %s %d\n", res(r), code_name(si.si_code), si.si_status);
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PIDFD, nb, &si, WEXITED, 0);
    printf("then reaped: %s, %s %d\n", res(r), code_name(si.si_code), si.si_status);
    close(nb);

    printf("-- a process whose leader exits first --\n");
    pipe(pipefd);
    child = raw_fork();
    if (child == 0) {
        proc_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, child_stack(),
                   NULL, NULL, 0, late_thread, NULL);
        tell(pipefd[1]);
        for (;;)
            sc(SYS_exit, 0);  // the leader alone
    }
    pfd = pidfd_open(child, 0);
    hear(pipefd[0]);
    sleep_ms(100);
    printf("poll while its thread lives: %s\n", poll_one(pfd, POLLIN, 0));
    fd_set set;
    FD_ZERO(&set);
    FD_SET(pfd, &set);
    r = select(pfd + 1, &set, NULL, NULL, NULL);
    printf("select until the thread ends it: %s, readable %s\n", res(r), yes(FD_ISSET(pfd, &set)));
    memset(&si, 0, sizeof si);
    r = sc(SYS_waitid, P_PIDFD, pfd, &si, WEXITED, 0);
    printf("waitid: %s, %s %d\n", res(r), code_name(si.si_code), si.si_status);
    close(pfd);
    return 0;
}
