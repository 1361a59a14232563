// userns: user namespaces. An unprivileged process (uid/gid 1000, dropped from root with
// setresuid in a forked child) creates one with unshare and clone: it is nobody (65534) there
// until its uid_map and gid_map are written, has every capability in the new namespace and
// none outside it (the uts namespace it came from, kill, mount); the map files' write-once,
// syntax and permission rules (one line for its own id, setgroups "deny" before gid_map);
// ids translated in getuid, stat, chown and set*id (an unmapped id is EINVAL); a parent
// writing a child's maps; what a new namespace owns (sethostname in a uts namespace created
// inside); the nesting limit; unshare from a multithreaded process.
#include "lib/facts.h"
#include "lib/proc.h"

#include <fcntl.h>
#include <sys/stat.h>

#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWPID 0x20000000

static long write_file(const char* path, const char* text) {
    long fd = sc(SYS_open, path, O_WRONLY);
    if (fd < 0)
        return fd;
    long r = sc(SYS_write, fd, text, strlen(text));
    sc(SYS_close, fd);
    return r;
}

static void show_file(const char* label, const char* path) {
    char buf[512];
    long fd = sc(SYS_open, path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open %s\n", label, res(fd));
        return;
    }
    long n = sc(SYS_read, fd, buf, sizeof buf - 1);
    sc(SYS_close, fd);
    if (n < 0) {
        printf("%s: read %s\n", label, res(n));
        return;
    }
    buf[n] = 0;
    printf("%s: %ld bytes%s%s", label, n, n ? "\n" : "", buf);
    if (!n)
        printf("\n");
}

static void ids(const char* who) {
    unsigned r, e, s, gr, ge, gs;
    sc(SYS_getresuid, &r, &e, &s);
    sc(SYS_getresgid, &gr, &ge, &gs);
    printf("%s: uid %u %u %u, gid %u %u %u\n", who, r, e, s, gr, ge, gs);
}

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};

static void caps(const char* who) {
    struct cap_header h = {0x20080522, 0};
    struct cap_data d[2];
    memset(d, 0, sizeof d);
    sc(SYS_capget, &h, d);
    unsigned long long eff = d[0].effective | ((unsigned long long)d[1].effective << 32);
    unsigned long long prm = d[0].permitted | ((unsigned long long)d[1].permitted << 32);
    printf("%s: effective %#llx, permitted %#llx\n", who, eff, prm);
}

static const char* self;

// Drops to uid/gid 1000 and runs this program again with `part`: the exec of a plain program
// makes the process dumpable again on Linux, so its /proc/self files belong to it.
__attribute__((noreturn)) static void drop_and_run(const char* part) {
    sc(SYS_setgroups, 0, NULL);
    sc(SYS_setresgid, 1000, 1000, 1000);
    sc(SYS_setresuid, 1000, 1000, 1000);
    fflush(stdout);
    char* args[] = {(char*)self, (char*)part, NULL};
    long r = sc(SYS_execve, self, args, NULL);
    printf("execve: %s\n", res(r));
    die(1);
}

static int clone_child(void* arg) {
    (void)arg;
    ids("clone(CLONE_NEWUSER) child");
    caps("clone(CLONE_NEWUSER) child");
    printf("clone child: sethostname %s\n", res(sc(SYS_sethostname, "x", 1)));
    return 0;
}

static int clone_uts_child(void* arg) {
    (void)arg;
    printf("clone(NEWUSER|NEWUTS) child: sethostname %s\n", res(sc(SYS_sethostname, "cloned", 6)));
    return 0;
}

static int thread_fn(void* arg) {
    hear(*(int*)arg);
    return 0;
}

