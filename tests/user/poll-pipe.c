// poll-pipe: poll, ppoll, select and pselect6 over pipes and files, as Linux 6.1 answers: each
// end's events (POLLIN, POLLOUT, POLLHUP once the writers are gone, POLLERR once the readers
// are), the events filter, POLLNVAL, negative descriptors, regular files and /dev/null always
// ready; waiting and waking, timeouts as facts, EINTR from a signal handler (SA_RESTART or
// not), ppoll's and pselect6's temporary signal mask, select's fd_set rules (EBADF, n clipped
// to the descriptor table) and the time left that select, ppoll and pselect6 write back; the
// EINVAL and EFAULT rules. The libc wrappers are used where they differ (select's time left).
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

#include <poll.h>
#include <sys/select.h>
#include <sys/time.h>

struct kts {
    long tv_sec, tv_nsec;
};
struct ktv {
    long tv_sec, tv_usec;
};

static const char* ev(int r) {
    static char b[8][128];
    static int next;
    char* s = b[next++ % 8];
    s[0] = 0;
    const struct {
        int bit;
        const char* name;
    } names[] = {{POLLIN, "POLLIN"},         {POLLPRI, "POLLPRI"},       {POLLOUT, "POLLOUT"},
                 {POLLERR, "POLLERR"},       {POLLHUP, "POLLHUP"},       {POLLNVAL, "POLLNVAL"},
                 {POLLRDNORM, "POLLRDNORM"}, {POLLRDBAND, "POLLRDBAND"}, {POLLWRNORM, "POLLWRNORM"},
                 {POLLWRBAND, "POLLWRBAND"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
        if (r & names[i].bit)
            snprintf(s + strlen(s), 128 - strlen(s), "%s%s", s[0] ? "|" : "", names[i].name);
    return s[0] ? s : "0";
}

#define ALL_EVENTS (POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | POLLWRNORM | POLLWRBAND)

// One descriptor, no waiting: "count revents".
static const char* poll1(int fd, int events) {
    static char b[8][160];
    static int next;
    char* s = b[next++ % 8];
    struct pollfd p = {fd, (short)events, 0};
    long r = sc(SYS_poll, &p, 1, 0);
    snprintf(s, 160, "%s %s", res(r), ev(p.revents));
    return s;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// A child that writes one byte into `fd` after `ms` milliseconds, then exits.
static long write_later(int fd, int ms) {
    long pid = raw_fork();
    if (pid == 0) {
        sleep_ms(ms);
        sc(SYS_write, fd, "y", 1);
        die(0);
    }
    return pid;
}

static volatile int alarms;
static void on_alarm(int sig) {
    (void)sig;
    ++alarms;
}
static void alarm_in(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static volatile int usr1s;
static void on_usr1(int sig) {
    (void)sig;
    ++usr1s;
}

int main(void) {
    int p[2];
    pipe(p);
    char c;

    printf("-- poll: the ends of a pipe --\n");
    struct pollfd two[2] = {{p[0], ALL_EVENTS, 0}, {p[1], ALL_EVENTS, 0}};
    long r = poll(two, 2, 0);
    printf("empty: %s; read end %s, write end %s\n", res(r), ev(two[0].revents), ev(two[1].revents));
    write(p[1], "x", 1);
    printf("one byte in it: read end %s\n", poll1(p[0], ALL_EVENTS));
    printf("only POLLOUT asked of the read end: %s\n", poll1(p[0], POLLOUT));
    close(p[1]);
    printf("the writer gone, the byte still there: %s; nothing asked: %s\n", poll1(p[0], ALL_EVENTS), poll1(p[0], 0));
    read(p[0], &c, 1);
    printf("the byte read: %s\n", poll1(p[0], POLLIN));
    close(p[0]);
    pipe(p);
    close(p[0]);
    printf("the reader gone: write end %s; nothing asked: %s\n", poll1(p[1], ALL_EVENTS), poll1(p[1], 0));
    close(p[1]);
    pipe2(p, O_NONBLOCK);
    char block[4096];
    memset(block, 'z', sizeof block);
    while (write(p[1], block, sizeof block) > 0) {
    }
    printf("full: write end %s, read end %s\n", poll1(p[1], ALL_EVENTS), poll1(p[0], POLLIN));
    close(p[0]);
    close(p[1]);

    printf("-- poll: other descriptors --\n");
    pipe(p);
    struct pollfd three[3] = {{-1, POLLIN, 0x7fff}, {50, POLLIN, 0}, {p[1], POLLOUT, 0}};
    r = poll(three, 3, 0);
    printf("fd -1, closed fd 50, a write end: %s; revents %s, %s, %s\n", res(r), ev(three[0].revents),
           ev(three[1].revents), ev(three[2].revents));
    int path = open("/tmp", O_PATH);
    printf("an O_PATH descriptor: %s\n", poll1(path, POLLIN));
    close(path);
    int file = open("/tmp/poll-pipe-file", O_CREAT | O_RDWR | O_TRUNC, 0600);
    printf("a regular file: %s; only POLLIN asked: %s\n", poll1(file, ALL_EVENTS), poll1(file, POLLIN));
    close(file);
    unlink("/tmp/poll-pipe-file");
    int null = open("/dev/null", O_RDWR);
    printf("/dev/null: %s\n", poll1(null, ALL_EVENTS));
    close(null);

    printf("-- poll: waiting --\n");
    long t0 = now_ms();
    r = poll(NULL, 0, 100);
    long waited = now_ms() - t0;
    printf("no descriptors, 100 ms: %s, >= 100 ms %s, < 3 s %s\n", res(r), yes(waited >= 100), yes(waited < 3000));
    long child = write_later(p[1], 100);
    struct pollfd one = {p[0], POLLIN, 0};
    t0 = now_ms();
    r = poll(&one, 1, -1);
    waited = now_ms() - t0;
    printf("a writer 100 ms later: %s %s, waited >= 50 ms %s\n", res(r), ev(one.revents), yes(waited >= 50));
    reap(child);
    read(p[0], &c, 1);
    one.revents = 0;
    child = raw_fork();
    if (child == 0) {
        sleep_ms(100);
        die(0);  // the last writer goes with it
    }
    close(p[1]);
    r = poll(&one, 1, 5000);
    printf("the last writer exits: %s %s\n", res(r), ev(one.revents));
    reap(child);
    close(p[0]);

    printf("-- poll: errors --\n");
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    printf("nfds over RLIMIT_NOFILE: %s; NULL with nfds 1: %s; NULL with nfds 0: %s\n",
           res(sc(SYS_poll, NULL, lim.rlim_cur + 1, 0)), res(sc(SYS_poll, NULL, 1, 0)), res(sc(SYS_poll, NULL, 0, 0)));
    pipe(p);
    char* ro = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct pollfd* ro_fds = (struct pollfd*)ro;
    ro_fds[0] = (struct pollfd){p[1], POLLOUT, 0};
    mprotect(ro, PAGE, PROT_READ);
    printf("a read-only array: %s (revents %s)\n", res(sc(SYS_poll, ro_fds, 1, 0)), ev(ro_fds[0].revents));
    munmap(ro + PAGE, PAGE);
    struct pollfd* edge = (struct pollfd*)(ro + PAGE - sizeof(struct pollfd));
    printf("an array running into a hole: %s\n", res(sc(SYS_poll, edge, 2, 0)));

    printf("-- signals --\n");
    on_signal(SIGALRM, on_alarm, 0);
    alarm_in(100);
    printf("poll interrupted by a handler: %s\n", res(sc(SYS_poll, NULL, 0, -1)));
    on_signal(SIGALRM, on_alarm, SA_RESTART);
    alarm_in(100);
    printf("with SA_RESTART: %s\n", res(sc(SYS_poll, NULL, 0, -1)));
    alarm_in(100);
    printf("select with SA_RESTART: %s\n", res(sc(SYS_select, 0, NULL, NULL, NULL, NULL)));
    alarm_in(100);
    printf("ppoll with SA_RESTART: %s\n", res(sc(SYS_ppoll, NULL, 0, NULL, NULL, KSIGSET)));
    printf("handlers ran: %d\n", alarms);

    on_signal(SIGUSR1, on_usr1, 0);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    kill(getpid(), SIGUSR1);
    uint64_t none = 0;
    r = sc(SYS_ppoll, NULL, 0, NULL, &none, KSIGSET);
    printf("ppoll unblocking a pending signal: %s, handler ran %s, SIGUSR1 blocked again %s\n", res(r),
           yes(usr1s == 1), yes(blocked_mask() & SIGBIT(SIGUSR1)));
    kill(getpid(), SIGUSR1);
    uint64_t pack[2] = {(uint64_t)&none, KSIGSET};
    r = sc(SYS_pselect6, 0, NULL, NULL, NULL, NULL, pack);
    printf("pselect6 the same: %s, handler ran %s, SIGUSR1 blocked again %s\n", res(r), yes(usr1s == 2),
           yes(blocked_mask() & SIGBIT(SIGUSR1)));
    uint64_t just_usr2 = SIGBIT(SIGUSR2);
    struct kts zero = {0, 0};
    r = sc(SYS_ppoll, NULL, 0, &zero, &just_usr2, KSIGSET);
    printf("ppoll with a mask and nothing pending: %s, our mask back %s\n", res(r),
           yes(blocked_mask() == SIGBIT(SIGUSR1)));
    kill(getpid(), SIGUSR1);
    r = poll(NULL, 0, 0);
    printf("a pending blocked signal does not interrupt: %s\n", res(r));
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    printf("-- ppoll --\n");
    struct kts ts = {0, 100 * 1000000L};
    t0 = now_ms();
    r = sc(SYS_ppoll, NULL, 0, &ts, NULL, KSIGSET);
    waited = now_ms() - t0;
    printf("100 ms: %s, >= 100 ms %s, time left written as 0 %s\n", res(r), yes(waited >= 100),
           yes(ts.tv_sec == 0 && ts.tv_nsec == 0));
    child = write_later(p[1], 50);
    struct pollfd rd = {p[0], POLLIN, 0};
    ts = (struct kts){5, 0};
    r = sc(SYS_ppoll, &rd, 1, &ts, NULL, KSIGSET);
    printf("5 s, a writer 50 ms later: %s, time left < 5 s %s, > 1 s %s\n", res(r), yes(ts.tv_sec < 5),
           yes(ts.tv_sec >= 1));
    reap(child);
    read(p[0], &c, 1);
    struct timespec lts = {0, 50 * 1000000L};
    r = ppoll(NULL, 0, &lts, NULL);
    printf("the libc's ppoll: %s, its timeout left alone %s\n", res(r), yes(lts.tv_nsec == 50 * 1000000L));
    ts = (struct kts){0, 1000000000L};
    printf("tv_nsec 1e9: %s; ", res(sc(SYS_ppoll, NULL, 0, &ts, NULL, KSIGSET)));
    ts = (struct kts){-1, 0};
    printf("tv_sec -1: %s; ", res(sc(SYS_ppoll, NULL, 0, &ts, NULL, KSIGSET)));
    printf("timeout pointer 8: %s\n", res(sc(SYS_ppoll, NULL, 0, 8, NULL, KSIGSET)));
    ts = (struct kts){0, 0};
    printf("sigsetsize 4: %s; 4 without a mask: %s; a mask at 8: %s\n", res(sc(SYS_ppoll, NULL, 0, &ts, &none, 4)),
           res(sc(SYS_ppoll, NULL, 0, &ts, NULL, 4)), res(sc(SYS_ppoll, NULL, 0, &ts, 8, KSIGSET)));

    printf("-- select --\n");
    fd_set rs, ws, es;
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    write(p[1], "x", 1);
    FD_SET(p[0], &rs);
    FD_SET(p[1], &ws);
    FD_SET(p[0], &es);
    struct timeval tv = {0, 0};
    r = select(p[1] + 1, &rs, &ws, &es, &tv);
    printf("data in the pipe: %s; read end readable %s, write end writable %s, read end exceptional %s\n", res(r),
           yes(FD_ISSET(p[0], &rs)), yes(FD_ISSET(p[1], &ws)), yes(FD_ISSET(p[0], &es)));
    read(p[0], &c, 1);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    tv = (struct timeval){0, 0};
    r = select(p[0] + 1, &rs, NULL, NULL, &tv);
    printf("empty: %s, read end readable %s\n", res(r), yes(FD_ISSET(p[0], &rs)));
    FD_ZERO(&rs);
    FD_SET(50, &rs);
    struct ktv ktv = {0, 0};
    printf("a closed descriptor in a set: %s; ", res(sc(SYS_select, 51, &rs, NULL, NULL, &ktv)));
    printf("beyond n: %s\n", res(sc(SYS_select, 10, &rs, NULL, NULL, &ktv)));
    printf("n -1: %s; a set at 8: %s\n", res(sc(SYS_select, -1, NULL, NULL, NULL, &ktv)),
           res(sc(SYS_select, 4, 8, NULL, NULL, &ktv)));
    ktv = (struct ktv){0, -1};
    printf("tv_usec -1: %s; ", res(sc(SYS_select, 0, NULL, NULL, NULL, &ktv)));
    ktv = (struct ktv){-1, 0};
    printf("tv_sec -1: %s; ", res(sc(SYS_select, 0, NULL, NULL, NULL, &ktv)));
    printf("a timeval at 8: %s\n", res(sc(SYS_select, 0, NULL, NULL, NULL, 8)));
    FD_ZERO(&ws);
    FD_SET(p[1], &ws);
    ktv = (struct ktv){0, 1500000};
    r = sc(SYS_select, p[1] + 1, NULL, &ws, NULL, &ktv);
    printf("tv_usec 1500000 (1.5 s) with a writable end: %s, time left about 1.5 s %s\n", res(r),
           yes(ktv.tv_sec == 1 && ktv.tv_usec > 0));
    ktv = (struct ktv){0, 100000};
    t0 = now_ms();
    r = sc(SYS_select, 0, NULL, NULL, NULL, &ktv);
    waited = now_ms() - t0;
    printf("100 ms: %s, >= 100 ms %s, time left written as 0 %s\n", res(r), yes(waited >= 100),
           yes(ktv.tv_sec == 0 && ktv.tv_usec == 0));
    tv = (struct timeval){0, 100000};
    r = select(0, NULL, NULL, NULL, &tv);
    printf("the libc's select, 100 ms: %s, its timeval now 0 %s\n", res(r), yes(tv.tv_sec == 0 && tv.tv_usec == 0));
    child = write_later(p[1], 50);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ktv = (struct ktv){5, 0};
    r = sc(SYS_select, p[0] + 1, &rs, NULL, NULL, &ktv);
    printf("5 s, a writer 50 ms later: %s, readable %s, time left < 5 s %s, > 1 s %s\n", res(r),
           yes(FD_ISSET(p[0], &rs)), yes(ktv.tv_sec < 5), yes(ktv.tv_sec >= 1));
    reap(child);
    read(p[0], &c, 1);
    // n far beyond the table: only the table's worth of bits is read and written back.
    char* page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    FD_SET(p[1], (fd_set*)page);
    ktv = (struct ktv){0, 0};
    r = sc(SYS_select, 100000, NULL, page, NULL, &ktv);
    printf("n 100000: %s, write end set %s\n", res(r), yes(FD_ISSET(p[1], (fd_set*)page)));
    close(p[0]);
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_SET(p[1], &rs);
    FD_SET(p[1], &ws);
    ktv = (struct ktv){0, 0};
    r = sc(SYS_select, p[1] + 1, &rs, &ws, NULL, &ktv);
    printf("no reader: %s, the write end readable %s, writable %s\n", res(r), yes(FD_ISSET(p[1], &rs)),
           yes(FD_ISSET(p[1], &ws)));
    close(p[1]);
    pipe(p);
    close(p[1]);
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    ktv = (struct ktv){0, 0};
    r = sc(SYS_select, p[0] + 1, &rs, NULL, NULL, &ktv);
    printf("no writer: %s, the read end readable %s\n", res(r), yes(FD_ISSET(p[0], &rs)));
    close(p[0]);

    printf("-- pselect6 --\n");
    ts = (struct kts){0, 100 * 1000000L};
    t0 = now_ms();
    r = sc(SYS_pselect6, 0, NULL, NULL, NULL, &ts, NULL);
    waited = now_ms() - t0;
    printf("100 ms: %s, >= 100 ms %s, time left written as 0 %s\n", res(r), yes(waited >= 100),
           yes(ts.tv_sec == 0 && ts.tv_nsec == 0));
    ts = (struct kts){0, 0};
    uint64_t bad_size[2] = {(uint64_t)&none, 4};
    uint64_t no_mask[2] = {0, 4};
    printf("argument pack at 8: %s; sigsetsize 4: %s; 4 without a mask: %s\n",
           res(sc(SYS_pselect6, 0, NULL, NULL, NULL, &ts, 8)), res(sc(SYS_pselect6, 0, NULL, NULL, NULL, &ts, bad_size)),
           res(sc(SYS_pselect6, 0, NULL, NULL, NULL, &ts, no_mask)));
    ts = (struct kts){0, -1};
    printf("tv_nsec -1: %s\n", res(sc(SYS_pselect6, 0, NULL, NULL, NULL, &ts, NULL)));
    return 0;
}
