// procfs-status: a process reads its own /proc files and checks them against what it knows:
// /proc/<pid>/status (its fields in order; ids, groups, umask, pid levels, threads, signal
// masks, memory sizes that follow mmap and touching, capabilities, context switches), a child's
// status as sleeping, stopped and zombie, maps (anonymous, shared, file and split areas, the
// heap, the stack, the name column), fd/ (a pipe, a file, a pidfd, modes, listing, opening
// through a link), exe, cwd, root, environ, /proc/sys/kernel and /proc/cpuinfo.
#include "lib/facts.h"
#include "lib/proc.h"

#include <cpuid.h>
#include <dirent.h>
#include <grp.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#define DIR_ "/tmp/procfs-status"
#define MAPFILE DIR_ "/mapped"

static char text[65536];

// Reads a whole file into `text`; its length, or -errno.
static long slurp(const char* path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    long total = 0;
    for (;;) {
        long n = read(fd, text + total, sizeof(text) - 1 - total);
        if (n < 0) {
            total = -errno;
            break;
        }
        if (n == 0)
            break;
        total += n;
    }
    close(fd);
    if (total >= 0)
        text[total] = 0;
    return total;
}

// The value of "Field:\t..." in `text` (the rest of its line), or NULL.
static const char* field(const char* name) {
    static char value[1024];
    size_t n = strlen(name);
    for (const char* line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (!strncmp(line, name, n) && line[n] == ':' && line[n + 1] == '\t') {
            const char* v = line + n + 2;
            size_t len = strcspn(v, "\n");
            if (len >= sizeof value)
                len = sizeof value - 1;
            memcpy(value, v, len);
            value[len] = 0;
            return value;
        }
    }
    return NULL;
}

static long status_number(const char* path, const char* name) {
    if (slurp(path) < 0)
        return -1;
    const char* v = field(name);
    return v ? atol(v) : -1;
}

static unsigned long long status_hex(const char* name) {
    const char* v = field(name);
    return v ? strtoull(v, NULL, 16) : ~0ull;
}

static void field_names(const char* path) {
    long n = slurp(path);
    if (n < 0) {
        printf("%s: %s\n", path, res(n));
        return;
    }
    printf("fields:");
    for (const char* line = text; *line;) {
        const char* colon = strchr(line, ':');
        const char* end = strchr(line, '\n');
        if (!colon || !end)
            break;
        printf(" %.*s", (int)(colon - line), line);
        line = end + 1;
    }
    printf("\n");
}

static void on_alarm(int sig) { (void)sig; }

static volatile int threads_stop;
static void* thread_main(void* arg) {
    (void)arg;
    while (!threads_stop)
        sleep_ms(5);
    return NULL;
}

