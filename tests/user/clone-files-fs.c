// clone-files-fs: CLONE_FILES shares the descriptor table (opens, closes and FD_CLOEXEC flags
// made by one are the other's) and CLONE_FS shares cwd and umask, in both directions and for as
// long as both live; without them the child works on copies. Fork-like raw clones (no
// CLONE_VM), so each child has its own memory and reports through its exit status.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>
#include <sys/stat.h>

#define DIR "/tmp/clone-files-fs"

static int fd_open(int fd) { return sc(SYS_fcntl, fd, F_GETFD) >= 0; }

static const char* cwd(void) {
    static char b[256];
    long r = sc(SYS_getcwd, b, sizeof b);
    return r < 0 ? res(r) : b;
}

static int get_umask(void) {
    int m = (int)sc(SYS_umask, 022);
    sc(SYS_umask, m);
    return m;
}

static void files(unsigned long flags, const char* label) {
    printf("-- %s --\n", label);
    int keep = (int)sc(SYS_open, "/dev/null", O_RDONLY);  // the child closes it
    int flagme = (int)sc(SYS_open, "/dev/null", O_RDONLY);  // the child sets FD_CLOEXEC on it
    long pid = sc(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        int fd = (int)sc(SYS_open, "/dev/zero", O_RDONLY);
        sc(SYS_close, keep);
        sc(SYS_fcntl, flagme, F_SETFD, FD_CLOEXEC);
        die(fd);
    }
    int st = reap(pid);
    int fd = WEXITSTATUS(st);
    printf("child opened fd %d; open here: %s\n", fd, yes(fd_open(fd)));
    printf("child closed fd %d; still open here: %s\n", keep, yes(fd_open(keep)));
    printf("child set FD_CLOEXEC on fd %d; set here: %s\n", flagme, yes(sc(SYS_fcntl, flagme, F_GETFD) == FD_CLOEXEC));
    for (int i = 3; i < 16; ++i)
        sc(SYS_close, i);
}

static void fs(unsigned long flags, const char* label) {
    printf("-- %s --\n", label);
    sc(SYS_chdir, "/");
    sc(SYS_umask, 022);
    int to_child[2], to_parent[2];
    sc(SYS_pipe2, to_child, 0);
    sc(SYS_pipe2, to_parent, 0);
    long pid = sc(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        sc(SYS_chdir, DIR);
        sc(SYS_umask, 077);
        tell(to_parent[1]);
        hear(to_child[0]);  // the parent changes both now
        char b[256];
        long r = sc(SYS_getcwd, b, sizeof b);
        int saw_sub = r > 0 && strcmp(b, DIR "/sub") == 0;
        int saw_umask = get_umask() == 007;
        die(saw_sub | saw_umask << 1);
    }
    hear(to_parent[0]);
    printf("child did chdir " DIR ": our cwd %s\n", cwd());
    printf("child did umask 077: ours %03o\n", get_umask());
    sc(SYS_chdir, DIR "/sub");
    sc(SYS_umask, 007);
    tell(to_child[1]);
    int st = reap(pid);
    printf("we did chdir sub and umask 007: child saw the cwd %s, the umask %s\n", yes(WEXITSTATUS(st) & 1),
           yes(WEXITSTATUS(st) & 2));
    for (int i = 3; i < 16; ++i)
        sc(SYS_close, i);
}

int main(void) {
    sc(SYS_mkdir, DIR, 0755);
    sc(SYS_mkdir, DIR "/sub", 0755);
    files(0, "without CLONE_FILES");
    files(CLONE_FILES, "CLONE_FILES");
    fs(0, "without CLONE_FS");
    fs(CLONE_FS, "CLONE_FS");
    printf("-- CLONE_FS, the child exits: the struct stays ours --\n");
    printf("cwd %s, umask %03o\n", cwd(), get_umask());
    printf("chdir / works: %s\n", res(sc(SYS_chdir, "/")));
    return 0;
}
