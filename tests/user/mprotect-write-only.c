// mprotect-write-only: a private mapping made PROT_WRITE only still reads on x86 (every
// present page does), also while its pages are shared copy-on-write after fork: reads from
// user mode and from a system call see the data, and a write copies the page. (Found by the
// fuzzer: seed 2, iteration 2887, where such a page became inaccessible and a read faulted for
// ever.)
#include <sys/mman.h>

#include "lib/facts.h"
#include "lib/proc.h"

int main(void) {
    size_t size = 4 << 20;
    char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'a', size);
    printf("mprotect PROT_WRITE of the first half before fork: %s\n", res(sc(SYS_mprotect, p, size / 2, PROT_WRITE)));
    int pipefd[2];
    sc(SYS_pipe2, pipefd, 0);
    long pid = raw_fork();
    if (pid == 0) {
        printf("child reads: %c\n", p[0x20000]);
        printf("child writes to a pipe from it: %s\n", res(sc(SYS_write, pipefd[1], p + 0x10000, 4)));
        char got[4] = {0};
        sc(SYS_read, pipefd[0], got, 4);
        printf("  the pipe gives: %.4s\n", got);
        p[0x30000] = 'c';
        printf("child wrote its copy: %c\n", p[0x30000]);
        printf("mprotect PROT_WRITE of the rest in the child: %s\n", res(sc(SYS_mprotect, p + size / 2, size / 2, PROT_WRITE)));
        printf("child reads the rest: %c %c\n", p[size / 2 + 0x8000], p[size - 1]);
        printf("child writes to a pipe from the rest: %s\n", res(sc(SYS_write, pipefd[1], p + size / 2, 4)));
        die(0);
    }
    printf("child: %s\n", status_text(reap(pid)));
    printf("parent still reads: %c\n", p[0x30000]);
    printf("mprotect PROT_WRITE of everything in the parent: %s\n", res(sc(SYS_mprotect, p, size, PROT_WRITE)));
    printf("parent reads: %c %c\n", p[0x1000], p[size - 2]);
    p[0x30000] = 'p';
    printf("parent wrote: %c\n", p[0x30000]);
    return 0;
}