static void status_checks(void) {
    printf("-- status\n");
    umask(027);
    field_names("/proc/self/status");
    printf("Name: %s\n", field("Name"));
    printf("Umask: %s\n", field("Umask"));
    printf("State: %s\n", field("State"));
    printf("Tgid is getpid: %s\n", yes(atol(field("Tgid")) == getpid()));
    printf("Pid is gettid: %s\n", yes(atol(field("Pid")) == sc(SYS_gettid)));
    printf("PPid is getppid: %s\n", yes(atol(field("PPid")) == getppid()));
    printf("TracerPid: %s\n", field("TracerPid"));
    printf("Uid: %s\n", field("Uid"));
    printf("Gid: %s\n", field("Gid"));
    printf("FDSize: %s\n", field("FDSize"));
    printf("Groups: [%s]\n", field("Groups"));
    printf("NStgid is getpid: %s\n", yes(atol(field("NStgid")) == getpid()));
    printf("NSpid is gettid: %s\n", yes(atol(field("NSpid")) == sc(SYS_gettid)));
    printf("NSpgid is getpgrp: %s\n", yes(atol(field("NSpgid")) == getpgrp()));
    printf("NSsid is getsid: %s\n", yes(atol(field("NSsid")) == getsid(0)));
    printf("Threads: %s\n", field("Threads"));
    const char* q = field("SigQ");
    printf("SigQ is two numbers: %s\n", yes(q && strchr(q, '/') && atol(strchr(q, '/') + 1) > 0));
    // field() answers in one buffer: one call per printf.
    printf("CapInh %s\n", field("CapInh"));
    printf("CapPrm %s\n", field("CapPrm"));
    printf("CapEff %s\n", field("CapEff"));
    printf("CapAmb %s\n", field("CapAmb"));
    printf("CapBnd: %s\n", field("CapBnd"));
    printf("NoNewPrivs %s\n", field("NoNewPrivs"));
    printf("Seccomp %s\n", field("Seccomp"));
    printf("Cpus_allowed_list: %s\n", field("Cpus_allowed_list"));
    printf("VmLck [%s]\n", field("VmLck"));
    printf("VmSwap [%s]\n", field("VmSwap"));
    printf("VmExe and VmStk nonzero: %s\n", yes(atol(field("VmExe")) > 0 && atol(field("VmStk")) > 0));
    printf("VmRSS is RssAnon+RssFile+RssShmem: %s\n",
           yes(atol(field("VmRSS")) == atol(field("RssAnon")) + atol(field("RssFile")) + atol(field("RssShmem"))));
    printf("VmHWM at least VmRSS: %s\n", yes(atol(field("VmHWM")) >= atol(field("VmRSS"))));
    // The layout of one memory line: "VmSize:\t" then 8 columns and " kB".
    slurp("/proc/self/status");
    const char* vm = strstr(text, "\nVmSize:\t");
    printf("VmSize line: %s\n", vm && strchr(vm + 9, '\n') - (vm + 9) == 11 && !strncmp(vm + 17, " kB", 3) ? "8 columns, kB" : "other");

    // Memory: 1 MiB mapped, then touched.
    long size0 = status_number("/proc/self/status", "VmSize");
    long data0 = atol(field("VmData"));
    long rss0 = atol(field("VmRSS"));
    char* m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    long size1 = status_number("/proc/self/status", "VmSize");
    printf("mmap 1 MiB: VmSize +%ld kB, VmData +%ld kB\n", size1 - size0, atol(field("VmData")) - data0);
    for (int i = 0; i < (1 << 20); i += 4096)
        m[i] = 1;
    // (Linux caches RSS counts per thread for a while, so only VmRSS's growth is certain.)
    long rss1 = status_number("/proc/self/status", "VmRSS");
    printf("touched: VmRSS grew by at least 1024 kB: %s\n", yes(rss1 - rss0 >= 1024));
    munmap(m, 1 << 20);
    long size2 = status_number("/proc/self/status", "VmSize");
    printf("munmap: VmSize back: %s\n", yes(size2 == size0));

    // statm against status, both read now (nothing maps or touches memory in between).
    {
        static char status_copy[8192];
        slurp("/proc/self/statm");
        unsigned long sz, res_, shared, txt, lib, data, dt;
        int got = sscanf(text, "%lu %lu %lu %lu %lu %lu %lu", &sz, &res_, &shared, &txt, &lib, &data, &dt);
        slurp("/proc/self/status");
        memcpy(status_copy, text, sizeof status_copy);
        printf("statm has 7 numbers: %s, lib and dt 0: %s\n", yes(got == 7), yes(lib == 0 && dt == 0));
        printf("statm size is VmSize: %s\n", yes(sz * 4 == (unsigned long)atol(field("VmSize"))));
        printf("statm text is VmExe: %s\n", yes(txt * 4 == (unsigned long)atol(field("VmExe"))));
        long vmdata = atol(field("VmData"));
        printf("statm data is VmData+VmStk: %s\n", yes(data * 4 == (unsigned long)(vmdata + atol(field("VmStk")))));
    }
    slurp("/proc/self/limits");
    {
        char first[128];
        sscanf(text, "%127[^\n]", first);
        printf("limits header: [%s]\n", first);
        const char* names[] = {"Max cpu time ", "Max stack size ", "Max open files ", "Max nice priority ",
                               "Max realtime timeout "};
        for (int i = 0; i < 5; ++i) {
            const char* l = strstr(text, names[i]);
            char line[128] = "";
            if (l)
                sscanf(l, "%127[^\n]", line);
            printf("limits: [%s]\n", line);
        }
        int lines = 0;
        for (const char* c = text; *c; ++c)
            lines += *c == '\n';
        printf("limits lines: %d\n", lines);
    }

    // Threads.
    pthread_t t[2];
    for (int i = 0; i < 2; ++i)
        pthread_create(&t[i], NULL, thread_main, NULL);
    printf("two threads: Threads %ld\n", status_number("/proc/self/status", "Threads"));
    threads_stop = 1;
    for (int i = 0; i < 2; ++i)
        pthread_join(t[i], NULL);

    // Signals.
    uint64_t block = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGUSR2 - 1)) | (1ull << (SIGRTMIN + 2 - 1));
    sc(SYS_rt_sigprocmask, SIG_BLOCK, &block, 0, 8);
    signal(SIGPIPE, SIG_IGN);
    on_signal(SIGHUP, SIG_DFL, 0);
    signal(SIGWINCH, SIG_IGN);
    on_signal(SIGALRM, on_alarm, 0);
    sc(SYS_tgkill, getpid(), sc(SYS_gettid), SIGUSR1);
    kill(getpid(), SIGUSR2);
    slurp("/proc/self/status");
    printf("SigBlk %016llx SigIgn %016llx SigCgt %016llx\n", status_hex("SigBlk"), status_hex("SigIgn"),
           status_hex("SigCgt"));
    printf("SigPnd %016llx ShdPnd %016llx\n", status_hex("SigPnd"), status_hex("ShdPnd"));
    printf("SigPnd matches the blocked mask bits: %s\n", yes((status_hex("SigPnd") | status_hex("ShdPnd")) == pending_mask()));
    uint64_t all = ~0ull;
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    sc(SYS_rt_sigprocmask, SIG_UNBLOCK, &all, 0, 8);
    signal(SIGALRM, SIG_DFL);

    // Context switches: a sleep gives the CPU up voluntarily.
    long v0 = status_number("/proc/self/status", "voluntary_ctxt_switches");
    sleep_ms(20);
    long v1 = status_number("/proc/self/status", "voluntary_ctxt_switches");
    printf("a sleep adds a voluntary switch: %s\n", yes(v1 > v0));

    // Ids, groups and capabilities of a child that changed them.
    long c = raw_fork();
    if (c == 0) {
        gid_t groups[] = {5, 6};
        setgroups(2, groups);
        sc(SYS_setresgid, 10, 11, 12);
        sc(SYS_setresuid, 20, 21, 22);
        slurp("/proc/self/status");
        printf("child Uid: %s\n", field("Uid"));
        printf("child Gid: %s\n", field("Gid"));
        printf("child Groups: [%s]\n", field("Groups"));
        printf("child CapPrm %s\n", field("CapPrm"));
        printf("child CapEff %s\n", field("CapEff"));
        fflush(stdout);
        die(0);
    }
    reap(c);
}

