// rusage-maxrss: ru_maxrss, the resident-set high-water mark in KiB. It grows when the process
// touches memory and never shrinks when the memory goes (munmap, MADV_DONTNEED); RUSAGE_THREAD
// says the same as RUSAGE_SELF for a single thread; it survives execve (the old program's mark
// stays the process's); the parent learns a child's mark from wait4 and RUSAGE_CHILDREN keeps
// the largest, not the sum. Only relations are printed: the sizes differ between kernels.
#include "lib/facts.h"
#include "lib/proc.h"

#define MIB 1024L  // in KiB, ru_maxrss's unit

static long maxrss(int who) {
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    long r = sc(SYS_getrusage, who, &ru);
    return r < 0 ? r : ru.ru_maxrss;
}

static char* touch(long bytes) {
    char* m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long i = 0; i < bytes; i += PAGE)
        m[i] = 1;
    return m;
}

int main(int argc, char** argv) {
    if (argc > 2 && !strcmp(argv[1], "after-exec")) {
        long before = atol(argv[2]);
        printf("after exec: the mark is still at least the old program's: %s\n", yes(maxrss(RUSAGE_SELF) >= before));
        return 0;
    }
    long start = maxrss(RUSAGE_SELF);
    printf("RUSAGE_SELF at start: more than 0: %s, less than 4 MiB: %s\n", yes(start > 0), yes(start < 4 * MIB));
    char* m = touch(16 * MIB * 1024);
    long grown = maxrss(RUSAGE_SELF);
    printf("after touching 16 MiB: grew by at least 15 MiB: %s\n", yes(grown - start >= 15 * MIB));
    long self = maxrss(RUSAGE_SELF), thread = maxrss(RUSAGE_THREAD);
    printf("RUSAGE_THREAD says the same: %s\n", yes(thread == self));
    sc(SYS_madvise, m, 8 * MIB * 1024, MADV_DONTNEED);
    sc(SYS_munmap, m + 8 * MIB * 1024, 8 * MIB * 1024);
    long dropped = maxrss(RUSAGE_SELF);
    printf("after dropping it all: did not shrink: %s\n", yes(dropped >= grown));
    touch(4 * MIB * 1024);
    printf("touching 4 MiB more, below the mark: did not grow by it: %s\n", yes(maxrss(RUSAGE_SELF) < dropped + MIB));

    printf("-- children --\n");
    printf("RUSAGE_CHILDREN before any child that used memory: less than 4 MiB: %s\n",
           yes(maxrss(RUSAGE_CHILDREN) < 4 * MIB));
    long pid = raw_fork();
    if (pid == 0) {
        touch(32 * MIB * 1024);
        die(0);
    }
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    int st;
    sc(SYS_wait4, pid, &st, 0, &ru);
    long big = ru.ru_maxrss;
    printf("wait4: the child's mark covers its 32 MiB: %s\n", yes(big >= 32 * MIB));
    printf("RUSAGE_CHILDREN now the same: %s\n", yes(maxrss(RUSAGE_CHILDREN) == big));
    pid = raw_fork();
    if (pid == 0) {
        touch(MIB * 1024);
        die(0);
    }
    memset(&ru, 0, sizeof ru);
    sc(SYS_wait4, pid, &st, 0, &ru);
    printf("a smaller child: its own mark is smaller: %s; RUSAGE_CHILDREN keeps the largest: %s\n",
           yes(ru.ru_maxrss < big), yes(maxrss(RUSAGE_CHILDREN) == big));
    pid = raw_fork();
    if (pid == 0) {
        long g = raw_fork();
        if (g == 0) {
            touch(48 * MIB * 1024);
            die(0);
        }
        reap(g);
        die(0);
    }
    memset(&ru, 0, sizeof ru);
    sc(SYS_wait4, pid, &st, 0, &ru);
    printf("a child whose child used 48 MiB reports that: %s\n", yes(ru.ru_maxrss >= 48 * MIB));
    printf("RUSAGE_CHILDREN takes it: %s\n", yes(maxrss(RUSAGE_CHILDREN) >= 48 * MIB));

    printf("-- exec --\n");
    pid = raw_fork();
    if (pid == 0) {
        touch(24 * MIB * 1024);
        char mark[32];
        snprintf(mark, sizeof mark, "%ld", maxrss(RUSAGE_SELF));
        char* args[] = {argv[0], "after-exec", mark, NULL};
        sc(SYS_execve, argv[0], args, NULL);
        die(127);
    }
    memset(&ru, 0, sizeof ru);
    sc(SYS_wait4, pid, &st, 0, &ru);
    printf("the exec'd child: %s; its mark covers the 24 MiB it had before exec: %s\n", status_text(st),
           yes(ru.ru_maxrss >= 24 * MIB));
    return 0;
}
