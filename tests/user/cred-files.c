// cred-files: file permissions against the fsuid, fsgid, supplementary groups and the
// capabilities that override them. Root reads and writes anything but executes only what has
// an execute bit; an unprivileged process (uid 1000, gid 100, group 50) gets the owner's,
// group's or others' bits: open, O_TRUNC, O_NOATIME, creat, mkdir, mknod, unlink and rename
// (the sticky /tmp rule), directory search and listing, chdir, execve, truncate, access with
// the real ids and faccessat(AT_EACCESS) with the effective ones, chmod and chown by owners,
// new files owned by the fsuid/fsgid, and set-group-id directories passing their group on.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/stat.h>

#define DIR "/tmp/cred-files"

static const char* self;

static void step(const char* what, long r) { printf("  %s: %s\n", what, res(r)); }

// open's result as "ok" (a descriptor, closed again) or the error.
static const char* opened(long fd) {
    if (fd < 0)
        return res(fd);
    sc(SYS_close, fd);
    return "ok";
}

static void try_open(const char* path, int flags, const char* how) {
    printf("  open %s %s: %s\n", path + sizeof(DIR), how, opened(sc(SYS_open, path, flags, 0644)));
}

static void owner(const char* path) {
    struct stat st;
    long r = sc(SYS_stat, path, &st);
    if (r < 0)
        printf("  stat %s: %s\n", path + sizeof(DIR), res(r));
    else
        printf("  %s: mode %#o, owner %u:%u\n", path + sizeof(DIR), st.st_mode & 07777, st.st_uid, st.st_gid);
}

