// mmap-brk: anonymous private and shared mappings, munmap and mprotect (checked through a probe:
// a system call that must read or write the memory answers EFAULT when it cannot), MAP_FIXED,
// private file mappings, Linux's errors for bad lengths, flags and alignment, and brk (growth,
// zero fill, shrinking, refusals). Addresses appear only as relations ("page-aligned: yes").
// usertest: file data/files/lorem.txt /test/mmap/lorem.txt
#include "lib/facts.h"

#include <fcntl.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long probe_fd;

// 1 when the kernel can read 1 byte at p, else the error.
static const char* readable(const void* p) {
    long r = sc(SYS_pwrite64, probe_fd, p, 1, 0);
    return r == 1 ? "yes" : r < 0 ? res(r) : "?";
}
static const char* writable(void* p) {
    long r = sc(SYS_pread64, probe_fd, p, 1, 0);
    return r == 1 ? "yes" : r < 0 ? res(r) : "?";
}

static long mm(long addr, long len, long prot, long flags, long fd, long off) {
    return sc(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int all_zero(const unsigned char* p, long n) {
    for (long i = 0; i < n; ++i)
        if (p[i])
            return 0;
    return 1;
}

static const char* aligned(long a) { return yes(a > 0 && (a & (PAGE - 1)) == 0); }

int main(void) {
    probe_fd = sc(SYS_openat, AT_FDCWD, "/tmp/mmap-probe", O_CREAT | O_RDWR | O_TRUNC, 0644);
    sc(SYS_write, probe_fd, "p", 1);

    // --- anonymous private
    long a = mm(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char* p = (unsigned char*)a;
    printf("mmap 3 pages RW private anonymous: %s, page-aligned: %s\n", a < 0 ? res(a) : "ok", aligned(a));
    printf("zero-filled: %s\n", yes(all_zero(p, 3 * PAGE)));
    memset(p, 0xab, 3 * PAGE);
    printf("writable by the program and the kernel: %s\n", writable(p + PAGE + 5));
    printf("munmap the middle page: %s\n", res(sc(SYS_munmap, a + PAGE, PAGE)));
    printf("middle page readable: %s; first: %s; last: %s\n", readable(p + PAGE), readable(p), readable(p + 2 * PAGE));
    printf("mprotect first page PROT_READ: %s\n", res(sc(SYS_mprotect, a, PAGE, PROT_READ)));
    printf("first page readable: %s, writable: %s\n", readable(p), writable(p));
    printf("mprotect first page PROT_NONE: %s\n", res(sc(SYS_mprotect, a, PAGE, PROT_NONE)));
    printf("first page readable: %s\n", readable(p));
    printf("mprotect back to RW: %s\n", res(sc(SYS_mprotect, a, PAGE, PROT_READ | PROT_WRITE)));
    printf("contents kept: %s\n", yes(p[0] == 0xab && p[PAGE - 1] == 0xab));
    printf("mprotect over the hole: %s\n", res(sc(SYS_mprotect, a, 3 * PAGE, PROT_READ)));
    long f = mm(a + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED into the hole: %s, at the address asked: %s, zero-filled: %s\n", f < 0 ? res(f) : "ok",
           yes(f == a + PAGE), yes(f == a + PAGE && all_zero(p + PAGE, PAGE)));
    f = mm(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED over the first page replaces it: %s, zero-filled: %s\n", yes(f == a), yes(all_zero(p, PAGE)));
    printf("MAP_FIXED_NOREPLACE over a mapping: %s\n",
           res(mm(a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)));
    printf("munmap all 3 pages: %s\n", res(sc(SYS_munmap, a, 3 * PAGE)));
    printf("munmap them again: %s\n", res(sc(SYS_munmap, a, 3 * PAGE)));
    printf("after munmap readable: %s\n", readable(p + 2 * PAGE));
    long h = mm(a, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("a hint without MAP_FIXED on a free range is honoured: %s\n", yes(h == a));
    sc(SYS_munmap, h, PAGE);

    // --- mapping a 1-byte length gives a whole page; PROT_EXEC|PROT_WRITE is allowed
    long one = mm(0, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap 1 byte: %s; its last page byte writable: %s\n", one < 0 ? res(one) : "ok",
           one < 0 ? "-" : writable((char*)one + PAGE - 1));
    long rwx = mm(0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap RWX: %s\n", rwx < 0 ? res(rwx) : "ok");
    long none = mm(0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap PROT_NONE: %s, readable: %s\n", none < 0 ? res(none) : "ok", none < 0 ? "-" : readable((void*)none));

    // --- shared anonymous
    long s = mm(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    printf("mmap shared anonymous: %s, zero-filled: %s\n", s < 0 ? res(s) : "ok",
           yes(s > 0 && all_zero((unsigned char*)s, 2 * PAGE)));
    printf("shared anonymous writable: %s\n", s < 0 ? "-" : writable((void*)s));

    // --- errors
    printf("mmap length 0: %s\n", res(mm(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    printf("mmap neither MAP_PRIVATE nor MAP_SHARED: %s\n", res(mm(0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0)));
    printf("mmap MAP_FIXED at an unaligned address: %s\n",
           res(mm(a + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
    printf("mmap unaligned offset: %s\n", res(mm(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1)));
    printf("mmap length -4096: %s\n", res(mm(0, -PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    printf("mmap length 1 << 47: %s\n", res(mm(0, 1L << 47, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    printf("mmap MAP_FIXED at 0x1000 (below mmap_min_addr, allowed to root): %s\n",
           res(mm(0x1000, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
    printf("mmap MAP_FIXED across the top of user space: %s\n",
           res(mm(0x7ffffffff000L, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
    printf("mmap fd -1 without MAP_ANONYMOUS: %s\n", res(mm(0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0)));
    printf("mmap fd 99: %s\n", res(mm(0, PAGE, PROT_READ, MAP_PRIVATE, 99, 0)));
    printf("munmap unaligned: %s; length 0: %s; unmapped range: %s\n", res(sc(SYS_munmap, a + 1, PAGE)),
           res(sc(SYS_munmap, a, 0)), res(sc(SYS_munmap, a, PAGE)));
    printf("munmap of kernel addresses: %s\n", res(sc(SYS_munmap, 0xffffffff81000000L, PAGE)));
    printf("mprotect unaligned: %s; unmapped: %s; bad prot bits: %s\n", res(sc(SYS_mprotect, a + 1, PAGE, PROT_READ)),
           res(sc(SYS_mprotect, a, PAGE, PROT_READ)), res(sc(SYS_mprotect, s, PAGE, 0x10)));

    // --- private file mapping
    long fd = sc(SYS_openat, AT_FDCWD, "/test/mmap/lorem.txt", O_RDONLY);
    static unsigned char file[8192];
    long size = sc(SYS_read, fd, file, sizeof file);
    long m = mm(0, size, PROT_READ, MAP_PRIVATE, fd, 0);
    unsigned char* mp = (unsigned char*)m;
    printf("mmap the file (%ld bytes) private read-only: %s\n", size, m < 0 ? res(m) : "ok");
    if (m > 0) {
        printf("same bytes as read(): %s\n", yes(memcmp(mp, file, (size_t)size) == 0));
        printf("the rest of the last page is zero: %s\n", yes(all_zero(mp + size, 2 * PAGE - size)));
        printf("writable: %s\n", writable(mp));
    }
    long m2 = mm(0, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    printf("mmap at file offset 4096: %s, same bytes as pread: %s\n", m2 < 0 ? res(m2) : "ok",
           yes(m2 > 0 && memcmp((void*)m2, file + PAGE, (size_t)(size - PAGE)) == 0));
    long cow = mm(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("mmap private read-write of a read-only fd: %s\n", cow < 0 ? res(cow) : "ok");
    if (cow > 0) {
        memcpy((void*)cow, "CHANGED", 7);
        unsigned char again[16];
        sc(SYS_pread64, fd, again, 7, 0);
        printf("private writes stay private: %s\n", yes(memcmp(again, "line 00", 7) == 0));
        printf("another mapping of the file still sees the file: %s\n", yes(m > 0 && memcmp(mp, "line 00", 7) == 0));
    }
    printf("mmap shared read-write of a read-only fd: %s\n", res(mm(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
    long wo = sc(SYS_openat, AT_FDCWD, "/tmp/mmap-wo", O_CREAT | O_WRONLY, 0644);
    printf("mmap of a write-only fd: %s\n", res(mm(0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0)));
    long dir = sc(SYS_openat, AT_FDCWD, "/test/mmap", O_RDONLY | O_DIRECTORY);
    printf("mmap of a directory: %s\n", res(mm(0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0)));
    printf("the mapping outlives close(fd): %s\n", (sc(SYS_close, fd), yes(m > 0 && mp[0] == 'l')));

    // --- brk
    long b0 = sc(SYS_brk, 0);
    printf("brk(0): page-aligned: %s\n", aligned(b0));
    long b1 = sc(SYS_brk, b0 + 3 * PAGE + 100);
    printf("brk(b0 + 3 pages + 100) returns it exactly: %s\n", yes(b1 == b0 + 3 * PAGE + 100));
    printf("the new heap is zero-filled: %s\n", yes(all_zero((unsigned char*)b0, 3 * PAGE + 100)));
    printf("and writable up to the page end: %s\n", writable((char*)b0 + 4 * PAGE - 1));
    memset((void*)b0, 0x5a, 4 * PAGE);
    printf("beyond the page of the break readable: %s\n", readable((char*)b0 + 4 * PAGE));
    long b2 = sc(SYS_brk, b0 + PAGE);
    printf("shrink to b0 + 1 page: %s\n", yes(b2 == b0 + PAGE));
    printf("freed pages readable: %s; kept page keeps its bytes: %s\n", readable((char*)b0 + 2 * PAGE),
           yes(((unsigned char*)b0)[PAGE - 1] == 0x5a));
    sc(SYS_brk, b0 + 3 * PAGE);
    printf("grown again, the freed pages come back zero: %s\n", yes(all_zero((unsigned char*)b0 + PAGE, 2 * PAGE)));
    printf("brk below the start returns the current break: %s\n", yes(sc(SYS_brk, 0x1000) == b0 + 3 * PAGE));
    long in_way = mm(b0 + 8 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("a mapping 8 pages above the start: %s\n", in_way == b0 + 8 * PAGE ? "ok" : res(in_way));
    printf("brk into it is refused (returns the current break): %s\n", yes(sc(SYS_brk, b0 + 10 * PAGE) == b0 + 3 * PAGE));
    printf("brk to a non-canonical address is refused: %s\n", yes(sc(SYS_brk, 0x800000000000L) == b0 + 3 * PAGE));
    printf("brk(0) now: b0 + 3 pages: %s\n", yes(sc(SYS_brk, 0) == b0 + 3 * PAGE));
    return 0;
}
