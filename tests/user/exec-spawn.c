// exec-spawn: posix_spawn through each libc (musl: clone(CLONE_VM|CLONE_VFORK) on its own stack;
// glibc: clone3, or clone when clone3 is missing): the child runs with the arguments and
// environment given, file actions (open, dup2, close) and attributes (signal mask, default
// dispositions, process group) applied before the exec, and an exec failure comes back as
// posix_spawn's return value, not as a child's exit.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

#include <spawn.h>

extern char** environ;

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "child")) {
        printf("  child: argv[2] \"%s\", SPAWN_VAR=%s\n", argc > 2 ? argv[2] : "", getenv("SPAWN_VAR") ?: "(unset)");
        printf("  child: blocked %s\n", mask_text(blocked_mask()));
        struct ksigaction a;
        sc(SYS_rt_sigaction, SIGUSR2, 0, &a, KSIGSET);
        printf("  child: SIGUSR2 %s\n", a.handler == SIG_IGN   ? "SIG_IGN"
                                        : a.handler == SIG_DFL ? "SIG_DFL"
                                                               : "handled");
        printf("  child: own process group: %s\n", yes(sc(SYS_getpgid, 0) == sc(SYS_getpid)));
        printf("  child: fd 5 open: %s, fd 6 open: %s\n", yes(sc(SYS_fcntl, 5, F_GETFD) >= 0),
               yes(sc(SYS_fcntl, 6, F_GETFD) >= 0));
        char b[16] = {0};
        if (sc(SYS_read, 5, b, 5) > 0)
            printf("  child: fd 5 reads \"%s\"\n", b);
        return 3;
    }
    char* env[] = {"SPAWN_VAR=hello", NULL};
    char* args[] = {argv[0], "child", "spawned", NULL};
    pid_t pid;

    printf("-- plain --\n");
    int r = posix_spawn(&pid, argv[0], NULL, NULL, args, env);
    int st = reap(pid);  // print only once the child is done: its output comes first
    printf("posix_spawn: %d, %s\n", r, status_text(st));

    printf("-- file actions and attributes --\n");
    sc(SYS_mkdir, "/tmp/exec-spawn", 0755);
    int fd = (int)sc(SYS_open, "/tmp/exec-spawn/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    sc(SYS_write, fd, "spawn-data", 10);
    sc(SYS_close, fd);
    int six = (int)sc(SYS_open, "/dev/null", O_RDONLY);  // 3
    sc(SYS_dup2, six, 6);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 4, "/tmp/exec-spawn/f", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 4, 5);
    posix_spawn_file_actions_addclose(&fa, 6);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGHUP);
    posix_spawnattr_setsigmask(&at, &m);
    sigset_t d;
    sigemptyset(&d);
    sigaddset(&d, SIGUSR2);
    posix_spawnattr_setsigdefault(&at, &d);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    signal(SIGUSR2, SIG_IGN);
    r = posix_spawn(&pid, argv[0], &fa, &at, args, env);
    st = reap(pid);
    printf("posix_spawn: %d, %s\n", r, status_text(st));
    printf("our fd 6 still open: %s; our mask %s\n", yes(sc(SYS_fcntl, 6, F_GETFD) >= 0), mask_text(blocked_mask()));

    printf("-- an ignored signal stays ignored without SETSIGDEF --\n");
    r = posix_spawn(&pid, argv[0], NULL, NULL, args, env);
    st = reap(pid);
    printf("posix_spawn: %d, %s\n", r, status_text(st));

    printf("-- failures --\n");
    r = posix_spawn(&pid, "/nonexistent", NULL, NULL, args, env);
    printf("a missing program: %s\n", errname(r) ? errname(r) : "0");
    printf("no child left: %s\n", yes(sc(SYS_wait4, -1, &st, WNOHANG, 0) == -ECHILD));
    r = posix_spawn(&pid, "/dev/null", NULL, NULL, args, env);
    printf("/dev/null: %s\n", errname(r) ? errname(r) : "0");
    printf("no child left: %s\n", yes(sc(SYS_wait4, -1, &st, WNOHANG, 0) == -ECHILD));
    printf("-- posix_spawnp, found in PATH --\n");
    char* pargs[] = {"exec-spawn", "child", "via PATH", NULL};
    r = posix_spawnp(&pid, argv[0][0] == '/' ? strrchr(argv[0], '/') + 1 : argv[0], NULL, NULL, pargs, environ);
    st = r == 0 ? reap(pid) : 0;
    printf("posix_spawnp: %d, %s\n", r, status_text(st));
    return 0;
}
