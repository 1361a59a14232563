// jobctl: job control beyond signal-stop. In an orphaned process group SIGTTIN and SIGTTOU are
// discarded too, while a caught SIGTSTP still runs its handler; a group that becomes orphaned
// with a stopped member gets SIGHUP and SIGCONT; a SIGCONT handler runs after the stop it ends
// (and on a process that was not stopped, which WCONTINUED then does not report); a blocked
// SIGCONT still continues; a process with threads stops whole (every thread, one CLD_STOPPED),
// also when the stop is sent to one thread, and continues whole; waitid WNOWAIT leaves a stop
// and a continue to be reported again; a zombie is nothing to wait for with WSTOPPED alone; the
// rusage of a stop report is the child's so far.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

#include <poll.h>
#include <pthread.h>

static void on_chld(int sig) { (void)sig; }

static int note_fd = -1;  // where handlers in children write a byte
static void note_handler(int sig) {
    char c = (char)sig;
    sc(SYS_write, note_fd, &c, 1);
}

// The next byte of `fd` within `ms` milliseconds, or -1.
static int next_note(int fd, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    if (sc(SYS_poll, &p, 1, ms) != 1)
        return -1;
    char c;
    return sc(SYS_read, fd, &c, 1) == 1 ? c : -1;
}

// The next SIGCHLD (waiting up to wait_ms), as signal-stop prints it.
static void next_chld(long wait_ms) {
    uint64_t set = SIGBIT(SIGCHLD);
    struct timespec t = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = sc(SYS_rt_sigtimedwait, &set, &si, &t, KSIGSET);
    if (r < 0)
        printf("  SIGCHLD: %s\n", res(r));
    else
        printf("  SIGCHLD: %s, si_status %s\n", code_name(si.si_code),
               si.si_code == CLD_EXITED ? res(si.si_status) : sig_name(si.si_status));
}

static void waitid_text(const char* what, long pid, int options) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long r = sc(SYS_waitid, P_PID, pid, &si, options, 0);
    if (r < 0)
        printf("%s: %s\n", what, res(r));
    else if (si.si_pid == 0)
        printf("%s: nothing\n", what);
    else
        printf("%s: %s, si_status %s, si_pid matches %s\n", what, code_name(si.si_code), sig_name(si.si_status),
               yes(si.si_pid == pid));
}

static long pauser(void) {
    long pid = raw_fork();
    if (pid == 0)
        for (;;)
            sc(SYS_pause);
    return pid;
}

static void orphaned_group(void) {
    printf("-- our own process group is orphaned --\n");
    long pid = pauser();
    sc(SYS_kill, pid, SIGTTIN);
    sc(SYS_kill, pid, SIGTTOU);
    sleep_ms(50);
    waitid_text("SIGTTIN, SIGTTOU", pid, WSTOPPED | WNOHANG);
    next_chld(0);
    sc(SYS_kill, pid, SIGKILL);
    reap(pid);
    next_chld(5000);

    int fds[2];
    sc(SYS_pipe2, fds, 0);
    note_fd = fds[1];
    pid = raw_fork();
    if (pid == 0) {
        on_signal(SIGTSTP, note_handler, 0);
        tell(fds[1]);
        for (;;)
            sc(SYS_pause);
    }
    hear(fds[0]);
    sc(SYS_kill, pid, SIGTSTP);
    int note = next_note(fds[0], 3000);
    printf("a caught SIGTSTP runs its handler: %s\n", note == SIGTSTP ? "yes" : "no");
    waitid_text("and does not stop", pid, WSTOPPED | WNOHANG);
    sc(SYS_kill, pid, SIGKILL);
    reap(pid);
    next_chld(5000);
    sc(SYS_close, fds[0]);
    sc(SYS_close, fds[1]);
}

static void hup_then_exit(int sig) {
    note_handler(sig);
    die(0);
}

static void becomes_orphaned(void) {
    printf("-- a group that becomes orphaned with a stopped member: SIGHUP, SIGCONT --\n");
    int fds[2];
    sc(SYS_pipe2, fds, 0);
    note_fd = fds[1];
    long a = raw_fork();
    if (a == 0) {
        // Its own group, linked to the outside through us (same session, another group).
        sc(SYS_setpgid, 0, 0);
        long b = raw_fork();
        if (b == 0) {
            on_signal(SIGHUP, hup_then_exit, 0);
            on_signal(SIGCONT, note_handler, 0);
            sc(SYS_kill, sc(SYS_getpid), SIGSTOP);
            for (;;)
                sc(SYS_pause);
        }
        int st = 0;
        long r = sc(SYS_wait4, b, &st, WUNTRACED, 0);
        die(r == b && WIFSTOPPED(st) ? 0 : 1);  // the group's last link to the outside goes
    }
    printf("the middle process: %s\n", status_text(reap(a)));
    next_chld(5000);
    // Both are pending when it resumes: both handlers run, their frames nested.
    int first = next_note(fds[0], 3000);
    int second = next_note(fds[0], 3000);
    printf("the stopped grandchild got %s, then %s\n", sig_name(first < 0 ? 0 : first), sig_name(second < 0 ? 0 : second));
    sc(SYS_close, fds[0]);
    sc(SYS_close, fds[1]);
}

