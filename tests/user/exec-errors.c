// exec-errors: execve's refusals, each leaving the caller intact (tried in children, and a few
// in the program itself at the end): ENOENT (missing file, empty
// path, missing directory), ENOTDIR, EACCES (no execute bit even for root, a directory, a device),
// ENOEXEC (text, an empty file, a truncated ELF header, an ELF for another machine), ETXTBSY
// (open for writing), ENAMETOOLONG, ELOOP, EFAULT (path, argv, an argv string, an envp string),
// E2BIG (one string longer than MAX_ARG_STRLEN, all strings above the stack limit's quarter),
// and the longest single argument that still works.
#include "lib/facts.h"
#include "lib/proc.h"

#include <elf.h>
#include <fcntl.h>

#define D "/tmp/exec-errors"

static char* self;

// Files are created with their mode at open (umask 0), once.
static void make(const char* path, const void* data, size_t n, int mode) {
    int fd = (int)sc(SYS_open, path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return;
    if (n)
        sc(SYS_write, fd, data, n);
    sc(SYS_close, fd);
}

// Each exec is tried in a child, so that a kernel that wrongly runs the program does not end
// this test: the child's status says what happened (100 + errno when execve returned).
static void try_exec(const char* label, const char* path, char** argv, char** envp) {
    long pid = raw_fork();
    if (pid == 0) {
        long r = sc(SYS_execve, path, argv, envp);
        die(100 + (int)-r);
    }
    int st = reap(pid);
    if (WIFEXITED(st) && WEXITSTATUS(st) > 100)
        printf("%s: %s\n", label, res(-(WEXITSTATUS(st) - 100)));
    else
        printf("%s: ran, %s\n", label, status_text(st));
}

int main(int argc, char** argv) {
    if ((argc > 1 && !strcmp(argv[1], "ok")) || argv[0][0] != '/')
        return 0;  // exec'd by a case that runs (the harness starts us as /bin/exec-errors)
    self = argv[0];
    sc(SYS_umask, 0);
    char* args[] = {"x", NULL};
    char* env[] = {NULL};
    sc(SYS_mkdir, D, 0755);

    try_exec("missing file", D "/nothing", args, env);
    try_exec("empty path", "", args, env);
    try_exec("missing directory", D "/no/such", args, env);
    make(D "/text", "hello world\n", 12, 0755);
    try_exec("path through a file", D "/text/x", args, env);
    make(D "/noexec", "hello\n", 6, 0644);
    try_exec("mode 0644 (root too)", D "/noexec", args, env);
    try_exec("a directory", D, args, env);
    try_exec("/dev/null", "/dev/null", args, env);
    try_exec("text file, mode 0755", D "/text", args, env);
    make(D "/empty", "", 0, 0755);
    try_exec("empty file", D "/empty", args, env);
    make(D "/magic", "\x7f" "ELF", 4, 0755);
    try_exec("just the ELF magic", D "/magic", args, env);
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof eh);
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_AARCH64;
    eh.e_version = EV_CURRENT;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    make(D "/aarch64", &eh, sizeof eh, 0755);
    try_exec("an ELF for aarch64", D "/aarch64", args, env);
    eh.e_machine = EM_X86_64;
    eh.e_type = ET_REL;
    make(D "/relocatable", &eh, sizeof eh, 0755);
    try_exec("an x86-64 ET_REL", D "/relocatable", args, env);

    // A copy of ourselves, kept open for writing.
    int in = (int)sc(SYS_open, self, O_RDONLY);
    int out = (int)sc(SYS_open, D "/copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    static char buf[65536];
    long n;
    while ((n = sc(SYS_read, in, buf, sizeof buf)) > 0)
        sc(SYS_write, out, buf, n);
    sc(SYS_close, in);
    char* okargs[] = {"copy", "ok", NULL};
    try_exec("a program open for writing", D "/copy", okargs, env);
    sc(SYS_close, out);
    try_exec("the same once closed", D "/copy", okargs, env);

    static char longpath[5000];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    try_exec("a 4999-byte path", longpath, args, env);
    sc(SYS_symlink, D "/loop2", D "/loop1");
    sc(SYS_symlink, D "/loop1", D "/loop2");
    try_exec("a symlink loop", D "/loop1", args, env);

    try_exec("path NULL", NULL, args, env);
    try_exec("path 8", (char*)8, args, env);
    try_exec("argv 8", self, (char**)8, env);
    char* badarg[] = {"x", (char*)8, NULL};
    try_exec("argv[1] 8", self, badarg, env);
    char* badenv[] = {"A=1", (char*)0xffff800000000000UL, NULL};
    try_exec("envp[1] a kernel address", self, args, badenv);
    try_exec("envp 8", self, args, (char**)8);

    // MAX_ARG_STRLEN is 32 pages, counting the terminating NUL.
    static char big[131073];
    memset(big, 'b', 131072);
    big[131072] = '\0';
    char* bigargs[] = {"x", "ok", big, NULL};
    try_exec("an argument of 131072 bytes", self, bigargs, env);
    big[131071] = '\0';
    try_exec("an argument of 131071 bytes", self, bigargs, env);
    char* bigenv[] = {big, NULL};
    big[131071] = 'b';
    try_exec("an environment string of 131072 bytes", self, okargs, bigenv);
    // 8 MiB stack limit: strings may take a quarter of it (2 MiB).
    static char* many[40];
    many[0] = "x";
    many[1] = "ok";
    big[131000] = '\0';
    for (int i = 2; i < 39; ++i)
        many[i] = big;
    many[39] = NULL;
    try_exec("37 arguments of 131000 bytes (4.6 MiB)", self, many, env);
    many[12] = NULL;
    try_exec("10 arguments of 131000 bytes (1.25 MiB)", self, many, env);
    struct rlimit rl = {1 << 20, RLIM_INFINITY};
    sc(SYS_setrlimit, RLIMIT_STACK, &rl);
    try_exec("the same with a 1 MiB stack limit", self, many, env);
    many[3] = NULL;
    try_exec("1 of them with a 1 MiB stack limit", self, many, env);

    printf("-- in this process --\n");
    long me = sc(SYS_getpid);
    long r1 = sc(SYS_execve, D "/nothing", args, env);
    long r2 = sc(SYS_execve, D "/text", args, env);
    long r3 = sc(SYS_execve, self, (char**)8, env);
    printf("ENOENT, ENOEXEC and EFAULT returned here: %s %s %s; still the same process with its fds: %s\n",
           res(r1), res(r2), res(r3), yes(sc(SYS_getpid) == me && sc(SYS_fcntl, 1, F_GETFD) >= 0));
    return 0;
}
