// proc.h: helpers shared by the process tests (fork-*, vfork-*, clone-*, exec-*, exit-*, wait-*,
// signal-*, pipe-*, pgrp-*). Include after lib/facts.h.
//
// - proc_clone(): the raw clone(2) system call with a new stack, the child running fn(arg) and
//   then exit(2) with its return value (never returning into the caller's frames, so CLONE_VM
//   children cannot trample the parent's stack). For fork-like clones without CLONE_VM,
//   sc(SYS_clone, flags, 0, ptid, ctid, tls) is enough: the child returns 0 in a copy.
// - status_text(): a wait status as words ("exited 3", "killed by SIGTERM, core dumped").
// - sig_name(): "SIGUSR1", "signal 34" (real-time ones by number).
// - pipe handshakes (tell/hear), millisecond sleeps, bounded polling (WAIT_FOR), a stack for
//   clone children, the kernel's struct sigaction and sigset helpers (mask_text).
//
// Children created with CLONE_VM share the parent's libc state (errno, stdio locks): their code
// uses only sc() and plain memory, and the parent prints. Children of a raw fork or clone must
// not call libc functions that use the thread id the libc cached (musl's raise and abort): they
// would signal the parent.
//
// Every program that includes this header first checks, before main, that fork(2) works (a
// child that exits at once, reaped at once): where fork fails, the program says so and exits 1
// instead of waiting for children that never run.
#pragma once
#include "facts.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_IO
#define CLONE_IO 0x80000000
#endif
#ifndef __WNOTHREAD
#define __WNOTHREAD 0x20000000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif
#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#endif
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef SA_UNSUPPORTED
#define SA_UNSUPPORTED 0x00000400
#endif
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

// The kernel's struct sigaction (rt_sigaction takes this, not libc's).
struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
#define KSIGSET 8  // sizeof the kernel's sigset_t: the last argument of rt_sig* calls
#define SIGBIT(s) (1ULL << ((s) - 1))

// long proc_clone(flags, stack_top, ptid, ctid, tls, fn, arg): rdi rsi rdx rcx r8 r9 [rsp+8].
// In the child: fn(arg) on stack_top, then exit(2) (not exit_group) with its return value.
long proc_clone(unsigned long flags, void* stack_top, int* ptid, int* ctid, unsigned long tls, int (*fn)(void*),
                void* arg);
__asm__(".text\n"
        ".globl proc_clone\n"
        ".type proc_clone,@function\n"
        "proc_clone:\n"
        "    mov 8(%rsp), %rax\n"     // arg
        "    and $-16, %rsi\n"
        "    sub $16, %rsi\n"
        "    mov %rax, 8(%rsi)\n"     // arg at stack_top-8
        "    mov %r9, (%rsi)\n"       // fn at stack_top-16
        "    mov %rcx, %r10\n"        // ctid
        "    mov $56, %eax\n"         // SYS_clone(flags, stack, ptid, ctid, tls)
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %ebp, %ebp\n"
        "    pop %rax\n"              // fn
        "    pop %rdi\n"              // arg; rsp is now stack_top (16-byte aligned)
        "    call *%rax\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"         // SYS_exit
        "    syscall\n"
        "    hlt\n"
        "1:  ret\n"
        ".size proc_clone, .-proc_clone\n");

// A fresh 256 KiB stack for a clone child (never freed: tests are short); returns its top.
static inline void* child_stack(void) {
    size_t size = 256 * 1024;
    char* p = (char*)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("child_stack: mmap failed\n");
        exit(99);
    }
    return p + size;
}

static inline const char* sig_name(int sig) {
    static char bufs[4][24];
    static int next;
    static const char* names[] = {
        NULL,      "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",  "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    };
    char* b = bufs[next++ % 4];
    if (sig > 0 && sig < 32)
        return names[sig];
    if (sig == 0)
        return "0";
    snprintf(b, 24, "signal %d", sig);  // real-time signals by their kernel number
    return b;
}

// A wait status in words, with the raw value for the encoding.
static inline const char* status_text(int st) {
    static char bufs[4][96];
    static int next;
    char* b = bufs[next++ % 4];
    if (WIFEXITED(st))
        snprintf(b, 96, "exited %d (status %#x)", WEXITSTATUS(st), st);
    else if (WIFSIGNALED(st))
        snprintf(b, 96, "killed by %s%s (status %#x)", sig_name(WTERMSIG(st)), WCOREDUMP(st) ? ", core dumped" : "",
                 st);
    else if (WIFSTOPPED(st))
        snprintf(b, 96, "stopped by %s (status %#x)", sig_name(WSTOPSIG(st)), st);
    else if (WIFCONTINUED(st))
        snprintf(b, 96, "continued (status %#x)", st);
    else
        snprintf(b, 96, "unknown status %#x", st);
    return b;
}

static inline const char* code_name(int code) {
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case CLD_TRAPPED: return "CLD_TRAPPED";
    case SI_USER: return "SI_USER";
    case SI_TKILL: return "SI_TKILL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_TIMER: return "SI_TIMER";
    default: {
        static char b[24];
        snprintf(b, sizeof b, "code %d", code);
        return b;
    }
    }
}

