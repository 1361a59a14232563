// syslog: the kernel log through syslog(2), as dmesg reads it. Root may read it all (lines
// "<level>[seconds.micros] text"), clear it, read it piecemeal, ask its sizes and set the
// console's level; a user without CAP_SYSLOG may only open and close it (dmesg_restrict, as
// Debian sets it). EINVAL for bad actions, lengths and levels, EFAULT for wild buffers.
// usertest: file /bin/busybox /bin/busybox
#include "lib/facts.h"
#include "lib/proc.h"

static char buf[1 << 18];

static int well_formed(const char* text, long n) {
    int lines = 0;
    for (long i = 0; i < n;) {
        const char* line = text + i;
        if (line[0] != '<' || line[1] < '0' || line[1] > '7' || line[2] != '>' || line[3] != '[')
            return -1;
        const char* close = memchr(line, ']', (size_t)(n - i));
        const char* dot = memchr(line, '.', (size_t)(n - i));
        if (!close || !dot || dot > close || close - dot != 7)
            return -1;
        const char* end = memchr(line, '\n', (size_t)(n - i));
        if (!end)
            return -1;
        i = end - text + 1;
        lines++;
    }
    return lines;
}

int main(void) {
    long size = sc(SYS_syslog, 10, 0, 0);
    printf("SIZE_BUFFER positive: %s\n", yes(size > 0));
    long n = sc(SYS_syslog, 3, buf, sizeof buf);
    printf("READ_ALL: some bytes %s, every line <level>[time] text: %s\n", yes(n > 0), yes(well_formed(buf, n) > 0));
    long small = sc(SYS_syslog, 3, buf, 100);
    printf("READ_ALL into 100 bytes: at most 100 %s, whole lines %s\n", yes(small >= 0 && small <= 100),
           yes(small == 0 || well_formed(buf, small) > 0));
    printf("READ_ALL length 0: %s\n", res(sc(SYS_syslog, 3, buf, 0)));
    printf("READ_ALL NULL: %s\n", res(sc(SYS_syslog, 3, 0, 10)));
    printf("READ_ALL length -1: %s\n", res(sc(SYS_syslog, 3, buf, -1)));
    printf("READ_ALL wild buffer: %s\n", res(sc(SYS_syslog, 3, 16, sizeof buf)));
    printf("READ_ALL kernel buffer: %s\n", res(sc(SYS_syslog, 3, 0xffff800000000000ul, 100)));
    printf("SIZE_UNREAD not negative: %s\n", yes(sc(SYS_syslog, 9, 0, 0) >= 0));
    printf("READ 10 bytes: %s\n", res(sc(SYS_syslog, 2, buf, 10)));
    printf("action 11: %s, action -1: %s\n", res(sc(SYS_syslog, 11, 0, 0)), res(sc(SYS_syslog, -1, 0, 0)));
    printf("CONSOLE_LEVEL 0: %s, 9: %s\n", res(sc(SYS_syslog, 8, 0, 0)), res(sc(SYS_syslog, 8, 0, 9)));
    printf("CONSOLE_OFF: %s, CONSOLE_ON: %s\n", res(sc(SYS_syslog, 6, 0, 0)), res(sc(SYS_syslog, 7, 0, 0)));
    printf("OPEN: %s, CLOSE: %s\n", res(sc(SYS_syslog, 1, 0, 0)), res(sc(SYS_syslog, 0, 0, 0)));
    printf("CLEAR: %s\n", res(sc(SYS_syslog, 5, 0, 0)));
    printf("READ_ALL after CLEAR: %s\n", res(sc(SYS_syslog, 3, buf, sizeof buf)));
    printf("READ_CLEAR: %s\n", res(sc(SYS_syslog, 4, buf, sizeof buf)));

    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_setresuid, 1000, 1000, 1000);
        printf("uid 1000: READ_ALL %s, SIZE_BUFFER %s, CLEAR %s, action 99 %s, OPEN %s, CLOSE %s\n",
               res(sc(SYS_syslog, 3, buf, 100)), res(sc(SYS_syslog, 10, 0, 0)), res(sc(SYS_syslog, 5, 0, 0)),
               res(sc(SYS_syslog, 99, 0, 0)), res(sc(SYS_syslog, 1, 0, 0)), res(sc(SYS_syslog, 0, 0, 0)));
        die(0);
    }
    reap(pid);
    pid = raw_fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        char* args[] = {"dmesg", NULL};
        execve("/bin/busybox", args, NULL);
        die(127);
    }
    printf("busybox dmesg: %s\n", status_text(reap(pid)));
    return 0;
}
