// clone-flags: the flag rules of Linux 6.1's kernel_clone() and copy_process(), through the raw
// clone(2) system call (flags, stack, parent_tid, child_tid, tls): every refused combination
// with Linux's errno and no child left behind, the CLONE_SETTLS address check of copy_thread,
// and the flags legacy clone accepts and ignores (CLONE_DETACHED, CLONE_UNTRACED, CLONE_PTRACE
// when not traced, CLONE_SYSVSEM, CLONE_IO, and bits 32-63, which legacy clone never reads).
// CLONE_PARENT from an init (pid 1 of a namespace) is EINVAL on Linux too; this program is not
// an init, so it shows only that CLONE_PARENT is allowed here (clone-parent tests what it does).
#include "lib/facts.h"
#include "lib/proc.h"

static int child_fn(void* arg) {
    (void)arg;
    return 7;
}

struct flag_name {
    unsigned long bit;
    const char* name;
};
static const struct flag_name names[] = {
    {CLONE_VM, "VM"},
    {CLONE_FS, "FS"},
    {CLONE_FILES, "FILES"},
    {CLONE_SIGHAND, "SIGHAND"},
    {CLONE_PIDFD, "PIDFD"},
    {CLONE_PTRACE, "PTRACE"},
    {CLONE_VFORK, "VFORK"},
    {CLONE_PARENT, "PARENT"},
    {CLONE_THREAD, "THREAD"},
    {CLONE_NEWNS, "NEWNS"},
    {CLONE_SYSVSEM, "SYSVSEM"},
    {CLONE_SETTLS, "SETTLS"},
    {CLONE_PARENT_SETTID, "PARENT_SETTID"},
    {CLONE_CHILD_CLEARTID, "CHILD_CLEARTID"},
    {CLONE_DETACHED, "DETACHED"},
    {CLONE_UNTRACED, "UNTRACED"},
    {CLONE_CHILD_SETTID, "CHILD_SETTID"},
    {CLONE_NEWCGROUP, "NEWCGROUP"},
    {CLONE_NEWUTS, "NEWUTS"},
    {CLONE_NEWIPC, "NEWIPC"},
    {CLONE_NEWUSER, "NEWUSER"},
    {CLONE_NEWPID, "NEWPID"},
    {CLONE_NEWNET, "NEWNET"},
    {CLONE_IO, "IO"},
};

static const char* flags_text(unsigned long flags) {
    static char b[256];
    size_t n = 0;
    b[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof *names; ++i)
        if (flags & names[i].bit)
            n += (size_t)snprintf(b + n, sizeof b - n, "%s%s", n ? "|" : "", names[i].name);
    if (flags >> 32)
        n += (size_t)snprintf(b + n, sizeof b - n, "%s%#lx", n ? "|" : "", flags & 0xffffffff00000000UL);
    if (flags & 0xff)
        snprintf(b + n, sizeof b - n, "%s%s", n ? "|" : "", sig_name((int)(flags & 0xff)));
    if (!flags)
        snprintf(b, sizeof b, "0");
    return b;
}

static int any_child_left(void) {
    int st;
    long r = sc(SYS_wait4, -1, &st, WNOHANG | __WALL, 0);
    if (r > 0) {
        printf("  (a child was left: %s)\n", status_text(st));
        return 1;
    }
    return r != -ECHILD;
}

// A clone Linux refuses: the errno, and no child appears.
static const char* note = "";

static void refused(unsigned long flags, int* ptid, unsigned long tls) {
    long r = proc_clone(flags, child_stack(), ptid, NULL, tls, child_fn, NULL);
    if (r > 0) {
        int st = 0;
        long w = sc(SYS_wait4, r, &st, __WALL, 0);
        printf("%s%s: created a child (reaped %s, %s)\n", flags_text(flags), note, yes(w == r), status_text(st));
        return;
    }
    printf("%s%s: %s\n", flags_text(flags), note, res(r));
    if (any_child_left())
        printf("  a child exists after the refusal\n");
}

// A clone Linux accepts: a child that runs and exits 7, reaped by wait4 with __WALL.
static void accepted(unsigned long flags, unsigned long tls) {
    long r = proc_clone(flags, child_stack(), NULL, NULL, tls, child_fn, NULL);
    if (r <= 0) {
        printf("%s%s: %s\n", flags_text(flags), note, res(r));
        return;
    }
    int st = 0;
    long w = sc(SYS_wait4, r, &st, __WALL, 0);
    printf("%s%s: a child, reaped %s, %s\n", flags_text(flags), note, yes(w == r), status_text(st));
}

