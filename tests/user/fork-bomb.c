// fork-bomb: an unprivileged fork bomb stops at its RLIMIT_NPROC with EAGAIN, root can still
// fork while it sits there, and killing the bomb's process group gives everything back: the
// user can fork again and free memory returns. A root thread bomb, which no RLIMIT_NPROC stops,
// meets max_threads (EAGAIN), and the system recovers from it as well.
// usertest: timeout 120
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "lib/facts.h"
#include "lib/proc.h"

#define LIMIT 64

static long meminfo_kb(const char* key) {
    char buf[4096];
    long fd = sc(SYS_open, "/proc/meminfo", O_RDONLY, 0);
    long n = fd < 0 ? 0 : sc(SYS_read, fd, buf, sizeof buf - 1);
    sc(SYS_close, fd);
    buf[n > 0 ? n : 0] = 0;
    char* at = strstr(buf, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

// Every bomb process forks until fork fails, reports a 'c' for each child it made (so every
// process is counted before its parent can report failure) and an 'e' with the failure's errno
// as the next byte, then waits to be killed.
static void bomb(int report) {
    char c = 'c';
    sc(SYS_write, report, &c, 1);  // the leader
    for (;;) {
        long r = raw_fork();
        if (r > 0)
            sc(SYS_write, report, &c, 1);
        if (r < 0) {
            char e[2] = {'e', (char)-r};
            sc(SYS_write, report, e, 2);
            for (;;)
                sc(SYS_pause);
        }
    }
}

static int reap_all(void) {
    int n = 0;
    for (;;) {
        int st;
        long r = sc(SYS_wait4, -1, &st, __WALL, 0);
        if (r == -EINTR)
            continue;
        if (r < 0)
            return n;
        n++;
    }
}

static void* blocked(void* gate) {
    hear(*(int*)gate);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    sc(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    long before = meminfo_kb("MemFree:");

    int report[2];
    sc(SYS_pipe2, report, 0);
    long leader = raw_fork();
    if (leader == 0) {
        sc(SYS_setpgid, 0, 0);
        struct rlimit lim = {LIMIT, LIMIT};
        sc(SYS_setrlimit, RLIMIT_NPROC, &lim);
        sc(SYS_setresgid, 65534, 65534, 65534);
        sc(SYS_setresuid, 65534, 65534, 65534);
        bomb(report[1]);
    }
    sc(SYS_close, report[1]);
    int processes = 0, failures = 0, other = 0;
    while (failures < processes || processes == 0) {
        char c;
        if (sc(SYS_read, report[0], &c, 1) != 1)
            break;
        if (c == 'c') {
            processes++;
        } else {
            sc(SYS_read, report[0], &c, 1);
            failures++;
            if (c != EAGAIN)
                other++;
        }
    }
    printf("unprivileged bomb: %d processes, each stopped by EAGAIN: %s\n", processes, yes(other == 0));
    long root_child = raw_fork();
    if (root_child == 0)
        die(7);
    printf("root forks meanwhile: %s\n", status_text(reap(root_child)));
    sc(SYS_kill, -leader, SIGKILL);
    printf("reaped after killing its group: %d\n", reap_all());

    long user = raw_fork();
    if (user == 0) {
        struct rlimit lim = {LIMIT, LIMIT};
        sc(SYS_setrlimit, RLIMIT_NPROC, &lim);
        sc(SYS_setresuid, 65534, 65534, 65534);
        long c = raw_fork();
        if (c == 0)
            die(0);
        die(c > 0 && reap(c) == 0 ? 0 : 1);
    }
    printf("the user forks again: %s\n", status_text(reap(user)));

    // Root: threads with small stacks until the kernel says no.
    int gate[2], done[2];
    sc(SYS_pipe2, gate, 0);
    sc(SYS_pipe2, done, 0);
    long threads = raw_fork();
    if (threads == 0) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 16384);
        int n = 0, err = 0;
        for (;;) {
            pthread_t t;
            err = pthread_create(&t, &attr, blocked, &gate[0]);
            if (err)
                break;
            n++;
        }
        printf("root thread bomb: stopped by %s, more than 1000 threads: %s\n", errname(err), yes(n > 1000));
        tell(done[1]);
        for (;;)
            sc(SYS_pause);
    }
    hear(done[0]);
    sc(SYS_kill, threads, SIGKILL);
    printf("thread bomb: %s\n", status_text(reap(threads)));
    // Linux frees task structures and stacks a little later (RCU, caches): give it a moment.
    // What a leak of the bomb's threads would cost is far above the margin.
    printf("MemFree back within 16 MiB: %s\n", yes(WAIT_FOR(meminfo_kb("MemFree:") > before - 16384)));
    long again = raw_fork();
    if (again == 0)
        die(0);
    printf("fork afterwards: %s\n", status_text(reap(again)));
    return 0;
}
