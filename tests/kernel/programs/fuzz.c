// fuzz: a syscall fuzzer for Sprout's process family, in the spirit of syzkaller (docs/reliability.md).
//
//   fuzz [-s SEED] [-n ITERATIONS] [-f FIRST] [-c CALLS] [-t SECONDS] [-k CHILD_CALLS] [-v]
//
// Each iteration I (FIRST, FIRST+1, ...) draws everything from a PRNG seeded with (SEED, I), so
// `-s SEED -f I -n 1` replays it. It clones a sandbox into a fresh pid namespace (so that
// kill(-1), kill(0) and every descendant stay inside, and the sandbox's death takes them all)
// and the sandbox issues CALLS random system calls over the process family: fork, vfork, clone,
// clone3 (random flag words, bits >= 32 included), exit, exit_group, wait4, waitid, kill, tgkill,
// tkill, rt_sigaction, rt_sigprocmask, execve of good and bad files, mmap, munmap, mprotect, brk,
// futex, pipe2, dup3, close, unshare, setns, pidfd_open, prctl, with arguments drawn from
// interesting values and wild pointers (NULL, small, kernel, non-canonical, unmapped, read-only,
// straddling a mapping's end). Children its fork/clone calls create run short random sequences
// of their own and exit. Some calls are preceded by a write to the caller's
// /proc/thread-self/fail-nth: a random allocation of that call fails.
//
// The iteration ends with SIGKILL to the sandbox (when it overstays) and the reaping of
// everything (this program is a child subreaper). Then the kernel's counters
// (/proc/sprout-counters: free pages, slab objects per cache, tasks, pids, namespaces, ...) must
// be back at their baseline, and its consistency check (a write of "check") must pass. A
// sandbox that SIGKILL cannot end in 10 s is a hang: the kernel is asked to print every task's
// stack ("dump"), and the run stops. Any failure prints the seed, the iteration and its calls.
//
// Memory the fuzzer relies on is never a target: address arguments come from a private arena and
// from wild values, never from the program's image, stack or the shared log.
#ifndef FUZZ_NAME
#define FUZZ_NAME "fuzz"  // the name tools/ktest looks for in "NAME: PASS"
#endif
#include "lib/facts.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

// <linux/futex.h>'s operations (musl-gcc sees no kernel headers).
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256

#define PROC "/tmp/fuzz-proc"
#define DIR "/tmp/fuzz"
#define COUNTERS PROC "/sprout-counters"

// ---------------------------------------------------------------------------------------------
// The PRNG: splitmix64.

static uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
static uint64_t next(uint64_t* s) {
    *s += 0x9e3779b97f4a7c15ull;
    return mix(*s);
}
static uint64_t below(uint64_t* s, uint64_t n) { return n ? next(s) % n : 0; }
static int chance(uint64_t* s, int percent) { return (int)below(s, 100) < percent; }

// ---------------------------------------------------------------------------------------------
// What the sandbox's processes share with the fuzzer: the log of the iteration's calls and the
// counts. A MAP_SHARED mapping made before the first sandbox, at an address no argument names.

#define LOG_CAPACITY 8192
#define MAX_NR 512
#define MAX_ERRNO 134

struct record {
    uint16_t who;  // the process's index in this iteration (0: the sandbox)
    uint16_t nr;
    uint8_t fail_nth;  // the allocation fail-nth was armed to fail, 0 if none
    uint8_t done;
    long arg[6];
    long ret;
};

struct shared {
    long calls;            // system calls issued this iteration
    int records;           // entries of log[] used (more calls than that are counted, not logged)
    int processes;         // processes the sandbox and its descendants created (their indexes)
    int verbose;           // print each call before making it
    uint8_t outcome[MAX_NR][MAX_ERRNO + 1];  // [nr][errno] seen, [nr][0]: success
    struct record log[LOG_CAPACITY];
};

static struct shared* S;
static const char* self_path;

// ---------------------------------------------------------------------------------------------
// Raw calls that bypass libc (no errno, no TLS: a child may have a wild FS base).

static long raw_write(int fd, const void* buf, size_t n) { return sc(SYS_write, fd, buf, n); }

