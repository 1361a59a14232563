// fork-cow: fork copies private memory (copy-on-write on Linux): a 64 MiB region written before
// fork, rewritten by the child page by page, then by the parent, each side keeps seeing only
// its own data; pages never touched before fork stay zero for the other; .data/.bss and brk
// memory likewise; a three-generation chain; a read-only mapping stays read-only in the child
// (SIGSEGV); a private file mapping written by the child changes neither the file nor the
// parent's view.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>

#define BIG (64L << 20)
#define PAGES (BIG / PAGE)

static char bss_area[3 * 4096];
static int data_area[1024] = {1};

static void fill(char* p, long pages, unsigned seed) {
    for (long i = 0; i < pages; ++i)
        *(unsigned*)(p + i * PAGE) = seed * 100003u + (unsigned)i;
}
// Number of pages whose first word is not what fill(seed) wrote.
static long check(const char* p, long pages, unsigned seed) {
    long bad = 0;
    for (long i = 0; i < pages; ++i)
        bad += *(const unsigned*)(p + i * PAGE) != seed * 100003u + (unsigned)i;
    return bad;
}

int main(void) {
    char* big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char* fresh = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char* heap = (char*)sc(SYS_brk, 0);
    char* heap_end = (char*)sc(SYS_brk, heap + 8 * PAGE);
    printf("brk grew: %s\n", yes(heap_end == heap + 8 * PAGE));
    fill(big, PAGES, 1);
    fill(heap, 8, 1);
    strcpy(bss_area + 4096, "parent bss");
    data_area[500] = 7;

    int to_child[2], to_parent[2];
    sc(SYS_pipe2, to_child, 0);
    sc(SYS_pipe2, to_parent, 0);
    long pid = raw_fork();
    if (pid == 0) {
        long r1 = check(big, PAGES, 1);
        fill(big, PAGES, 2);  // every page copied here
        long r2 = check(big, PAGES, 2);
        for (int i = 0; i < 16; ++i)
            fresh[i * PAGE] = 'c';
        fill(heap, 8, 2);
        strcpy(bss_area + 4096, "child bss");
        data_area[500] = 8;
        tell(to_parent[1]);
        hear(to_child[0]);  // the parent wrote its pages
        long r3 = check(big, PAGES, 2) + check(heap, 8, 2);
        int ok = r1 == 0 && r2 == 0 && r3 == 0 && fresh[0] == 'c' && !strcmp(bss_area + 4096, "child bss") &&
                 data_area[500] == 8;
        die(ok ? 0 : 1);
    }
    hear(to_parent[0]);
    printf("child rewrote all 16384 pages: ours intact: %s\n", yes(check(big, PAGES, 1) == 0));
    int zero = 1;
    for (int i = 0; i < 16; ++i)
        zero &= fresh[i * PAGE] == 0;
    printf("pages untouched before fork, written by the child: still zero here: %s\n", yes(zero));
    printf("brk memory intact: %s; .bss \"%s\"; .data %d\n", yes(check(heap, 8, 1) == 0), bss_area + 4096,
           data_area[500]);
    fill(big, PAGES, 3);
    fill(heap, 8, 3);
    tell(to_child[1]);
    printf("we rewrote ours; the child still saw only its own: %s\n", status_text(reap(pid)));
    printf("ours after the child is gone: %s\n", yes(check(big, PAGES, 3) == 0));
    fill(big, PAGES, 4);
    printf("written again (pages no longer shared): %s\n", yes(check(big, PAGES, 4) == 0));

    printf("-- three generations --\n");
    int* word = (int*)big;
    *word = 1;
    pid = raw_fork();
    if (pid == 0) {
        long gpid = raw_fork();
        if (gpid == 0) {
            int saw = *word;
            *word = 3;
            die(saw);
        }
        *word = 2;
        int st = 0;
        sc(SYS_wait4, gpid, &st, 0, 0);
        die(WEXITSTATUS(st) * 10 + *word);
    }
    int st = reap(pid);
    printf("grandchild saw 1 (before its parent's write or not: a copy): %s; child kept 2: %s; we keep 1: %s\n",
           yes(WEXITSTATUS(st) / 10 == 1), yes(WEXITSTATUS(st) % 10 == 2), yes(*word == 1));

    printf("-- read-only private memory stays read-only --\n");
    char* ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro[0] = 'r';
    sc(SYS_mprotect, ro, PAGE, PROT_READ);
    pid = raw_fork();
    if (pid == 0) {
        int saw = ro[0] == 'r';
        if (!saw)
            die(1);
        ro[0] = 'w';
        die(2);
    }
    printf("child reading then writing it: %s\n", status_text(reap(pid)));

    printf("-- private file mapping --\n");
    sc(SYS_mkdir, "/tmp/fork-cow", 0755);
    int fd = (int)sc(SYS_open, "/tmp/fork-cow/file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    sc(SYS_write, fd, "original", 8);
    char* fm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    pid = raw_fork();
    if (pid == 0) {
        memcpy(fm, "CHILD!!!", 8);
        die(memcmp(fm, "CHILD!!!", 8) == 0 ? 0 : 1);
    }
    st = reap(pid);
    char buf[9] = {0};
    sc(SYS_pread64, fd, buf, 8, 0);
    printf("child wrote its private view (%s); the file says \"%s\", our view \"%.8s\"\n", status_text(st), buf, fm);
    return 0;
}
