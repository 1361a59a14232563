// unknown-syscall: numbers no kernel implements answer ENOSYS and change nothing else: every
// register but rax, rcx and r11 survives (rcx holds the return address, as sysret leaves it).
#include "lib/facts.h"

struct regs {
    unsigned long rdi, rsi, rdx, r10, r8, r9, rbx, rbp, r12, r13, r14, r15, rcx, rax;
};

// Loads distinct values into every register, makes system call NR, stores them all back.
unsigned long expected_rcx;  // written by the asm below (hence not static)
__attribute__((noinline)) static void call(long nr, struct regs* out) {
    __asm__ volatile(
        "push %%rbp\n\t"
        "push %%rbx\n\t"
        "push %%r12\n\t"
        "push %%r13\n\t"
        "push %%r14\n\t"
        "push %%r15\n\t"
        "push %%rsi\n\t"  // out
        "mov %%rdi, %%rax\n\t"
        "mov $0x1111111111111111, %%rdi\n\t"
        "mov $0x2222222222222222, %%rsi\n\t"
        "mov $0x3333333333333333, %%rdx\n\t"
        "mov $0x4444444444444444, %%r10\n\t"
        "mov $0x5555555555555555, %%r8\n\t"
        "mov $0x6666666666666666, %%r9\n\t"
        "mov $0x7777777777777777, %%rbx\n\t"
        "mov $0x8888888888888888, %%rbp\n\t"
        "mov $0x9999999999999999, %%r12\n\t"
        "mov $0xaaaaaaaaaaaaaaaa, %%r13\n\t"
        "mov $0xbbbbbbbbbbbbbbbb, %%r14\n\t"
        "mov $0xcccccccccccccccc, %%r15\n\t"
        "syscall\n\t"
        "1:\n\t"
        "lea 1b(%%rip), %%r11\n\t"
        "mov %%r11, expected_rcx(%%rip)\n\t"
        "pop %%r11\n\t"  // out
        "mov %%rdi, 0(%%r11)\n\t"
        "mov %%rsi, 8(%%r11)\n\t"
        "mov %%rdx, 16(%%r11)\n\t"
        "mov %%r10, 24(%%r11)\n\t"
        "mov %%r8, 32(%%r11)\n\t"
        "mov %%r9, 40(%%r11)\n\t"
        "mov %%rbx, 48(%%r11)\n\t"
        "mov %%rbp, 56(%%r11)\n\t"
        "mov %%r12, 64(%%r11)\n\t"
        "mov %%r13, 72(%%r11)\n\t"
        "mov %%r14, 80(%%r11)\n\t"
        "mov %%r15, 88(%%r11)\n\t"
        "mov %%rcx, 96(%%r11)\n\t"
        "mov %%rax, 104(%%r11)\n\t"
        "pop %%r15\n\t"
        "pop %%r14\n\t"
        "pop %%r13\n\t"
        "pop %%r12\n\t"
        "pop %%rbx\n\t"
        "pop %%rbp\n\t"
        :
        : "D"(nr), "S"(out)
        : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
}

static void check(long nr, const char* label) {
    struct regs r;
    call(nr, &r);
    int kept = r.rdi == 0x1111111111111111ul && r.rsi == 0x2222222222222222ul && r.rdx == 0x3333333333333333ul &&
               r.r10 == 0x4444444444444444ul && r.r8 == 0x5555555555555555ul && r.r9 == 0x6666666666666666ul &&
               r.rbx == 0x7777777777777777ul && r.rbp == 0x8888888888888888ul && r.r12 == 0x9999999999999999ul &&
               r.r13 == 0xaaaaaaaaaaaaaaaaul && r.r14 == 0xbbbbbbbbbbbbbbbbul && r.r15 == 0xccccccccccccccccul;
    const char* result = (long)r.rax == sc(SYS_getpid) ? "getpid's value" : res((long)r.rax);
    printf("syscall %s: %s; other registers kept: %s; rcx = return address: %s\n", label, result, yes(kept),
           yes(r.rcx == expected_rcx));
}

int main(void) {
    check(1000, "1000");
    check(335, "335 (unassigned)");
    check(512, "512 (an x32 number, without the x32 bit)");
    check(0x40000000 | SYS_getpid, "0x40000000|getpid (x32 bit: x32 is off)");
    check(-1, "-1");
    check(0x7fffffff, "0x7fffffff");
    check(SYS_getpid + (1L << 32), "getpid + (1 << 32) (only the low 32 bits count)");
    printf("a known call still works after them: %s\n", yes(sc(SYS_getpid) > 0));
    return 0;
}
