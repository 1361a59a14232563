// vfork-exec: a vfork child that execs releases its parent at the exec, not at the exit: the
// exec'd program waits for a byte the parent writes only after vfork returns (on a kernel that
// waits for the exit this deadlocks and times out). A failed exec leaves the child running in
// the parent's memory; it then _exits and the parent goes on. The parent's memory is untouched
// by the exec'd program, and CLONE_CHILD_CLEARTID'd words are cleared at the exec (the mm is
// released while the parent still shares it).
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

static volatile int word = 1;
static volatile int exec_error;

struct cl {
    const char* path;
    int fd;
};

static int exec_child(void* arg) {
    struct cl* c = arg;
    char fdtext[16];
    snprintf(fdtext, sizeof fdtext, "%d", c->fd);
    char* args[] = {(char*)c->path, "wait-for-byte", fdtext, NULL};
    sc(SYS_execve, c->path, args, NULL);
    return 127;
}

int main(int argc, char** argv) {
    if (argc > 2 && !strcmp(argv[1], "wait-for-byte")) {
        int fd = atoi(argv[2]);
        char c = 0;
        long r = read(fd, &c, 1);
        printf("exec'd program: got the byte the parent wrote after vfork returned: %s\n", yes(r == 1 && c == 'x'));
        return 9;
    }
    int p[2];
    sc(SYS_pipe2, p, 0);
    char fdtext[16];
    snprintf(fdtext, sizeof fdtext, "%d", p[0]);
    printf("-- libc vfork + execve --\n");
    pid_t pid = vfork();
    if (pid == 0) {
        char* args[] = {argv[0], "wait-for-byte", fdtext, NULL};
        execve(argv[0], args, NULL);
        _exit(127);
    }
    printf("vfork returned in the parent\n");
    tell(p[1]);
    printf("child: %s\n", status_text(reap(pid)));
    printf("our memory untouched: %s\n", yes(word == 1));

    printf("-- clone(CLONE_VM|CLONE_VFORK|CLONE_CHILD_CLEARTID) + execve --\n");
    static volatile int ctid = 0;
    struct cl c = {argv[0], p[0]};
    long r = proc_clone(CLONE_VM | CLONE_VFORK | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD, child_stack(),
                        NULL, (int*)&ctid, 0, exec_child, &c);
    printf("clone returned; child_tid already cleared by the exec: %s\n", yes(ctid == 0));
    tell(p[1]);
    printf("child: %s\n", status_text(reap(r)));

    printf("-- a failed exec in the vfork child --\n");
    pid = vfork();
    if (pid == 0) {
        char* args[] = {"/nonexistent", NULL};
        long e = sc(SYS_execve, "/nonexistent", args, NULL);
        exec_error = (int)-e;
        word = 2;
        _exit(127);
    }
    printf("child's exec error seen in our memory: %s; its write too: %s\n", errname(exec_error), yes(word == 2));
    printf("child: %s\n", status_text(reap(pid)));
    return 0;
}