// wait4 for one pid (retrying EINTR); returns the status, or -1 with the error printed.
static inline int reap_flags(long pid, int flags) {
    int st = 0;
    long r;
    do
        r = sc(SYS_wait4, pid, &st, flags, 0);
    while (r == -EINTR);
    if (r != pid) {
        printf("wait4(%s) failed: %s\n", pid > 0 ? "child" : res(pid), res(r));
        return -1;
    }
    return st;
}
static inline int reap(long pid) { return reap_flags(pid, 0); }

static inline void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (sc(SYS_nanosleep, &ts, &ts) == -EINTR) {
    }
}

// Polls COND every millisecond for at most 3 seconds (so a kernel that never makes it true
// fails the test quickly instead of hanging it); evaluates to whether it became true.
#define WAIT_FOR(cond)                            \
    ({                                            \
        int wait_for_ok_ = 0;                     \
        for (int wait_for_i_ = 0; wait_for_i_ < 3000; ++wait_for_i_) { \
            if (cond) {                           \
                wait_for_ok_ = 1;                 \
                break;                            \
            }                                     \
            sleep_ms(1);                          \
        }                                         \
        wait_for_ok_;                             \
    })

// Handshakes over a pipe: tell() writes one byte, hear() reads one (1 on success, 0 at EOF).
static inline void tell(int fd) {
    char c = 'x';
    while (sc(SYS_write, fd, &c, 1) == -EINTR) {
    }
}
static inline int hear(int fd) {
    char c;
    long r;
    do
        r = sc(SYS_read, fd, &c, 1);
    while (r == -EINTR);
    return r == 1;
}

// A raw fork: the fork(2) system call, whatever the libc's fork does.
static inline long raw_fork(void) { return sc(SYS_fork); }

__attribute__((constructor)) static void proc_need_fork(void) {
    long pid = sc(SYS_fork);
    if (pid == 0)
        for (;;)
            sc(SYS_exit_group, 0);
    if (pid < 0) {
        printf("this test needs fork: fork %s\n", res(pid));
        exit(1);
    }
    int st = 0;
    sc(SYS_wait4, pid, &st, 0, 0);  // ECHILD when SIGCHLD is ignored: reaped already
}

// Dies now, with this status, without libc's atexit or stdio flushing (a fork child's exit).
__attribute__((noreturn)) static inline void die(int code) {
    for (;;)
        sc(SYS_exit_group, code);
}

// rt_sigaction with the kernel's structure; restorer taken from what the libc installs.
static inline long ksigaction(int sig, const struct ksigaction* act, struct ksigaction* old) {
    return sc(SYS_rt_sigaction, sig, act, old, KSIGSET);
}

// Sets a handler through the libc (which supplies SA_RESTORER).
static inline void on_signal(int sig, void (*fn)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        printf("sigaction(%s) failed\n", sig_name(sig));
}
static inline void on_siginfo(int sig, void (*fn)(int, siginfo_t*, void*), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = flags | SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        printf("sigaction(%s) failed\n", sig_name(sig));
}

// The blocked mask as the kernel keeps it.
static inline uint64_t blocked_mask(void) {
    uint64_t old = 0;
    sc(SYS_rt_sigprocmask, SIG_BLOCK, 0, &old, KSIGSET);
    return old;
}
static inline uint64_t pending_mask(void) {
    uint64_t set = 0;
    sc(SYS_rt_sigpending, &set, KSIGSET);
    return set;
}
static inline void set_blocked(uint64_t mask) { sc(SYS_rt_sigprocmask, SIG_SETMASK, &mask, 0, KSIGSET); }

// A signal mask as names: "{SIGUSR1,SIGTERM,signal 40-64}" (real-time signals as ranges).
static inline const char* mask_text(uint64_t m) {
    static char bufs[4][640];
    static int next;
    char* b = bufs[next++ % 4];
    size_t n = 0;
    b[n++] = '{';
    for (int s = 1; s <= 64; ++s) {
        if (!(m & SIGBIT(s)))
            continue;
        if (s < 32) {
            n += (size_t)snprintf(b + n, 640 - n, "%s%s", n > 1 ? "," : "", sig_name(s));
            continue;
        }
        int e = s;
        while (e < 64 && (m & SIGBIT(e + 1)))
            ++e;
        if (e == s)
            n += (size_t)snprintf(b + n, 640 - n, "%ssignal %d", n > 1 ? "," : "", s);
        else
            n += (size_t)snprintf(b + n, 640 - n, "%ssignal %d-%d", n > 1 ? "," : "", s, e);
        s = e;
    }
    b[n++] = '}';
    b[n] = '\0';
    return b;
}
