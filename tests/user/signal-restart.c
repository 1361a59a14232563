// signal-restart: a handled signal interrupting a blocking system call: read from a pipe and
// wait4 return EINTR without SA_RESTART and carry on with it (the handler itself supplies what
// they wait for); nanosleep, pause and rt_sigsuspend return EINTR either way (nanosleep with the
// time left); an ignored signal, or one whose default action is to ignore, interrupts nothing.
// The signals come from ITIMER_REAL (SIGALRM) 50 ms after the call starts.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/time.h>

static int pipe_w = -1;
static int child_gate = -1;
static volatile int hits;

static void on_alarm(int sig) {
    (void)sig;
    ++hits;
    if (pipe_w >= 0)
        sc(SYS_write, pipe_w, "h", 1);  // what the restarted read gets
    if (child_gate >= 0)
        tell(child_gate);  // lets the child the restarted wait4 waits for exit
}

static void arm(long ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
}

static void read_case(int flags) {
    int p[2];
    sc(SYS_pipe2, p, 0);
    on_signal(SIGALRM, on_alarm, flags);
    pipe_w = p[1];
    hits = 0;
    arm(50);
    char c = 0;
    long r = sc(SYS_read, p[0], &c, 1);
    printf("read: %s%s%s, handler ran %d\n", res(r), r == 1 ? ", got " : "",
           r == 1 ? (c == 'h' ? "the handler's byte" : "?") : "", hits);
    pipe_w = -1;
    sc(SYS_close, p[0]);
    sc(SYS_close, p[1]);
}

static void wait_case(int flags) {
    int g[2];
    sc(SYS_pipe2, g, 0);
    long pid = raw_fork();
    if (pid == 0) {
        hear(g[0]);
        die(5);
    }
    on_signal(SIGALRM, on_alarm, flags);
    child_gate = g[1];
    hits = 0;
    arm(50);
    int st = 0;
    long r = sc(SYS_wait4, pid, &st, 0, 0);
    printf("wait4: %s, handler ran %d\n", r == pid ? status_text(st) : res(r), hits);
    child_gate = -1;
    if (r != pid)
        reap(pid);
    sc(SYS_close, g[0]);
    sc(SYS_close, g[1]);
}

int main(void) {
    printf("-- without SA_RESTART --\n");
    read_case(0);
    wait_case(0);
    printf("-- with SA_RESTART --\n");
    read_case(SA_RESTART);
    wait_case(SA_RESTART);

    printf("-- never restarted --\n");
    on_signal(SIGALRM, on_alarm, SA_RESTART);
    hits = 0;
    arm(50);
    struct timespec req = {5, 0}, rem = {0, 0};
    long r = sc(SYS_nanosleep, &req, &rem);
    printf("nanosleep 5 s: %s, handler ran %d, time left between 4 and 5 s: %s\n", res(r), hits,
           yes(rem.tv_sec == 4 || (rem.tv_sec == 5 && rem.tv_nsec == 0)));
    hits = 0;
    arm(50);
    r = sc(SYS_pause);
    printf("pause: %s, handler ran %d\n", res(r), hits);
    hits = 0;
    arm(50);
    uint64_t none = 0;
    r = sc(SYS_rt_sigsuspend, &none, KSIGSET);
    printf("rt_sigsuspend: %s, handler ran %d\n", res(r), hits);

    printf("-- signals that interrupt nothing --\n");
    int p[2];
    sc(SYS_pipe2, p, 0);
    on_signal(SIGUSR2, SIG_IGN, 0);
    long me = sc(SYS_getpid);
    long pid = raw_fork();
    if (pid == 0) {
        sleep_ms(50);
        sc(SYS_kill, me, SIGUSR2);   // ignored
        sc(SYS_kill, me, SIGWINCH);  // default: ignore
        sleep_ms(50);
        sc(SYS_write, p[1], "d", 1);
        die(0);
    }
    char c = 0;
    r = sc(SYS_read, p[0], &c, 1);
    printf("read while SIGUSR2 (ignored) and SIGWINCH (default) arrive: %s\n", res(r));
    reap(pid);
    pid = raw_fork();
    if (pid == 0)
        die(0);  // SIGCHLD, default action: ignore
    long writer = raw_fork();
    if (writer == 0) {
        sleep_ms(100);
        sc(SYS_write, p[1], "e", 1);
        die(0);
    }
    r = sc(SYS_read, p[0], &c, 1);
    printf("read while a child exits (SIGCHLD by default): %s\n", res(r));
    reap(pid);
    reap(writer);
    return 0;
}
