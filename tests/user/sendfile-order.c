// sendfile-order: copying between descriptors as Linux 6.1 does it: file to pipe and file to file, at
// the input's position (which moves) or at an offset (which moves instead), short at the end
// of the input, and the errors in Linux's order (EFAULT, EBADF, ESPIPE, EINVAL).
#include "lib/facts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sendfile.h>

#define DIR_ "/tmp/sendfile"

static long do_sendfile(int out, int in, off_t* offset, size_t count) {
    return sc(SYS_sendfile, out, in, offset, count);
}

int main(void) {
    mkdir(DIR_, 0755);
    int in = open(DIR_ "/in", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static char data[10000];
    for (size_t i = 0; i < sizeof data; ++i)
        data[i] = 'a' + i % 26;
    write(in, data, sizeof data);
    lseek(in, 0, SEEK_SET);

    int p[2];
    pipe(p);
    printf("file to pipe, 100: %s\n", res(do_sendfile(p[1], in, NULL, 100)));
    printf("  input position: %ld\n", (long)lseek(in, 0, SEEK_CUR));
    char buf[200] = {0};
    long n = read(p[0], buf, sizeof buf);
    printf("  pipe holds %ld bytes, first %.5s\n", n, buf);

    off_t off = 26;
    printf("file to pipe at offset 26, 10: %s\n", res(do_sendfile(p[1], in, &off, 10)));
    printf("  offset now %ld, input position still %ld\n", (long)off, (long)lseek(in, 0, SEEK_CUR));
    n = read(p[0], buf, sizeof buf);
    printf("  got %.*s\n", (int)n, buf);

    int out = open(DIR_ "/out", O_RDWR | O_CREAT | O_TRUNC, 0644);
    lseek(in, 0, SEEK_SET);
    printf("file to file, 1 MiB asked: %s\n", res(do_sendfile(out, in, NULL, 1 << 20)));
    printf("  output position %ld, input position %ld\n", (long)lseek(out, 0, SEEK_CUR), (long)lseek(in, 0, SEEK_CUR));
    static char back[10000];
    pread(out, back, sizeof back, 0);
    printf("  same bytes: %s\n", yes(!memcmp(back, data, sizeof data)));
    printf("at the end: %s\n", res(do_sendfile(out, in, NULL, 10)));
    printf("count 0: %s\n", res(do_sendfile(out, in, NULL, 0)));

    int proc = open("/proc/self/comm", O_RDONLY);
    printf("from /proc/self/comm (no splice_read): %s\n", res(do_sendfile(p[1], proc, NULL, 100)));
    close(proc);

    printf("-- errors\n");
    printf("bad offset pointer, bad fds: %s\n", res(do_sendfile(99, 98, (off_t*)8, 10)));
    printf("bad input fd: %s\n", res(do_sendfile(out, 99, NULL, 10)));
    printf("bad output fd: %s\n", res(do_sendfile(99, in, NULL, 10)));
    int wo = open(DIR_ "/in", O_WRONLY);
    printf("input not readable: %s\n", res(do_sendfile(out, wo, NULL, 10)));
    int ro = open(DIR_ "/out", O_RDONLY);
    printf("output not writable: %s\n", res(do_sendfile(ro, in, NULL, 10)));
    off = 0;
    printf("offset with a pipe as input: %s\n", res(do_sendfile(out, p[0], &off, 10)));
    write(p[1], "xyz", 3);
    printf("a pipe as input: %s\n", res(do_sendfile(out, p[0], NULL, 10)));
    off = -1;
    printf("negative offset: %s\n", res(do_sendfile(out, in, &off, 10)));
    int app = open(DIR_ "/out", O_WRONLY | O_APPEND);
    lseek(in, 0, SEEK_SET);
    printf("O_APPEND output: %s\n", res(do_sendfile(app, in, NULL, 10)));
    int dir = open(DIR_, O_RDONLY);
    printf("a directory as input: %s\n", res(do_sendfile(out, dir, NULL, 10)));
    close(dir);
    close(app);
    close(wo);
    close(ro);
    close(out);
    close(in);
    close(p[0]);
    close(p[1]);
    unlink(DIR_ "/in");
    unlink(DIR_ "/out");
    rmdir(DIR_);
    return 0;
}
