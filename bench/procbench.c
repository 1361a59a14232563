// procbench: the cost of creating processes, measured the same way on any Linux-compatible kernel.
//
// Build:  musl-gcc -static -O2 -o procbench procbench.c   (or gcc -static)
// Run:    procbench [--scale F] [--only ROW,ROW...] [--true PATH] [--children N] [--nohuge] [--list]
//
// Every timed row repeats one operation many times, timing each repetition on its own with
// clock_gettime(CLOCK_MONOTONIC) after a few unrecorded warm-up repetitions, and reports the
// median (and the minimum and maximum). Rows, in the order they run:
//
//   fork_exit_wait      fork(); the child _exit(0)s; the parent waitpid()s it
//   vfork_exit_wait     the same with vfork()
//   clone3_exit_wait    the same with a raw clone3() (exit signal SIGCHLD, nothing shared)
//   fork_execve_wait    fork(); the child execve()s --true (a static program that exits 0); waitpid
//   posix_spawn_wait    posix_spawn() of --true, then waitpid
//   pthread_create_join pthread_create() of a thread that returns at once, then pthread_join()
//   mem_per_process_cold  free memory before and after creating --children (1000) children
//                       that sleep (each blocks reading a pipe once it has told the parent it
//                       runs), divided by their number: the first such round of the boot
//   mem_per_process     the same, median of 3 later rounds (kernel caches already grown)
//   fork_touched_<N>M   fork_exit_wait while the parent has N MiB (1, 16, 64, 256, 1024) of
//                       private anonymous memory touched (one write per 4 KiB page)
//
// Output is one line per fact, machine-readable (bench/run parses it):
//
//   procbench 1
//   kernel <sysname> <release>
//   begin <row>                                       just before a row starts
//   row <row> median_ns <n> iterations <k> min_ns <n> max_ns <n> [key value]...
//   row mem_per_process[_cold] median_bytes <n> runs <k> children <c> min_bytes <n> max_bytes <n> source <s>
//   row <row> unavailable <reason...>                 the kernel could not run it (e.g. "fork: ENOSYS")
//   done
//
// Free memory comes from /proc/meminfo's MemFree when there is one (Linux), else from
// sysinfo(2)'s freeram * mem_unit (Sprout, which has no /proc); both count free page frames.
// The fork_touched rows also report anon_huge_kib, /proc/meminfo's AnonHugePages after the touch,
// when /proc/meminfo exists: Linux backs aligned 2 MiB stretches with transparent huge pages by
// default. --nohuge asks for base pages instead (madvise MADV_NOHUGEPAGE; errors ignored).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static double g_scale = 1.0;
static const char* g_true = "/bin/procbench-true";
static int g_children = 1000;
static int g_nohuge = 0;
static const char* g_only = NULL;

// ------------------------------------------------------------------------------------ helpers

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// clang-format off
static const char* errname(int e) {
    switch (e) {
#define E(x) \
    case x:  \
        return #x;
        E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC) E(EBADF) E(ECHILD)
        E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(EBUSY) E(EEXIST) E(ENODEV) E(ENOTDIR) E(EISDIR)
        E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(ENOSPC) E(EPIPE) E(ERANGE) E(ENAMETOOLONG)
        E(ENOSYS) E(ELOOP) E(EOVERFLOW) E(EOPNOTSUPP)
#undef E
    default:
        return NULL;
    }
}
// clang-format on

// Why a row failed, as "<what>: <ERRNO>" or free text; printed after "unavailable".
static char g_why[256];

static int fail(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_why, sizeof g_why, fmt, ap);
    va_end(ap);
    return -1;
}

// Appends more text to g_why (truncated to fit).
static void add_why(const char* fmt, ...) {
    size_t len = strlen(g_why);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_why + len, sizeof g_why - len, fmt, ap);
    va_end(ap);
}

static int fail_errno(const char* what, int e) {
    const char* n = errname(e);
    return n ? fail("%s: %s", what, n) : fail("%s: errno %d", what, e);
}

