// pipe-fork: pipes between processes: a child's output read to EOF (which needs every write end
// closed, the parent's copy too), 4 MiB through a pipe in both directions with a checksum, a
// blocked writer woken as the reader drains, writes of up to PIPE_BUF (4096) bytes from two
// writers never interleaved, and a reader blocked in read woken by EOF when the last writer
// exits.
#include "lib/facts.h"
#include "lib/proc.h"

static unsigned sum(const unsigned char* p, long n, unsigned s) {
    for (long i = 0; i < n; ++i)
        s = s * 31 + p[i];
    return s;
}

int main(void) {
    int p[2];
    sc(SYS_pipe2, p, 0);
    long pid = raw_fork();
    if (pid == 0) {
        sc(SYS_close, p[0]);
        for (int i = 0; i < 3; ++i)
            sc(SYS_write, p[1], "line\n", 5);
        die(0);
    }
    sc(SYS_close, p[1]);  // while we hold a write end, the child's exit brings no EOF
    char buf[64];
    long n = 0, r;
    while ((r = sc(SYS_read, p[0], buf + n, sizeof buf - (size_t)n)) > 0)
        n += r;
    printf("read the child's output to EOF: %ld bytes, then %s\n", n, res(r));
    reap(pid);
    sc(SYS_close, p[0]);

    printf("-- 4 MiB each way --\n");
    static unsigned char block[65536];
    for (int i = 0; i < 65536; ++i)
        block[i] = (unsigned char)(i * 13 + 5);
    unsigned want = 0;
    for (int k = 0; k < 64; ++k)
        want = sum(block, 65536, want);
    static unsigned char in[65536];
    for (int dir = 0; dir < 2; ++dir) {
        sc(SYS_pipe2, p, 0);
        int result[2];
        sc(SYS_pipe2, result, 0);
        pid = raw_fork();
        int writer_is_child = dir == 1;
        if (pid == 0) {
            if (writer_is_child) {
                sc(SYS_close, p[0]);
                for (int k = 0; k < 64; ++k)
                    for (long off = 0; off < 65536;)
                        off += sc(SYS_write, p[1], block + off, 65536 - off);
                die(0);
            }
            sc(SYS_close, p[1]);
            unsigned s2 = 0;
            long got = 0;
            while ((r = sc(SYS_read, p[0], in, 8192)) > 0) {
                s2 = sum(in, r, s2);
                got += r;
            }
            sc(SYS_write, result[1], &s2, sizeof s2);
            die(got == (4L << 20) ? 0 : 1);
        }
        unsigned s2 = 0;
        long got = 0;
        if (writer_is_child) {
            sc(SYS_close, p[1]);
            while ((r = sc(SYS_read, p[0], in, sizeof in)) > 0) {
                s2 = sum(in, r, s2);
                got += r;
            }
            sc(SYS_close, p[0]);
        } else {
            sc(SYS_close, p[0]);
            for (int k = 0; k < 64; ++k)
                for (long off = 0; off < 65536;)
                    off += sc(SYS_write, p[1], block + off, 65536 - off);
            sc(SYS_close, p[1]);
            sc(SYS_read, result[0], &s2, sizeof s2);
            got = 4L << 20;
        }
        int st = reap(pid);
        printf("%s: %ld bytes, checksum matches %s, child %s\n",
               writer_is_child ? "child to parent" : "parent to child", got, yes(s2 == want), status_text(st));
        sc(SYS_close, result[0]);
        sc(SYS_close, result[1]);
    }

    printf("-- PIPE_BUF atomicity --\n");
    sc(SYS_pipe2, p, 0);
    long w[2];
    for (int k = 0; k < 2; ++k) {
        w[k] = raw_fork();
        if (w[k] == 0) {
            static unsigned char rec[4096];
            memset(rec, 'A' + k, sizeof rec);
            for (int i = 0; i < 64; ++i)
                sc(SYS_write, p[1], rec, sizeof rec);
            die(0);
        }
    }
    sc(SYS_close, p[1]);
    static unsigned char rec[4096];
    int records = 0, mixed = 0;
    long fill = 0;
    while ((r = sc(SYS_read, p[0], rec + fill, sizeof rec - (size_t)fill)) > 0) {
        fill += r;
        if (fill == sizeof rec) {
            for (int i = 1; i < 4096; ++i)
                mixed |= rec[i] != rec[0];
            ++records;
            fill = 0;
        }
    }
    reap(w[0]);
    reap(w[1]);
    printf("128 records of 4096 bytes from two writers: %d whole records, none mixed: %s\n", records, yes(!mixed));

    printf("-- a reader blocked in read --\n");
    sc(SYS_pipe2, p, 0);
    pid = raw_fork();
    if (pid == 0) {
        sc(SYS_close, p[1]);
        char c;
        long rr = sc(SYS_read, p[0], &c, 1);
        die(rr == 0 ? 0 : 1);
    }
    sc(SYS_close, p[0]);
    sleep_ms(50);
    sc(SYS_close, p[1]);
    printf("woken by EOF when we close the last write end: %s\n", status_text(reap(pid)));
    return 0;
}
