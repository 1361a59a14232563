// waitid-fields: what waitid(2) writes into the caller's siginfo and rusage. Linux writes six
// fields of the siginfo (si_signo, si_errno, si_code, si_pid, si_uid, si_status) whatever
// happened, zeroes when no child was found (WNOHANG) and after an error too, and leaves the rest
// of the buffer alone; the rusage only when a child was found.
#include "lib/facts.h"
#include "lib/proc.h"

static unsigned char info[128];
static unsigned char usage[144];

static void fill(void) {
    memset(info, 0xaa, sizeof info);
    memset(usage, 0xaa, sizeof usage);
}

static int untouched(const unsigned char* p, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
        if (p[i] != 0xaa)
            return 0;
    return 1;
}

static void show(const char* what, long r) {
    int32_t signo, err, code, pid, uid, status;
    memcpy(&signo, info, 4);
    memcpy(&err, info + 4, 4);
    memcpy(&code, info + 8, 4);
    memcpy(&pid, info + 16, 4);
    memcpy(&uid, info + 20, 4);
    memcpy(&status, info + 24, 4);
    printf("%s: %s; signo %d errno %d code %d pid set %s uid %d status %d\n", what, res(r), signo, err, code,
           yes(pid != 0 && pid != (int32_t)0xaaaaaaaa), uid, status);
    printf("  bytes 12-15 kept %s, 28-127 kept %s, rusage kept %s\n", yes(untouched(info, 12, 16)),
           yes(untouched(info, 28, 128)), yes(untouched(usage, 0, sizeof usage)));
}

int main(void) {
    int to_child[2];
    sc(SYS_pipe2, to_child, 0);
    long pid = raw_fork();
    if (pid == 0) {
        char c;
        sc(SYS_read, to_child[0], &c, 1);
        die(7);
    }
    fill();
    show("WNOHANG, child running", sc(SYS_waitid, P_PID, pid, info, WEXITED | WNOHANG, usage));
    fill();
    show("bad options", sc(SYS_waitid, P_PID, pid, info, 0, usage));
    fill();
    show("bad idtype", sc(SYS_waitid, 42, pid, info, WEXITED, usage));
    tell(to_child[1]);
    fill();
    show("child exited", sc(SYS_waitid, P_PID, pid, info, WEXITED, usage));
    fill();
    show("no child left", sc(SYS_waitid, P_ALL, 0, info, WEXITED, usage));
    printf("bad siginfo pointer, no child: %s\n", res(sc(SYS_waitid, P_ALL, 0, 16, WEXITED, 0)));
    return 0;
}
