// signal-core: the core bit. A core-dumping signal (SIGQUIT, SIGSEGV, SIGABRT...) sets 0x80 in
// the wait status and gives CLD_DUMPED only when a core file was really written: with
// RLIMIT_CORE 0 (the default) or below one page there is none and the status is plain; with
// RLIMIT_CORE unlimited a file "core" (core_pattern's default) appears in the cwd: an ELF
// ET_CORE for x86-64. A terminating signal that does not dump (SIGTERM) never sets the bit.
#include "lib/facts.h"
#include "lib/proc.h"

#include <elf.h>

static void run(const char* label, const char* dir, unsigned long limit, int sig) {
    sc(SYS_mkdir, dir, 0755);
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_chdir, dir);
        struct rlimit rl = {limit, RLIM_INFINITY};
        sc(SYS_setrlimit, RLIMIT_CORE, &rl);
        if (sig == SIGSEGV) {
            volatile int* volatile p = (int*)16;
            *p = 1;
        }
        sc(SYS_kill, sc(SYS_getpid), sig);
        die(100);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    sc(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, 0);
    int st = reap(pid);
    printf("%s: %s; waitid %s\n", label, status_text(st), code_name(si.si_code));
    char path[96];
    snprintf(path, sizeof path, "%s/core", dir);
    int fd = (int)sc(SYS_open, path, O_RDONLY);
    if (fd < 0) {
        printf("  no core file (%s)\n", res(fd));
        return;
    }
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    long n = sc(SYS_read, fd, &eh, sizeof eh);
    printf("  a core file: ELF %s, ET_CORE %s, EM_X86_64 %s, program headers %s\n",
           yes(n == sizeof eh && !memcmp(eh.e_ident, ELFMAG, SELFMAG)), yes(eh.e_type == ET_CORE),
           yes(eh.e_machine == EM_X86_64), yes(eh.e_phnum > 0));
    sc(SYS_close, fd);
}

int main(void) {
    struct rlimit rl;
    sc(SYS_getrlimit, RLIMIT_CORE, &rl);
    printf("RLIMIT_CORE: soft %lu\n", (unsigned long)rl.rlim_cur);
    run("SIGQUIT, RLIMIT_CORE 0", "/tmp/signal-core-0", 0, SIGQUIT);
    run("SIGQUIT, RLIMIT_CORE 1024 (less than a page)", "/tmp/signal-core-1k", 1024, SIGQUIT);
    run("SIGQUIT, RLIMIT_CORE unlimited", "/tmp/signal-core-quit", RLIM_INFINITY, SIGQUIT);
    run("SIGSEGV fault, RLIMIT_CORE unlimited", "/tmp/signal-core-segv", RLIM_INFINITY, SIGSEGV);
    run("SIGABRT, RLIMIT_CORE unlimited", "/tmp/signal-core-abrt", RLIM_INFINITY, SIGABRT);
    run("SIGTERM, RLIMIT_CORE unlimited", "/tmp/signal-core-term", RLIM_INFINITY, SIGTERM);
    return 0;
}