static void make(const char* path, unsigned mode, unsigned uid, unsigned gid) {
    long fd = sc(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    sc(SYS_write, fd, "data\n", 5);
    sc(SYS_close, fd);
    sc(SYS_chown, path, uid, gid);
    sc(SYS_chmod, path, mode);
}

static void copy_self(const char* path, unsigned mode) {
    int in = (int)sc(SYS_open, self, O_RDONLY, 0);
    int out = (int)sc(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    static char buffer[65536];
    long n;
    while ((n = sc(SYS_read, in, buffer, sizeof buffer)) > 0)
        sc(SYS_write, out, buffer, n);
    sc(SYS_close, in);
    sc(SYS_close, out);
    sc(SYS_chmod, path, mode);
}

static void try_exec(const char* path) {
    long pid = raw_fork();
    if (pid == 0) {
        char* args[] = {(char*)path, "hello", NULL};
        long r = sc(SYS_execve, path, args, NULL);
        printf("  execve %s: %s\n", path + sizeof(DIR), res(r));
        die(1);
    }
    int st = reap(pid);
    if (st)
        printf("  (%s)\n", status_text(st));
}

static void as_root(void) {
    printf("-- root --\n");
    try_open(DIR "/root-600", O_RDWR, "O_RDWR");
    try_open(DIR "/user-000", O_RDWR, "O_RDWR");
    step("access user-000 R_OK|W_OK", sc(SYS_access, DIR "/user-000", R_OK | W_OK));
    step("access user-000 X_OK", sc(SYS_access, DIR "/user-000", X_OK));
    step("access exe-0700 X_OK", sc(SYS_access, DIR "/exe-0700", X_OK));
    step("access dir-700 X_OK", sc(SYS_access, DIR "/dir-700", X_OK));
    step("stat dir-000/file", sc(SYS_stat, DIR "/dir-000/file", &(struct stat){0}));
    try_exec(DIR "/exe-0700");
    try_exec(DIR "/user-000");
}

static void unprivileged(void) {
    printf("-- uid 1000, gid 100, groups 50 --\n");
    unsigned fifty = 50;
    step("setgroups {50}", sc(SYS_setgroups, 1, &fifty));
    step("setresgid(100, 100, 100)", sc(SYS_setresgid, 100, 100, 100));
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    sc(SYS_umask, 022);

    printf(" reading and writing:\n");
    try_open(DIR "/root-600", O_RDONLY, "O_RDONLY");
    try_open(DIR "/root-644", O_RDONLY, "O_RDONLY");
    try_open(DIR "/root-644", O_WRONLY, "O_WRONLY");
    try_open(DIR "/root-644", O_RDONLY | O_TRUNC, "O_RDONLY|O_TRUNC");
    try_open(DIR "/root-644", O_RDONLY | O_NOATIME, "O_NOATIME");
    try_open(DIR "/group50-640", O_RDONLY, "O_RDONLY (group 50 is ours)");
    try_open(DIR "/group50-640", O_RDWR, "O_RDWR");
    try_open(DIR "/group50-604", O_RDONLY, "O_RDONLY (others may, our group may not)");
    try_open(DIR "/group60-604", O_RDONLY, "O_RDONLY (others may)");
    try_open(DIR "/user-000", O_RDONLY, "O_RDONLY (ours, mode 0)");
    try_open(DIR "/user-000", O_RDONLY | O_NOATIME, "O_NOATIME (ours)");
    step("chmod user-000 0600 (ours)", sc(SYS_chmod, DIR "/user-000", 0600));
    try_open(DIR "/user-000", O_RDWR, "O_RDWR");
    step("chmod root-644 0666", sc(SYS_chmod, DIR "/root-644", 0666));
    step("truncate root-644", sc(SYS_truncate, DIR "/root-644", 0));
    step("truncate user-000", sc(SYS_truncate, DIR "/user-000", 0));

    printf(" access (real ids = effective ids here):\n");
    step("access root-600 F_OK", sc(SYS_access, DIR "/root-600", F_OK));
    step("access root-600 R_OK", sc(SYS_access, DIR "/root-600", R_OK));
    step("access root-644 R_OK", sc(SYS_access, DIR "/root-644", R_OK));
    step("access root-644 W_OK", sc(SYS_access, DIR "/root-644", W_OK));
    step("access group50-640 R_OK", sc(SYS_access, DIR "/group50-640", R_OK));
    step("access exe-0755 X_OK", sc(SYS_access, DIR "/exe-0755", X_OK));
    step("access exe-0744 X_OK", sc(SYS_access, DIR "/exe-0744", X_OK));

    printf(" directories:\n");
    step("stat dir-700/file", sc(SYS_stat, DIR "/dir-700/file", &(struct stat){0}));
    try_open(DIR "/dir-700", O_RDONLY | O_DIRECTORY, "(list)");
    step("stat dir-711/file", sc(SYS_stat, DIR "/dir-711/file", &(struct stat){0}));
    try_open(DIR "/dir-711", O_RDONLY | O_DIRECTORY, "(list)");
    step("stat dir-744/file", sc(SYS_stat, DIR "/dir-744/file", &(struct stat){0}));
    try_open(DIR "/dir-744", O_RDONLY | O_DIRECTORY, "(list)");
    step("stat dir-711/../root-644", sc(SYS_stat, DIR "/dir-711/../root-644", &(struct stat){0}));
    step("stat dir-744/..", sc(SYS_stat, DIR "/dir-744/..", &(struct stat){0}));
    step("chdir dir-700", sc(SYS_chdir, DIR "/dir-700"));
    step("chdir dir-711", sc(SYS_chdir, DIR "/dir-711"));
    step("stat file (relative, in dir-711)", sc(SYS_stat, "file", &(struct stat){0}));
    step("chdir /", sc(SYS_chdir, "/"));

    printf(" creating and removing:\n");
    printf("  creat in " DIR " (root's, 0755): %s\n", opened(sc(SYS_open, DIR "/mine", O_WRONLY | O_CREAT, 0644)));
    step("mkdir in " DIR, sc(SYS_mkdir, DIR "/mydir", 0755));
    step("unlink root-644 in " DIR, sc(SYS_unlink, DIR "/root-644"));
    step("rename root-644 in " DIR, sc(SYS_rename, DIR "/root-644", DIR "/moved"));
    printf("  creat in sticky: %s\n", opened(sc(SYS_open, DIR "/sticky/mine", O_WRONLY | O_CREAT, 0666)));
    owner(DIR "/sticky/mine");
    printf("  creat of it again: %s\n", opened(sc(SYS_open, DIR "/sticky/mine", O_WRONLY | O_CREAT | O_TRUNC, 0)));
    step("mkdir in sticky", sc(SYS_mkdir, DIR "/sticky/mydir", 0777));
    owner(DIR "/sticky/mydir");
    step("mknod fifo in sticky", sc(SYS_mknod, DIR "/sticky/fifo", S_IFIFO | 0644, 0));
    step("mknod char device in sticky", sc(SYS_mknod, DIR "/sticky/null", S_IFCHR | 0666, (1 << 8) | 3));
    step("symlink in sticky", sc(SYS_symlink, "mine", DIR "/sticky/link"));
    struct stat st;
    sc(SYS_lstat, DIR "/sticky/link", &st);
    printf("  the symlink's owner: %u:%u\n", st.st_uid, st.st_gid);
    step("unlink root's file in sticky", sc(SYS_unlink, DIR "/sticky/roots"));
    step("rename root's file in sticky", sc(SYS_rename, DIR "/sticky/roots", DIR "/sticky/taken"));
    step("rename ours onto root's in sticky", sc(SYS_rename, DIR "/sticky/mine", DIR "/sticky/roots"));
    step("rename ours in sticky", sc(SYS_rename, DIR "/sticky/mine", DIR "/sticky/mine2"));
    step("rmdir root's dir in sticky", sc(SYS_rmdir, DIR "/sticky/rootdir"));
    step("unlink ours in sticky", sc(SYS_unlink, DIR "/sticky/mine2"));
    step("unlink in dir-755 (root's)", sc(SYS_unlink, DIR "/dir-755/file"));
    step("rmdir ours", sc(SYS_rmdir, DIR "/sticky/mydir"));

    printf(" set-group-id directory (group 60, ours is 100):\n");
    printf("  creat in sgid-dir: %s\n", opened(sc(SYS_open, DIR "/sgid-dir/f", O_WRONLY | O_CREAT, 02775)));
    owner(DIR "/sgid-dir/f");
    step("mkdir in sgid-dir", sc(SYS_mkdir, DIR "/sgid-dir/d", 0755));
    owner(DIR "/sgid-dir/d");

    printf(" chown:\n");
    sc(SYS_close, sc(SYS_open, DIR "/sticky/own", O_WRONLY | O_CREAT, 0755));
    step("chown own file to 2000", sc(SYS_chown, DIR "/sticky/own", 2000, -1));
    step("chown own file to 1000 (no change)", sc(SYS_chown, DIR "/sticky/own", 1000, -1));
    step("chgrp own file to 50 (a group of ours)", sc(SYS_chown, DIR "/sticky/own", -1, 50));
    owner(DIR "/sticky/own");
    step("chgrp own file to 60", sc(SYS_chown, DIR "/sticky/own", -1, 60));
    step("chmod own file 02755 (group 50 ours)", sc(SYS_chmod, DIR "/sticky/own", 02755));
    owner(DIR "/sticky/own");
    step("chown root-644 (-1, -1)", sc(SYS_chown, DIR "/root-644", -1, -1));
    step("chown root's set-uid exe-suid (-1, -1)", sc(SYS_chown, DIR "/exe-suid", -1, -1));
    owner(DIR "/exe-suid");
    long fd = sc(SYS_open, DIR "/sticky/own", O_RDONLY);
    step("fchown(O_RDONLY fd of our file, -1, 100)", sc(SYS_fchown, fd, -1, 100));
    sc(SYS_close, fd);
    owner(DIR "/sticky/own");
    step("chmod own file 02755 (group 100 is ours too)", sc(SYS_chmod, DIR "/sticky/own", 02755));
    owner(DIR "/sticky/own");

    printf(" procfs (a process whose ids changed is not dumpable: its files are root's):\n");
    struct stat proc;
    sc(SYS_stat, "/proc/self/comm", &proc);
    printf("  /proc/self/comm: mode %#o, owner %u:%u\n", proc.st_mode & 07777, proc.st_uid, proc.st_gid);
    printf("  open /proc/self/comm O_WRONLY: %s\n", opened(sc(SYS_open, "/proc/self/comm", O_WRONLY)));
    printf("  open /proc/1/comm O_WRONLY: %s\n", opened(sc(SYS_open, "/proc/1/comm", O_WRONLY)));

    printf(" execve:\n");
    try_exec(DIR "/exe-0755");
    try_exec(DIR "/exe-0744");
    try_exec(DIR "/exe-0700");
    try_exec(DIR "/group50-750");
    try_exec(DIR "/root-644");
    try_exec(DIR "/dir-700/exe");
}

static void real_vs_effective(void) {
    printf("-- ruid 1000, euid 0 --\n");
    step("setresuid(1000, 0, 0)", sc(SYS_setresuid, 1000, 0, 0));
    step("access root-600 R_OK", sc(SYS_access, DIR "/root-600", R_OK));
    step("faccessat root-600 R_OK AT_EACCESS", sc(SYS_faccessat2, AT_FDCWD, DIR "/root-600", R_OK, AT_EACCESS));
    step("access dir-700/file F_OK", sc(SYS_access, DIR "/dir-700/file", F_OK));
    try_open(DIR "/root-600", O_RDONLY, "O_RDONLY");
    printf("-- ruid 0, euid 1000 --\n");
    step("setresuid(0, 1000, 0)", sc(SYS_setresuid, 0, 1000, 0));
    step("access root-600 R_OK", sc(SYS_access, DIR "/root-600", R_OK));
    step("faccessat root-600 R_OK AT_EACCESS", sc(SYS_faccessat2, AT_FDCWD, DIR "/root-600", R_OK, AT_EACCESS));
    try_open(DIR "/root-600", O_RDONLY, "O_RDONLY");
    printf("-- fsuid 1000, uids 0 --\n");
    step("setresuid(0, 0, 0)", sc(SYS_setresuid, 0, 0, 0));
    printf("  setfsuid(1000) returns %ld\n", sc(SYS_setfsuid, 1000));
    try_open(DIR "/root-600", O_RDONLY, "O_RDONLY");
    step("access root-600 R_OK", sc(SYS_access, DIR "/root-600", R_OK));
    printf("  creat in sticky: %s\n", opened(sc(SYS_open, DIR "/sticky/by-fsuid", O_WRONLY | O_CREAT, 0644)));
    owner(DIR "/sticky/by-fsuid");
}

static void in_child(void (*fn)(void)) {
    long pid = raw_fork();
    if (pid == 0) {
        fn();
        die(0);
    }
    printf("  (child %s)\n", status_text(reap(pid)));
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "hello")) {
        printf("  running as uid %ld\n", sc(SYS_geteuid));
        return 0;
    }
    self = argv[0];
    sc(SYS_umask, 022);
    sc(SYS_mkdir, DIR, 0755);
    make(DIR "/root-600", 0600, 0, 0);
    make(DIR "/root-644", 0644, 0, 0);
    make(DIR "/group50-640", 0640, 0, 50);
    make(DIR "/group50-604", 0604, 0, 50);
    make(DIR "/group60-604", 0604, 0, 60);
    make(DIR "/user-000", 0, 1000, 100);
    copy_self(DIR "/exe-0755", 0755);
    copy_self(DIR "/exe-0744", 0744);
    copy_self(DIR "/exe-0700", 0700);
    copy_self(DIR "/group50-750", 0750);
    sc(SYS_chown, DIR "/group50-750", 0, 50);
    sc(SYS_chmod, DIR "/group50-750", 0750);
    unsigned dirs[] = {0700, 0711, 0744, 0755, 0};
    const char* names[] = {DIR "/dir-700", DIR "/dir-711", DIR "/dir-744", DIR "/dir-755", DIR "/dir-000"};
    for (int i = 0; i < 5; ++i) {
        char file[64];
        sc(SYS_mkdir, names[i], 0755);
        snprintf(file, sizeof file, "%s/file", names[i]);
        make(file, 0666, 0, 0);
        sc(SYS_chmod, names[i], dirs[i]);
    }
    copy_self(DIR "/dir-700/exe", 0755);
    make(DIR "/exe-suid", 04755, 0, 0);
    sc(SYS_mkdir, DIR "/sticky", 0777);
    sc(SYS_chmod, DIR "/sticky", 01777);
    make(DIR "/sticky/roots", 0666, 0, 0);
    sc(SYS_mkdir, DIR "/sticky/rootdir", 0777);
    sc(SYS_mkdir, DIR "/sgid-dir", 0777);
    sc(SYS_chown, DIR "/sgid-dir", 0, 60);
    sc(SYS_chmod, DIR "/sgid-dir", 02777);
    owner(DIR "/sgid-dir");
    owner(DIR "/user-000");

    as_root();
    in_child(unprivileged);
    in_child(real_vs_effective);
    return 0;
}