// Waits for PID; 0 when it exited with status 0. When exec_errno, a non-zero exit status is the
// errno the child's execve failed with (the program execed always exits 0).
static int reap(pid_t pid, int exec_errno) {
    int status;
    pid_t r;
    do {
        r = waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return fail_errno("waitpid", errno);
    if (r != pid)
        return fail("waitpid returned %d, not the child %d", (int)r, (int)pid);
    if (WIFSIGNALED(status))
        return fail("the child was killed by signal %d", WTERMSIG(status));
    if (!WIFEXITED(status))
        return fail("waitpid status 0x%x", status);
    if (WEXITSTATUS(status) != 0)
        return exec_errno ? fail_errno("execve in the child", WEXITSTATUS(status))
                          : fail("the child exited with status %d", WEXITSTATUS(status));
    return 0;
}

static int cmp_u64(const void* a, const void* b) {
    uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t* v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_u64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int scaled(int n) {
    int k = (int)(n * g_scale + 0.5);
    return k < 3 ? 3 : k;
}

// A field of /proc/meminfo in bytes, or -1 when there is no /proc/meminfo or no such field.
static long long meminfo(const char* field) {
    FILE* f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[256];
    size_t len = strlen(field);
    long long v = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            v = strtoll(line + len + 1, NULL, 10) * 1024;
            break;
        }
    }
    fclose(f);
    return v;
}

static const char* g_free_source = "";

// Free memory in bytes: /proc/meminfo MemFree, else sysinfo freeram. -1 (and g_why) when neither.
static long long free_bytes(void) {
    long long v = meminfo("MemFree");
    if (v >= 0) {
        g_free_source = "meminfo:MemFree";
        return v;
    }
    struct sysinfo si;
    if (sysinfo(&si) != 0) {
        fail_errno("no /proc/meminfo; sysinfo", errno);
        return -1;
    }
    g_free_source = "sysinfo:freeram";
    return (long long)si.freeram * (si.mem_unit ? si.mem_unit : 1);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// ------------------------------------------------------------------------------------ operations

// One measured operation: 0 on success, -1 with g_why set.
typedef int (*op_fn)(void);

static int op_fork(void) {
    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork", errno);
    if (pid == 0)
        _exit(0);
    return reap(pid, 0);
}

static int op_vfork(void) {
    pid_t pid = vfork();
    if (pid == 0)
        _exit(0);
    if (pid < 0)
        return fail_errno("vfork", errno);
    return reap(pid, 0);
}

// struct clone_args of 64 bytes (CLONE_ARGS_SIZE_VER0); libcs have no clone3 wrapper.
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int op_clone3(void) {
    struct clone3_args args = {.exit_signal = SIGCHLD};
    long pid = syscall(435 /* SYS_clone3 */, &args, sizeof args);
    if (pid < 0)
        return fail_errno("clone3", errno);
    if (pid == 0)
        _exit(0);
    return reap((pid_t)pid, 0);
}

static int op_fork_execve(void) {
    char* argv[] = {(char*)g_true, NULL};
    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork", errno);
    if (pid == 0) {
        execve(g_true, argv, environ);
        _exit(errno > 0 && errno < 256 ? errno : 255);
    }
    return reap(pid, 1);
}

static int op_posix_spawn(void) {
    char* argv[] = {(char*)g_true, NULL};
    pid_t pid;
    int e = posix_spawn(&pid, g_true, NULL, NULL, argv, environ);
    if (e != 0)
        return fail_errno("posix_spawn", e);
    return reap(pid, 1);
}

static void* thread_returns(void* arg) { return arg; }

static int op_pthread(void) {
    pthread_t t;
    int e = pthread_create(&t, NULL, thread_returns, NULL);
    if (e != 0)
        return fail_errno("pthread_create", e);
    e = pthread_join(t, NULL);
    if (e != 0)
        return fail_errno("pthread_join", e);
    return 0;
}

// ------------------------------------------------------------------------------------ rows

static void begin(const char* name) {
    printf("begin %s\n", name);
    fflush(stdout);
}

static void unavailable(const char* name) {
    printf("row %s unavailable %s\n", name, g_why);
    fflush(stdout);
}

// Times ITERS runs of OP after WARMUP unrecorded ones; prints the row (EXTRA appended).
static void timed(const char* name, op_fn op, int iters, int warmup, const char* extra) {
    uint64_t* s = malloc(sizeof(uint64_t) * (size_t)iters);
    if (!s) {
        fail("out of memory for samples");
        unavailable(name);
        return;
    }
    for (int i = 0; i < warmup; i++) {
        if (op() != 0) {
            unavailable(name);
            free(s);
            return;
        }
    }
    for (int i = 0; i < iters; i++) {
        uint64_t t0 = now_ns();
        int r = op();
        uint64_t t1 = now_ns();
        if (r != 0) {
            add_why(" (after %d iterations)", warmup + i);
            unavailable(name);
            free(s);
            return;
        }
        s[i] = t1 - t0;
    }
    uint64_t med = median(s, iters);  // sorts s
    printf("row %s median_ns %llu iterations %d min_ns %llu max_ns %llu%s%s\n", name, (unsigned long long)med, iters,
           (unsigned long long)s[0], (unsigned long long)s[iters - 1], extra ? " " : "", extra ? extra : "");
    fflush(stdout);
    free(s);
}

static void row_fork(const char* name, int n) {
    timed(name, op_fork, scaled(n), 3, NULL);
}

static void row_vfork(const char* name, int n) {
    timed(name, op_vfork, scaled(n), 3, NULL);
}

static void row_clone3(const char* name, int n) {
    timed(name, op_clone3, scaled(n), 3, NULL);
}

static void row_fork_execve(const char* name, int n) {
    timed(name, op_fork_execve, scaled(n), 3, NULL);
}

static void row_posix_spawn(const char* name, int n) {
    timed(name, op_posix_spawn, scaled(n), 3, NULL);
}

static void row_pthread(const char* name, int n) {
    timed(name, op_pthread, scaled(n), 3, NULL);
}

// fork latency with MiB of private anonymous memory touched in the parent.
static void row_touched(const char* name, int n, size_t mib) {
    size_t len = mib << 20;
    char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fail_errno("mmap", errno);
        unavailable(name);
        return;
    }
    if (g_nohuge)
        madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t off = 0; off < len; off += 4096)
        ((volatile char*)p)[off] = 1;
    char extra[64] = "";
    long long huge = meminfo("AnonHugePages");
    if (huge >= 0)
        snprintf(extra, sizeof extra, "anon_huge_kib %lld", huge / 1024);
    timed(name, op_fork, scaled(n), 1, extra[0] ? extra : NULL);
    munmap(p, len);
}

