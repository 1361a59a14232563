// mincore: one byte per page, bit 0 for "resident": private anonymous pages count once this
// process maps them (touched, kept by PROT_NONE, gone after MADV_DONTNEED); shared memory and
// files count when the object holds the page, even if this process never touched it (a page
// the child wrote, a tmpfs file's written pages but not its holes). Linux's errors: EINVAL
// for an unaligned start, ENOMEM for unmapped pages (after writing the bytes before the hole)
// and ranges past user space, EFAULT for a bad vector.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>

static char vec_text[64];

// The first n bytes of vec as digits (each byte's value, so a bit above bit 0 would show).
static const char* bits(const unsigned char* vec, int n) {
    for (int i = 0; i < n; ++i)
        vec_text[i] = vec[i] <= 9 ? '0' + vec[i] : '?';
    vec_text[n] = 0;
    return vec_text;
}

static const char* mincore_of(void* start, long len, unsigned char* vec, int n) {
    static char text[8][96];
    static int next;
    char* b = text[next++ % 8];
    memset(vec, 7, n);
    long r = sc(SYS_mincore, start, len, vec);
    snprintf(b, 96, "%s [%s]", res(r), bits(vec, n));
    return b;
}

int main(int argc, char** argv) {
    (void)argc;
    unsigned char vec[16];
    char* a = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("untouched: %s\n", mincore_of(a, 8 * PAGE, vec, 8));
    a[PAGE] = 1;
    a[3 * PAGE] = 1;
    (void)*(volatile char*)(a + 5 * PAGE);
    printf("pages 1, 3 written, 5 read: %s\n", mincore_of(a, 8 * PAGE, vec, 8));
    printf("a length in the middle of a page counts that page: %s\n", mincore_of(a, PAGE + 1, vec, 3));
    printf("length 0: %s\n", mincore_of(a, 0, vec, 1));
    sc(SYS_mprotect, a + PAGE, PAGE, PROT_NONE);
    printf("PROT_NONE keeps page 1: %s\n", mincore_of(a, 2 * PAGE, vec, 2));
    sc(SYS_mprotect, a + PAGE, PAGE, PROT_READ | PROT_WRITE);
    sc(SYS_madvise, a, 8 * PAGE, MADV_DONTNEED);
    printf("after MADV_DONTNEED: %s\n", mincore_of(a, 8 * PAGE, vec, 8));

    printf("-- errors --\n");
    printf("unaligned start: %s\n", mincore_of(a + 1, PAGE, vec, 1));
    a[0] = 1;
    sc(SYS_munmap, a + 2 * PAGE, PAGE);
    printf("running into a hole: %s (the bytes before it are written)\n", mincore_of(a, 4 * PAGE, vec, 4));
    printf("starting in the hole: %s\n", mincore_of(a + 2 * PAGE, PAGE, vec, 1));
    printf("length 0 in the hole: %s\n", mincore_of(a + 2 * PAGE, 0, vec, 1));
    printf("past the end of user space: %s\n", mincore_of((void*)0x7ffffffff000L, PAGE, vec, 1));
    printf("a length that wraps: %s\n", mincore_of(a, -PAGE, vec, 1));
    printf("vector NULL: %s\n", res(sc(SYS_mincore, a, PAGE, 0)));
    printf("vector in the kernel: %s\n", res(sc(SYS_mincore, a, PAGE, 0xffff880000000000L)));
    char* ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("vector read-only: %s\n", res(sc(SYS_mincore, a, PAGE, ro)));

    printf("-- shared memory --\n");
    char* s = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    s[0] = 1;
    long pid = raw_fork();
    if (pid == 0) {
        s[2 * PAGE] = 2;
        die(0);
    }
    reap(pid);
    printf("page 0 ours, page 2 the child's: %s\n", mincore_of(s, 4 * PAGE, vec, 4));
    sc(SYS_madvise, s, 4 * PAGE, MADV_DONTNEED);
    printf("after MADV_DONTNEED (the object keeps them): %s\n", mincore_of(s, 4 * PAGE, vec, 4));

    printf("-- files --\n");
    sc(SYS_mkdir, "/tmp/mincore", 0755);
    int fd = open("/tmp/mincore/f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char page[PAGE];
    memset(page, 'x', sizeof page);
    sc(SYS_pwrite64, fd, page, PAGE, 0);
    sc(SYS_pwrite64, fd, page, PAGE, 2 * PAGE);
    sc(SYS_ftruncate, fd, 5 * PAGE);
    char* f = mmap(NULL, 6 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("written pages 0 and 2, holes 1, 3, 4, page 5 past the end: %s\n", mincore_of(f, 6 * PAGE, vec, 6));
    int self = open(argv[0], O_RDONLY);
    char* image = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self, 0);
    printf("the first page of our own program (in the initramfs): %s\n", mincore_of(image, PAGE, vec, 1));
    return 0;
}