// A child in its own (not orphaned) process group.
static long spinner(void) {
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setpgid, 0, 0);
        for (;;)
            sc(SYS_pause);
    }
    sc(SYS_setpgid, pid, pid);
    return pid;
}

static void sigcont_handler(void) {
    printf("-- a SIGCONT handler --\n");
    int fds[2];
    sc(SYS_pipe2, fds, 0);
    note_fd = fds[1];
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setpgid, 0, 0);
        on_signal(SIGCONT, note_handler, 0);
        tell(fds[1]);
        for (;;)
            sc(SYS_pause);
    }
    sc(SYS_setpgid, pid, pid);
    hear(fds[0]);
    int st = 0;
    sc(SYS_kill, pid, SIGSTOP);
    sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    printf("stopped: %s\n", status_text(st));
    next_chld(5000);
    printf("no handler while stopped: %s\n", yes(next_note(fds[0], 50) < 0));
    sc(SYS_kill, pid, SIGCONT);
    printf("SIGCONT: the handler ran %s\n", yes(next_note(fds[0], 3000) == SIGCONT));
    long r = sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    printf("wait4 WCONTINUED: %s, %s\n", yes(r == pid), status_text(st));
    next_chld(5000);
    sc(SYS_kill, pid, SIGCONT);
    printf("SIGCONT to a running child: the handler ran %s\n", yes(next_note(fds[0], 3000) == SIGCONT));
    printf("and WCONTINUED has nothing: %s\n", res(sc(SYS_wait4, pid, &st, WCONTINUED | WNOHANG, 0)));
    next_chld(0);
    sc(SYS_kill, pid, SIGKILL);
    reap(pid);
    next_chld(5000);

    pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setpgid, 0, 0);
        on_signal(SIGCONT, note_handler, 0);
        uint64_t cont = SIGBIT(SIGCONT);
        sc(SYS_rt_sigprocmask, SIG_BLOCK, &cont, 0, KSIGSET);
        tell(fds[1]);
        for (;;)
            sc(SYS_pause);
    }
    sc(SYS_setpgid, pid, pid);
    hear(fds[0]);
    sc(SYS_kill, pid, SIGSTOP);
    sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    next_chld(5000);
    sc(SYS_kill, pid, SIGCONT);
    r = sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    printf("a blocked SIGCONT continues all the same: %s, %s\n", yes(r == pid), status_text(st));
    printf("its handler waits until unblocked: %s\n", yes(next_note(fds[0], 50) < 0));
    next_chld(5000);
    sc(SYS_kill, pid, SIGKILL);
    reap(pid);
    next_chld(5000);
    sc(SYS_close, fds[0]);
    sc(SYS_close, fds[1]);
}

// Shared with the threaded child: what each thread counted, and the threads' ids.
struct shared {
    volatile long counts[2];
    volatile int tids[2];
};
static struct shared* shared;

static void* counter(void* arg) {
    long i = (long)arg;
    shared->tids[i] = (int)sc(SYS_gettid);
    for (;;)
        __atomic_add_fetch(&shared->counts[i], 1, __ATOMIC_RELAXED);
    return NULL;
}

static int counting(void) {
    long a = shared->counts[0], b = shared->counts[1];
    sleep_ms(20);
    return shared->counts[0] != a && shared->counts[1] != b;
}

