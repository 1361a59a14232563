// clone3-rules: every rule of clone3(2) as Linux 6.1 checks them, by raw system call: the size
// of struct clone_args (64, 80 and 88 bytes; longer only with a zero tail, over a page E2BIG,
// under 64 EINVAL), bad pointers, set_tid and set_tid_size, the exit signal, unknown and
// reserved flags, CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP, the stack and its size (the child
// starts at stack + stack_size), CLONE_PIDFD through the pidfd field, and which check wins when
// several fail.
#include "lib/facts.h"
#include "lib/proc.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x00400000
#endif

// struct clone_args (linux/sched.h), all three published sizes.
struct cargs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size;  // VER1: 80 bytes
    uint64_t cgroup;                 // VER2: 88 bytes
};

// clone3 itself; a child made by a fork-like call (no CLONE_VM) leaves at once with `code`.
static int child_code = 0;
static long clone3(void* args, size_t size) {
    long r = sc(SYS_clone3, args, size);
    if (r == 0)
        for (;;)
            sc(SYS_exit, child_code);
    return r;
}

// What a call gave: the errno name, or "a child" (then reaped, whatever its exit signal).
static const char* outcome(long r) {
    if (r <= 0)
        return res(r);
    int st = reap_flags(r, __WALL);
    static char b[4][80];
    static int next;
    char* s = b[next++ % 4];
    snprintf(s, 80, "a child, %s", status_text(st));
    return s;
}

static struct cargs fresh(void) {
    struct cargs a;
    memset(&a, 0, sizeof a);
    a.exit_signal = SIGCHLD;
    return a;
}

// The child of clone3_run starts on the stack clone3 gave it and calls fn(its first rsp).
long clone3_run(void* args, size_t size, int (*fn)(unsigned long));
__asm__(".text\n"
        ".globl clone3_run\n"
        ".type clone3_run,@function\n"
        "clone3_run:\n"
        "    push %r12\n"
        "    mov %rdx, %r12\n"        // fn, kept by the child in its copy of r12
        "    mov $435, %eax\n"        // SYS_clone3(args, size)
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %ebp, %ebp\n"
        "    mov %rsp, %rdi\n"        // the child's first stack pointer
        "    call *%r12\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"         // SYS_exit
        "    syscall\n"
        "    hlt\n"
        "1:  pop %r12\n"
        "    ret\n"
        ".size clone3_run, .-clone3_run\n");

static unsigned long expected_sp;
static int check_sp(unsigned long sp) { return sp == expected_sp ? 7 : 8; }

static void handler(int sig) { (void)sig; }
// The child of CLONE_CLEAR_SIGHAND: 1 if SIGUSR1's handler became SIG_DFL, 2 if SIGUSR2 stayed
// ignored.
static int sighand_code(void) {
    struct ksigaction old;
    int code = 0;
    if (ksigaction(SIGUSR1, NULL, &old) == 0 && old.handler == SIG_DFL)
        code |= 1;
    if (ksigaction(SIGUSR2, NULL, &old) == 0 && old.handler == SIG_IGN)
        code |= 2;
    return code;
}

