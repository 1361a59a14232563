// exit-flush: how a process ends through the libc: exit() runs atexit handlers (last registered
// first) and flushes stdio, _exit() and the exit_group system call do neither, returning from
// main is exit(); text buffered before fork is in both processes' buffers and printed twice
// when both flush.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

static void first(void) { printf("[atexit: registered first]\n"); }
static void second(void) { printf("[atexit: registered second]\n"); }

// Returns 1 in the child that must return from main.
static int child(int how) {
    long pid = fork();
    if (pid == 0) {
        atexit(first);
        atexit(second);
        printf("buffered text of the child;");  // no newline: still in the line buffer
        if (how == 0)
            exit(3);
        if (how == 1)
            _exit(3);
        if (how == 2)
            sc(SYS_exit_group, 3);
        return 1;
    }
    int st = reap(pid);
    printf("\n-> %s\n", status_text(st));
    return 0;
}

int main(void) {
    static const char* names[] = {"exit(3)", "_exit(3)", "exit_group(3)", "return 3 from main"};
    for (int how = 0; how < 4; ++how) {
        printf("-- %s --\n", names[how]);
        if (child(how))
            return 3;
    }
    printf("-- buffered before fork, the child calls exit(0) --\n");
    printf("buffered by the parent before fork;");
    long pid = fork();
    if (pid == 0)
        exit(0);
    int st = reap(pid);
    printf("\n-> %s\n", status_text(st));
    return 0;
}
