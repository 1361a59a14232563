// utsns: uts namespaces and unshare(2)'s flags. uname reports the caller's namespace;
// sethostname and setdomainname change it (at most 64 bytes, EINVAL beyond or negative, EFAULT
// for a bad pointer); unshare(CLONE_NEWUTS) and clone(CLONE_NEWUTS) give a private copy, so the
// parent's names stay. unshare with nothing to unshare, or flags it pretends to handle for a
// single-threaded caller, succeeds; unknown flags are EINVAL.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/utsname.h>

static void show(const char* who) {
    struct utsname u;
    long r = sc(SYS_uname, &u);
    printf("%s: uname %s, sysname %s, machine %s, nodename \"%s\", domainname \"%s\"\n", who, res(r), u.sysname,
           u.machine, u.nodename, u.domainname);
}

static long sethost(const char* name, long len) { return sc(SYS_sethostname, name, len); }
static long setdomain(const char* name, long len) { return sc(SYS_setdomainname, name, len); }

static int clone_child(void* arg) {
    (void)arg;
    show("clone(CLONE_NEWUTS) child");
    sethost("cloned", 6);
    show("clone(CLONE_NEWUTS) child after sethostname");
    return 0;
}

int main(void) {
    show("start");
    long c = raw_fork();
    if (c == 0) {
        printf("unshare(CLONE_NEWUTS): %s\n", res(sc(SYS_unshare, CLONE_NEWUTS)));
        printf("sethostname(\"inner\", 5): %s\n", res(sethost("inner", 5)));
        printf("setdomainname(\"example\", 7): %s\n", res(setdomain("example", 7)));
        show("inside");
        // Only len bytes count: the rest of the field is cleared, no NUL needed.
        printf("sethostname(\"abcdef\", 3): %s\n", res(sethost("abcdef", 3)));
        show("inside");
        char full[65];
        memset(full, 'x', sizeof full);
        printf("sethostname(64 bytes): %s\n", res(sethost(full, 64)));
        struct utsname u;
        sc(SYS_uname, &u);
        printf("nodename length %zu\n", strlen(u.nodename));
        printf("sethostname(65 bytes): %s\n", res(sethost(full, 65)));
        printf("sethostname(len -1): %s\n", res(sethost("a", -1)));
        printf("sethostname(NULL, 4): %s\n", res(sethost(NULL, 4)));
        printf("sethostname(NULL, 0): %s\n", res(sethost(NULL, 0)));
        show("inside");
        printf("setdomainname(65 bytes): %s\n", res(setdomain(full, 65)));
        printf("setdomainname(len -5): %s\n", res(setdomain("a", -5)));
        printf("setdomainname((void*)8, 2): %s\n", res(setdomain((const char*)8, 2)));
        sethost("parent-of-clone", 15);
        long k = proc_clone(CLONE_NEWUTS | SIGCHLD, child_stack(), NULL, NULL, 0, clone_child, NULL);
        reap(k);
        show("after the clone");
        // A plain fork shares the namespace.
        long f = raw_fork();
        if (f == 0) {
            sethost("shared", 6);
            die(0);
        }
        reap(f);
        show("after a forked child's sethostname");
        die(0);
    }
    reap(c);
    show("outside, after");

    printf("-- unshare flags --\n");
    long u = raw_fork();
    if (u == 0) {
        printf("unshare(0): %s\n", res(sc(SYS_unshare, 0)));
        printf("unshare(CLONE_SYSVSEM): %s\n", res(sc(SYS_unshare, CLONE_SYSVSEM)));
        printf("unshare(CLONE_FS): %s\n", res(sc(SYS_unshare, CLONE_FS)));
        printf("unshare(CLONE_FILES): %s\n", res(sc(SYS_unshare, CLONE_FILES)));
        printf("unshare(CLONE_VM), single-threaded: %s\n", res(sc(SYS_unshare, CLONE_VM)));
        printf("unshare(CLONE_SIGHAND): %s\n", res(sc(SYS_unshare, CLONE_SIGHAND)));
        printf("unshare(CLONE_THREAD): %s\n", res(sc(SYS_unshare, CLONE_THREAD)));
        printf("unshare(SIGCHLD): %s\n", res(sc(SYS_unshare, SIGCHLD)));
        printf("unshare(CLONE_PTRACE): %s\n", res(sc(SYS_unshare, CLONE_PTRACE)));
        printf("unshare(CLONE_SETTLS): %s\n", res(sc(SYS_unshare, CLONE_SETTLS)));
        printf("unshare(1 << 32): %s\n", res(sc(SYS_unshare, 1UL << 32)));
        printf("unshare(CLONE_NEWUTS | CLONE_NEWPID): %s\n", res(sc(SYS_unshare, CLONE_NEWUTS | CLONE_NEWPID)));
        die(0);
    }
    reap(u);
    return 0;
}