static void unprivileged(void) {
    {
        ids("dropped");
        caps("dropped");
        printf("unshare(CLONE_NEWUTS): %s\n", res(sc(SYS_unshare, CLONE_NEWUTS)));
        printf("unshare(CLONE_NEWUSER): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
        ids("inside, unmapped");
        caps("inside");
        show_file("uid_map", "/proc/self/uid_map");
        show_file("gid_map", "/proc/self/gid_map");
        show_file("setgroups", "/proc/self/setgroups");
        struct stat st;
        sc(SYS_stat, "/", &st);
        printf("stat /: owner %u:%u\n", st.st_uid, st.st_gid);
        printf("setuid(0) unmapped: %s\n", res(sc(SYS_setuid, 0)));
        // The map rules, each refused without using the one write.
        printf("uid_map \"0 1001 1\": %s\n", res(write_file("/proc/self/uid_map", "0 1001 1\n")));
        printf("uid_map \"0 1000 2\": %s\n", res(write_file("/proc/self/uid_map", "0 1000 2\n")));
        printf("uid_map \"0 1000 1\\n1 1001 1\": %s\n",
               res(write_file("/proc/self/uid_map", "0 1000 1\n1 1001 1\n")));
        printf("uid_map \"0 1000\": %s\n", res(write_file("/proc/self/uid_map", "0 1000\n")));
        printf("uid_map \"0 1000 0\": %s\n", res(write_file("/proc/self/uid_map", "0 1000 0\n")));
        printf("uid_map \"0 1000 1 x\": %s\n", res(write_file("/proc/self/uid_map", "0 1000 1 x\n")));
        printf("uid_map \"x\": %s\n", res(write_file("/proc/self/uid_map", "x\n")));
        printf("uid_map \"\": %s\n", res(write_file("/proc/self/uid_map", "")));
        printf("uid_map \"4294967295 1000 1\": %s\n", res(write_file("/proc/self/uid_map", "4294967295 1000 1\n")));
        printf("uid_map \"0 1000 1\": %s\n", res(write_file("/proc/self/uid_map", "  0   1000 1  \n")));
        printf("uid_map again: %s\n", res(write_file("/proc/self/uid_map", "0 1000 1\n")));
        show_file("uid_map", "/proc/self/uid_map");
        ids("uid mapped");
        printf("gid_map before setgroups deny: %s\n", res(write_file("/proc/self/gid_map", "0 1000 1\n")));
        printf("setgroups \"nope\": %s\n", res(write_file("/proc/self/setgroups", "nope")));
        printf("setgroups \"deny\": %s\n", res(write_file("/proc/self/setgroups", "deny\n")));
        show_file("setgroups", "/proc/self/setgroups");
        printf("setgroups \"allow\" after deny: %s\n", res(write_file("/proc/self/setgroups", "allow")));
        printf("gid_map \"0 1000 1\": %s\n", res(write_file("/proc/self/gid_map", "0 1000 1\n")));
        show_file("gid_map", "/proc/self/gid_map");
        ids("mapped");
        caps("mapped");
        printf("setgroups(0) with setgroups denied: %s\n", res(sc(SYS_setgroups, 0, NULL)));
        printf("setuid(5) unmapped: %s\n", res(sc(SYS_setuid, 5)));
        printf("setresuid(-1, 0, -1): %s\n", res(sc(SYS_setresuid, -1, 0, -1)));
        printf("setfsuid(7) unmapped returns the old: %s\n", res(sc(SYS_setfsuid, 7)));
        // A file made here belongs to kernel uid 1000: root inside.
        sc(SYS_mkdir, "/tmp/userns", 0777);
        long fd = sc(SYS_open, "/tmp/userns/inside", O_CREAT | O_WRONLY, 0644);
        printf("create in /tmp: %s\n", res(fd < 0 ? fd : 0));
        sc(SYS_close, fd);
        sc(SYS_stat, "/tmp/userns/inside", &st);
        printf("stat of it: owner %u:%u\n", st.st_uid, st.st_gid);
        printf("chown it to 0:0: %s\n", res(sc(SYS_chown, "/tmp/userns/inside", 0, 0)));
        printf("chown it to 5: %s\n", res(sc(SYS_chown, "/tmp/userns/inside", 5, -1)));
        printf("chown / to 0: %s\n", res(sc(SYS_chown, "/", 0, -1)));
        // Capabilities here are not capabilities in the initial namespace.
        printf("sethostname (uts namespace of the parent): %s\n", res(sc(SYS_sethostname, "x", 1)));
        printf("kill(1, 0): %s\n", res(sc(SYS_kill, 1, 0)));
        printf("mount tmpfs: %s\n", res(sc(SYS_mount, "none", "/tmp/userns", "tmpfs", 0, 0)));
        printf("unshare(CLONE_NEWUTS): %s\n", res(sc(SYS_unshare, CLONE_NEWUTS)));
        printf("sethostname (own uts namespace): %s\n", res(sc(SYS_sethostname, "inner", 5)));
        printf("unshare(CLONE_NEWPID): %s\n", res(sc(SYS_unshare, CLONE_NEWPID)));
        long k = raw_fork();
        if (k == 0) {
            printf("child in the new pid namespace: getpid %ld\n", sc(SYS_getpid));
            ids("child");
            die(0);
        }
        reap(k);
    }
}

static void cloning(void) {
    long k = proc_clone(CLONE_NEWUSER | SIGCHLD, child_stack(), NULL, NULL, 0, clone_child, NULL);
    printf("clone(CLONE_NEWUSER): %s\n", res(k < 0 ? k : 0));
    reap(k);
    k = proc_clone(CLONE_NEWUTS | SIGCHLD, child_stack(), NULL, NULL, 0, clone_uts_child, NULL);
    printf("clone(CLONE_NEWUTS) unprivileged: %s\n", res(k < 0 ? k : 0));
    k = proc_clone(CLONE_NEWUSER | CLONE_NEWUTS | SIGCHLD, child_stack(), NULL, NULL, 0, clone_uts_child, NULL);
    printf("clone(CLONE_NEWUSER|CLONE_NEWUTS): %s\n", res(k < 0 ? k : 0));
    reap(k);
    printf("unshare(CLONE_NEWUSER|CLONE_NEWUTS): %s\n", res(sc(SYS_unshare, CLONE_NEWUSER | CLONE_NEWUTS)));
    printf("sethostname: %s\n", res(sc(SYS_sethostname, "both", 4)));
}

int main(int argc, char** argv) {
    self = argv[0];
    if (argc > 1 && !strcmp(argv[1], "unprivileged")) {
        unprivileged();
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "cloning")) {
        cloning();
        return 0;
    }
    ids("start");

    printf("-- unprivileged unshare --\n");
    long c = raw_fork();
    if (c == 0)
        drop_and_run("unprivileged");
    reap(c);
    struct stat st;
    sc(SYS_stat, "/tmp/userns/inside", &st);
    printf("outside: the file's owner %u:%u\n", st.st_uid, st.st_gid);

    printf("-- clone --\n");
    c = raw_fork();
    if (c == 0)
        drop_and_run("cloning");
    reap(c);

    printf("-- a parent writes the maps --\n");
    int ready[2], written[2];
    pipe(ready);
    pipe(written);
    c = raw_fork();
    if (c == 0) {
        sc(SYS_unshare, CLONE_NEWUSER);
        tell(ready[1]);
        hear(written[0]);
        ids("child");
        show_file("child's uid_map", "/proc/self/uid_map");
        show_file("child's gid_map", "/proc/self/gid_map");
        printf("setgroups in the child: %s\n", res(sc(SYS_setgroups, 0, NULL)));
        printf("setresuid(102, 102, 102): %s\n", res(sc(SYS_setresuid, 102, 102, 102)));
        ids("child");
        die(0);
    }
    hear(ready[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/uid_map", c);
    printf("root writes uid_map \"0 0 10\\n100 2000 5\": %s\n", res(write_file(path, "0 0 10\n100 2000 5\n")));
    show_file("parent reads it", path);
    snprintf(path, sizeof path, "/proc/%ld/gid_map", c);
    printf("root writes gid_map \"0 0 4294967295\": %s\n", res(write_file(path, "0 0 4294967295\n")));
    snprintf(path, sizeof path, "/proc/%ld/setgroups", c);
    printf("setgroups deny after gid_map: %s\n", res(write_file(path, "deny")));
    tell(written[1]);
    reap(c);

    printf("-- nesting --\n");
    c = raw_fork();
    if (c == 0) {
        int levels = 0;
        for (;;) {
            long r = sc(SYS_unshare, CLONE_NEWUSER);
            if (r < 0) {
                printf("unshare after %d levels: %s\n", levels, res(r));
                break;
            }
            levels++;
            long a = write_file("/proc/self/uid_map", "0 0 1");
            long b = write_file("/proc/self/setgroups", "deny");
            long g = write_file("/proc/self/gid_map", "0 0 1");
            if (a < 0 || b < 0 || g < 0) {
                printf("level %d: maps %s %s %s\n", levels, res(a), res(b), res(g));
                break;
            }
        }
        die(0);
    }
    reap(c);

    printf("-- threads --\n");
    c = raw_fork();
    if (c == 0) {
        int p[2];
        pipe(p);
        long t = proc_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
                            child_stack(), NULL, NULL, 0, thread_fn, &p[0]);
        printf("thread: %s\n", res(t < 0 ? t : 0));
        printf("unshare(CLONE_NEWUSER) with two threads: %s\n", res(sc(SYS_unshare, CLONE_NEWUSER)));
        die(0);
    }
    reap(c);
    return 0;
}
