// mmap-minaddr: mappings below vm.mmap_min_addr (65536 on Debian) need CAP_SYS_RAWIO: root may
// map page 1 with MAP_FIXED, an unprivileged user gets EPERM there (and a hint there is moved
// up, not refused).
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/mman.h>

static long try_map(void* at, int flags) {
    long r = sc(SYS_mmap, at, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (r < 0)
        return r;
    long low = r < 65536;
    sc(SYS_munmap, r, PAGE);
    return low;
}

int main(void) {
    printf("root, MAP_FIXED at 0x1000: %s\n", res(try_map((void*)0x1000, MAP_FIXED)));
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setresuid, 1000, 1000, 1000);
        long fixed = try_map((void*)0x1000, MAP_FIXED);
        long hint = try_map((void*)0x1000, 0);
        long noreplace = try_map((void*)0x2000, MAP_FIXED_NOREPLACE);
        printf("uid 1000, MAP_FIXED at 0x1000: %s; a hint there maps low: %s; MAP_FIXED_NOREPLACE: %s\n",
               res(fixed), res(hint), res(noreplace));
        fflush(stdout);
        die(0);
    }
    reap(pid);
    return 0;
}
