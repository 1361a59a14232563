// statfs: what statfs(2) and fstatfs(2) say of each kind of file system: the magic number, the
// block size, a tmpfs's limits and what is free in it (which follows writes and unlinks), the
// flags of the mount (read-only, relatime; none for an unlimited tmpfs), a pipe's and a pidfd's file system; EFAULT, ENOENT,
// EBADF for bad arguments.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "lib/facts.h"
#include "lib/proc.h"

static void show(const char* what, long r, const struct statfs* s) {
    if (r < 0) {
        printf("%s: %s\n", what, res(r));
        return;
    }
    printf("%s: type %#lx bsize %ld frsize %ld namelen %ld flags %#lx blocks %ld bfree %ld bavail %ld files %ld ffree %ld\n",
           what, (long)s->f_type, (long)s->f_bsize, (long)s->f_frsize, (long)s->f_namelen, (long)s->f_flags,
           (long)s->f_blocks, (long)s->f_bfree, (long)s->f_bavail, (long)s->f_files, (long)s->f_ffree);
}

static void path(const char* p) {
    struct statfs s;
    long r = sc(SYS_statfs, p, &s);
    show(p, r, &s);
}

int main(void) {
    mkdir("/tmp/statfs-sf", 0755);
    printf("mount tmpfs size=64k,nr_inodes=10: %s\n", res(sc(SYS_mount, "none", "/tmp/statfs-sf", "tmpfs", 0, "size=64k,nr_inodes=10")));
    path("/tmp/statfs-sf");
    int fd = open("/tmp/statfs-sf/f", O_RDWR | O_CREAT, 0644);
    char buf[8192] = {0};
    write(fd, buf, sizeof buf);
    struct statfs s;
    long r = sc(SYS_fstatfs, fd, &s);
    show("fstatfs after 8 KiB", r, &s);
    close(fd);
    unlink("/tmp/statfs-sf/f");
    path("/tmp/statfs-sf");
    mkdir("/tmp/statfs-ro", 0755);
    printf("mount tmpfs read-only, unlimited: %s\n",
           res(sc(SYS_mount, "none", "/tmp/statfs-ro", "tmpfs", MS_RDONLY, "size=0,nr_inodes=0")));
    path("/tmp/statfs-ro");
    mkdir("/tmp/statfs-rf", 0755);
    printf("mount ramfs: %s\n", res(sc(SYS_mount, "none", "/tmp/statfs-rf", "ramfs", 0, "")));
    path("/tmp/statfs-rf");
    mkdir("/tmp/statfs-p", 0755);
    printf("mount proc: %s\n", res(sc(SYS_mount, "proc", "/tmp/statfs-p", "proc", 0, "")));
    path("/tmp/statfs-p");
    path("/tmp/statfs-p/self");
    int p[2];
    pipe(p);
    r = sc(SYS_fstatfs, p[0], &s);
    printf("a pipe: type %#lx\n", r < 0 ? r : (long)s.f_type);
    long pidfd = sc(SYS_pidfd_open, sc(SYS_getpid), 0);
    r = sc(SYS_fstatfs, pidfd, &s);
    printf("a pidfd: type %#lx\n", r < 0 ? r : (long)s.f_type);
    path("/nonexistent");
    printf("NULL path: %s\n", res(sc(SYS_statfs, 0, &s)));
    printf("NULL buffer: %s\n", res(sc(SYS_statfs, "/tmp/statfs-sf", 0)));
    printf("bad fd: %s\n", res(sc(SYS_fstatfs, 99, &s)));
    printf("fstatfs NULL buffer: %s\n", res(sc(SYS_fstatfs, p[0], 0)));
    return 0;
}
