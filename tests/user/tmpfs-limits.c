// tmpfs-limits: a tmpfs holds at most its size= (or nr_blocks=) pages and nr_inodes= inodes;
// past them writes stop short and then fail with ENOSPC, a shared mapping's new page is SIGBUS,
// creating a file or a second hard link is ENOSPC; truncating and unlinking give the room back.
// A tmpfs mounted without options holds half of RAM. Bad option values are EINVAL.
// usertest: timeout 60
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "lib/facts.h"
#include "lib/proc.h"

static char buf[2 << 20];

static const char* try_mount(const char* dir, const char* options) {
    mkdir(dir, 0755);
    return res(sc(SYS_mount, "none", dir, "tmpfs", 0, options));
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    memset(buf, 'x', sizeof buf);
    printf("mount size=1m: %s\n", try_mount("/tmp/tmpfs-limits-small", "size=1m"));
    int fd = open("/tmp/tmpfs-limits-small/f", O_RDWR | O_CREAT, 0644);
    printf("write 2 MiB: %s\n", res(sc(SYS_write, fd, buf, 2 << 20)));
    printf("write 1 byte more: %s\n", res(sc(SYS_write, fd, buf, 1)));
    printf("ftruncate to 0: %s\n", res(sc(SYS_ftruncate, fd, 0)));
    printf("write 1 MiB: %s\n", res(sc(SYS_pwrite64, fd, buf, 1 << 20, 0)));
    int second = open("/tmp/tmpfs-limits-small/g", O_RDWR | O_CREAT, 0644);
    printf("a second file, 1 byte: %s\n", res(sc(SYS_write, second, buf, 1)));
    close(second);
    close(fd);
    printf("unlink the first: %s\n", res(sc(SYS_unlink, "/tmp/tmpfs-limits-small/f")));
    int g = open("/tmp/tmpfs-limits-small/g", O_RDWR);
    printf("the second takes 1 MiB more: %s\n", res(sc(SYS_pwrite64, g, buf, 1 << 20, 1)));
    close(g);
    unlink("/tmp/tmpfs-limits-small/g");

    // A shared mapping past the limit: the file's size is free, its pages are not.
    fd = open("/tmp/tmpfs-limits-small/m", O_RDWR | O_CREAT, 0644);
    sc(SYS_ftruncate, fd, 2 << 20);
    char* map = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    long pid = raw_fork();
    if (pid == 0) {
        for (size_t i = 0; i < (2 << 20); i += 4096) {
            map[i] = 1;
            if (i == (1 << 20) - 4096)
                printf("touched 1 MiB of the mapping\n");
        }
        die(0);
    }
    printf("touching the rest: %s\n", status_text(reap(pid)));
    munmap(map, 2 << 20);
    close(fd);
    unlink("/tmp/tmpfs-limits-small/m");

    printf("mount nr_inodes=4: %s\n", try_mount("/tmp/tmpfs-limits-few", "nr_inodes=4"));
    int made = 0;
    long r;
    char name[64];
    for (;;) {
        snprintf(name, sizeof name, "/tmp/tmpfs-limits-few/%d", made);
        r = sc(SYS_open, name, O_RDWR | O_CREAT, 0644);
        if (r < 0)
            break;
        close(r);
        made++;
    }
    printf("files made: %d, then %s\n", made, res(r));
    printf("mkdir: %s\n", res(sc(SYS_mkdir, "/tmp/tmpfs-limits-few/d", 0755)));
    printf("a hard link: %s\n", res(sc(SYS_link, "/tmp/tmpfs-limits-few/0", "/tmp/tmpfs-limits-few/zero")));
    printf("unlink one: %s\n", res(sc(SYS_unlink, "/tmp/tmpfs-limits-few/1")));
    printf("now a hard link: %s\n", res(sc(SYS_link, "/tmp/tmpfs-limits-few/0", "/tmp/tmpfs-limits-few/zero")));
    printf("and another file: %s\n", res(sc(SYS_open, "/tmp/tmpfs-limits-few/x", O_RDWR | O_CREAT, 0644)));
    printf("unlink the link: %s\n", res(sc(SYS_unlink, "/tmp/tmpfs-limits-few/zero")));
    printf("then a file: %s\n", res(sc(SYS_open, "/tmp/tmpfs-limits-few/y", O_RDWR | O_CREAT, 0644)));

    printf("mount nr_blocks=16: %s\n", try_mount("/tmp/tmpfs-limits-blocks", "nr_blocks=16"));
    fd = open("/tmp/tmpfs-limits-blocks/f", O_RDWR | O_CREAT, 0644);
    printf("write 2 MiB: %s\n", res(sc(SYS_write, fd, buf, 2 << 20)));
    close(fd);
    printf("size=abc: %s\n", try_mount("/tmp/tmpfs-limits-bad1", "size=abc"));
    printf("size=1x: %s\n", try_mount("/tmp/tmpfs-limits-bad2", "size=1x"));
    printf("nr_inodes=1k,size=10%%: %s\n", try_mount("/tmp/tmpfs-limits-good", "nr_inodes=1k,size=10%"));
    printf("size=0 (no limit): %s\n", try_mount("/tmp/tmpfs-limits-nolimit", "size=0"));

    struct sysinfo si;
    sysinfo(&si);
    uint64_t ram = (uint64_t)si.totalram * si.mem_unit;
    printf("mount without options: %s\n", try_mount("/tmp/tmpfs-limits-default", ""));
    fd = open("/tmp/tmpfs-limits-default/f", O_RDWR | O_CREAT, 0644);
    uint64_t total = 0;
    for (;;) {
        r = sc(SYS_write, fd, buf, 1 << 20);
        if (r <= 0)
            break;
        total += (uint64_t)r;
    }
    printf("the default tmpfs filled: %s, holding between 45%% and 55%% of RAM: %s\n", res(r),
           yes(total > ram * 45 / 100 && total < ram * 55 / 100));
    close(fd);
    unlink("/tmp/tmpfs-limits-default/f");
    return 0;
}
