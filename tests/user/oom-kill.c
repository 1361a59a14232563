// oom-kill: memory is finite, and running out of it costs only the process that took it.
// A private writable mapping larger than RAM fails at mmap with ENOMEM (heuristic overcommit);
// PROT_NONE and MAP_NORESERVE reservations are not charged. A process that keeps mapping and
// touching memory is killed by the OOM killer with SIGKILL; a bystander keeps its memory intact,
// the parent goes on, the memory comes back, and fork and touch work again.
// usertest: timeout 120
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include "lib/facts.h"
#include "lib/proc.h"

static long meminfo_kb(const char* key) {
    char buf[4096];
    long fd = sc(SYS_open, "/proc/meminfo", O_RDONLY, 0);
    long n = fd < 0 ? 0 : sc(SYS_read, fd, buf, sizeof buf - 1);
    sc(SYS_close, fd);
    buf[n > 0 ? n : 0] = 0;
    char* at = strstr(buf, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

static const char* map_result(size_t size, int prot, int flags) {
    void* p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED)
        return errname(errno);
    munmap(p, size);
    return "mapped";
}

static void touch(char* p, size_t size, char value) {
    for (size_t i = 0; i < size; i += 4096)
        p[i] = value;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sysinfo si;
    sysinfo(&si);
    size_t ram = (size_t)si.totalram * si.mem_unit;
    printf("private writable mapping of twice the RAM: %s\n", map_result(2 * ram, PROT_READ | PROT_WRITE, 0));
    printf("PROT_NONE mapping of twice the RAM: %s\n", map_result(2 * ram, PROT_NONE, 0));
    printf("MAP_NORESERVE mapping of twice the RAM: %s\n",
           map_result(2 * ram, PROT_READ | PROT_WRITE, MAP_NORESERVE));
    long brk = sc(SYS_brk, 0);
    printf("brk up by twice the RAM: %s\n", sc(SYS_brk, brk + 2 * ram) == brk ? "refused" : "moved");

    long before = meminfo_kb("MemFree:");
    int gate[2];
    sc(SYS_pipe2, gate, 0);
    long bystander = raw_fork();
    if (bystander == 0) {
        size_t size = 1 << 20;
        char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        touch(p, size, 'b');
        hear(gate[0]);
        for (size_t i = 0; i < size; i += 4096)
            if (p[i] != 'b')
                die(1);
        die(0);
    }
    long hog = raw_fork();
    if (hog == 0) {
        for (;;) {
            size_t size = 16 << 20;
            char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                die(3);
            touch(p, size, 'h');
        }
    }
    printf("the hog: %s\n", status_text(reap(hog)));
    tell(gate[1]);
    printf("the bystander: %s\n", status_text(reap(bystander)));

    // Linux may give some of it back a little later: give it a moment.
    printf("MemFree back within 4 MiB: %s\n", yes(WAIT_FOR(meminfo_kb("MemFree:") > before - 4096)));
    long again = raw_fork();
    if (again == 0) {
        size_t size = 32 << 20;
        char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            die(2);
        touch(p, size, 'a');
        die(0);
    }
    printf("fork and touch 32 MiB afterwards: %s\n", status_text(reap(again)));
    return 0;
}