int main(void) {
    struct cargs a;
    // A page whose tail is zero, right before an unmapped page.
    char* page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page + PAGE, PAGE);

    printf("-- sizes --\n");
    a = fresh();
    printf("64 (VER0): %s\n", outcome(clone3(&a, 64)));
    printf("80 (VER1): %s\n", outcome(clone3(&a, 80)));
    printf("88 (VER2): %s\n", outcome(clone3(&a, 88)));
    printf("0: %s; 63: %s\n", res(clone3(&a, 0)), res(clone3(&a, 63)));
    memcpy(page, &a, sizeof a);
    printf("4096 with a zero tail: %s\n", outcome(clone3(page, PAGE)));
    printf("4097: %s\n", res(clone3(page, PAGE + 1)));
    page[100] = 1;
    printf("4096 with a non-zero byte at 100: %s\n", res(clone3(page, PAGE)));
    printf("101 with it: %s; 100 without it: %s\n", res(clone3(page, 101)), outcome(clone3(page, 100)));
    page[100] = 0;
    page[88] = 1;
    printf("89 with byte 88 set: %s\n", res(clone3(page, 89)));
    page[88] = 0;

    printf("-- pointers --\n");
    printf("NULL, 64: %s; NULL, 63: %s; NULL, 4097: %s\n", res(clone3(NULL, 64)), res(clone3(NULL, 63)),
           res(clone3(NULL, PAGE + 1)));
    printf("8, 64: %s; a kernel address: %s\n", res(clone3((void*)8, 64)),
           res(clone3((void*)0xffffffff81000000UL, 64)));
    // The structure ends 32 bytes before the hole: the first 64 bytes are there, the rest not.
    char* edge = page + PAGE - 64;
    memcpy(edge, &a, 64);
    printf("64 bytes at the end of a mapping: %s\n", outcome(clone3(edge, 64)));
    printf("80 bytes from there (runs into the hole): %s\n", res(clone3(edge, 80)));
    edge = page + PAGE - 88;
    memcpy(edge, &a, 88);
    printf("a zero tail that runs into the hole: %s\n", res(clone3(edge, 120)));

    printf("-- set_tid --\n");
    int tids[2] = {0, 0};
    a = fresh();
    a.set_tid_size = 33;
    printf("set_tid_size 33 without set_tid: %s\n", res(clone3(&a, 80)));
    a.set_tid = (uint64_t)tids;
    printf("set_tid_size 33: %s\n", res(clone3(&a, 80)));
    a.set_tid_size = 0;
    printf("set_tid without a size: %s\n", res(clone3(&a, 80)));
    a.set_tid = 0;
    a.set_tid_size = 1;
    printf("a size without set_tid: %s\n", res(clone3(&a, 80)));
    a.set_tid = (uint64_t)tids;
    a.set_tid_size = 2;
    tids[0] = tids[1] = 30001;
    printf("two levels in one pid namespace: %s\n", res(clone3(&a, 80)));
    a.set_tid_size = 1;
    tids[0] = 0;
    printf("tid 0: %s\n", res(clone3(&a, 80)));
    tids[0] = -5;
    printf("tid -5: %s\n", res(clone3(&a, 80)));
    tids[0] = 32768;
    printf("tid 32768 (pid_max): %s\n", res(clone3(&a, 80)));
    tids[0] = 1;
    printf("tid 1 (init's): %s\n", res(clone3(&a, 80)));
    tids[0] = (int)getpid();
    printf("our own pid: %s\n", res(clone3(&a, 80)));
    tids[0] = 30001;
    long r = clone3(&a, 80);
    printf("tid 30001: the child got it %s; %s\n", yes(r == 30001), outcome(r));
    tids[0] = 32767;
    r = clone3(&a, 80);
    printf("tid 32767: the child got it %s; %s\n", yes(r == 32767), outcome(r));
    a.set_tid = 8;
    printf("set_tid pointer 8: %s\n", res(clone3(&a, 80)));
    a.set_tid = (uint64_t)tids;
    printf("set_tid with an 64-byte structure (ignored): %s\n", outcome(clone3(&a, 64)));

    printf("-- exit signal --\n");
    a = fresh();
    a.exit_signal = 0;
    printf("0: %s\n", outcome(clone3(&a, 64)));
    a.exit_signal = 64;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, 64);
    sigprocmask(SIG_BLOCK, &block, NULL);
    printf("64 (SIGRTMAX): %s\n", outcome(clone3(&a, 64)));
    a.exit_signal = 65;
    printf("65: %s\n", res(clone3(&a, 64)));
    a.exit_signal = 0x100 | SIGCHLD;
    printf("0x100 | SIGCHLD: %s\n", res(clone3(&a, 64)));
    a.exit_signal = (1ULL << 32) | SIGCHLD;
    printf("bit 32 | SIGCHLD: %s\n", res(clone3(&a, 64)));
    a.exit_signal = (uint64_t)-1;
    printf("-1: %s\n", res(clone3(&a, 64)));

    printf("-- flags --\n");
    a = fresh();
    a.flags = SIGCHLD;
    printf("CSIGNAL bits in flags: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_DETACHED;
    printf("CLONE_DETACHED: %s\n", res(clone3(&a, 64)));
    a.flags = 1ULL << 34;
    printf("bit 34: %s\n", res(clone3(&a, 64)));
    a.flags = 1ULL << 63;
    printf("bit 63: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
    printf("CLONE_CLEAR_SIGHAND | CLONE_SIGHAND: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    printf("CLONE_THREAD with exit signal SIGCHLD: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_PARENT;
    printf("CLONE_PARENT with exit signal SIGCHLD: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_THREAD;
    a.exit_signal = 0;
    printf("CLONE_THREAD without CLONE_SIGHAND: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_SIGHAND;
    printf("CLONE_SIGHAND without CLONE_VM: %s\n", res(clone3(&a, 64)));
    a = fresh();
    a.flags = CLONE_SETTLS;
    a.tls = 0xffff800000000000ULL;
    printf("CLONE_SETTLS with a kernel address: %s\n", res(clone3(&a, 64)));

    printf("-- CLONE_CLEAR_SIGHAND --\n");
    on_signal(SIGUSR1, handler, 0);
    signal(SIGUSR2, SIG_IGN);
    a = fresh();
    a.flags = CLONE_CLEAR_SIGHAND;
    r = sc(SYS_clone3, &a, 64);
    if (r == 0)
        for (;;)
            sc(SYS_exit, sighand_code());
    int code = r > 0 ? WEXITSTATUS(reap(r)) : 0;
    printf("in the child: the caught signal back to SIG_DFL %s, the ignored one still ignored %s\n", yes(code & 1),
           yes(code & 2));
    struct ksigaction old;
    ksigaction(SIGUSR1, NULL, &old);
    printf("ours unchanged: %s\n", yes(old.handler == handler));

    printf("-- CLONE_INTO_CGROUP --\n");
    a = fresh();
    a.flags = CLONE_INTO_CGROUP;
    a.cgroup = 0x80000000ULL;
    printf("cgroup > INT_MAX: %s\n", res(clone3(&a, 88)));
    a.cgroup = 99;
    printf("in an 80-byte structure: %s\n", res(clone3(&a, 80)));
    printf("descriptor 99 (not open): %s\n", res(clone3(&a, 88)));
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    a.cgroup = (uint64_t)dir;
    printf("a directory that is no cgroup: %s\n", res(clone3(&a, 88)));
    close(dir);
    int pidfd = -1;
    a.flags = CLONE_INTO_CGROUP | CLONE_PIDFD;
    a.pidfd = (uint64_t)&pidfd;
    a.cgroup = 99;
    r = clone3(&a, 88);
    int pidfd_free = pidfd >= 0 && fcntl(pidfd, F_GETFD) < 0;
    printf("with CLONE_PIDFD: %s; the pidfd field written %s; descriptor %d free %s\n", res(r), yes(pidfd >= 0), pidfd,
           yes(pidfd_free));

    printf("-- stack --\n");
    a = fresh();
    a.stack_size = 4096;
    printf("a size without a stack: %s\n", res(clone3(&a, 64)));
    char* stack = (char*)child_stack() - 256 * 1024;
    a.stack = (uint64_t)stack;
    a.stack_size = 0;
    printf("a stack without a size: %s\n", res(clone3(&a, 64)));
    a.stack = 0x7ffffffff000ULL - 4096 + 16;
    a.stack_size = 4096;
    printf("a stack that ends past the user half: %s\n", res(clone3(&a, 64)));
    a.stack = 0xffff800000000000ULL;
    a.stack_size = 16;
    printf("a kernel stack: %s\n", res(clone3(&a, 64)));
    a.stack = 16;
    a.stack_size = ~0ULL - 8;
    printf("a size that wraps around: %s\n", res(clone3(&a, 64)));
    a.stack = (uint64_t)stack;
    a.stack_size = 256 * 1024;
    expected_sp = (unsigned long)stack + 256 * 1024;
    r = clone3_run(&a, 64, check_sp);
    int st = r > 0 ? reap(r) : 0;
    printf("the child's first rsp is stack + stack_size: %s (%s)\n", yes(r > 0 && WEXITSTATUS(st) == 7),
           r > 0 ? status_text(st) : res(r));

    printf("-- CLONE_PIDFD --\n");
    a = fresh();
    pidfd = -1;
    int ptid = 0;
    a.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    a.pidfd = (uint64_t)&pidfd;
    a.parent_tid = (uint64_t)&ptid;
    child_code = 5;
    r = clone3(&a, 64);
    printf("pidfd %d, close-on-exec %s, parent_tid is the pid %s\n", pidfd, yes(fcntl(pidfd, F_GETFD) == FD_CLOEXEC),
           yes(r > 0 && ptid == r));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    long w = sc(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, 0);
    printf("waitid(P_PIDFD): %s, %s, status %d, si_pid matches %s\n", res(w), code_name(si.si_code), si.si_status,
           yes(si.si_pid == r));
    close(pidfd);
    child_code = 0;
    a.parent_tid = (uint64_t)&pidfd;
    printf("CLONE_PIDFD and CLONE_PARENT_SETTID on one word: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_PIDFD;
    a.pidfd = 8;
    r = clone3(&a, 64);
    long left = sc(SYS_wait4, -1, &st, WNOHANG | __WALL, 0);
    printf("pidfd pointer 8: %s; no child left: %s; fd 3 free: %s\n", res(r), res(left), yes(fcntl(3, F_GETFD) < 0));
    a.pidfd = (uint64_t)&pidfd;
    a.flags = CLONE_PIDFD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
    a.exit_signal = 0;
    printf("CLONE_PIDFD | CLONE_THREAD: %s\n", res(clone3(&a, 64)));
    a.flags = CLONE_PIDFD | CLONE_DETACHED;
    printf("CLONE_PIDFD | CLONE_DETACHED: %s\n", res(clone3(&a, 64)));

    printf("-- which check comes first --\n");
    a = fresh();
    a.flags = 1ULL << 40;
    a.set_tid = 8;
    a.set_tid_size = 1;
    printf("unknown flag and a bad set_tid pointer: %s\n", res(clone3(&a, 80)));
    a.flags = CLONE_INTO_CGROUP;
    a.cgroup = 0x80000000ULL;
    printf("cgroup > INT_MAX and a bad set_tid pointer: %s\n", res(clone3(&a, 88)));
    a = fresh();
    a.flags = CLONE_PIDFD;
    a.pidfd = 8;
    a.stack_size = 64;
    printf("a size without a stack and a bad pidfd pointer: %s\n", res(clone3(&a, 64)));
    a = fresh();
    a.exit_signal = 65;
    a.set_tid_size = 40;
    page[100] = 1;
    memcpy(page, &a, sizeof a);
    printf("a non-zero tail and everything else wrong: %s\n", res(clone3(page, 200)));
    printf("no child left behind: %s\n", res(sc(SYS_wait4, -1, &st, WNOHANG | __WALL, 0)));
    return 0;
}
