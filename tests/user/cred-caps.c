// cred-caps: capabilities. capget/capset with versions 1, 2 and 3 (an unknown version is
// answered with the preferred one and EINVAL, or 0 for a probe without data), other pids
// (capget reads them, capset refuses), the capset rules (permitted only shrinks, effective
// within permitted, inheritable within permitted and the bounding set unless CAP_SETPCAP),
// PR_CAPBSET_READ/DROP, PR_CAP_AMBIENT, PR_GET/SET_KEEPCAPS, PR_GET/SET_SECUREBITS, and how
// uid changes move the sets (leaving root clears them unless SECBIT_KEEP_CAPS; an euid leaving
// 0 clears the effective set and coming back restores it; the fsuid takes the file-system
// capabilities with it; SECBIT_NO_SETUID_FIXUP keeps everything).
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
#define V1 0x19980330
#define V2 0x20071026
#define V3 0x20080522
#define BIT(c) (1ULL << (c))
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_KILL 5
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_RAW 13
#define CAP_SYS_BOOT 22
#define CAP_CHECKPOINT_RESTORE 40

static uint64_t eff, prm, inh;

static long get(int pid) {
    struct cap_header h = {V3, pid};
    struct cap_data d[2];
    memset(d, 0, sizeof d);
    long r = sc(SYS_capget, &h, d);
    eff = d[0].effective | (uint64_t)d[1].effective << 32;
    prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
    inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
    return r;
}