static void threads(void) {
    printf("-- a process with threads stops and continues whole --\n");
    shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);
    long pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        pthread_t t;
        pthread_create(&t, NULL, counter, (void*)0L);
        pthread_create(&t, NULL, counter, (void*)1L);
        for (;;)
            pause();
    }
    setpgid(pid, pid);
    printf("both threads count: %s\n", yes(WAIT_FOR(shared->tids[0] && shared->tids[1] && counting())));
    int st = 0;
    sc(SYS_kill, pid, SIGSTOP);
    long r = sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    printf("SIGSTOP: %s, %s\n", yes(r == pid), status_text(st));
    printf("no thread counts while stopped: %s\n", yes(!counting()));
    long a = shared->counts[0], b = shared->counts[1];
    sleep_ms(50);
    printf("counts unchanged after 50 ms: %s\n", yes(a == shared->counts[0] && b == shared->counts[1]));
    printf("one SIGCHLD for the process:\n");
    next_chld(5000);
    next_chld(0);
    sc(SYS_kill, pid, SIGCONT);
    r = sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    printf("SIGCONT: %s, %s\n", yes(r == pid), status_text(st));
    printf("both threads count again: %s\n", yes(WAIT_FOR(counting())));
    next_chld(5000);
    next_chld(0);

    sc(SYS_tgkill, pid, shared->tids[1], SIGTSTP);
    r = sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    printf("SIGTSTP to one thread: %s, %s\n", yes(r == pid), status_text(st));
    a = shared->counts[0], b = shared->counts[1];
    sleep_ms(50);
    printf("every thread stopped: %s\n", yes(a == shared->counts[0] && b == shared->counts[1]));
    next_chld(5000);
    sc(SYS_tgkill, pid, shared->tids[0], SIGCONT);
    r = sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    printf("SIGCONT to the other thread: %s, %s\n", yes(r == pid), status_text(st));
    printf("both threads count again: %s\n", yes(WAIT_FOR(counting())));
    next_chld(5000);

    sc(SYS_kill, pid, SIGSTOP);
    sc(SYS_wait4, pid, &st, WUNTRACED, 0);
    next_chld(5000);
    sc(SYS_kill, pid, SIGKILL);
    printf("SIGKILL to the stopped process: %s\n", status_text(reap(pid)));
    next_chld(5000);
}

static void wnowait(void) {
    printf("-- waitid WNOWAIT --\n");
    long pid = spinner();
    sc(SYS_kill, pid, SIGSTOP);
    waitid_text("WSTOPPED|WNOWAIT", pid, WSTOPPED | WNOWAIT);
    waitid_text("again", pid, WSTOPPED | WNOWAIT);
    waitid_text("WEXITED|WNOHANG", pid, WEXITED | WNOHANG);
    waitid_text("WSTOPPED", pid, WSTOPPED);
    waitid_text("then", pid, WSTOPPED | WNOHANG);
    next_chld(5000);
    sc(SYS_kill, pid, SIGCONT);
    waitid_text("WCONTINUED|WNOWAIT", pid, WCONTINUED | WNOWAIT);
    waitid_text("again", pid, WCONTINUED | WNOWAIT);
    int st = 0;
    long r = sc(SYS_wait4, pid, &st, WCONTINUED, 0);
    printf("wait4 WCONTINUED: %s, %s\n", yes(r == pid), status_text(st));
    waitid_text("then", pid, WCONTINUED | WNOHANG);
    next_chld(5000);
    sc(SYS_kill, pid, SIGKILL);
    next_chld(5000);
    waitid_text("a zombie, WSTOPPED|WCONTINUED|WNOHANG", pid, WSTOPPED | WCONTINUED | WNOHANG);
    waitid_text("WEXITED", pid, WEXITED);
}

static void rusage_of_stop(void) {
    printf("-- the rusage of a stop report --\n");
    long pid = raw_fork();
    if (pid == 0) {
        struct timespec t;
        do
            sc(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, &t);
        while (t.tv_sec == 0 && t.tv_nsec < 100 * 1000000L);
        sc(SYS_kill, sc(SYS_getpid), SIGSTOP);
        die(0);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    long r = sc(SYS_wait4, pid, &st, WUNTRACED, &ru);
    long ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
    printf("stopped itself: %s, %s\n", yes(r == pid), status_text(st));
    printf("CPU time at least 90 ms: %s, minor faults: %s, maxrss: %s\n", yes(ms >= 90), yes(ru.ru_minflt > 0),
           yes(ru.ru_maxrss > 0));
    next_chld(5000);
    sc(SYS_kill, pid, SIGCONT);
    printf("continued, it exits: %s\n", status_text(reap(pid)));
    next_chld(5000);
    next_chld(0);
}

int main(void) {
    on_signal(SIGCHLD, on_chld, 0);
    uint64_t chld = SIGBIT(SIGCHLD);
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &chld, 0, KSIGSET);
    printf("setsid: a new session %s\n", yes(sc(SYS_setsid) == sc(SYS_getpid)));
    orphaned_group();
    becomes_orphaned();
    sigcont_handler();
    threads();
    wnowait();
    rusage_of_stop();
    return 0;
}
