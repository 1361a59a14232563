// fork-madvise: what fork copies of a mapping the process marked: MADV_DONTFORK leaves it out of
// the child (a SIGSEGV there), MADV_DOFORK brings it back, MADV_WIPEONFORK gives the child zeros
// where the parent keeps its data.
#include "lib/facts.h"
#include "lib/proc.h"

static void child_reads(const char* label, volatile char* p) {
    long pid = raw_fork();
    if (pid == 0)
        die(p[0] == 'P' ? 1 : p[0] == 0 ? 2 : 3);
    int st = reap(pid);
    printf("%s: child %s (1: our data, 2: zeros)\n", label, status_text(st));
}

int main(void) {
    char* a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(a, 'P', 4 * PAGE);
    child_reads("plain", a);
    printf("MADV_DONTFORK: %s\n", res(sc(SYS_madvise, a, 4 * PAGE, MADV_DONTFORK)));
    child_reads("dontfork", a);
    printf("MADV_DOFORK: %s\n", res(sc(SYS_madvise, a, 4 * PAGE, MADV_DOFORK)));
    child_reads("dofork", a);
    printf("MADV_WIPEONFORK: %s\n", res(sc(SYS_madvise, a, 4 * PAGE, MADV_WIPEONFORK)));
    child_reads("wipeonfork", a);
    printf("parent keeps its data: %s\n", yes(a[0] == 'P' && a[4 * PAGE - 1] == 'P'));
    char* s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("MADV_WIPEONFORK on shared memory: %s\n", res(sc(SYS_madvise, s, PAGE, MADV_WIPEONFORK)));
    printf("MADV_KEEPONFORK: %s\n", res(sc(SYS_madvise, a, 4 * PAGE, MADV_KEEPONFORK)));
    child_reads("keeponfork", a);
    return 0;
}
