// exec-state: what a process keeps across execve (pid, parent, children, cwd, umask, rlimits,
// nice, process group and session, a pending alarm and ITIMER_REAL, the death signal, the
// subreaper flag, FD_CLOEXEC-less descriptors) and what it loses (every old mapping: the
// address of one is unmapped afterwards).
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>
#include <sys/time.h>

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "after")) {
        long pid = atol(argv[2]), ppid = atol(argv[3]), child = atol(argv[4]);
        unsigned long old_map = strtoul(argv[5], NULL, 16);
        long pgid = atol(argv[6]), sid = atol(argv[7]);
        int gate = atoi(argv[8]);
        printf("after exec:\n");
        printf("  same pid %s, same parent %s\n", yes(sc(SYS_getpid) == pid), yes(sc(SYS_getppid) == ppid));
        char cwd[64];
        sc(SYS_getcwd, cwd, sizeof cwd);
        printf("  cwd %s, umask %03lo\n", cwd, sc(SYS_umask, 0));
        struct rlimit rl;
        sc(SYS_getrlimit, RLIMIT_NOFILE, &rl);
        printf("  RLIMIT_NOFILE %lu/%lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
        printf("  getpriority (20 - nice): %ld\n", sc(SYS_getpriority, PRIO_PROCESS, 0));
        printf("  same process group %s, same session %s\n", yes(sc(SYS_getpgid, 0) == pgid),
               yes(sc(SYS_getsid, 0) == sid));
        long left = sc(SYS_alarm, 0);
        printf("  the alarm is still pending: %s\n", yes(left > 50 && left <= 100));
        int ds = -1, sr = -1;
        sc(SYS_prctl, PR_GET_PDEATHSIG, &ds, 0, 0, 0);
        sc(SYS_prctl, PR_GET_CHILD_SUBREAPER, &sr, 0, 0, 0);
        printf("  death signal %s, subreaper %d\n", sig_name(ds), sr);
        unsigned char vec;
        printf("  the old mapping: mincore %s\n", res(sc(SYS_mincore, old_map, PAGE, &vec)));
        printf("  fd %d (the pipe to our child) still open: %s\n", gate, yes(sc(SYS_fcntl, gate, F_GETFD) >= 0));
        tell(gate);
        int st = 0;
        long r = sc(SYS_wait4, child, &st, 0, 0);
        printf("  the child forked before exec is still ours: %s, %s\n", yes(r == child), status_text(st));
        return 0;
    }
    sc(SYS_mkdir, "/tmp/exec-state", 0755);
    sc(SYS_chdir, "/tmp/exec-state");
    sc(SYS_umask, 007);
    struct rlimit rl = {64, 128};
    sc(SYS_setrlimit, RLIMIT_NOFILE, &rl);
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setpriority, PRIO_PROCESS, 0, 3);
        sc(SYS_setpgid, 0, 0);
        sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
        sc(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        sc(SYS_alarm, 100);
        int gate[2];
        sc(SYS_pipe2, gate, 0);
        long child = raw_fork();
        if (child == 0) {
            hear(gate[0]);
            die(4);
        }
        char* m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        m[0] = 1;
        char a[8][32];
        snprintf(a[0], 32, "%ld", sc(SYS_getpid));
        snprintf(a[1], 32, "%ld", sc(SYS_getppid));
        snprintf(a[2], 32, "%ld", child);
        snprintf(a[3], 32, "%lx", (unsigned long)m);
        snprintf(a[4], 32, "%ld", sc(SYS_getpgid, 0));
        snprintf(a[5], 32, "%ld", sc(SYS_getsid, 0));
        snprintf(a[6], 32, "%d", gate[1]);
        char* args[] = {argv[0], "after", a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL};
        sc(SYS_execve, argv[0], args, NULL);
        die(127);
    }
    printf("child: %s\n", status_text(reap(pid)));
    return 0;
}
