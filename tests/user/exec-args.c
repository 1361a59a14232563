// exec-args: execve passes argv and envp exactly (empty strings, spaces, UTF-8, 1000 arguments,
// an argv[0] unrelated to the path), an empty envp and a NULL envp both give an empty
// environment, and a NULL argv gives argc 1 with argv[0] "" (Linux 5.18 and later). The same
// pid runs the new program.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

extern char** environ;

static void show(int argc, char** argv) {
    printf("  argc %d", argc);
    if (argc > 12) {
        int ok = 1;
        for (int i = 2; i < argc; ++i) {
            char want[16];
            snprintf(want, sizeof want, "arg%d", i);
            ok &= !strcmp(argv[i], want);
        }
        printf(", arguments 2..%d are arg2..arg%d: %s\n", argc - 1, argc - 1, yes(ok));
    } else {
        printf("\n");
        for (int i = 0; i < argc; ++i)
            printf("  argv[%d] \"%s\"\n", i, argv[i]);
    }
    printf("  argv[argc] NULL: %s\n", yes(argv[argc] == NULL));
    int n = 0;
    for (char** e = environ; *e; ++e, ++n) {
        if (!strncmp(*e, "EXEC_ARGS_WANT=", 15))
            printf("  getpid is the pid from before the exec: %s\n", yes(atol(*e + 15) == sc(SYS_getpid)));
        else
            printf("  env \"%s\"\n", *e);
    }
    printf("  %d environment strings\n", n);
}

static char* self;

static void run(const char* label, char** args, char** envp) {
    printf("-- %s --\n", label);
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_execve, self, args, envp);
        die(127);
    }
    printf("  %s\n", status_text(reap(pid)));
}

int main(int argc, char** argv) {
    if (getenv("EXEC_ARGS_CHILD") || (argc == 1 && argv[0][0] == '\0') || (argc > 1 && !strcmp(argv[1], "child"))) {
        show(argc, argv);
        return 0;
    }
    self = argv[0];
    char* a1[] = {"first", "child", "", "two words", "tab\there", "ünïcödé", NULL};
    char* e1[] = {"EXEC_ARGS_CHILD=1", "EMPTY=", "=starts with equals", "no equals sign", "", NULL};
    run("strings as given", a1, e1);
    char* e0[] = {NULL};
    char* a2[] = {"/whatever/name", "child", NULL};
    run("empty envp", a2, e0);
    run("NULL envp", a2, NULL);
    char* e3[] = {"EXEC_ARGS_CHILD=1", NULL};
    run("NULL argv", NULL, e3);
    char* e4[] = {"EXEC_ARGS_CHILD=1", NULL};
    char* a4[] = {NULL};
    run("empty argv", a4, e4);
    static char* many[1002];
    static char store[1000][16];
    many[0] = "many";
    many[1] = "child";
    for (int i = 2; i < 1000; ++i) {
        snprintf(store[i], sizeof store[i], "arg%d", i);
        many[i] = store[i];
    }
    many[1000] = NULL;
    run("1000 arguments", many, e0);

    printf("-- the same process --\n");
    long pid = raw_fork();
    if (pid == 0) {
        char* a[] = {"x", "child", NULL};
        char env[64];
        snprintf(env, sizeof env, "EXEC_ARGS_WANT=%ld", sc(SYS_getpid));
        char* e[] = {env, NULL};
        sc(SYS_execve, self, a, e);
        die(127);
    }
    printf("  %s\n", status_text(reap(pid)));
    return 0;
}
