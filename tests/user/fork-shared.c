// fork-shared: MAP_SHARED memory stays shared across fork: anonymous (both directions, a
// grandchild too, after the child exits) and a tmpfs file (mapping, write(2) and read(2) all
// coherent, also with a program the child execs that maps the file again). The mappings
// themselves are per process: the child's mprotect and munmap leave the parent's alone.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>

#define FILE_PATH "/tmp/fork-shared/file"

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "exec-child")) {
        // Exec'd by a child: map the file again, see the parent's words, write ours.
        int fd = (int)sc(SYS_open, FILE_PATH, O_RDWR);
        char* m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        int ok = m != MAP_FAILED && !memcmp(m + 100, "before exec", 11);
        memcpy(m + 200, "from the exec'd program", 23);
        return ok ? 0 : 1;
    }
    int to_child[2], to_parent[2];
    sc(SYS_pipe2, to_child, 0);
    sc(SYS_pipe2, to_parent, 0);

    printf("-- MAP_SHARED|MAP_ANONYMOUS, 1 MiB --\n");
    char* sh = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    strcpy(sh, "parent before fork");
    long pid = raw_fork();
    if (pid == 0) {
        int saw = !strcmp(sh, "parent before fork");
        strcpy(sh + 4096, "child wrote");
        strcpy(sh + (1 << 20) - 64, "child wrote the last page");
        tell(to_parent[1]);
        hear(to_child[0]);
        saw |= !strcmp(sh + 8192, "parent wrote after") << 1;
        long g = raw_fork();
        if (g == 0) {
            strcpy(sh + 12288, "grandchild wrote");
            die(0);
        }
        int st;
        sc(SYS_wait4, g, &st, 0, 0);
        die(saw);
    }
    hear(to_parent[0]);
    printf("child wrote pages 1 and 255: we see \"%s\" and \"%s\"\n", sh + 4096, sh + (1 << 20) - 64);
    strcpy(sh + 8192, "parent wrote after");
    tell(to_child[1]);
    int st = reap(pid);
    printf("child saw our write before fork %s, after fork %s\n", yes(WEXITSTATUS(st) & 1), yes(WEXITSTATUS(st) & 2));
    printf("grandchild wrote: we see \"%s\"\n", sh + 12288);
    strcpy(sh, "still ours");
    printf("after they exited the mapping is ours: \"%s\"\n", sh);

    printf("-- the child's mprotect and munmap are its own --\n");
    pid = raw_fork();
    if (pid == 0) {
        long r1 = sc(SYS_mprotect, sh, PAGE, PROT_READ);
        long r2 = sc(SYS_munmap, sh + PAGE, PAGE);
        die(r1 == 0 && r2 == 0 ? 0 : 1);
    }
    printf("child: %s\n", status_text(reap(pid)));
    sh[0] = 'S';
    sh[PAGE] = 'T';
    printf("we still write both pages: %s\n", yes(sh[0] == 'S' && sh[PAGE] == 'T'));

    printf("-- MAP_SHARED of a tmpfs file --\n");
    sc(SYS_mkdir, "/tmp/fork-shared", 0755);
    int fd = (int)sc(SYS_open, FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
    sc(SYS_ftruncate, fd, PAGE);
    char* fm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memcpy(fm, "mapped by the parent", 20);
    pid = raw_fork();
    if (pid == 0) {
        int saw = !memcmp(fm, "mapped by the parent", 20);
        memcpy(fm + 32, "child through the mapping", 25);
        tell(to_parent[1]);
        hear(to_child[0]);
        saw |= !memcmp(fm + 64, "parent through write(2)", 23) << 1;
        die(saw);
    }
    hear(to_parent[0]);
    char buf[32] = {0};
    sc(SYS_pread64, fd, buf, 25, 32);
    printf("child wrote through its mapping: our mapping \"%.25s\", read(2) \"%s\"\n", fm + 32, buf);
    sc(SYS_pwrite64, fd, "parent through write(2)", 23, 64);
    tell(to_child[1]);
    st = reap(pid);
    printf("child saw the parent's mapping %s and our write(2) %s\n", yes(WEXITSTATUS(st) & 1),
           yes(WEXITSTATUS(st) & 2));

    printf("-- across exec --\n");
    memcpy(fm + 100, "before exec", 11);
    pid = raw_fork();
    if (pid == 0) {
        char* args[] = {argv[0], "exec-child", NULL};
        sc(SYS_execve, argv[0], args, NULL);
        die(127);
    }
    st = reap(pid);
    printf("exec'd program mapped the file: %s; we see its write: \"%.23s\"\n", status_text(st), fm + 200);
    return 0;
}
