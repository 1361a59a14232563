// signal-altstack: sigaltstack: the initial state (SS_DISABLE), setting and reading back, the
// size checks (ENOMEM below the minimum), bad flags (EINVAL), bad pointers (EFAULT); an
// SA_ONSTACK handler runs on the alternate stack and sees SS_ONSTACK, cannot change the stack
// while on it (EPERM), and a nested signal stays on it; a handler without SA_ONSTACK runs on
// the normal stack; SS_AUTODISARM disarms it inside the handler; a stack overflow's SIGSEGV
// can only be handled on the alternate stack.
#include "lib/facts.h"
#include "lib/proc.h"

static char alt[65536] __attribute__((aligned(16)));
static volatile unsigned long where, where_nested;
static volatile int flags_inside, eperm_inside, hits;

static int on_alt(unsigned long a) { return a >= (unsigned long)alt && a < (unsigned long)alt + sizeof alt; }

static void on_usr2(int sig) {
    (void)sig;
    volatile int local;
    where_nested = (unsigned long)&local;
}

static void on_usr1(int sig) {
    (void)sig;
    volatile int local;
    where = (unsigned long)&local;
    ++hits;
    stack_t cur;
    sc(SYS_sigaltstack, 0, &cur);
    flags_inside = cur.ss_flags;
    stack_t other = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
    eperm_inside = (int)-sc(SYS_sigaltstack, &other, 0);
    sc(SYS_kill, sc(SYS_getpid), SIGUSR2);  // nested: SIGUSR2 is not blocked here
}

static const char* flags_text(int f) {
    static char b[64];
    snprintf(b, sizeof b, "%s%s%s", f & SS_ONSTACK ? "|SS_ONSTACK" : "", f & SS_DISABLE ? "|SS_DISABLE" : "",
             f & (int)SS_AUTODISARM ? "|SS_AUTODISARM" : "");
    if (!f)
        snprintf(b, sizeof b, "|0");
    return b + 1;
}

static int depth(int n) {
    volatile char pad[512];
    pad[0] = (char)n;
    if (n > 100000000)
        return 0;
    return depth(n + 1) + pad[0];
}
static void on_segv(int sig) {
    (void)sig;
    static const char msg[] = "SIGSEGV handled on the alternate stack\n";
    sc(SYS_write, 1, msg, sizeof msg - 1);
    sc(SYS_exit_group, 42);
}

int main(void) {
    stack_t cur;
    memset(&cur, 0x55, sizeof cur);
    long r = sc(SYS_sigaltstack, 0, &cur);
    printf("initially: %s, sp NULL %s, size %zu\n", res(r), yes(cur.ss_sp == NULL), cur.ss_size);
    printf("flags: %s\n", flags_text(cur.ss_flags));
    stack_t ss = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    printf("1024 bytes: %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    ss.ss_size = MINSIGSTKSZ;
    printf("MINSIGSTKSZ (%d) bytes: %s\n", MINSIGSTKSZ, res(sc(SYS_sigaltstack, &ss, 0)));
    ss.ss_size = sizeof alt;
    ss.ss_flags = 7;
    printf("flags 7: %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    ss.ss_flags = SS_ONSTACK;
    printf("flags SS_ONSTACK (accepted as 0): %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    ss.ss_flags = 0;
    printf("ss 8: %s; old 8: %s\n", res(sc(SYS_sigaltstack, 8, 0)), res(sc(SYS_sigaltstack, 0, 8)));
    printf("set 64 KiB: %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    sc(SYS_sigaltstack, 0, &cur);
    printf("read back: same sp %s, size %zu, flags %s\n", yes(cur.ss_sp == alt), cur.ss_size, flags_text(cur.ss_flags));

    on_signal(SIGUSR1, on_usr1, SA_ONSTACK);
    on_signal(SIGUSR2, on_usr2, SA_ONSTACK);
    sc(SYS_kill, sc(SYS_getpid), SIGUSR1);
    printf("SA_ONSTACK handler: on the alternate stack %s, sees %s, changing it there: %s\n", yes(on_alt(where)),
           flags_text(flags_inside), errname(eperm_inside) ? errname(eperm_inside) : "0");
    printf("nested signal: also on it %s, below the first %s\n", yes(on_alt(where_nested)), yes(where_nested < where));
    sc(SYS_sigaltstack, 0, &cur);
    printf("after: %s\n", flags_text(cur.ss_flags));
    on_signal(SIGUSR1, on_usr1, 0);
    sc(SYS_kill, sc(SYS_getpid), SIGUSR1);
    printf("handler without SA_ONSTACK: on the alternate stack %s, sees %s\n", yes(on_alt(where)),
           flags_text(flags_inside));

    ss.ss_flags = (int)SS_AUTODISARM;
    printf("SS_AUTODISARM: %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    on_signal(SIGUSR1, on_usr1, SA_ONSTACK);
    sc(SYS_kill, sc(SYS_getpid), SIGUSR1);
    printf("handler: on the alternate stack %s, sees %s, changing it there: %s; nested on it: %s\n",
           yes(on_alt(where)), flags_text(flags_inside), errname(eperm_inside) ? errname(eperm_inside) : "0",
           yes(on_alt(where_nested)));
    sc(SYS_sigaltstack, 0, &cur);
    printf("after: %s\n", flags_text(cur.ss_flags));
    ss.ss_flags = SS_DISABLE;
    printf("SS_DISABLE: %s\n", res(sc(SYS_sigaltstack, &ss, 0)));
    sc(SYS_sigaltstack, 0, &cur);
    printf("read back: %s, size %zu\n", flags_text(cur.ss_flags), cur.ss_size);

    printf("-- stack overflow --\n");
    for (int with_alt = 0; with_alt < 2; ++with_alt) {
        long pid = raw_fork();
        if (pid == 0) {
            struct rlimit rl = {1 << 20, 1 << 20};
            sc(SYS_setrlimit, RLIMIT_STACK, &rl);
            if (with_alt) {
                stack_t a = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
                sc(SYS_sigaltstack, &a, 0);
            }
            on_signal(SIGSEGV, on_segv, SA_ONSTACK);
            die(depth(0));
        }
        printf("%s: %s\n", with_alt ? "with an alternate stack" : "without", status_text(reap(pid)));
    }
    return 0;
}
