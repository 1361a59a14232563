// fork-madvise-ranges: MADV_DONTFORK and MADV_WIPEONFORK on part of a mapping apply to exactly
// those pages (the mapping is split), over a hole to the mapped parts (then ENOMEM), and stop at
// a mapping that refuses them (WIPEONFORK on file or shared memory: EINVAL). A wiped area stays
// marked in the child, so a grandchild gets it empty too; the parent's later writes do not
// reach a child. Argument errors are Linux's.
// usertest: file data/files/lorem.txt /test/fork-madvise-ranges/lorem.txt
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>

// What a child sees at each page of p: 'P' or another letter for data, 0 for zeros, '-' when
// touching the page kills it. One child per page, so a crash says which page it was.
static const char* child_view(volatile char* p, int pages) {
    static char text[8][32];
    static int next;
    char* b = text[next++ % 8];
    for (int i = 0; i < pages; ++i) {
        long pid = raw_fork();
        if (pid == 0) {
            char c = p[i * PAGE];
            die(c == 0 ? '0' : c);
        }
        int st = reap(pid);
        b[i] = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV ? '-' : '?';
    }
    b[pages] = 0;
    return b;
}

static char* fill(char* p, int pages, char c) {
    memset(p, c, pages * PAGE);
    return p;
}

int main(void) {
    char* a = fill(mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 6, 'P');
    printf("DONTFORK pages 1-2: %s\n", res(sc(SYS_madvise, a + PAGE, 2 * PAGE, MADV_DONTFORK)));
    printf("WIPEONFORK pages 4-5: %s\n", res(sc(SYS_madvise, a + 4 * PAGE, 2 * PAGE, MADV_WIPEONFORK)));
    printf("the child sees: %s\n", child_view(a, 6));
    printf("DOFORK page 2, KEEPONFORK page 5: %s %s\n", res(sc(SYS_madvise, a + 2 * PAGE, PAGE, MADV_DOFORK)),
           res(sc(SYS_madvise, a + 5 * PAGE, PAGE, MADV_KEEPONFORK)));
    printf("the child sees: %s\n", child_view(a, 6));
    printf("both flags on page 4 (DONTFORK wins): %s\n", res(sc(SYS_madvise, a + 4 * PAGE, PAGE, MADV_DONTFORK)));
    printf("the child sees: %s\n", child_view(a, 6));
    sc(SYS_madvise, a, 6 * PAGE, MADV_DOFORK);
    sc(SYS_madvise, a, 6 * PAGE, MADV_KEEPONFORK);
    printf("all undone: %s\n", child_view(a, 6));

    printf("-- over a hole --\n");
    sc(SYS_munmap, a + 2 * PAGE, PAGE);
    printf("DONTFORK pages 0-5 with page 2 unmapped: %s\n", res(sc(SYS_madvise, a, 6 * PAGE, MADV_DONTFORK)));
    printf("the child sees (2 is the hole): %s\n", child_view(a, 2));
    printf("pages 3-5: %s\n", child_view(a + 3 * PAGE, 3));
    printf("DOFORK from page 5 to past the end of the mapping: %s\n",
           res(sc(SYS_madvise, a + 5 * PAGE, 100 * PAGE, MADV_DOFORK)));
    printf("page 5: %s\n", child_view(a + 5 * PAGE, 1));
    sc(SYS_munmap, a, 6 * PAGE);

    printf("-- refusals --\n");
    int fd = open("/test/fork-madvise-ranges/lorem.txt", O_RDONLY);
    char* b = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fill(b, 1, 'A');
    mmap(b + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    fill(b + 2 * PAGE, 1, 'C');
    printf("WIPEONFORK over anonymous, file, anonymous: %s\n", res(sc(SYS_madvise, b, 3 * PAGE, MADV_WIPEONFORK)));
    printf("the child sees (page 1 starts with the file's text): %s\n", child_view(b, 3));
    char* s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fill(s, 1, 'S');
    printf("WIPEONFORK on shared memory: %s; DONTFORK: %s\n", res(sc(SYS_madvise, s, PAGE, MADV_WIPEONFORK)),
           res(sc(SYS_madvise, s, PAGE, MADV_DONTFORK)));
    printf("the child sees: %s\n", child_view(s, 1));
    printf("KEEPONFORK on a file mapping: %s\n", res(sc(SYS_madvise, b + PAGE, PAGE, MADV_KEEPONFORK)));

    printf("-- generations --\n");
    char* w = fill(mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 2, 'P');
    sc(SYS_madvise, w, 2 * PAGE, MADV_WIPEONFORK);
    int gate[2], back[2];
    sc(SYS_pipe2, gate, 0);
    sc(SYS_pipe2, back, 0);
    long pid = raw_fork();
    if (pid == 0) {
        int zeros = w[0] == 0 && w[PAGE] == 0;
        w[0] = 'C';
        tell(back[1]);
        hear(gate[0]);
        // The child's own data in a wiped area: its child gets zeros again.
        long g = raw_fork();
        if (g == 0)
            die(w[0] == 0 ? 2 : 3);
        int st = reap(g);
        die(zeros && w[0] == 'C' && WIFEXITED(st) && WEXITSTATUS(st) == 2 ? 0 : 1);
    }
    hear(back[0]);
    w[0] = 'X';  // after the fork: the child must not see it
    tell(gate[1]);
    printf("child: zeros, then its own data, and its child zeros again: %s\n", status_text(reap(pid)));
    printf("the parent keeps its own: %s\n", yes(w[0] == 'X' && w[PAGE] == 'P'));

    printf("-- arguments --\n");
    printf("length 0: %s; unaligned: %s; wrapping: %s\n", res(sc(SYS_madvise, w, 0, MADV_DONTFORK)),
           res(sc(SYS_madvise, w + 1, PAGE, MADV_DONTFORK)), res(sc(SYS_madvise, w, -PAGE, MADV_DONTFORK)));
    printf("nothing mapped: %s\n", res(sc(SYS_madvise, 0x10000, PAGE, MADV_WIPEONFORK)));
    return 0;
}