static void show(const char* label) {
    long r = get(0);
    printf("  %s: capget %s, effective %#llx, permitted %#llx, inheritable %#llx\n", label, res(r),
           (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
}

static long set(uint64_t e, uint64_t p, uint64_t i) {
    struct cap_header h = {V3, 0};
    struct cap_data d[2] = {{(uint32_t)e, (uint32_t)p, (uint32_t)i},
                            {(uint32_t)(e >> 32), (uint32_t)(p >> 32), (uint32_t)(i >> 32)}};
    return sc(SYS_capset, &h, d);
}

static void step(const char* what, long r) { printf("  %s: %s\n", what, res(r)); }

static long ambient(long op, long cap) { return sc(SYS_prctl, PR_CAP_AMBIENT, op, cap, 0, 0); }

static void in_child(const char* title, void (*fn)(void)) {
    printf("-- %s --\n", title);
    long pid = raw_fork();
    if (pid == 0) {
        fn();
        die(0);
    }
    printf("  (child %s)\n", status_text(reap(pid)));
}

static void versions(void) {
    struct cap_header h = {V3, 0};
    struct cap_data d[2];
    memset(d, 0xaa, sizeof d);
    step("capget v3", sc(SYS_capget, &h, d));
    printf("  v3 words: %#x %#x\n", d[0].effective, d[1].effective);
    memset(d, 0xaa, sizeof d);
    h.version = V2;
    step("capget v2", sc(SYS_capget, &h, d));
    printf("  v2 words: %#x %#x\n", d[0].effective, d[1].effective);
    memset(d, 0xaa, sizeof d);
    h.version = V1;
    step("capget v1", sc(SYS_capget, &h, d));
    printf("  v1 words: %#x, second untouched: %s\n", d[0].effective, yes(d[1].effective == 0xaaaaaaaa));
    h.version = 0x1234;
    step("capget of version 0x1234", sc(SYS_capget, &h, d));
    printf("  version now %#x\n", h.version);
    h.version = 0;
    step("capget of version 0, NULL data (a probe)", sc(SYS_capget, &h, 0));
    printf("  version now %#x\n", h.version);
    step("capget v3, NULL data", sc(SYS_capget, &h, 0));
    step("capget with a bad header", sc(SYS_capget, 8, d));
    step("capget v3 with bad data", sc(SYS_capget, &h, 8));
    h.pid = -1;
    step("capget pid -1", sc(SYS_capget, &h, d));
    h.pid = 999999;
    step("capget pid 999999", sc(SYS_capget, &h, d));
    h.pid = (int)sc(SYS_getppid);
    step("capset of the parent", sc(SYS_capset, &h, d));
    h.version = 0x1234;
    h.pid = 0;
    step("capset of version 0x1234", sc(SYS_capset, &h, d));
    h.version = V3;
    step("capset with bad data", sc(SYS_capset, &h, 8));
}

static void capset_rules(void) {
    show("root");
    uint64_t all = prm;
    step("capset: effective without CAP_KILL", set(all & ~BIT(CAP_KILL), all, 0));
    show("after");
    step("capset: CAP_KILL back in effective", set(all, all, 0));
    step("capset: permitted without CAP_KILL", set(all & ~BIT(CAP_KILL), all & ~BIT(CAP_KILL), 0));
    step("capset: permitted with CAP_KILL again", set(all & ~BIT(CAP_KILL), all, 0));
    step("capset: effective beyond permitted", set(all, all & ~BIT(CAP_KILL), 0));
    step("capset: bit 41 in every set", set(all | BIT(41), all | BIT(41), BIT(41)));
    show("after");
    step("capset: inheritable CAP_NET_RAW", set(all & ~BIT(CAP_KILL), all & ~BIT(CAP_KILL), BIT(CAP_NET_RAW)));
    step("PR_CAPBSET_DROP CAP_NET_BIND_SERVICE", sc(SYS_prctl, PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE, 0, 0, 0));
    step("capset: inheritable + CAP_NET_BIND_SERVICE (not in the bounding set)",
         set(all & ~BIT(CAP_KILL), all & ~BIT(CAP_KILL), BIT(CAP_NET_RAW) | BIT(CAP_NET_BIND_SERVICE)));
    step("capset: inheritable + CAP_KILL (not permitted, but CAP_SETPCAP)",
         set(all & ~BIT(CAP_KILL), all & ~BIT(CAP_KILL), BIT(CAP_NET_RAW) | BIT(CAP_KILL)));
    uint64_t p = all & ~BIT(CAP_KILL);
    step("capset: CAP_SETPCAP out of effective", set(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_NET_RAW) | BIT(CAP_KILL)));
    step("capset: inheritable keeps CAP_KILL it had", set(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_NET_RAW) | BIT(CAP_KILL)));
    step("capset: inheritable + CAP_CHOWN (permitted)",
         set(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_NET_RAW) | BIT(CAP_KILL) | BIT(CAP_CHOWN)));
    step("capset: inheritable - CAP_KILL", set(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_NET_RAW) | BIT(CAP_CHOWN)));
    step("capset: inheritable + CAP_KILL again (neither permitted nor CAP_SETPCAP)",
         set(p & ~BIT(CAP_SETPCAP), p, BIT(CAP_NET_RAW) | BIT(CAP_KILL) | BIT(CAP_CHOWN)));
    show("after");
    step("PR_CAPBSET_DROP without CAP_SETPCAP", sc(SYS_prctl, PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
    step("PR_CAPBSET_DROP of 99 without CAP_SETPCAP", sc(SYS_prctl, PR_CAPBSET_DROP, 99, 0, 0, 0));
}

static void version1(void) {
    struct cap_header h = {V1, 0};
    struct cap_data d = {0xffffffff, 0xffffffff, 0};
    step("capset v1, all low bits", sc(SYS_capset, &h, &d));
    show("the upper capabilities are gone");
}

static void other_pid(void) {
    int gate[2], done[2];
    sc(SYS_pipe2, gate, 0);
    sc(SYS_pipe2, done, 0);
    long pid = raw_fork();
    if (pid == 0) {
        set(BIT(CAP_KILL), BIT(CAP_KILL) | BIT(CAP_CHOWN), BIT(CAP_CHOWN));
        tell(gate[1]);
        hear(done[0]);
        die(0);
    }
    hear(gate[0]);
    long r = get((int)pid);
    printf("  capget of a child: %s, effective %#llx, permitted %#llx, inheritable %#llx\n", res(r),
           (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
    struct cap_header h = {V3, (int)pid};
    struct cap_data d[2] = {{0}};
    step("capset of the child", sc(SYS_capset, &h, d));
    h.pid = (int)sc(SYS_gettid);
    get(0);
    struct cap_data same[2] = {{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
                               {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)}};
    step("capset naming our own tid", sc(SYS_capset, &h, same));
    tell(done[1]);
    reap(pid);
}

static void bounding(void) {
    step("PR_CAPBSET_READ CAP_CHOWN", sc(SYS_prctl, PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    step("PR_CAPBSET_READ 40", sc(SYS_prctl, PR_CAPBSET_READ, CAP_CHECKPOINT_RESTORE, 0, 0, 0));
    step("PR_CAPBSET_READ 41", sc(SYS_prctl, PR_CAPBSET_READ, 41, 0, 0, 0));
    step("PR_CAPBSET_READ -1", sc(SYS_prctl, PR_CAPBSET_READ, -1, 0, 0, 0));
    step("PR_CAPBSET_DROP CAP_SYS_BOOT", sc(SYS_prctl, PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
    step("PR_CAPBSET_READ CAP_SYS_BOOT", sc(SYS_prctl, PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0));
    step("PR_CAPBSET_DROP CAP_SYS_BOOT again", sc(SYS_prctl, PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
    step("PR_CAPBSET_DROP 41", sc(SYS_prctl, PR_CAPBSET_DROP, 41, 0, 0, 0));
    show("the sets keep CAP_SYS_BOOT");
}

static void ambient_rules(void) {
    step("IS_SET CAP_NET_RAW", ambient(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW));
    step("RAISE CAP_NET_RAW (not inheritable)", ambient(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW));
    get(0);
    uint64_t all = prm;
    step("capset: inheritable CAP_NET_RAW, CAP_KILL", set(all, all, BIT(CAP_NET_RAW) | BIT(CAP_KILL)));
    step("RAISE CAP_NET_RAW", ambient(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW));
    step("RAISE CAP_KILL", ambient(PR_CAP_AMBIENT_RAISE, CAP_KILL));
    step("IS_SET CAP_NET_RAW", ambient(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW));
    step("LOWER CAP_NET_RAW", ambient(PR_CAP_AMBIENT_LOWER, CAP_NET_RAW));
    step("IS_SET CAP_NET_RAW", ambient(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW));
    step("LOWER CAP_NET_RAW again", ambient(PR_CAP_AMBIENT_LOWER, CAP_NET_RAW));
    step("IS_SET 41", ambient(PR_CAP_AMBIENT_IS_SET, 41));
    step("RAISE 41", ambient(PR_CAP_AMBIENT_RAISE, 41));
    step("op 99", ambient(99, CAP_KILL));
    step("IS_SET with arg4", sc(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 1, 0));
    step("CLEAR_ALL with arg3", ambient(PR_CAP_AMBIENT_CLEAR_ALL, 1));
    step("capset: inheritable without CAP_KILL", set(all, all, BIT(CAP_NET_RAW)));
    step("IS_SET CAP_KILL (masked off)", ambient(PR_CAP_AMBIENT_IS_SET, CAP_KILL));
    step("RAISE CAP_NET_RAW", ambient(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW));
    step("CLEAR_ALL", ambient(PR_CAP_AMBIENT_CLEAR_ALL, 0));
    step("IS_SET CAP_NET_RAW", ambient(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW));
    step("RAISE CAP_NET_RAW", ambient(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW));
    step("PR_SET_KEEPCAPS 1", sc(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0));
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    step("IS_SET CAP_NET_RAW after leaving root", ambient(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW));
    show("kept by SECBIT_KEEP_CAPS");
    step("RAISE CAP_NET_RAW as uid 1000", ambient(PR_CAP_AMBIENT_RAISE, CAP_NET_RAW));
    step("IS_SET CAP_NET_RAW", ambient(PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW));
}

static void keepcaps(void) {
    step("PR_GET_KEEPCAPS", sc(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
    step("PR_SET_KEEPCAPS 2", sc(SYS_prctl, PR_SET_KEEPCAPS, 2, 0, 0, 0));
    step("PR_SET_KEEPCAPS 1", sc(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0));
    step("PR_GET_KEEPCAPS", sc(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
    step("PR_GET_SECUREBITS", sc(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0));
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    show("uid 1000, caps kept");
    step("PR_GET_KEEPCAPS", sc(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
    step("setuid(0) without CAP_SETUID in effective", sc(SYS_setuid, 0));
    get(0);
    step("capset: CAP_SETUID effective", set(BIT(CAP_SETUID), prm, 0));
    step("setresuid(-1, 0, -1)", sc(SYS_setresuid, -1, 0, -1));
    show("euid 0 again");
}

static void no_keepcaps(void) {
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    show("uid 1000");
    step("PR_SET_KEEPCAPS 1 as uid 1000", sc(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0));
    step("PR_SET_SECUREBITS as uid 1000", sc(SYS_prctl, PR_SET_SECUREBITS, 0, 0, 0, 0));
    step("PR_CAPBSET_DROP as uid 1000", sc(SYS_prctl, PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
    step("PR_CAPBSET_READ CAP_SYS_BOOT", sc(SYS_prctl, PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0));
    step("capset: anything permitted", set(0, BIT(CAP_KILL), 0));
    step("capset: nothing", set(0, 0, 0));
}

static void euid_only(void) {
    step("setresuid(-1, 1000, -1)", sc(SYS_setresuid, -1, 1000, -1));
    show("euid 1000");
    step("setresuid(-1, 0, -1)", sc(SYS_setresuid, -1, 0, -1));
    show("euid 0");
    step("setresuid(1000, -1, 1000)", sc(SYS_setresuid, 1000, -1, 1000));
    show("ruid and suid 1000, euid 0");
    step("setresuid(-1, 1000, -1)", sc(SYS_setresuid, -1, 1000, -1));
    show("no root left");
}

static void fsuid_caps(void) {
    printf("  setfsuid(1000) returns %ld\n", sc(SYS_setfsuid, 1000));
    show("fsuid 1000");
    printf("  setfsuid(0) returns %ld\n", sc(SYS_setfsuid, 0));
    show("fsuid 0");
    get(0);
    step("capset: effective without CAP_CHOWN", set(prm & ~BIT(CAP_CHOWN), prm, 0));
    printf("  setfsuid(1000) returns %ld\n", sc(SYS_setfsuid, 1000));
    printf("  setfsuid(0) returns %ld\n", sc(SYS_setfsuid, 0));
    show("CAP_CHOWN comes back from permitted");
}

static void securebits(void) {
    step("PR_GET_SECUREBITS", sc(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0));
    step("PR_SET_SECUREBITS 1<<8 (unknown)", sc(SYS_prctl, PR_SET_SECUREBITS, 1 << 8, 0, 0, 0));
    step("PR_SET_SECUREBITS KEEP_CAPS", sc(SYS_prctl, PR_SET_SECUREBITS, 0x10, 0, 0, 0));
    step("PR_GET_KEEPCAPS", sc(SYS_prctl, PR_GET_KEEPCAPS, 0, 0, 0, 0));
    step("PR_SET_SECUREBITS KEEP_CAPS|KEEP_CAPS_LOCKED", sc(SYS_prctl, PR_SET_SECUREBITS, 0x30, 0, 0, 0));
    step("PR_SET_KEEPCAPS 0 (locked)", sc(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0, 0));
    step("PR_SET_SECUREBITS 0 (unlocking)", sc(SYS_prctl, PR_SET_SECUREBITS, 0, 0, 0, 0));
    step("PR_SET_SECUREBITS LOCKED only (clearing the locked bit)", sc(SYS_prctl, PR_SET_SECUREBITS, 0x20, 0, 0, 0));
    step("PR_SET_SECUREBITS + NO_SETUID_FIXUP", sc(SYS_prctl, PR_SET_SECUREBITS, 0x34, 0, 0, 0));
    step("PR_GET_SECUREBITS", sc(SYS_prctl, PR_GET_SECUREBITS, 0, 0, 0, 0));
    step("setresuid(1000, 1000, 1000)", sc(SYS_setresuid, 1000, 1000, 1000));
    show("no fixup: everything kept");
    step("PR_SET_SECUREBITS + NO_CAP_AMBIENT_RAISE", sc(SYS_prctl, PR_SET_SECUREBITS, 0x74, 0, 0, 0));
    get(0);
    step("capset: inheritable CAP_KILL", set(eff, prm, BIT(CAP_KILL)));
    step("RAISE CAP_KILL", ambient(PR_CAP_AMBIENT_RAISE, CAP_KILL));
}

int main(void) {
    in_child("versions and pids", versions);
    in_child("capset", capset_rules);
    in_child("capset v1", version1);
    in_child("another process", other_pid);
    in_child("the bounding set", bounding);
    in_child("ambient", ambient_rules);
    in_child("keepcaps", keepcaps);
    in_child("leaving root without keepcaps", no_keepcaps);
    in_child("the effective uid alone", euid_only);
    in_child("the fsuid", fsuid_caps);
    in_child("securebits", securebits);
    return 0;
}