// Creates N children that block reading a pipe; *per = drop of free memory / N.
static int mem_once(int n, long long* per) {
    int go[2], ready[2];
    if (pipe(go) != 0)
        return fail_errno("pipe", errno);
    if (pipe(ready) != 0) {
        int e = errno;
        close(go[0]);
        close(go[1]);
        return fail_errno("pipe", e);
    }
    pid_t* pids = calloc((size_t)n, sizeof(pid_t));
    int made = 0, rc = 0;
    long long before = free_bytes(), after = -1;
    if (before < 0)
        rc = -1;
    for (; rc == 0 && made < n; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            rc = fail_errno("fork", errno);
            add_why(" (child %d of %d)", made + 1, n);
            break;
        }
        if (pid == 0) {
            char c = 'x';
            close(go[1]);
            close(ready[0]);
            if (write(ready[1], &c, 1) != 1)
                _exit(2);
            while (read(go[0], &c, 1) < 0 && errno == EINTR) {
            }
            _exit(0);
        }
        pids[made] = pid;
    }
    if (rc == 0) {  // every child has run up to its read once all N bytes arrived
        char buf[256];
        for (int got = 0; got < made;) {
            ssize_t r = read(ready[0], buf, (size_t)(made - got) < sizeof buf ? (size_t)(made - got) : sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                rc = r < 0 ? fail_errno("read", errno) : fail("read: end of file");
                break;
            }
            got += (int)r;
        }
    }
    if (rc == 0) {
        after = free_bytes();
        if (after < 0)
            rc = -1;
    }
    close(go[1]);             // end of file: every child's read returns 0 and it exits
    char keep[sizeof g_why];  // the first failure is the one reported
    memcpy(keep, g_why, sizeof keep);
    for (int i = 0; i < made; i++) {
        if (reap(pids[i], 0) != 0 && rc == 0) {
            rc = -1;
            memcpy(keep, g_why, sizeof keep);
        }
    }
    memcpy(g_why, keep, sizeof keep);
    close(go[0]);
    close(ready[0]);
    close(ready[1]);
    free(pids);
    if (rc == 0)
        *per = (before - after) / n;
    return rc;
}

static int g_mem_warm = 0;  // a round of mem_once has run: the kernel's caches have grown