// A child's status while it sleeps, when stopped, and as a zombie.
static void child_states(void) {
    printf("-- a child's status\n");
    int ready[2];
    pipe(ready);
    long c = raw_fork();
    if (c == 0) {
        prctl(PR_SET_NAME, "kid\\1");
        tell(ready[1]);
        for (;;)
            pause();
    }
    hear(ready[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/status", c);
    sleep_ms(20);
    slurp(path);
    printf("Name: %s\n", field("Name"));
    printf("State: %s\n", field("State"));
    printf("PPid is us: %s\n", yes(atol(field("PPid")) == getpid()));
    kill(c, SIGSTOP);
    int st;
    waitpid(c, &st, WUNTRACED);
    slurp(path);
    printf("stopped: %s\n", field("State"));
    kill(c, SIGKILL);
    siginfo_t info;
    waitid(P_PID, c, &info, WEXITED | WNOWAIT);
    field_names(path);
    printf("zombie: %s\n", field("State"));
    printf("  Threads %s\n", field("Threads"));
    printf("  VmSize %s\n", field("VmSize") ? "present" : "absent");
    reap(c);
    printf("reaped: %s\n", res(slurp(path)));
    close(ready[0]);
    close(ready[1]);
}

// The maps line for address `a`, as fields after the range ("perms offset dev inode name").
static const char* maps_line(uintptr_t a) {
    static char out[512];
    slurp("/proc/self/maps");
    for (char* line = text; *line;) {
        char* end = strchr(line, '\n');
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= a && a < hi) {
            size_t len = end - line;
            memcpy(out, line, len);
            out[len] = 0;
            return out;
        }
        line = end + 1;
    }
    return NULL;
}

static void print_area(const char* what, uintptr_t a, uintptr_t start, uintptr_t end) {
    const char* line = maps_line(a);
    if (!line) {
        printf("%s: none\n", what);
        return;
    }
    unsigned long lo, hi;
    char perms[8], dev[16], name[256] = "";
    unsigned long long offset, ino;
    int n = sscanf(line, "%lx-%lx %7s %llx %15s %llu %255[^\n]", &lo, &hi, perms, &offset, dev, &ino, name);
    char* nm = name;
    while (*nm == ' ')
        ++nm;
    printf("%s: %s %08llx %s %s%s%s\n", what, perms, offset, ino ? "(file)" : dev, ino ? "(ino)" : "0",
           *nm ? " " : "", nm);
    if (start || end)
        printf("  range is the mapping's: %s\n", yes(lo == start && hi == end));
    if (n == 7 && *nm)
        printf("  name at column 74: %s\n", yes(strstr(line, nm) - line == 73));
}

static void maps_checks(void) {
    printf("-- maps\n");
    char* a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    print_area("anonymous", (uintptr_t)a, (uintptr_t)a, (uintptr_t)a + 3 * PAGE);
    mprotect(a + PAGE, PAGE, PROT_READ | PROT_EXEC);
    print_area("split low", (uintptr_t)a, (uintptr_t)a, (uintptr_t)a + PAGE);
    print_area("split middle", (uintptr_t)a + PAGE, (uintptr_t)a + PAGE, (uintptr_t)a + 2 * PAGE);
    print_area("split high", (uintptr_t)a + 2 * PAGE, (uintptr_t)a + 2 * PAGE, (uintptr_t)a + 3 * PAGE);
    munmap(a, 3 * PAGE);
    char* s = mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    print_area("shared anonymous", (uintptr_t)s, (uintptr_t)s, (uintptr_t)s + PAGE);
    munmap(s, PAGE);

    mkdir(DIR_, 0755);
    int fd = open(MAPFILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char page[PAGE];
    write(fd, page, PAGE);
    write(fd, page, PAGE);
    char* f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    print_area("file at offset 4096", (uintptr_t)f, (uintptr_t)f, (uintptr_t)f + PAGE);
    struct stat st;
    fstat(fd, &st);
    const char* line = maps_line((uintptr_t)f);
    unsigned maj, min;
    unsigned long long ino;
    if (line && sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &maj, &min, &ino) == 3)
        printf("  device and inode are stat's: %s\n", yes(makedev(maj, min) == st.st_dev && ino == st.st_ino));
    char* fs = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    print_area("file shared", (uintptr_t)fs, (uintptr_t)fs, (uintptr_t)fs + PAGE);
    munmap(f, PAGE);
    munmap(fs, PAGE);
    close(fd);

    // musl's sbrk refuses to move the break: brk(2) itself.
    char* brk0 = (char*)sc(SYS_brk, 0);
    sc(SYS_brk, brk0 + 8 * PAGE);
    const char* heap = maps_line((uintptr_t)brk0 + PAGE);
    printf("the break's area is [heap]: %s\n", yes(heap && strstr(heap, "[heap]")));
    int local;
    const char* stack = maps_line((uintptr_t)&local);
    printf("our stack's area is [stack]: %s\n", yes(stack && strstr(stack, "[stack]")));
    printf("  perms: %.4s\n", stack ? strchr(stack, ' ') + 1 : "none");
    const char* code = maps_line((uintptr_t)&maps_checks);
    printf("our code: %.4s, named: %s\n", code ? strchr(code, ' ') + 1 : "none",
           code && strstr(code, "/procfs-status") ? "the program" : "other");
}

static void link_text(const char* what, const char* path) {
    char target[256];
    long n = readlink(path, target, sizeof target - 1);
    if (n < 0) {
        printf("%s: %s\n", what, res(-errno));
        return;
    }
    target[n] = 0;
    printf("%s: %s\n", what, target);
}

static void fd_checks(char** envp) {
    printf("-- fd/, exe, cwd, root, environ\n");
    int p[2];
    pipe(p);  // 3, 4
    int file = open(MAPFILE, O_RDONLY);  // 5
    int wfile = open(MAPFILE, O_WRONLY);  // 6
    int pidfd = sc(SYS_pidfd_open, getpid(), 0);  // 7
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    long n = readlink(path, target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    struct stat st;
    fstat(p[0], &st);
    char expect[64];
    snprintf(expect, sizeof expect, "pipe:[%llu]", (unsigned long long)st.st_ino);
    printf("pipe link names its inode: %s (%.6s)\n", yes(!strcmp(target, expect)), target);
    link_text("file link", "/proc/self/fd/5");
    link_text("pidfd link", "/proc/self/fd/7");
    link_text("console link", "/proc/self/fd/1");
    for (int fd = 3; fd <= 7; ++fd) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        lstat(path, &st);
        printf("fd %d link mode %o\n", fd, st.st_mode & 07777);
    }
    printf("fd link target stat is the file's: %s\n",
           yes(!stat("/proc/self/fd/5", &st) && (fstat(file, &st), 1) && S_ISREG(st.st_mode)));
    DIR* d = opendir("/proc/self/fd");
    int seen[16] = {0};
    struct dirent* e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && atoi(e->d_name) < 16)
            seen[atoi(e->d_name)] = e->d_type == DT_LNK ? 1 : 2;
    printf("listing:");
    for (int i = 0; i < 16; ++i)
        if (seen[i])
            printf(" %d%s", i, seen[i] == 1 ? "" : "(not a link)");
    printf(" (the listing's own fd included)\n");
    closedir(d);

    // Opening through the links: the file again, and the pipe's write end.
    int again = open("/proc/self/fd/5", O_RDONLY);
    printf("open through the file link: %s, same file: %s\n", again >= 0 ? "ok" : res(-errno),
           yes(again >= 0 && (fstat(again, &st), st.st_ino) == (fstat(file, &st), st.st_ino)));
    close(again);
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
    int w = open(path, O_WRONLY);
    printf("open the pipe's write end through its link: %s\n", w >= 0 ? "ok" : res(-errno));
    if (w >= 0) {
        write(w, "x", 1);
        char c = 0;
        read(p[0], &c, 1);
        printf("  a byte through it: %c\n", c);
        close(w);
    }
    // fdinfo: position, flags, mount id, inode; a pidfd adds its pid.
    lseek(file, 100, SEEK_SET);
    fcntl(file, F_SETFD, FD_CLOEXEC);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", file);
    slurp(path);
    struct stat fs_;
    fstat(file, &fs_);
    printf("fdinfo of the file: pos %s", field("pos"));
    printf(", flags %s", field("flags"));
    printf(", ino is stat's: %s", yes(strtoull(field("ino"), NULL, 10) == fs_.st_ino));
    printf(", mnt_id a number: %s\n", yes(field("mnt_id") && atol(field("mnt_id")) > 0));
    field_names(path);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", p[1]);
    slurp(path);
    printf("fdinfo of the pipe's write end: pos %s", field("pos"));
    printf(", flags %s\n", field("flags"));
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
    slurp(path);
    printf("fdinfo of the pidfd: Pid is ours: %s", yes(field("Pid") && atol(field("Pid")) == getpid()));
    printf(", NSpid is ours: %s\n", yes(field("NSpid") && atol(field("NSpid")) == getpid()));
    field_names(path);
    stat("/proc/self/fdinfo", &st);
    printf("fdinfo/ mode %o\n", st.st_mode & 07777);
    stat(path, &st);
    printf("fdinfo file mode %o\n", st.st_mode & 07777);
    printf("fdinfo/99: %s\n", res(access("/proc/self/fdinfo/99", F_OK) < 0 ? -errno : 0));
    printf("fd 99 link: %s\n", res(readlink("/proc/self/fd/99", target, sizeof target) < 0 ? -errno : 0));
    printf("fd/abc: %s\n", res(access("/proc/self/fd/abc", F_OK) < 0 ? -errno : 0));
    close(p[0]);
    close(p[1]);
    close(file);
    close(wfile);
    close(pidfd);

    link_text("cwd", "/proc/self/cwd");
    chdir(DIR_);
    link_text("cwd after chdir", "/proc/self/cwd");
    chdir("/");
    link_text("root", "/proc/self/root");
    n = readlink("/proc/self/exe", target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    printf("exe ends in /procfs-status: %s\n", yes(n > 14 && !strcmp(target + n - 14, "/procfs-status")));
    int exe = open("/proc/self/exe", O_RDONLY);
    char magic[4] = {0};
    read(exe, magic, 4);
    printf("exe opens the program: %s\n", yes(!memcmp(magic, "\177ELF", 4)));
    close(exe);

    long len = slurp("/proc/self/environ");
    char expect_env[4096];
    long pos = 0;
    for (char** e2 = envp; *e2; ++e2) {
        size_t l = strlen(*e2) + 1;
        memcpy(expect_env + pos, *e2, l);
        pos += l;
    }
    printf("environ is the environment block: %s\n", yes(len == pos && !memcmp(text, expect_env, pos)));
    struct stat es;
    stat("/proc/self/environ", &es);
    printf("environ mode %o\n", es.st_mode & 07777);
    stat("/proc/self/fd", &es);
    printf("fd/ mode %o\n", es.st_mode & 07777);

    // Another user may not read our environment or maps.
    long c = raw_fork();
    if (c == 0) {
        char mine[64];
        snprintf(mine, sizeof mine, "/proc/%d/environ", getppid());
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("as uid 1000: parent's environ %s", res(open(mine, O_RDONLY) < 0 ? -errno : 0));
        snprintf(mine, sizeof mine, "/proc/%d/maps", getppid());
        printf(", maps %s", res(open(mine, O_RDONLY) < 0 ? -errno : 0));
        snprintf(mine, sizeof mine, "/proc/%d/fdinfo/0", getppid());
        printf(", fdinfo/0 %s", res(open(mine, O_RDONLY) < 0 ? -errno : 0));
        snprintf(mine, sizeof mine, "/proc/%d/status", getppid());
        printf(", status %s\n", res(open(mine, O_RDONLY) < 0 ? -errno : 0));
        fflush(stdout);
        die(0);
    }
    reap(c);
}

static void sys_checks(void) {
    printf("-- /proc/sys/kernel\n");
    struct utsname u;
    uname(&u);
    char line[128];
    slurp("/proc/sys/kernel/ostype");
    printf("ostype: %s", text);
    slurp("/proc/sys/kernel/osrelease");
    snprintf(line, sizeof line, "%s\n", u.release);
    printf("osrelease is uname's: %s\n", yes(!strcmp(text, line)));
    slurp("/proc/sys/kernel/hostname");
    snprintf(line, sizeof line, "%s\n", u.nodename);
    printf("hostname is uname's: %s\n", yes(!strcmp(text, line)));
    slurp("/proc/sys/kernel/pid_max");
    printf("pid_max: %s", text);
    slurp("/proc/sys/kernel/threads-max");
    printf("threads-max is a number: %s\n", yes(atol(text) > 0 && text[strlen(text) - 1] == '\n'));
    slurp("/proc/sys/kernel/tainted");
    printf("tainted is a number: %s\n", yes(text[0] >= '0' && text[0] <= '9'));
    {
        // pid_max: root may set it within [301, 4194304]; restored at once.
        int fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
        printf("pid_max 100: %s", res(write(fd, "100\n", 4) < 0 ? -errno : 0));
        printf(", 5000000: %s", res(write(fd, "5000000", 7) < 0 ? -errno : 0));
        printf(", x: %s", res(write(fd, "x", 1) < 0 ? -errno : 0));
        printf(", 40000: %s", res(write(fd, "40000\n", 6)));
        close(fd);
        slurp("/proc/sys/kernel/pid_max");
        printf(", reads %.5s", text);
        fd = open("/proc/sys/kernel/pid_max", O_WRONLY);
        lseek(fd, 1, SEEK_SET);
        printf(", at offset 1: %s", res(write(fd, "500", 3)));
        lseek(fd, 0, SEEK_SET);
        write(fd, "32768", 5);
        close(fd);
        slurp("/proc/sys/kernel/pid_max");
        printf(", restored: %s", text);
        fd = open("/proc/sys/kernel/threads-max", O_WRONLY);
        printf("threads-max 0: %s\n", res(write(fd, "0", 1) < 0 ? -errno : 0));
        close(fd);
    }
    printf("osrelease for writing: %s\n", res(open("/proc/sys/kernel/osrelease", O_WRONLY) < 0 ? -errno : 0));
    DIR* d = opendir("/proc/sys/kernel");
    int found = 0;
    struct dirent* e;
    while ((e = readdir(d)))
        found += !strcmp(e->d_name, "hostname") || !strcmp(e->d_name, "pid_max") || !strcmp(e->d_name, "ostype");
    closedir(d);
    printf("listing has hostname, pid_max, ostype: %s\n", yes(found == 3));

    long c = raw_fork();
    if (c == 0) {
        unshare(CLONE_NEWUTS);
        int fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        printf("write hostname: %s", res(write(fd, "inner\nrest", 10)));
        close(fd);
        uname(&u);
        printf(", uname says %s", u.nodename);
        slurp("/proc/sys/kernel/hostname");
        printf(", file says %s", text);
        fd = open("/proc/sys/kernel/hostname", O_WRONLY);
        lseek(fd, 2, SEEK_SET);
        write(fd, "XY", 2);
        close(fd);
        slurp("/proc/sys/kernel/hostname");
        printf("written at offset 2: %s", text);
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("as uid 1000: %s\n", res(open("/proc/sys/kernel/hostname", O_WRONLY) < 0 ? -errno : 0));
        fflush(stdout);
        die(0);
    }
    reap(c);
    uname(&u);
    slurp("/proc/sys/kernel/hostname");
    snprintf(line, sizeof line, "%s\n", u.nodename);
    printf("ours unchanged: %s\n", yes(!strcmp(text, line)));
}

static void cpuinfo_checks(void) {
    printf("-- cpuinfo\n");
    long n = slurp("/proc/cpuinfo");
    printf("read: %s\n", n > 0 ? "ok" : res(n));
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    char vendor[13];
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = 0;
    const char* v = strstr(text, "vendor_id\t: ");
    printf("vendor_id is CPUID's: %s\n", yes(v && !strncmp(v + 12, vendor, 12)));
    __cpuid(1, a, b, c, d);
    unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    if (family >= 6)
        model += ((a >> 16) & 0xf) << 4;
    char want[64];
    snprintf(want, sizeof want, "cpu family\t: %u\nmodel\t\t: %u\n", family, model);
    printf("family and model are CPUID's: %s\n", yes(strstr(text, want) != NULL));
    printf("processor 0: %s\n", yes(!strncmp(text, "processor\t: 0\n", 14)));
    const char* flags = strstr(text, "\nflags\t\t: ");
    char fl[4096] = "";
    if (flags)
        sscanf(flags + 10, "%4095[^\n]", fl);
    strcat(fl, " ");
    printf("flags has fpu, sse2, lm, pni, syscall: %s\n",
           yes(!strncmp(fl, "fpu ", 4) && strstr(fl, " sse2 ") && strstr(fl, " lm ") && strstr(fl, " pni ") &&
               strstr(fl, " syscall ")));
    printf("address sizes line: %s\n", yes(strstr(text, " bits physical, 48 bits virtual\n") != NULL));
    printf("ends with a blank line: %s\n", yes(n > 2 && text[n - 1] == '\n' && text[n - 2] == '\n'));
}

// The line of /proc/self/mounts for mount point `where`, or "none".
static const char* mounts_line(const char* where) {
    static char line[512];
    slurp("/proc/self/mounts");
    for (char* l = text; *l;) {
        char* end = strchr(l, '\n');
        char src[128], dir[256];
        if (sscanf(l, "%127s %255s", src, dir) == 2 && !strcmp(dir, where)) {
            snprintf(line, sizeof line, "%.*s", (int)(end - l), l);
            return line;
        }
        l = end + 1;
    }
    return "none";
}

static void mounts_checks(void) {
    printf("-- mounts\n");
    link_text("/proc/mounts", "/proc/mounts");
    mkdir(DIR_, 0755);
    mkdir(DIR_ "/m", 0755);
    printf("mount: %s\n", res(mount("src x", DIR_ "/m", "tmpfs", MS_RDONLY, NULL) ? -errno : 0));
    printf("line: %s\n", mounts_line(DIR_ "/m"));
    printf("proc: %s\n", mounts_line("/proc"));
    printf("/proc/mounts is the same text: %s\n", yes(slurp("/proc/self/mounts") == slurp("/proc/mounts")));
    long c = raw_fork();
    if (c == 0) {
        unshare(CLONE_NEWNS);
        umount(DIR_ "/m");
        printf("unmounted in a new namespace: %s\n", mounts_line(DIR_ "/m"));
        fflush(stdout);
        die(0);
    }
    reap(c);
    printf("still ours: %s\n", yes(strcmp(mounts_line(DIR_ "/m"), "none") != 0));
    umount(DIR_ "/m");
    printf("after umount: %s\n", mounts_line(DIR_ "/m"));
    rmdir(DIR_ "/m");
}

int main(int argc, char** argv, char** envp) {
    (void)argc;
    (void)argv;
    status_checks();
    child_states();
    maps_checks();
    fd_checks(envp);
    sys_checks();
    cpuinfo_checks();
    mounts_checks();
    unlink(MAPFILE);
    rmdir(DIR_);
    return 0;
}
