// cred-exec: credentials across execve, for programs without file capabilities. Root (real or
// effective) gets the bounding set (plus its inheritable set) as permitted, and all of it as
// effective when the euid is 0; anyone else keeps only ambient capabilities; set-user-id and
// set-group-id files change the effective ids; set-id execution (euid or egid other than the
// real ones) clears the ambient set, the parent-death signal and sets AT_SECURE; keepcaps is
// cleared. RLIMIT_NPROC: a set*uid to a user already over the limit makes the next execve fail
// with EAGAIN while the user still is, and fork too.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
#define V3 0x20080522
#define BIT(c) (1ULL << (c))
#define CAP_KILL 5
#define CAP_NET_RAW 13
#define CAP_SYS_BOOT 22

static const char* self;

static uint64_t word(struct cap_data* d, int which) {
    uint32_t lo = which == 0 ? d[0].effective : which == 1 ? d[0].permitted : d[0].inheritable;
    uint32_t hi = which == 0 ? d[1].effective : which == 1 ? d[1].permitted : d[1].inheritable;
    return lo | (uint64_t)hi << 32;
}

static int report(const char* label) {
    unsigned r, e, s, gr, ge, gs;
    sc(SYS_getresuid, &r, &e, &s);
    sc(SYS_getresgid, &gr, &ge, &gs);
    long fsuid = sc(SYS_setfsuid, -1), fsgid = sc(SYS_setfsgid, -1);
    struct cap_header h = {V3, 0};
    struct cap_data d[2];
    sc(SYS_capget, &h, d);
    int death = -1;
    sc(SYS_prctl, PR_GET_PDEATHSIG, &death, 0, 0, 0);
    printf("  %s:\n", label);
    printf("    uid %u/%u/%u fsuid %ld, gid %u/%u/%u fsgid %ld\n", r, e, s, fsuid, gr, ge, gs, fsgid);
    printf("    effective %#llx, permitted %#llx, inheritable %#llx\n", (unsigned long long)word(d, 0),
           (unsigned long long)word(d, 1), (unsigned long long)word(d, 2));
    long net_raw = sc(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0);
    long kill = sc(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0);
    printf("    ambient CAP_NET_RAW %ld, CAP_KILL %ld; keepcaps %ld\n", net_raw, kill,
           sc(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
    printf("    AT_SECURE %lu, AT_UID %lu, AT_EUID %lu, AT_GID %lu, AT_EGID %lu; death signal %s\n",
           getauxval(AT_SECURE), getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID),
           sig_name(death));
    return 0;
}

static void exec_self(const char* program, const char* label) {
    char* args[] = {(char*)program, "report", (char*)label, NULL};
    long r = sc(SYS_execve, program, args, NULL);
    printf("  execve (%s): %s\n", label, res(r));
}

static long set_caps(uint64_t e, uint64_t p, uint64_t i) {
    struct cap_header h = {V3, 0};
    struct cap_data d[2] = {{(uint32_t)e, (uint32_t)p, (uint32_t)i},
                            {(uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(i >> 32)}};
    return sc(SYS_capset, &h, d);
}

static uint64_t permitted(void) {
    struct cap_header h = {V3, 0};
    struct cap_data d[2];
    sc(SYS_capget, &h, d);
    return word(d, 1);
}

// Runs setup() in a child, which then execs this program to report; waits for it.
static void scenario(const char* label, void (*setup)(void)) {
    long pid = raw_fork();
    if (pid == 0) {
        setup();
        exec_self(self, label);
        die(1);
    }
    int st = reap(pid);
    if (st != 0)
        printf("  (%s: %s)\n", label, status_text(st));
}

static void as_root(void) {}
static void as_user(void) { sc(SYS_setresuid, 1000, 1000, 1000); }
static void keepcaps_user(void) {
    sc(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
    sc(SYS_setresuid, 1000, 1000, 1000);
}
static void ambient_user(void) {
    sc(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
    sc(SYS_setresuid, 1000, 1000, 1000);
    set_caps(0, permitted(), BIT(CAP_NET_RAW));
    sc(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);
    sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
}
static void real_user_effective_root(void) {
    sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
    sc(SYS_setresuid, 1000, 0, 0);
}
static void real_root_effective_user(void) { sc(SYS_setresuid, 0, 1000, 1000); }
static void root_ambient(void) {
    uint64_t all = permitted();
    set_caps(all, all, BIT(CAP_NET_RAW));
    sc(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0);
    sc(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0);
}
static void root_bounding(void) {
    uint64_t all = permitted();
    set_caps(all, all, BIT(CAP_KILL));
    sc(SYS_prctl, PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0);
    sc(SYS_prctl, PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0);
}
static void setgid_root(void) { sc(SYS_setresgid, 100, 0, 0); }

// Copies this program to `path` with `mode` and owner `uid`:`gid`.
static void copy_self(const char* path, unsigned mode, unsigned uid, unsigned gid) {
    int in = (int)sc(SYS_open, self, O_RDONLY, 0);
    int out = (int)sc(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    static char buffer[65536];
    long n;
    while ((n = sc(SYS_read, in, buffer, sizeof buffer)) > 0)
        sc(SYS_write, out, buffer, n);
    sc(SYS_close, in);
    sc(SYS_close, out);
    printf("  chown %s: %s", path, res(sc(SYS_chown, path, uid, gid)));
    printf(", chmod %#o: %s\n", mode, res(sc(SYS_chmod, path, mode)));
}

static void suid_user(void) {
    sc(SYS_setresuid, 1000, 1000, 1000);
    sc(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
    exec_self("/tmp/cred-exec/suid-root", "set-uid root file run by uid 1000");
    die(1);
}
static void sgid_user(void) {
    sc(SYS_setresgid, 10, 10, 10);
    sc(SYS_setresuid, 1000, 1000, 1000);
    exec_self("/tmp/cred-exec/sgid-50", "set-gid 50 file run by 1000:10");
    die(1);
}
static void suid_user_file(void) {
    exec_self("/tmp/cred-exec/suid-2000", "set-uid 2000 file run by root");
    die(1);
}
static void sgid_no_group_exec(void) {
    sc(SYS_setresuid, 1000, 1000, 1000);
    exec_self("/tmp/cred-exec/sgid-noexec", "set-gid file without group execute");
    die(1);
}

static void nproc(void) {
    printf("-- RLIMIT_NPROC at execve --\n");
    long pid = raw_fork();
    if (pid == 0) {
        int gate[2], ready[2];
        sc(SYS_pipe2, gate, 0);
        sc(SYS_pipe2, ready, 0);
        long other = raw_fork();
        if (other == 0) {
            sc(SYS_setresuid, 2000, 2000, 2000);
            tell(ready[1]);
            hear(gate[0]);
            die(0);
        }
        hear(ready[0]);
        struct rlimit limit = {0, 5};
        printf("  setrlimit NPROC 0/5: %s\n", res(sc(SYS_setrlimit, RLIMIT_NPROC, &limit)));
        printf("  setresuid(2000) while another uid 2000 process runs: %s\n",
               res(sc(SYS_setresuid, 2000, 2000, 2000)));
        long f = raw_fork();
        if (f == 0)
            die(0);
        printf("  fork: %s\n", f > 0 ? "a child" : res(f));
        exec_self(self, "over the limit");
        tell(gate[1]);
        reap(other);
        exec_self(self, "one process of uid 2000, limit 0");
        // Back under the limit, execve works again. (The new program's own fork check, from
        // lib/proc.h, then fails: the limit still binds forks.)
        limit.rlim_cur = 1;
        printf("  setrlimit NPROC 1/5: %s\n", res(sc(SYS_setrlimit, RLIMIT_NPROC, &limit)));
        exec_self(self, "one process of uid 2000, limit 1");
        die(1);
    }
    int st = reap(pid);
    if (st)
        printf("  (%s)\n", status_text(st));
    pid = raw_fork();
    if (pid == 0) {
        struct rlimit zero = {0, 0};
        sc(SYS_setrlimit, RLIMIT_NPROC, &zero);
        printf("  setresuid(3000), nobody else of uid 3000: %s\n", res(sc(SYS_setresuid, 3000, 3000, 3000)));
        exec_self(self, "limit 0, alone");
        die(1);
    }
    st = reap(pid);
    if (st)
        printf("  (%s)\n", status_text(st));
}

int main(int argc, char** argv) {
    if (argc > 2 && !strcmp(argv[1], "report"))
        return report(argv[2]);
    self = argv[0];
    printf("-- execve without set-id files --\n");
    scenario("root", as_root);
    scenario("uid 1000", as_user);
    scenario("uid 1000 with keepcaps", keepcaps_user);
    scenario("uid 1000 with ambient CAP_NET_RAW", ambient_user);
    scenario("ruid 1000, euid 0", real_user_effective_root);
    scenario("ruid 0, euid 1000", real_root_effective_user);
    scenario("root with ambient CAP_NET_RAW and keepcaps", root_ambient);
    scenario("root, inheritable CAP_KILL, bounding set without CAP_KILL and CAP_SYS_BOOT", root_bounding);
    scenario("root, rgid 100, egid 0", setgid_root);

    printf("-- set-id files --\n");
    sc(SYS_mkdir, "/tmp/cred-exec", 0755);
    copy_self("/tmp/cred-exec/suid-root", 04755, 0, 0);
    copy_self("/tmp/cred-exec/sgid-50", 02755, 0, 50);
    copy_self("/tmp/cred-exec/suid-2000", 04755, 2000, 0);
    copy_self("/tmp/cred-exec/sgid-noexec", 02745, 0, 50);
    struct stat st;
    sc(SYS_stat, "/tmp/cred-exec/suid-root", &st);
    printf("  suid-root mode %#o\n", st.st_mode & 07777);
    scenario("uid 1000 runs suid-root", suid_user);
    scenario("uid 1000 runs sgid-50", sgid_user);
    scenario("root runs suid-2000", suid_user_file);
    scenario("uid 1000 runs sgid-noexec", sgid_no_group_exec);
    printf("  chown suid-2000 to 2000 again: %s\n", res(sc(SYS_chown, "/tmp/cred-exec/suid-2000", 2000, -1)));
    sc(SYS_stat, "/tmp/cred-exec/suid-2000", &st);
    printf("  suid-2000 after chown: mode %#o, uid %u\n", st.st_mode & 07777, st.st_uid);

    nproc();
    return 0;
}