static size_t text_length(const char* s) {
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

// Formats "name=value " pieces without printf (the children have no usable TLS or locks).
static char* put_text(char* at, const char* s) {
    while (*s)
        *at++ = *s++;
    return at;
}
static char* put_hex(char* at, unsigned long v) {
    char digits[17];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    at = put_text(at, "0x");
    while (n)
        *at++ = digits[--n];
    return at;
}
static char* put_dec(char* at, long v) {
    char digits[24];
    int n = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    if (v < 0)
        *at++ = '-';
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *at++ = digits[--n];
    return at;
}

static const char* nr_name(int nr) {
    switch (nr) {
#define N(x) \
    case SYS_##x: \
        return #x;
        N(fork) N(vfork) N(clone) N(clone3) N(exit) N(exit_group) N(wait4) N(waitid) N(kill) N(tgkill)
        N(tkill) N(rt_sigaction) N(rt_sigprocmask) N(execve) N(mmap) N(munmap) N(mprotect) N(brk) N(futex)
        N(pipe2) N(dup3) N(close) N(unshare) N(setns) N(prctl) N(pidfd_open) N(sched_yield) N(getpid)
        N(rt_sigreturn) N(pidfd_send_signal) N(setpgid) N(getppid)
#undef N
    default:
        return "?";
    }
}

// One log line: "  [who] name(a0, ..., a5) = ret" (the six raw arguments in hex).
static size_t format_record(char* line, const struct record* r) {
    char* at = line;
    at = put_text(at, "  [");
    at = put_dec(at, r->who);
    at = put_text(at, "] ");
    if (r->fail_nth) {
        at = put_text(at, "fail-nth=");
        at = put_dec(at, r->fail_nth);
        at = put_text(at, " ");
    }
    at = put_text(at, nr_name(r->nr));
    at = put_text(at, "(");
    for (int i = 0; i < 6; ++i) {
        if (i)
            at = put_text(at, ", ");
        at = put_hex(at, (unsigned long)r->arg[i]);
    }
    at = put_text(at, ")");
    if (r->done) {
        at = put_text(at, " = ");
        if (r->ret < 0 && r->ret >= -4095 && errname((int)-r->ret))
            at = put_text(at, errname((int)-r->ret));
        else
            at = put_dec(at, r->ret);
    }
    at = put_text(at, "\n");
    return (size_t)(at - line);
}

// ---------------------------------------------------------------------------------------------
// clone-family calls with a child that must not touch its parent's stack: on return in the
// child (rax 0), it moves to `child_sp` at once and calls fn(ctx), which never returns. The
// kernel may have given the child any stack (a wild one, or its parent's with CLONE_VM): it is
// left untouched.

long fuzz_clone(long nr, long a1, long a2, long a3, long a4, long a5, void* child_sp, void (*fn)(void*),
                void* ctx);
__asm__(".text\n"
        ".globl fuzz_clone\n"
        "fuzz_clone:\n"
        "  push %r12\n"
        "  push %r13\n"
        "  push %r14\n"
        "  mov 32(%rsp), %r12\n"  // child_sp (the seventh argument, past three pushes and the return)
        "  mov 40(%rsp), %r13\n"  // fn
        "  mov 48(%rsp), %r14\n"  // ctx
        "  mov %rdi, %rax\n"
        "  mov %rsi, %rdi\n"
        "  mov %rdx, %rsi\n"
        "  mov %rcx, %rdx\n"
        "  mov %r8, %r10\n"
        "  mov %r9, %r8\n"
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jnz 1f\n"
        "  mov %r12, %rsp\n"
        "  xor %ebp, %ebp\n"
        "  mov %r14, %rdi\n"
        "  call *%r13\n"
        "  ud2\n"
        "1:\n"
        "  pop %r14\n"
        "  pop %r13\n"
        "  pop %r12\n"
        "  ret\n");

// A signal handler and restorer for rt_sigaction: the handler returns, the restorer
// rt_sigreturns.
static void handler(int sig) { (void)sig; }
void fuzz_restorer(void);
__asm__(".text\n"
        ".globl fuzz_restorer\n"
        "fuzz_restorer:\n"
        "  mov $15, %eax\n"
        "  syscall\n"
        "  ud2\n");

// ---------------------------------------------------------------------------------------------
// The arena: the only user memory address arguments name. ARENA_PAGES pages at a fixed address;
// the first RW_PAGES read-write, then RO_PAGES read-only, then a hole.

#define ARENA ((char*)0x100000000ul)
#define RW_PAGES 32
#define RO_PAGES 4
#define ARENA_PAGES 64
#undef PAGE
#define PAGE 4096ul
#define ARENA_END (ARENA + (ARENA_PAGES + 8) * PAGE)
// Scratch memory for the valid structs the calls point at, which no memory call targets.
#define SCRATCH ((char*)0xf0000000ul)
#define SCRATCH_PAGES 16

// A process of the sandbox and what it knows.
struct proc {
    uint64_t rng;
    int who;
    int depth;
    int tid;
    int fail_fd;      // this task's fail-nth, or -1
    int fail_owner;   // the tid that opened fail_fd
    int children[16];
    int nchildren;
    int fds[16];
    int nfds;
};

static const long wild[] = {
    0,                            // NULL
    1,
    8,
    0xfff,
    0x10000,                      // below mmap_min_addr
    (long)0xffffffff81000000ul,   // kernel text
    (long)0xffff888000000000ul,   // the direct map
    (long)0xfffffffffffff000ul,
    (long)0x8000000000000000ul,   // non-canonical
    (long)0x0000800000000000ul,   // first non-canonical
    (long)0x00007ffffffff000ul,   // the top user page
    -1,
};

// A pointer argument: wild, or somewhere in the arena (read-write, read-only, straddling the
// read-write end, straddling the read-only end into the hole, in the hole).
static long pointer(struct proc* p) {
    switch (below(&p->rng, 10)) {
    case 0:
    case 1:
        return wild[below(&p->rng, sizeof wild / sizeof wild[0])];
    case 2:
        return (long)(ARENA + RW_PAGES * PAGE - 8 * (1 + below(&p->rng, 4)));
    case 3:
        return (long)(ARENA + RW_PAGES * PAGE + below(&p->rng, RO_PAGES * PAGE));
    case 4:
        return (long)(ARENA + (RW_PAGES + RO_PAGES) * PAGE - 8);
    case 5:
        return (long)(ARENA + (RW_PAGES + RO_PAGES + below(&p->rng, 8)) * PAGE);
    case 6:
        return (long)next(&p->rng);
    default:
        return (long)(ARENA + below(&p->rng, RW_PAGES * PAGE / 8) * 8);
    }
}

// A pointer to `size` read-write bytes of scratch memory, filled with random bytes (a valid struct).
static void* valid_buffer(struct proc* p, size_t size) {
    size_t at = below(&p->rng, SCRATCH_PAGES * PAGE - size) & ~7ul;
    uint64_t* q = (uint64_t*)(SCRATCH + at);
    for (size_t i = 0; i < size / 8; ++i)
        q[i] = next(&p->rng);
    return q;
}

static long integer(struct proc* p) {
    switch (below(&p->rng, 8)) {
    case 0:
        return 0;
    case 1:
        return -1;
    case 2:
        return below(&p->rng, 64);
    case 3:
        return (long)(int)next(&p->rng);
    case 4:
        return (long)next(&p->rng);
    case 5:
        return 0x80000000l;
    case 6:
        return (1l << 32) + (long)below(&p->rng, 4);
    default:
        return 1;
    }
}

static long pid_arg(struct proc* p) {
    switch (below(&p->rng, 8)) {
    case 0:
        return 0;
    case 1:
        return -1;
    case 2:
        return p->tid;
    case 3:
    case 4:
        return p->nchildren ? p->children[below(&p->rng, p->nchildren)] : 2;
    case 5:
        return 1 + below(&p->rng, 40);
    case 6:
        return -(long)(1 + below(&p->rng, 10));
    default:
        return integer(p);
    }
}

static long fd_arg(struct proc* p) {
    switch (below(&p->rng, 6)) {
    case 0:
    case 1:
        return p->nfds ? p->fds[below(&p->rng, p->nfds)] : 3;
    case 2:
        return below(&p->rng, 24);
    case 3:
        return -1;
    case 4:
        return 1 << 20;
    default:
        return integer(p);
    }
}

static long signal_arg(struct proc* p) {
    switch (below(&p->rng, 6)) {
    case 0:
        return 0;
    case 1:
        return SIGKILL;
    case 2:
        return SIGSTOP;
    case 3:
        return 64 + below(&p->rng, 4);
    default:
        return 1 + below(&p->rng, 64);
    }
}

static const unsigned long clone_bits[] = {
    CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD, CLONE_PTRACE, CLONE_VFORK, CLONE_PARENT,
    CLONE_THREAD, CLONE_NEWNS, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID,
    CLONE_DETACHED, CLONE_UNTRACED, CLONE_CHILD_SETTID, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_IO, 0x100000000ul /* CLONE_CLEAR_SIGHAND */,
    0x200000000ul /* CLONE_INTO_CGROUP */, 0x400000000ul, 1ul << 40, 1ul << 63,
};

// A clone flag word: a few flags, often none of the namespace ones, an exit signal; sometimes
// a random word (every invalid combination, bits >= 32).
static unsigned long clone_flags(struct proc* p, int with_signal) {
    if (chance(&p->rng, 5))
        return next(&p->rng);
    unsigned long flags = 0;
    int n = (int)below(&p->rng, 5);
    for (int i = 0; i < n; ++i)
        flags |= clone_bits[below(&p->rng, sizeof clone_bits / sizeof clone_bits[0])];
    if (chance(&p->rng, 40))
        flags |= CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
    if (with_signal)
        flags |= chance(&p->rng, 80) ? SIGCHLD : below(&p->rng, 70);
    return flags;
}

static void child_main(void* ctx);
static long child_calls = -1;  // -k: at most this many calls in each child (to narrow a report down)
static void run_calls(struct proc* p, int calls);

// Records the call, arms fail-nth if asked, makes it, disarms, records the result. With a
// child stack `sp`, the call is one of the fork family, made through fuzz_clone: its child starts
// in child_main(child) on that stack.
static long issue_call(struct proc* p, int fail_nth, int nr, const long a[6], void* sp, struct proc* child) {
    int index = __atomic_fetch_add(&S->records, 1, __ATOMIC_RELAXED);
    struct record* r = index < LOG_CAPACITY ? &S->log[index] : NULL;
    if (r) {
        r->who = (uint16_t)p->who;
        r->nr = (uint16_t)nr;
        r->fail_nth = (uint8_t)fail_nth;
        r->done = 0;
        for (int i = 0; i < 6; ++i)
            r->arg[i] = a[i];
        if (S->verbose) {
            char line[256];
            raw_write(2, line, format_record(line, r));
        }
    }
    __atomic_fetch_add(&S->calls, 1, __ATOMIC_RELAXED);
    if (fail_nth) {
        if (p->fail_owner != p->tid) {
            p->fail_fd = (int)sc(SYS_open, PROC "/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);
            p->fail_owner = p->tid;
        }
        char text[2] = {(char)('0' + fail_nth / 10), (char)('0' + fail_nth % 10)};
        if (p->fail_fd < 0 || sc(SYS_write, p->fail_fd, text, 2) != 2)
            fail_nth = 0;
    }
    long ret = sp ? fuzz_clone(nr, a[0], a[1], a[2], a[3], a[4], sp, child_main, child)
                  : sc6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (fail_nth)
        sc(SYS_write, p->fail_fd, "0", 1);
    if (r) {
        r->ret = ret;
        r->done = 1;
    }
    int e = ret < 0 && ret >= -MAX_ERRNO ? (int)-ret : 0;
    if (nr < MAX_NR)
        S->outcome[nr][e] = 1;
    return ret;
}

static long issue(struct proc* p, int fail_nth, int nr, long a0, long a1, long a2, long a3, long a4, long a5) {
    long a[6] = {a0, a1, a2, a3, a4, a5};
    return issue_call(p, fail_nth, nr, a, NULL, NULL);
}

// A new process for the fork family: its context at the top of a fresh stack.
static struct proc* new_child_stack(struct proc* parent, void** sp) {
    long stack = sc(SYS_mmap, 0, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack < 0 && stack > -4096)
        return NULL;
    struct proc* child = (struct proc*)(stack + 64 * 1024 - sizeof(struct proc) - 64);
    *child = *parent;
    child->rng = mix(next(&parent->rng));
    child->who = __atomic_add_fetch(&S->processes, 1, __ATOMIC_RELAXED);
    child->depth = parent->depth + 1;
    child->nchildren = 0;
    *sp = (void*)(((long)child - 64) & ~15l);
    return child;
}

static void note_child(struct proc* p, long pid) {
    if (pid > 0 && p->nchildren < 16)
        p->children[p->nchildren++] = (int)pid;
}
static void note_fd(struct proc* p, long fd) {
    if (fd >= 0 && fd < 4096 && p->nfds < 16)
        p->fds[p->nfds++] = (int)fd;
}

enum {
    OP_FORK, OP_VFORK, OP_CLONE, OP_CLONE3, OP_WAIT4, OP_WAITID, OP_KILL, OP_TGKILL, OP_SIGACTION,
    OP_SIGPROCMASK, OP_EXECVE, OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_BRK, OP_FUTEX, OP_PIPE2, OP_DUP3,
    OP_CLOSE, OP_UNSHARE, OP_SETNS, OP_PRCTL, OP_PIDFD_OPEN, OP_YIELD, OP_EXIT, OP_COUNT
};
static const int op_weight[OP_COUNT] = {
    [OP_FORK] = 4, [OP_VFORK] = 2, [OP_CLONE] = 6, [OP_CLONE3] = 4, [OP_WAIT4] = 6, [OP_WAITID] = 4,
    [OP_KILL] = 5, [OP_TGKILL] = 3, [OP_SIGACTION] = 5, [OP_SIGPROCMASK] = 3, [OP_EXECVE] = 3,
    [OP_MMAP] = 5, [OP_MUNMAP] = 4, [OP_MPROTECT] = 4, [OP_BRK] = 2, [OP_FUTEX] = 6, [OP_PIPE2] = 3,
    [OP_DUP3] = 3, [OP_CLOSE] = 3, [OP_UNSHARE] = 3, [OP_SETNS] = 3, [OP_PRCTL] = 4, [OP_PIDFD_OPEN] = 2,
    [OP_YIELD] = 1, [OP_EXIT] = 1,
};

#define MAX_PROCESSES 24
#define MAX_DEPTH 3

static long length_arg(struct proc* p) {
    switch (below(&p->rng, 6)) {
    case 0:
        return 0;
    case 1:
        return -1;
    case 2:
        return (long)below(&p->rng, PAGE * 4);
    case 3:
        return (long)(1ul << (32 + below(&p->rng, 31)));
    default:
        return (long)((1 + below(&p->rng, ARENA_PAGES)) * PAGE);
    }
}

// An address for mmap/munmap/mprotect: in the arena (page-aligned or not), or wild.
static long map_address(struct proc* p) {
    if (chance(&p->rng, 25)) {
        long address = wild[below(&p->rng, sizeof wild / sizeof wild[0])];
        if (address != (long)0x00007ffffffff000ul)  // the stack's neighbourhood is not a target
            return address;
    }
    long at = (long)(ARENA + below(&p->rng, ARENA_PAGES + 8) * PAGE);
    return chance(&p->rng, 10) ? at + (long)below(&p->rng, PAGE) : at;
}

// The length of a memory call at `address`: lengths that could reach past the arena (into this
// program's own memory) are kept for wild addresses, which the kernel refuses first.
static long map_length(struct proc* p, long address) {
    long length = length_arg(p);
    int in_arena = (unsigned long)address >= (unsigned long)ARENA && (unsigned long)address < (unsigned long)ARENA_END;
    if (in_arena && (length < 0 || length > (long)(ARENA_PAGES * PAGE)))
        length = (long)((1 + below(&p->rng, ARENA_PAGES)) * PAGE);
    return length;
}

static long timespec_arg(struct proc* p) {
    long* ts = valid_buffer(p, 16);
    switch (below(&p->rng, 8)) {
    case 0:
        return 0;  // no timeout: may block until the iteration's end
    case 1:
        return pointer(p);
    case 2:
        ts[0] = 0, ts[1] = -1;  // EINVAL
        return (long)ts;
    case 3:
        ts[0] = 0, ts[1] = 0;
        return (long)ts;
    default:
        ts[0] = 0, ts[1] = 1000000;  // 1 ms
        return (long)ts;
    }
}

static const char* const exec_paths[] = {
    DIR "/notelf", DIR "/short", DIR "/script", DIR "/noexec", DIR, DIR "/none", "", DIR "/notelf/x",
};

static void one_call(struct proc* p) {
    uint64_t* r = &p->rng;
    int total = 0;
    for (int i = 0; i < OP_COUNT; ++i)
        total += op_weight[i];
    int pick = (int)below(r, total), op = 0;
    while (pick >= op_weight[op])
        pick -= op_weight[op++];
    int fail_nth = chance(r, 8) ? 1 + (int)below(r, 40) : 0;
    int can_spawn = p->depth < MAX_DEPTH && __atomic_load_n(&S->processes, __ATOMIC_RELAXED) < MAX_PROCESSES;
    if ((op <= OP_CLONE3) && !can_spawn)
        op = OP_YIELD;

    switch (op) {
    case OP_FORK:
    case OP_VFORK:
    case OP_CLONE:
    case OP_CLONE3: {
        void* sp;
        struct proc* child = new_child_stack(p, &sp);
        if (!child)
            return;
        long a[6] = {0, 0, 0, 0, 0, 0};
        int nr = op == OP_FORK ? SYS_fork : op == OP_VFORK ? SYS_vfork : op == OP_CLONE ? SYS_clone : SYS_clone3;
        if (op == OP_CLONE) {
            a[0] = (long)clone_flags(p, 1);
            a[1] = chance(r, 50) ? 0 : pointer(p);  // stack
            a[2] = pointer(p);                       // parent_tid
            a[3] = pointer(p);                       // child_tid
            a[4] = chance(r, 50) ? 0 : pointer(p);  // tls
        } else if (op == OP_CLONE3) {
            long* args = valid_buffer(p, 96);
            args[0] = (long)clone_flags(p, 0);
            args[1] = pointer(p);                                    // pidfd
            args[2] = pointer(p);                                    // child_tid
            args[3] = pointer(p);                                    // parent_tid
            args[4] = chance(r, 70) ? SIGCHLD : signal_arg(p);       // exit_signal
            args[5] = chance(r, 50) ? 0 : pointer(p);                // stack
            args[6] = chance(r, 50) ? 0 : (long)below(r, 1 << 20);   // stack_size
            args[7] = chance(r, 70) ? 0 : pointer(p);                // tls
            args[8] = chance(r, 80) ? 0 : pointer(p);                // set_tid
            args[9] = chance(r, 80) ? 0 : (long)below(r, 40);        // set_tid_size
            args[10] = chance(r, 90) ? 0 : integer(p);               // cgroup
            args[11] = chance(r, 90) ? 0 : (long)next(r);            // beyond the struct
            static const long sizes[] = {64, 80, 88, 96, 63, 0, 4096};
            a[0] = chance(r, 10) ? pointer(p) : (long)args;
            a[1] = chance(r, 70) ? 88 : sizes[below(r, 7)];
        }
        long pid = issue_call(p, fail_nth, nr, a, sp, child);
        note_child(p, pid);
        return;
    }
    case OP_WAIT4: {
        static const long options[] = {WNOHANG, WNOHANG | __WALL, WNOHANG | WUNTRACED | WCONTINUED,
                                       WNOHANG | __WCLONE, WNOHANG | __WNOTHREAD, 0, __WALL, 0x12345678};
        issue(p, fail_nth, SYS_wait4, pid_arg(p), pointer(p), options[below(r, 8)], chance(r, 50) ? 0 : pointer(p),
              0, 0);
        return;
    }
    case OP_WAITID: {
        static const long options[] = {WEXITED | WNOHANG, WEXITED | WNOHANG | WNOWAIT, WSTOPPED | WNOHANG,
                                       WCONTINUED | WNOHANG, WEXITED | WNOHANG | __WALL, 0, WEXITED, 0x7fffffff};
        long idtype = chance(r, 80) ? (long)below(r, 4) : integer(p);  // P_ALL, P_PID, P_PGID, P_PIDFD
        long id = idtype == 3 ? fd_arg(p) : pid_arg(p);
        issue(p, fail_nth, SYS_waitid, idtype, id, pointer(p), options[below(r, 8)], chance(r, 50) ? 0 : pointer(p),
              0);
        return;
    }
    case OP_KILL:
        issue(p, fail_nth, SYS_kill, pid_arg(p), signal_arg(p), 0, 0, 0, 0);
        return;
    case OP_TGKILL:
        if (chance(r, 50))
            issue(p, fail_nth, SYS_tgkill, pid_arg(p), pid_arg(p), signal_arg(p), 0, 0, 0);
        else
            issue(p, fail_nth, SYS_tkill, pid_arg(p), signal_arg(p), 0, 0, 0, 0);
        return;
    case OP_SIGACTION: {
        long* act = valid_buffer(p, 32);
        static const long handlers[] = {(long)SIG_DFL, (long)SIG_IGN, (long)handler, (long)handler, 0x10};
        act[0] = chance(r, 10) ? pointer(p) : handlers[below(r, 5)];
        act[1] = chance(r, 10) ? (long)next(r) : (long)(SA_RESTORER | (below(r, 2) ? SA_SIGINFO : 0) |
                                                     (below(r, 2) ? SA_RESTART : 0) | (below(r, 4) ? 0 : SA_NODEFER) |
                                                     (below(r, 4) ? 0 : SA_RESETHAND) | (below(r, 4) ? 0 : SA_ONSTACK));
        act[2] = chance(r, 10) ? pointer(p) : (long)fuzz_restorer;
        act[3] = (long)next(r);
        long sig = signal_arg(p);
        if (sig == SIGALRM && chance(r, 50))
            sig = SIGUSR1;
        issue(p, fail_nth, SYS_rt_sigaction, sig, chance(r, 15) ? pointer(p) : (long)act,
              chance(r, 50) ? 0 : pointer(p), chance(r, 90) ? 8 : integer(p), 0, 0);
        return;
    }
    case OP_SIGPROCMASK: {
        long* set = valid_buffer(p, 8);
        issue(p, fail_nth, SYS_rt_sigprocmask, chance(r, 90) ? (long)below(r, 3) : integer(p),
              chance(r, 20) ? pointer(p) : (long)set, chance(r, 50) ? 0 : pointer(p), chance(r, 90) ? 8 : integer(p),
              0, 0);
        return;
    }
    case OP_EXECVE: {
        // Strings and arrays in the arena: a good argv/envp, or wild pieces.
        // One buffer: the argv array, then the string it points at.
        long* argv = valid_buffer(p, 64);
        char* strings = (char*)(argv + 4);
        memcpy(strings, "--exec-child", 13);
        argv[0] = (long)strings;
        argv[1] = (long)strings;
        argv[2] = chance(r, 80) ? 0 : pointer(p);
        argv[3] = 0;
        long path;
        if (chance(r, 30)) {
            path = (long)self_path;
        } else if (chance(r, 10)) {
            path = pointer(p);
        } else {
            char* copy = valid_buffer(p, 32);
            const char* name = exec_paths[below(r, sizeof exec_paths / sizeof exec_paths[0])];
            memcpy(copy, name, text_length(name) + 1);
            path = (long)copy;
        }
        issue(p, fail_nth, SYS_execve, path, chance(r, 80) ? (long)argv : pointer(p),
              chance(r, 80) ? (long)(argv + 3) : pointer(p), 0, 0, 0);
        return;
    }
    case OP_MMAP: {
        static const long flags[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, MAP_PRIVATE, 0};
        long f = flags[below(r, 8)];
        long address = map_address(p);
        unsigned long at = (unsigned long)address;
        if ((f & MAP_FIXED) && at >= 0x400000ul && at < 0x800000000000ul && !(at >= (unsigned long)ARENA && at < (unsigned long)ARENA_END))
            f &= ~MAP_FIXED;  // never over this program's own memory
        if (chance(r, 3))
            f = (long)(uint32_t)next(r) & ~(long)MAP_FIXED;
        issue(p, fail_nth, SYS_mmap, address, map_length(p, address), (long)below(r, 16), f,
              chance(r, 80) ? -1 : fd_arg(p), chance(r, 90) ? 0 : integer(p));
        return;
    }
    case OP_MUNMAP: {
        long address = map_address(p);
        issue(p, fail_nth, SYS_munmap, address, map_length(p, address), 0, 0, 0, 0);
        return;
    }
    case OP_MPROTECT: {
        long address = map_address(p);
        long prot = chance(r, 90) ? (long)below(r, 8) : (long)next(r);
        issue(p, fail_nth, SYS_mprotect, address, map_length(p, address), prot, 0, 0, 0);
        return;
    }
    case OP_BRK: {
        long now = sc(SYS_brk, 0);
        long to = chance(r, 60)   ? now + (long)below(r, 64) * (long)PAGE
                  : chance(r, 50) ? now - (long)below(r, 64) * (long)PAGE
                                  : pointer(p);
        issue(p, fail_nth, SYS_brk, to, 0, 0, 0, 0, 0);
        return;
    }
    case OP_FUTEX: {
        static const long ops[] = {FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP,
                                   FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_BITSET,
                                   FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, 13 /* LOCK_PI2 */};
        long op_word = chance(r, 95) ? ops[below(r, 13)] : integer(p);
        if (chance(r, 50))
            op_word |= FUTEX_PRIVATE_FLAG;
        if (chance(r, 10))
            op_word |= FUTEX_CLOCK_REALTIME;
        // A few shared words, so that waiters and wakers meet.
        long word = chance(r, 70) ? (long)(SCRATCH + 8 * below(r, 4)) : pointer(p);
        long word2 = chance(r, 70) ? (long)(SCRATCH + 8 * below(r, 4)) : pointer(p);
        long value = chance(r, 50) ? 0 : integer(p);
        long timeout = timespec_arg(p);
        if ((op_word & 127) == FUTEX_WAKE || (op_word & 127) == FUTEX_REQUEUE || (op_word & 127) == FUTEX_CMP_REQUEUE)
            timeout = (long)below(r, 4);  // val2: a count
        issue(p, fail_nth, SYS_futex, word, op_word, value, timeout, word2, chance(r, 50) ? 0 : integer(p));
        return;
    }
    case OP_PIPE2: {
        int* fds = valid_buffer(p, 8);
        static const long flags[] = {0, O_CLOEXEC, O_NONBLOCK, O_DIRECT, O_CLOEXEC | O_NONBLOCK, 1};
        long ret = issue(p, fail_nth, SYS_pipe2, chance(r, 85) ? (long)fds : pointer(p),
                         chance(r, 90) ? flags[below(r, 6)] : integer(p), 0, 0, 0, 0);
        if (ret == 0) {
            note_fd(p, fds[0]);
            note_fd(p, fds[1]);
        }
        return;
    }
    case OP_DUP3: {
        long newfd = chance(r, 70) ? (long)(3 + below(r, 20)) : fd_arg(p);
        long ret = issue(p, fail_nth, SYS_dup3, fd_arg(p), newfd, chance(r, 80) ? (below(r, 2) ? O_CLOEXEC : 0) : integer(p),
                         0, 0, 0);
        note_fd(p, ret);
        return;
    }
    case OP_CLOSE: {
        long fd = fd_arg(p);
        if (fd >= 0 && fd <= 2)
            fd += 3;  // keep the console (a sandbox's verbose log goes there)
        issue(p, fail_nth, SYS_close, fd, 0, 0, 0, 0, 0);
        return;
    }
    case OP_UNSHARE: {
        unsigned long flags = clone_flags(p, 0);
        if (chance(r, 50))
            flags &= ~(unsigned long)(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD);
        issue(p, fail_nth, SYS_unshare, (long)flags, 0, 0, 0, 0, 0);
        return;
    }
    case OP_SETNS: {
        static const long types[] = {0, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWNET,
                                     CLONE_NEWIPC, CLONE_NEWCGROUP, CLONE_NEWPID | CLONE_NEWUTS};
        issue(p, fail_nth, SYS_setns, fd_arg(p), chance(r, 90) ? types[below(r, 9)] : integer(p), 0, 0, 0, 0);
        return;
    }
    case OP_PRCTL: {
        static const long options[] = {PR_SET_PDEATHSIG,        PR_GET_PDEATHSIG,       PR_GET_DUMPABLE,
                                       PR_SET_DUMPABLE,         PR_SET_NAME,            PR_GET_NAME,
                                       PR_SET_CHILD_SUBREAPER,  PR_GET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS,
                                       PR_GET_NO_NEW_PRIVS,     PR_CAPBSET_READ,        PR_CAPBSET_DROP,
                                       PR_SET_KEEPCAPS,         PR_GET_KEEPCAPS,        PR_SET_SECUREBITS,
                                       PR_GET_SECUREBITS,       PR_CAP_AMBIENT,         PR_SET_TIMERSLACK};
        long option = chance(r, 90) ? options[below(r, sizeof options / sizeof options[0])] : integer(p);
        long arg2 = option == PR_SET_NAME || option == PR_GET_NAME ? pointer(p)
                    : option == PR_SET_PDEATHSIG                   ? signal_arg(p)
                                                                   : integer(p);
        issue(p, fail_nth, SYS_prctl, option, arg2, chance(r, 70) ? 0 : integer(p), chance(r, 80) ? 0 : integer(p),
              chance(r, 80) ? 0 : integer(p), 0);
        return;
    }
    case OP_PIDFD_OPEN: {
        long ret = issue(p, fail_nth, SYS_pidfd_open, pid_arg(p), chance(r, 80) ? 0 : (below(r, 2) ? O_NONBLOCK : integer(p)),
                         0, 0, 0, 0);
        note_fd(p, ret);
        if (ret >= 0 && chance(r, 50))
            issue(p, 0, SYS_pidfd_send_signal, ret, signal_arg(p), chance(r, 70) ? 0 : pointer(p), 0, 0, 0);
        return;
    }
    case OP_YIELD:
        issue(p, fail_nth, chance(r, 50) ? SYS_sched_yield : SYS_getppid, 0, 0, 0, 0, 0, 0);
        return;
    case OP_EXIT:
        if (p->who == 0 && chance(r, 80))
            return;  // the sandbox mostly lives on, so its sequence runs out
        issue(p, fail_nth, chance(r, 50) ? SYS_exit : SYS_exit_group, integer(p), 0, 0, 0, 0, 0);
        return;
    }
}

static void run_calls(struct proc* p, int calls) {
    for (int i = 0; i < calls; ++i)
        one_call(p);
}

// A process (or thread) the fuzzed fork family made: a short sequence, then exit or exit_group.
static void child_main(void* ctx) {
    struct proc* p = ctx;
    p->tid = (int)sc(SYS_gettid);
    p->fail_owner = 0;
    int calls = 2 + (int)below(&p->rng, 10);
    run_calls(p, child_calls >= 0 && child_calls < calls ? child_calls : calls);
    issue(p, 0, chance(&p->rng, 50) ? SYS_exit : SYS_exit_group, (long)below(&p->rng, 256), 0, 0, 0, 0, 0);
    for (;;)
        sc(SYS_exit_group, 0);
}

// The sandbox: pid 1 of its own namespace, its own session. Sets up the arena, opens a few
// namespace files to setns through, runs the sequence, reaps what it can for a while, exits.
static void sandbox(uint64_t seed, int calls) {
    sc(SYS_setsid);
    sc(SYS_mmap, ARENA, ARENA_PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    sc(SYS_munmap, ARENA + (RW_PAGES + RO_PAGES) * PAGE, (ARENA_PAGES - RW_PAGES - RO_PAGES) * PAGE);
    sc(SYS_mprotect, ARENA, RW_PAGES * PAGE, PROT_READ | PROT_WRITE);
    sc(SYS_mprotect, ARENA + RW_PAGES * PAGE, RO_PAGES * PAGE, PROT_READ);
    sc(SYS_mmap, SCRATCH, SCRATCH_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    struct proc p = {.rng = seed, .who = 0, .depth = 0, .fail_fd = -1, .fail_owner = 0};
    p.tid = (int)sc(SYS_gettid);
    static const char* const ns[] = {PROC "/self/ns/pid", PROC "/self/ns/user", PROC "/self/ns/uts",
                                     PROC "/self/ns/mnt", PROC "/self/ns/pid_for_children"};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; ++i)
        note_fd(&p, sc(SYS_open, ns[i], O_RDONLY));
    run_calls(&p, calls);
    // Let the children finish their sequences (the fuzzer's timer ends this if they do not).
    for (int round = 0; round < 200; ++round) {
        long pid = sc(SYS_wait4, -1, 0, WNOHANG | __WALL, 0);
        if (pid == -ECHILD)
            break;
        if (pid == 0) {
            struct timespec ts = {0, 2000000};
            sc(SYS_nanosleep, &ts, 0);
        }
    }
    sc(SYS_exit_group, 0);
}

// ---------------------------------------------------------------------------------------------
// The fuzzer's side: counters, baseline, reaping, reports.

#define COUNTER_TEXT 16384
static char baseline[COUNTER_TEXT];
static char counters_now[COUNTER_TEXT];
static int have_counters;
static int replaying;              // run_iteration is replaying an iteration that left a difference
static long one_time_allocations;  // differences a replay did not grow: first uses, not leaks

static int read_file(const char* path, char* text, size_t size) {
    int fd = (int)sc(SYS_open, path, O_RDONLY);
    if (fd < 0)
        return fd;
    long total = 0;
    for (;;) {
        long n = sc(SYS_read, fd, text + total, size - 1 - total);
        if (n <= 0)
            break;
        total += n;
    }
    sc(SYS_close, fd);
    text[total] = '\0';
    return (int)total;
}

// The kernel's invariant counters; without /proc/sprout-counters, meminfo's MemFree and Slab.
static void read_counters(char* text) {
    if (have_counters) {
        read_file(COUNTERS, text, COUNTER_TEXT);
        return;
    }
    static char meminfo[4096];
    read_file(PROC "/meminfo", meminfo, sizeof meminfo);
    const char* f = strstr(meminfo, "MemFree:");
    const char* s = strstr(meminfo, "\nSlab:");
    snprintf(text, COUNTER_TEXT, "MemFree %ld\nSlab %ld\n", f ? strtol(f + 8, NULL, 10) : -1,
             s ? strtol(s + 6, NULL, 10) : -1);
}

// Page counts drift a little for reasons that are not leaks (page tables kept by the
// fuzzer's own address space, the order slabs fill in): free pages and kmalloc pages must stay
// within PAGE_SLACK of the baseline, and a slab cache's line is compared up to its object count.
// Objects, tasks and pids must be exact.
#define PAGE_SLACK 256
static int lines_match(const char* a, size_t la, const char* b, size_t lb) {
    if (la == lb && !memcmp(a, b, la))
        return 1;
    static const char* const slack[] = {"pages_free ", "kmalloc_pages "};
    for (int i = 0; i < 2; ++i) {
        size_t n = strlen(slack[i]);
        if (la > n && lb > n && !memcmp(a, slack[i], n) && !memcmp(b, slack[i], n)) {
            long x = strtol(a + n, NULL, 10), y = strtol(b + n, NULL, 10);
            return labs(x - y) <= PAGE_SLACK;
        }
    }
    if (la > 5 && lb > 5 && !memcmp(a, "slab ", 5) && !memcmp(b, "slab ", 5)) {
        const char* ea = strstr(a, " objects");
        const char* eb = strstr(b, " objects");
        return ea && eb && ea - a == eb - b && ea < a + la && !memcmp(a, b, (size_t)(ea - a));
    }
    return 0;
}

// The lines that differ from the baseline, into `out`.
static int counters_diff(char* out, size_t size) {
    out[0] = '\0';
    size_t used = 0;
    int differ = 0;
    const char* a = baseline;
    const char* b = counters_now;
    while (*a || *b) {
        const char* ea = strchr(a, '\n');
        const char* eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a);
        size_t lb = eb ? (size_t)(eb - b) : strlen(b);
        if (!lines_match(a, la, b, lb)) {
            ++differ;
            if (used < size)
                used += snprintf(out + used, size - used, "  baseline: %.*s\n  now:      %.*s\n", (int)la, a, (int)lb, b);
        }
        a += la + (ea ? 1 : 0);
        b += lb + (eb ? 1 : 0);
    }
    return differ;
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig) {
    (void)sig;
    alarmed = 1;
}
static void arm_timer(long ms) {
    struct itimerval t = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    alarmed = 0;
    setitimer(ITIMER_REAL, &t, NULL);
}

static uint64_t seed = 1;
static long first = 0, iterations = 0, calls_per_iteration = 40;
static int verbose;
static long total_calls, timeouts;
static uint8_t outcomes[MAX_NR][MAX_ERRNO + 1];

static void print_sequence(long iteration) {
    printf("iteration %ld's calls (seed %llu; replay: fuzz -s %llu -f %ld -n 1 -v):\n", iteration,
           (unsigned long long)seed, (unsigned long long)seed, iteration);
    int n = S->records < LOG_CAPACITY ? S->records : LOG_CAPACITY;
    for (int i = 0; i < n; ++i) {
        char line[256];
        fwrite(line, 1, format_record(line, &S->log[i]), stdout);
    }
    fflush(stdout);
}

static long write_counters_file(const char* command) {
    int fd = (int)sc(SYS_open, COUNTERS, O_WRONLY);
    if (fd < 0)
        return fd;
    long r = sc(SYS_write, fd, command, strlen(command));
    sc(SYS_close, fd);
    return r;
}

// Reaps every child left (the sandbox's, reparented to this subreaper). 0 when done, -1 when
// something stays for 10 s after SIGKILL.
static int reap_all(void) {
    for (;;) {
        arm_timer(10000);
        long pid = sc(SYS_wait4, -1, 0, __WALL, 0);
        int expired = alarmed;
        arm_timer(0);
        if (pid == -ECHILD)
            return 0;
        if (pid == -EINTR && expired)
            return -1;
    }
}

static int run_iteration(long iteration) {
    S->calls = 0;
    S->records = 0;
    S->processes = 0;
    S->verbose = verbose;
    memset(S->outcome, 0, sizeof S->outcome);
    uint64_t iteration_seed = mix(seed ^ mix((uint64_t)iteration));
    long pid = sc(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        sandbox(iteration_seed, (int)calls_per_iteration);
        for (;;)
            sc(SYS_exit_group, 0);
    }
    if (pid < 0) {
        printf("FAIL: clone(CLONE_NEWPID) of the sandbox: %s\n", res(pid));
        return -1;
    }
    arm_timer(1500);  // a sandbox takes about 0.3 s under TCG; more is a call blocked for good
    int sandbox_status = 0;
    long r = sc(SYS_wait4, pid, &sandbox_status, __WALL, 0);
    arm_timer(0);
    if (r == -EINTR) {
        ++timeouts;
        sc(SYS_kill, pid, SIGKILL);
    }
    if (reap_all() < 0) {
        printf("HANG at iteration %ld (seed %llu): tasks left 10 s after SIGKILL; their kernel stacks:\n", iteration,
               (unsigned long long)seed);
        fflush(stdout);
        write_counters_file("dump");
        print_sequence(iteration);
        return -1;
    }
    if (!replaying)
        total_calls += S->calls;
    for (int nr = 0; nr < MAX_NR; ++nr)
        for (int e = 0; e <= MAX_ERRNO; ++e)
            outcomes[nr][e] |= S->outcome[nr][e];

    // Deferred frees (a task's last reference, a namespace's) may lag the reaping a little.
    char diff[4096];
    int differ = 0;
    if (have_counters && write_counters_file("check") < 0) {
        printf("INCONSISTENT at iteration %ld (seed %llu): the kernel's check failed (its report is above)\n",
               iteration, (unsigned long long)seed);
        print_sequence(iteration);
        return -1;
    }
    for (int attempt = 0; baseline[0] && attempt < 50; ++attempt) {
        read_counters(counters_now);
        differ = counters_diff(diff, sizeof diff);
        if (!differ)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    if (differ && !replaying)
        return 1;
    if (differ) {
        printf("LEAK at iteration %ld (seed %llu): counters not back where its first run left them (it ran twice):\n%s",
               iteration, (unsigned long long)seed, diff);
        printf("the tasks left (their states and kernel stacks on the console):\n");
        fflush(stdout);
        write_counters_file("dump");
        print_sequence(iteration);
        return -1;
    }
    return 0;
}

// The kernel makes some things once, at their first use (the anonymous inode behind every
// pidfd, a cache's first slab): an iteration that leaves the counters changed runs again, and
// must then leave them where its first run left them. A leak grows again.
static int run_iteration_checked(long iteration) {
    int r = run_iteration(iteration);
    if (r <= 0)
        return r;
    memcpy(baseline, counters_now, sizeof baseline);
    replaying = 1;
    r = run_iteration(iteration);
    replaying = 0;
    if (r == 0)
        ++one_time_allocations;
    return r;
}

// Writes to every page of the stack below us: the fuzzer's own first touches of its stack
// must not look like the kernel's leaks.
__attribute__((noinline)) static void touch_stack(void) {
    volatile char stack[256 * 1024];
    for (size_t i = 0; i < sizeof stack; i += 4096)
        stack[i] = 0;
}

static void write_file(const char* path, const void* data, size_t size, int mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        if (write(fd, data, size) < 0)
            perror(path);
        close(fd);
    }
}

static void setup_files(void) {
    mkdir(DIR, 0755);
    write_file(DIR "/notelf", "hello\n", 6, 0755);
    write_file(DIR "/script", "#!/tmp/fuzz/none\n", 17, 0755);
    static char image[1 << 20];
    int fd = open(self_path, O_RDONLY);
    long n = fd >= 0 ? read(fd, image, sizeof image) : 0;
    if (fd >= 0)
        close(fd);
    write_file(DIR "/short", image, n > 100 ? 100 : (size_t)(n > 0 ? n : 0), 0755);
    write_file(DIR "/noexec", image, n > 0 ? (size_t)n : 0, 0644);
}

// One checked iteration, counted, then a heartbeat for the watchdog; 1 when it failed.
static int run_and_beat(long iteration, long* done) {
    if (run_iteration_checked(iteration))
        return 1;
    ++*done;
    if (have_counters)
        write_counters_file("beat");
    return 0;
}

int main(int argc, char** argv) {
    // A good execve of this program by a sandbox: exit at once. Anything that does not look
    // like a command line of ours (a sandbox's argv may be wild) exits too.
    if (argc < 1 || !strstr(argv[0], "fuzz") || (argc > 1 && argv[1][0] != '-') ||
        (argc > 1 && !strcmp(argv[1], "--exec-child")))
        sc(SYS_exit_group, 0);
    int explicit_iterations = 0;
    long seconds = 0;
    for (int i = 1; i + 1 < argc || (i < argc && !strcmp(argv[i], "-v")); ++i) {
        if (!strcmp(argv[i], "-v")) {
            verbose = 1;
            continue;
        }
        const char* value = argv[++i];
        switch (argv[i - 1][1]) {
        case 's':
            seed = strtoull(value, NULL, 0);
            break;
        case 'n':
            iterations = strtol(value, NULL, 0);
            explicit_iterations = 1;
            break;
        case 'f':
            first = strtol(value, NULL, 0);
            break;
        case 'c':
            calls_per_iteration = strtol(value, NULL, 0);
            break;
        case 't':
            seconds = strtol(value, NULL, 0);
            break;
        case 'k':
            child_calls = strtol(value, NULL, 0);
            break;
        default:
            printf("usage: fuzz [-s SEED] [-n ITERATIONS] [-f FIRST] [-c CALLS] [-t SECONDS] [-k CHILD_CALLS] [-v]\n");
            return 2;
        }
    }
    if (!explicit_iterations && !seconds)
        iterations = 60;  // the smoke pass of kernel.fuzz
    self_path = argv[0];

    mkdir(PROC, 0755);
    if (mount("proc", PROC, "proc", 0, NULL)) {
        printf("FAIL: mount proc: %s\n", res(-errno));
        return 1;
    }
    have_counters = access(COUNTERS, R_OK) == 0;
    setup_files();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    S = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (S == MAP_FAILED) {
        printf("FAIL: mmap of the shared log\n");
        return 1;
    }
    memset(S, 0, sizeof *S);  // every page present now, not counted as a leak later
    touch_stack();
    memset(counters_now, 0, sizeof counters_now);
    printf("fuzz: seed %llu, iterations %ld from %ld%s, %ld calls each, counters: %s\n", (unsigned long long)seed,
           iterations, first, seconds ? " (or the time limit)" : "", calls_per_iteration,
           have_counters ? COUNTERS : "meminfo");

    // Warm-up iterations touch what a first use allocates for good (slab pages, page tables);
    // their baseline is what every later iteration must come back to.
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (have_counters)
        write_counters_file("watchdog 20"), write_counters_file("beat");
    for (long i = 0; i < 3; ++i) {
        if (run_iteration(-1 - i))
            return 1;
        if (have_counters)
            write_counters_file("beat");
    }
    read_counters(baseline);
    total_calls = 0;
    timeouts = 0;
    memset(outcomes, 0, sizeof outcomes);

    long done = 0;
    int failed = 0;
#ifdef FUZZ_REPLAYS
    // The iterations that once failed (docs/reliability.md), replayed as regression tests.
    static const struct {
        unsigned long long seed;
        long iteration;
    } replays[] = {{1, 1648}, {2, 2887}, {1, 8789}};
    iterations = 0;
    for (size_t k = 0; k < sizeof replays / sizeof replays[0]; ++k) {
        seed = replays[k].seed;
        if ((failed = run_and_beat(replays[k].iteration, &done)))
            break;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
#else
    for (long i = first; !iterations || i < first + iterations; ++i) {
        if ((failed = run_and_beat(i, &done)))
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = now.tv_sec - start.tv_sec;
        if (done % 500 == 0)
            printf("fuzz: %ld iterations, %ld calls, %ld s\n", done, total_calls, elapsed);
        if (seconds && elapsed >= seconds)
            break;
    }
#endif
    if (have_counters)
        write_counters_file("watchdog 0");
    clock_gettime(CLOCK_MONOTONIC, &now);
    int distinct = 0;
    for (int nr = 0; nr < MAX_NR; ++nr)
        for (int e = 0; e <= MAX_ERRNO; ++e)
            distinct += outcomes[nr][e];
    printf("fuzz: seed %llu: %ld iterations (%ld to %ld), %ld system calls, %d distinct (call, errno) outcomes, "
           "%ld sandboxes killed at their time limit, %ld first-use allocations, %ld s\n",
           (unsigned long long)seed, done, first, first + done - 1, total_calls, distinct, timeouts,
           one_time_allocations, (long)(now.tv_sec - start.tv_sec));
    printf("%s: %s\n", FUZZ_NAME, failed ? "FAIL" : "PASS");
    return failed;
}
