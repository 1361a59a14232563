// procfs-formats: /proc/<pid>/stat in Linux's format, on a proc instance mounted on
// /tmp/procfs-formats. Its 52 fields are checked against what the process knows of itself
// (getpid, getppid, getpgrp, getsid, getrusage, its argv and environment, its signal mask and
// handlers), and a child's letter is followed through sleeping, stopped and zombie. Only facts
// are printed: never pids, addresses or times.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#define P "/tmp/procfs-formats"

extern char** environ;

// The fields of a stat line: [0] the pid, [1] the name without its parentheses, [2] the state,
// and the rest as numbers (text kept for the signed ones).
struct stat_line {
    int count;  // fields found
    char comm[64];
    char fields[64][32];
};

static int read_stat(long pid, const char* file, struct stat_line* s) {
    char path[128], text[1024];
    if (pid)
        snprintf(path, sizeof path, P "/%ld/%s", pid, file);
    else
        snprintf(path, sizeof path, P "/self/%s", file);
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long n = sc(SYS_read, fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        return (int)n;
    text[n] = 0;
    if (n == 0 || text[n - 1] != '\n')
        return -1000;
    // The name is everything between the first '(' and the last ')', as ps parses it.
    char* open_paren = strchr(text, '(');
    char* close_paren = strrchr(text, ')');
    if (!open_paren || !close_paren || close_paren < open_paren)
        return -1001;
    *close_paren = 0;
    snprintf(s->comm, sizeof s->comm, "%s", open_paren + 1);
    *open_paren = 0;
    snprintf(s->fields[0], 32, "%.31s", text);
    s->count = 2;
    char* rest = close_paren + 1;
    for (char* tok = strtok(rest, " \n"); tok && s->count < 64; tok = strtok(NULL, " \n"))
        snprintf(s->fields[s->count++], 32, "%.31s", tok);
    return 0;
}

static unsigned long long u(const struct stat_line* s, int field) { return strtoull(s->fields[field - 1], 0, 10); }
static long long ll(const struct stat_line* s, int field) { return strtoll(s->fields[field - 1], 0, 10); }


static char state_of(long pid) {
    struct stat_line s;
    return read_stat(pid, "stat", &s) ? '?' : s.fields[2][0];
}

static void on_usr2(int sig) { (void)sig; }

static int main_marker(void) { return 1; }

int main(int argc, char** argv) {
    mkdir(P, 0755);
    printf("mount proc: %s\n", res(mount("proc", P, "proc", 0, NULL) ? -errno : 0));

    // A known signal state: SIGUSR1 blocked, SIGTERM ignored, SIGUSR2 caught.
    uint64_t mask = 1ull << (SIGUSR1 - 1);
    sc(SYS_rt_sigprocmask, SIG_SETMASK, &mask, 0, KSIGSET);
    signal(SIGTERM, SIG_IGN);
    on_signal(SIGUSR2, on_usr2, 0);

    // A reaped child that touched memory: its faults and CPU time are counted as the children's.
    long toucher = raw_fork();
    if (toucher == 0) {
        static volatile char pages[16 * 4096];
        for (size_t i = 0; i < sizeof pages; i += 4096)
            pages[i] = 1;
        sc(SYS_exit, 0);
    }
    reap(toucher);

    struct stat_line s;
    int r = read_stat(0, "stat", &s);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    printf("self stat: %s, fields %d\n", res(r), s.count);
    printf("comm: (%s)\n", s.comm);
    printf("pid is getpid: %s\n", yes(u(&s, 1) == (unsigned long long)getpid()));
    printf("state: %s\n", s.fields[2]);
    printf("ppid is getppid: %s\n", yes(ll(&s, 4) == getppid()));
    printf("pgrp is getpgrp: %s\n", yes(ll(&s, 5) == getpgrp()));
    printf("session is getsid: %s\n", yes(ll(&s, 6) == getsid(0)));
    long long tty_nr = ll(&s, 7);
    printf("tty_nr: %lld:%lld\n", (tty_nr >> 8) & 0xfff, (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00));
    long long tpgid = ll(&s, 8);
    printf("tpgid: %s\n", tpgid == -1 ? "-1" : tpgid == getpgrp() ? "own group" : "another group");
    printf("flags FORKNOEXEC: %s\n", yes(u(&s, 9) & 0x40));
    printf("minflt within getrusage: %s\n", yes(u(&s, 10) > 0 && u(&s, 10) <= (unsigned long long)ru.ru_minflt));
    struct rusage children;
    getrusage(RUSAGE_CHILDREN, &children);
    printf("cminflt is getrusage's: %s, nonzero %s\n", yes(u(&s, 11) == (unsigned long long)children.ru_minflt),
           yes(u(&s, 11) > 0));
    unsigned long long cticks = (unsigned long long)(children.ru_utime.tv_sec + children.ru_stime.tv_sec) * 100 +
                                (unsigned long long)(children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 10000;
    printf("cutime+cstime within getrusage: %s\n", yes(u(&s, 16) + u(&s, 17) <= cticks + 1));
    printf("majflt cmajflt: %s %s\n", s.fields[11], s.fields[12]);
    unsigned long long ticks = u(&s, 14) + u(&s, 15);
    unsigned long long ru_ticks = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 100 +
                                  (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 10000;
    printf("utime+stime within getrusage: %s\n", yes(ticks <= ru_ticks + 1));
    printf("priority nice: %s %s\n", s.fields[17], s.fields[18]);
    printf("threads, itrealvalue: %s %s\n", s.fields[19], s.fields[20]);
    unsigned long long uptime_ticks = (unsigned long long)boot.tv_sec * 100 + (unsigned long long)boot.tv_nsec / 10000000;
    unsigned long long own_start = u(&s, 22);
    printf("starttime within uptime: %s\n", yes(u(&s, 22) <= uptime_ticks));
    printf("vsize pages: %s\n", yes(u(&s, 23) > 0 && u(&s, 23) % 4096 == 0));
    printf("rss: %s\n", yes(u(&s, 24) > 0 && u(&s, 24) * 4096 <= u(&s, 23)));
    printf("rsslim: %s\n", s.fields[24]);
    unsigned long long code = (unsigned long long)(uintptr_t)main_marker;
    printf("code holds main: %s\n", yes(u(&s, 26) <= code && code < u(&s, 27)));
    int local = 0;
    unsigned long long here = (unsigned long long)(uintptr_t)&local;
    printf("startstack above locals: %s\n", yes(here < u(&s, 28) && u(&s, 28) - here < (1u << 20)));
    printf("kstkesp kstkeip: %s %s\n", s.fields[28], s.fields[29]);
    printf("signal blocked ignored caught: %s %s %s %s\n", s.fields[30], s.fields[31], s.fields[32], s.fields[33]);
    printf("wchan nswap cnswap: %s %s %s\n", s.fields[34], s.fields[35], s.fields[36]);
    printf("exit_signal processor rt_priority policy: %s %s %s %s\n", s.fields[37], s.fields[38], s.fields[39],
           s.fields[40]);
    printf("blkio gtime cgtime: %s %s %s\n", s.fields[41], s.fields[42], s.fields[43]);
    printf("data ordered: %s\n", yes(u(&s, 45) <= u(&s, 46) && u(&s, 46) <= u(&s, 47)));
    printf("start_brk below sbrk(0): %s\n", yes(u(&s, 47) <= (unsigned long long)(uintptr_t)sbrk(0)));
    int last_env = 0;
    while (environ[last_env + 1])
        ++last_env;
    printf("arg_start is argv[0]: %s\n", yes(u(&s, 48) == (unsigned long long)(uintptr_t)argv[0]));
    printf("arg_end after argv[last]: %s\n",
           yes(u(&s, 49) == (unsigned long long)(uintptr_t)argv[argc - 1] + strlen(argv[argc - 1]) + 1));
    printf("env_start is environ[0]: %s\n", yes(u(&s, 50) == (unsigned long long)(uintptr_t)environ[0]));
    printf("env_end after environ[last]: %s\n",
           yes(u(&s, 51) == (unsigned long long)(uintptr_t)environ[last_env] + strlen(environ[last_env]) + 1));
    printf("exit_code: %s\n", s.fields[51]);

    // cmdline: the argument strings, NUL after each.
    static char cmd[4096], want[4096];
    size_t want_len = 0;
    for (int i = 0; i < argc; ++i) {
        size_t l = strlen(argv[i]) + 1;
        memcpy(want + want_len, argv[i], l);
        want_len += l;
    }
    int cfd = open(P "/self/cmdline", O_RDONLY);
    long cn = sc(SYS_read, cfd, cmd, sizeof cmd);
    close(cfd);
    printf("cmdline is argv: %s\n", yes(cn == (long)want_len && !memcmp(cmd, want, want_len)));
    struct stat st;
    stat(P "/self/cmdline", &st);
    printf("cmdline mode: %o\n", st.st_mode & 07777);
    stat(P "/self/stat", &st);
    printf("stat mode: %o\n", st.st_mode & 07777);

    char tpath[64];
    snprintf(tpath, sizeof tpath, "task/%d/stat", getpid());
    r = read_stat(0, tpath, &s);
    printf("task/<tid>/stat: %s, fields %d, state %s\n", res(r), s.count, s.fields[2]);

    // A name with a space and a parenthesis.
    prctl(PR_SET_NAME, "a) b");
    read_stat(0, "stat", &s);
    printf("odd comm: (%s) state %s fields %d\n", s.comm, s.fields[2], s.count);
    prctl(PR_SET_NAME, "procfs-formats");

    // A child: sleeping in pause, stopped, then a zombie with its status.
    long child = raw_fork();
    if (child == 0) {
        sc(SYS_setpriority, PRIO_PROCESS, 0, 5);
        for (;;)
            sc(SYS_pause);
    }
    printf("child sleeps: %s\n", yes(WAIT_FOR(state_of(child) == 'S')));
    read_stat(child, "stat", &s);
    printf("child ppid is us: %s\n", yes(ll(&s, 4) == getpid()));
    printf("child flags FORKNOEXEC: %s\n", yes(u(&s, 9) & 0x40));
    printf("child priority nice: %s %s wchan %s\n", s.fields[17], s.fields[18], s.fields[34]);
    printf("child starttime not before ours: %s\n", yes(u(&s, 22) >= own_start));
    kill((pid_t)child, SIGSTOP);
    char cpath[64];
    snprintf(cpath, sizeof cpath, P "/%ld/cmdline", child);
    cfd = open(cpath, O_RDONLY);
    cn = sc(SYS_read, cfd, cmd, sizeof cmd);
    printf("child cmdline is ours: %s\n", yes(cn == (long)want_len && !memcmp(cmd, want, want_len)));
    printf("child stopped: %s\n", yes(WAIT_FOR(state_of(child) == 'T')));
    kill((pid_t)child, SIGCONT);
    printf("child sleeps again: %s\n", yes(WAIT_FOR(state_of(child) == 'S')));
    kill((pid_t)child, SIGKILL);
    siginfo_t info;
    waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT);
    r = read_stat(child, "stat", &s);
    printf("zombie: %s state %s fields %d\n", res(r), s.fields[2], s.count);
    printf("zombie vsize rss: %s %s\n", s.fields[22], s.fields[23]);
    printf("zombie code stack: %s %s %s\n", s.fields[25], s.fields[26], s.fields[27]);
    printf("zombie args: %s %s %s %s %s %s %s\n", s.fields[44], s.fields[45], s.fields[46], s.fields[47],
           s.fields[48], s.fields[49], s.fields[50]);
    printf("zombie exit_code: %s\n", s.fields[51]);
    printf("zombie cmdline bytes: %s\n", res(sc(SYS_pread64, cfd, cmd, sizeof cmd, 0)));
    close(cfd);
    printf("reaped: %s\n", status_text(reap(child)));
    printf("after reap: %s\n", res(read_stat(child, "stat", &s)));

    // uptime: "S.hh S.hh\n", the first CLOCK_BOOTTIME's seconds.
    char text[256];
    int fd = open(P "/uptime", O_RDONLY);
    long n = sc(SYS_read, fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    unsigned long up_s, up_c, idle_s, idle_c;
    int used = 0;
    int got = sscanf(text, "%lu.%2lu %lu.%2lu\n%n", &up_s, &up_c, &idle_s, &idle_c, &used);
    printf("uptime: %d fields, whole line %s, two decimals %s\n", got, yes(used == n),
           yes(strchr(text, '.')[3] == ' ' && text[n - 4] == '.'));
    printf("uptime is CLOCK_BOOTTIME: %s\n", yes(up_s == (unsigned long)boot.tv_sec || up_s + 1 == (unsigned long)boot.tv_sec));
    printf("idle within uptime: %s\n", yes(idle_s <= up_s));

    // loadavg: "L.ll L.ll L.ll running/threads last_pid\n".
    fd = open(P "/loadavg", O_RDONLY);
    n = sc(SYS_read, fd, text, sizeof text - 1);
    close(fd);
    text[n > 0 ? n : 0] = 0;
    unsigned a[6], running, threads, last;
    got = sscanf(text, "%u.%2u %u.%2u %u.%2u %u/%u %u\n%n", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &running,
                 &threads, &last, &used);
    printf("loadavg: %d fields, whole line %s\n", got, yes(used == n));
    printf("running counts us: %s, threads at least running: %s\n", yes(running >= 1), yes(threads >= running));
    printf("last pid not before our child: %s\n", yes(last >= (unsigned)child));

    // stat: the "cpu" lines with ten counters, btime, processes and the running count.
    static char big[8192];
    fd = open(P "/stat", O_RDONLY);
    n = sc(SYS_read, fd, big, sizeof big - 1);
    close(fd);
    big[n > 0 ? n : 0] = 0;
    unsigned long long c[10];
    got = sscanf(big, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", &c[0], &c[1], &c[2], &c[3], &c[4],
                 &c[5], &c[6], &c[7], &c[8], &c[9]);
    printf("stat cpu: %d counters\n", got);
    char* cpu0 = strstr(big, "\ncpu0 ");
    got = cpu0 ? sscanf(cpu0, "\ncpu0 %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", &c[0], &c[1], &c[2], &c[3],
                        &c[4], &c[5], &c[6], &c[7], &c[8], &c[9])
               : 0;
    printf("stat cpu0: %d counters\n", got);
    unsigned long long btime = 0, processes = 0, procs_running = 0, procs_blocked = 9;
    char* line;
    if ((line = strstr(big, "\nbtime ")))
        sscanf(line, "\nbtime %llu", &btime);
    if ((line = strstr(big, "\nprocesses ")))
        sscanf(line, "\nprocesses %llu", &processes);
    if ((line = strstr(big, "\nprocs_running ")))
        sscanf(line, "\nprocs_running %llu", &procs_running);
    if ((line = strstr(big, "\nprocs_blocked ")))
        sscanf(line, "\nprocs_blocked %llu", &procs_blocked);
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    long long boot_real = (long long)real.tv_sec - (long long)boot.tv_sec;
    printf("btime is now less uptime: %s\n", yes(llabs((long long)btime - boot_real) <= 1));
    printf("processes counts our forks: %s\n", yes(processes >= 3));
    printf("procs_running counts us: %s, procs_blocked: %llu\n", yes(procs_running >= 1), procs_blocked);

    printf("umount: %s\n", res(umount(P) ? -errno : 0));
    return 0;
}