int main(void) {
    int word = 0;
    printf("-- refused (copy_process's rules) --\n");
    refused(CLONE_NEWNS | CLONE_FS | SIGCHLD, NULL, 0);
    refused(CLONE_NEWUSER | CLONE_FS | SIGCHLD, NULL, 0);
    refused(CLONE_THREAD, NULL, 0);
    refused(CLONE_THREAD | CLONE_VM, NULL, 0);
    refused(CLONE_THREAD | CLONE_VM | CLONE_FS | CLONE_FILES, NULL, 0);
    refused(CLONE_SIGHAND | SIGCHLD, NULL, 0);
    refused(CLONE_SIGHAND | CLONE_FS | CLONE_FILES | SIGCHLD, NULL, 0);
    refused(CLONE_THREAD | CLONE_SIGHAND, NULL, 0);
    refused(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWUSER, NULL, 0);
    refused(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, NULL, 0);
    refused(CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, &word, 0);
    refused(CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM, &word, 0);
    printf("-- refused (kernel_clone: legacy clone's pidfd and parent_tid are one pointer) --\n");
    note = " (parent_tid a valid word)";
    refused(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, &word, 0);
    printf("the word untouched: %s\n", yes(word == 0));
    note = " (parent_tid NULL)";
    refused(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, NULL, 0);
    printf("-- several broken rules at once --\n");
    note = "";
    refused(CLONE_NEWNS | CLONE_FS | CLONE_THREAD | SIGCHLD, NULL, 0);
    note = " (tls 0xffff800000000000)";
    refused(CLONE_SIGHAND | CLONE_SETTLS | SIGCHLD, NULL, 0xffff800000000000UL);
    printf("-- CLONE_SETTLS: copy_thread refuses a TLS base at or above TASK_SIZE_MAX --\n");
    refused(CLONE_SETTLS | SIGCHLD, NULL, 0xffff800000000000UL);
    note = " (tls 0x800000000000)";
    refused(CLONE_SETTLS | SIGCHLD, NULL, 0x800000000000UL);
    note = " (tls 0x7ffffffff000)";
    refused(CLONE_SETTLS | SIGCHLD, NULL, 0x7ffffffff000UL);
    note = " (tls 0x7fffffffefff)";
    accepted(CLONE_SETTLS | SIGCHLD, 0x7fffffffefffUL);
    note = " (tls 0)";
    accepted(CLONE_SETTLS | SIGCHLD, 0);
    note = "";
    printf("-- accepted and ignored --\n");
    accepted(CLONE_DETACHED | SIGCHLD, 0);
    accepted(CLONE_UNTRACED | SIGCHLD, 0);
    accepted(CLONE_PTRACE | SIGCHLD, 0);
    accepted(CLONE_SYSVSEM | SIGCHLD, 0);
    accepted(CLONE_IO | SIGCHLD, 0);
    accepted((1UL << 32) | SIGCHLD, 0);
    accepted(0xffffffff00000000UL | SIGCHLD, 0);
    accepted((1UL << 32) | CLONE_SIGHAND | CLONE_VM | SIGCHLD, 0);  // CLONE_CLEAR_SIGHAND is clone3's
    long r = proc_clone(CLONE_PARENT | SIGCHLD, child_stack(), NULL, NULL, 0, child_fn, NULL);
    printf("PARENT|SIGCHLD: a child: %s; it is our parent's, not ours (wait4: %s)\n", yes(r > 0),
           res(sc(SYS_wait4, r, 0, __WALL, 0)));
    printf("-- allowed combinations the rules leave open --\n");
    accepted(CLONE_SIGHAND | CLONE_VM | SIGCHLD, 0);
    accepted(CLONE_VFORK | SIGCHLD, 0);
    accepted(CLONE_VFORK | CLONE_VM | SIGCHLD, 0);
    accepted(CLONE_FS | CLONE_FILES | SIGCHLD, 0);
    accepted(CLONE_VM | SIGCHLD, 0);
    printf("no child left at the end: %s\n", yes(!any_child_left()));
    return 0;
}
