// wait-status: the wait status encoding and waitid's si_code/si_status for each way to end:
// exit codes (code << 8), deaths by signal (the signal in the low 7 bits), with the core bit
// (0x80) and CLD_DUMPED only when a core was really written (here RLIMIT_CORE is 0, so the core
// signals report plain CLD_KILLED), and real faults (SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP)
// and abort().
#include "lib/facts.h"
#include "lib/proc.h"

static void by_signal(int sig) {
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_kill, sc(SYS_getpid), sig);
        die(100);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    int st = reap(pid);
    printf("kill(self, %s): %s; waitid %s, si_status %s\n", sig_name(sig), status_text(st), code_name(si.si_code),
           sig_name(si.si_status));
}

static void by_fault(const char* label, int which) {
    long pid = fork();  // the libc's: musl's abort() signals the thread id the libc cached
    if (pid == 0) {
        if (which == 0) {
            volatile int* volatile p = (int*)16;
            *p = 1;
        }
        if (which == 1) {
            volatile int z = 0, x = 5;
            x = x / z;
        }
        if (which == 2)
            __asm__ volatile("ud2");
        if (which == 3)
            __asm__ volatile("int3");
        if (which == 4)
            abort();
        if (which == 5) {
            // A bus error: touching a file mapping beyond the end of the file.
            sc(SYS_mkdir, "/tmp/wait-status", 0755);
            int fd = (int)sc(SYS_open, "/tmp/wait-status/empty", O_RDWR | O_CREAT | O_TRUNC, 0644);
            volatile char* m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
            (void)m[0];
        }
        die(100);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    int st = reap(pid);
    printf("%s: %s; waitid %s, si_status %s\n", label, status_text(st), code_name(si.si_code), sig_name(si.si_status));
}

int main(void) {
    struct rlimit rl;
    sc(SYS_getrlimit, RLIMIT_CORE, &rl);
    printf("RLIMIT_CORE soft limit: %lu\n", (unsigned long)rl.rlim_cur);
    int codes[] = {0, 1, 77, 255};
    for (int i = 0; i < 4; ++i) {
        long pid = raw_fork();
        if (pid == 0)
            die(codes[i]);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
        int st = reap(pid);
        printf("exit_group(%d): %s; WIFEXITED %d WEXITSTATUS %d WIFSIGNALED %d; waitid %s, si_status %d\n", codes[i],
               status_text(st), WIFEXITED(st) ? 1 : 0, WEXITSTATUS(st), WIFSIGNALED(st) ? 1 : 0, code_name(si.si_code),
               si.si_status);
    }
    int sigs[] = {SIGHUP, SIGINT, SIGKILL, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGVTALRM,
                  SIGPROF, SIGIO, SIGPWR, 34, 64,
                  SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; ++i)
        by_signal(sigs[i]);
    by_fault("write to address 16", 0);
    by_fault("integer division by zero", 1);
    by_fault("ud2", 2);
    by_fault("int3", 3);
    by_fault("abort()", 4);
    by_fault("read beyond the end of a mapped file", 5);
    return 0;
}