// mem_per_process_cold (COLD): the first round of this boot, when the kernel first holds N more
// processes at once. mem_per_process: the median of RUNS rounds after that one (run unrecorded
// when the cold row was not asked for), once slab caches and pid tables have grown.
static void row_mem(const char* name, int runs, int cold) {
    runs = cold ? 1 : scaled(runs);
    long long v[64];
    if (runs > 64)
        runs = 64;
    if (free_bytes() < 0) {
        unavailable(name);
        return;
    }
    for (int i = cold || g_mem_warm ? 0 : -1; i < runs; i++) {
        long long drop = 0;
        sleep_ms(200);  // let the previous round's exits settle (Linux frees task structs after RCU)
        int r = mem_once(g_children, &drop);
        g_mem_warm = 1;
        if (r != 0) {
            unavailable(name);
            return;
        }
        if (i >= 0)
            v[i] = drop;
    }
    // median of signed values (a drop can be negative in theory)
    for (int i = 1; i < runs; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            long long t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    long long med = runs % 2 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
    printf("row %s median_bytes %lld runs %d children %d min_bytes %lld max_bytes %lld source %s\n", name, med, runs,
           g_children, v[0], v[runs - 1], g_free_source);
    fflush(stdout);
}

// ------------------------------------------------------------------------------------ main

enum kind { FORK, VFORK, CLONE3, EXECVE, SPAWN, PTHREAD, MEM_COLD, MEM, TOUCHED };

static const struct row {
    const char* name;
    enum kind kind;
    int iterations;  // at --scale 1; runs for mem_per_process
    size_t mib;
} ROWS[] = {
    {"fork_exit_wait", FORK, 300, 0},          {"vfork_exit_wait", VFORK, 300, 0},
    {"clone3_exit_wait", CLONE3, 300, 0},
    {"fork_execve_wait", EXECVE, 150, 0},      {"posix_spawn_wait", SPAWN, 150, 0},
    {"pthread_create_join", PTHREAD, 300, 0},
    {"mem_per_process_cold", MEM_COLD, 1, 0},  {"mem_per_process", MEM, 3, 0},
    {"fork_touched_1M", TOUCHED, 100, 1},      {"fork_touched_16M", TOUCHED, 60, 16},
    {"fork_touched_64M", TOUCHED, 40, 64},     {"fork_touched_256M", TOUCHED, 20, 256},
    {"fork_touched_1024M", TOUCHED, 10, 1024},
};
#define NROWS (sizeof ROWS / sizeof ROWS[0])

static int selected(const char* name) {
    if (!g_only)
        return 1;
    size_t len = strlen(name);
    for (const char* p = g_only; *p;) {
        const char* end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p += n + (end ? 1 : 0);
    }
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: procbench [--scale F] [--only ROW,ROW...] [--true PATH] [--children N] [--nohuge] [--list]\n");
    exit(2);
}

int main(int argc, char** argv) {
    for (int i = 1; i < argc; i++) {
        const char* a = argv[i];
        if (strcmp(a, "--list") == 0) {
            for (size_t r = 0; r < NROWS; r++)
                printf("%s\n", ROWS[r].name);
            return 0;
        } else if (strcmp(a, "--nohuge") == 0) {
            g_nohuge = 1;
        } else if (i + 1 < argc && strcmp(a, "--scale") == 0) {
            g_scale = strtod(argv[++i], NULL);
            if (!(g_scale > 0))
                usage();
        } else if (i + 1 < argc && strcmp(a, "--only") == 0) {
            g_only = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--true") == 0) {
            g_true = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--children") == 0) {
            g_children = atoi(argv[++i]);
            if (g_children <= 0)
                usage();
        } else {
            usage();
        }
    }
    for (const char* p = g_only; p && *p;) {  // every name given to --only must be a row
        size_t n = strcspn(p, ",");
        int known = 0;
        for (size_t r = 0; r < NROWS; r++)
            known |= strlen(ROWS[r].name) == n && strncmp(ROWS[r].name, p, n) == 0;
        if (!known) {
            fprintf(stderr, "procbench: no row %.*s (--list shows them)\n", (int)n, p);
            return 2;
        }
        p += n + (p[n] == ',');
    }
    struct utsname u;
    printf("procbench 1\n");
    if (uname(&u) == 0)
        printf("kernel %s %s\n", u.sysname, u.release);
    printf("options scale %g children %d true %s huge %s\n", g_scale, g_children, g_true,
           g_nohuge ? "nohuge" : "default");
    fflush(stdout);
    for (size_t r = 0; r < NROWS; r++) {
        const struct row* row = &ROWS[r];
        if (!selected(row->name))
            continue;
        begin(row->name);
        switch (row->kind) {
            case FORK:
                row_fork(row->name, row->iterations);
                break;
            case VFORK:
                row_vfork(row->name, row->iterations);
                break;
            case CLONE3:
                row_clone3(row->name, row->iterations);
                break;
            case EXECVE:
                row_fork_execve(row->name, row->iterations);
                break;
            case SPAWN:
                row_posix_spawn(row->name, row->iterations);
                break;
            case PTHREAD:
                row_pthread(row->name, row->iterations);
                break;
            case MEM_COLD:
                row_mem(row->name, row->iterations, 1);
                break;
            case MEM:
                row_mem(row->name, row->iterations, 0);
                break;
            case TOUCHED:
                row_touched(row->name, row->iterations, row->mib);
                break;
        }
    }
    printf("done\n");
    return 0;
}
