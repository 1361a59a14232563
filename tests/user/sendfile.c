// sendfile: bytes from a file to a file or a pipe without passing through user space. With an
// offset pointer the input's position stays and the pointer moves; without one the position
// moves. Linux's errnos: EBADF for the wrong access modes, EINVAL for an O_APPEND output, a pipe
// as input or a negative offset, ESPIPE for an offset on an input without positions, EFAULT for
// a wild offset pointer.
#include <sys/sendfile.h>

#include "lib/facts.h"
#include "lib/proc.h"

static int make_file(const char* path, const char* text) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, text, strlen(text));
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static const char* contents(const char* path) {
    static char buf[256];
    int fd = open(path, O_RDONLY);
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

int main(void) {
    int in = make_file("/tmp/sf-in", "0123456789abcdef");
    int out = open("/tmp/sf-out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    printf("whole file: %s\n", res(sc(SYS_sendfile, out, in, 0, 100)));
    printf("  out: \"%s\", in position %s\n", contents("/tmp/sf-out"), res(lseek(in, 0, SEEK_CUR)));
    printf("at EOF: %s\n", res(sc(SYS_sendfile, out, in, 0, 100)));

    int64_t off = 4;
    printf("6 bytes from offset 4: %s\n", res(sc(SYS_sendfile, out, in, &off, 6)));
    printf("  offset now %lld, in position %s, out: \"%s\"\n", (long long)off, res(lseek(in, 0, SEEK_CUR)),
           contents("/tmp/sf-out"));
    printf("count 0: %s\n", res(sc(SYS_sendfile, out, in, &off, 0)));

    int p[2];
    pipe(p);
    lseek(in, 10, SEEK_SET);
    printf("file to pipe: %s\n", res(sc(SYS_sendfile, p[1], in, 0, 4)));
    char buf[16] = {0};
    read(p[0], buf, sizeof buf - 1);
    printf("  the pipe holds \"%s\"\n", buf);
    write(p[1], "xy", 2);
    printf("pipe as input: %s\n", res(sc(SYS_sendfile, out, p[0], 0, 2)));
    printf("pipe as input with an offset: %s\n", res(sc(SYS_sendfile, out, p[0], &off, 2)));

    int append = open("/tmp/sf-out", O_WRONLY | O_APPEND);
    printf("O_APPEND output: %s\n", res(sc(SYS_sendfile, append, in, 0, 2)));
    int rdonly = open("/tmp/sf-out", O_RDONLY);
    printf("read-only output: %s\n", res(sc(SYS_sendfile, rdonly, in, 0, 2)));
    int wronly = open("/tmp/sf-in", O_WRONLY);
    printf("write-only input: %s\n", res(sc(SYS_sendfile, out, wronly, 0, 2)));
    printf("bad input fd: %s\n", res(sc(SYS_sendfile, out, 99, 0, 2)));
    printf("bad output fd: %s\n", res(sc(SYS_sendfile, 99, in, 0, 2)));
    printf("wild offset pointer: %s\n", res(sc(SYS_sendfile, out, in, 16, 2)));
    off = -1;
    printf("negative offset: %s\n", res(sc(SYS_sendfile, out, in, &off, 2)));
    return 0;
}
