// signal-frame: Linux's signal frame as the libcs' handlers use it (SA_SIGINFO, SA_RESTORER,
// rt_sigreturn). A loop in assembly holds patterns in 14 general registers, all 16 XMM registers,
// the red zone below its stack pointer and the direction flag while ITIMER_REAL interrupts it
// 20 times with a handler that clobbers what the ABI lets it: all must come back intact. The
// handler starts with the stack 16-byte aligned as a call leaves it (rsp % 16 == 8) and DF
// clear. A SIGSEGV handler reads the fault from the ucontext (RIP, trap number 14, error code,
// CR2, si_addr) and resumes after the faulting instruction with RAX and XMM1 changed through
// the ucontext.
// usertest: build musl glibc
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/time.h>
#include <ucontext.h>

volatile int reg_hits;
int reg_target;
long entry_mod = -1;
unsigned xmm1_after;
static volatile int df_in_handler = -1;
unsigned char xmm_pat[256] __attribute__((aligned(16)));

long reg_loop(void);  // 0: all intact; otherwise which check failed
long fault_and_resume(void);
void handler_entry(int, siginfo_t*, void*);

#define PAT(n) "0x1e2d3c4b5a69780" #n
__asm__(".text\n"
        ".globl reg_loop\n"
        "reg_loop:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  mov %rsp, %rax\n"
        "  mov $16, %ecx\n"
        "0: movq $0x5a5a5a5a, -8(%rax)\n"  // red zone: 16 quadwords below rsp
        "  lea -8(%rax), %rax\n"
        "  dec %ecx\n"
        "  jnz 0b\n"
        "  movdqa xmm_pat+0(%rip), %xmm0\n  movdqa xmm_pat+16(%rip), %xmm1\n"
        "  movdqa xmm_pat+32(%rip), %xmm2\n  movdqa xmm_pat+48(%rip), %xmm3\n"
        "  movdqa xmm_pat+64(%rip), %xmm4\n  movdqa xmm_pat+80(%rip), %xmm5\n"
        "  movdqa xmm_pat+96(%rip), %xmm6\n  movdqa xmm_pat+112(%rip), %xmm7\n"
        "  movdqa xmm_pat+128(%rip), %xmm8\n  movdqa xmm_pat+144(%rip), %xmm9\n"
        "  movdqa xmm_pat+160(%rip), %xmm10\n  movdqa xmm_pat+176(%rip), %xmm11\n"
        "  movdqa xmm_pat+192(%rip), %xmm12\n  movdqa xmm_pat+208(%rip), %xmm13\n"
        "  movdqa xmm_pat+224(%rip), %xmm14\n  movdqa xmm_pat+240(%rip), %xmm15\n"
        "  movabs $" PAT(1) ", %rbx\n"
        "  movabs $" PAT(2) ", %rcx\n"
        "  movabs $" PAT(3) ", %rdx\n"
        "  movabs $" PAT(4) ", %rsi\n"
        "  movabs $" PAT(5) ", %rdi\n"
        "  movabs $" PAT(6) ", %rbp\n"
        "  movabs $" PAT(7) ", %r8\n"
        "  movabs $" PAT(8) ", %r9\n"
        "  movabs $" PAT(9) ", %r10\n"
        "  movabs $" PAT(a) ", %r11\n"
        "  movabs $" PAT(b) ", %r12\n"
        "  movabs $" PAT(c) ", %r13\n"
        "  movabs $" PAT(d) ", %r14\n"
        "  movabs $" PAT(e) ", %r15\n"
        "  std\n"
        "1:\n"
#define CHECK(reg, n, code) \
        "  movabs $" PAT(n) ", %rax\n  cmp %rax, %" reg "\n  mov $" #code ", %eax\n  jne 9f\n"
        CHECK("rbx", 1, 1) CHECK("rcx", 2, 2) CHECK("rdx", 3, 3) CHECK("rsi", 4, 4) CHECK("rdi", 5, 5)
        CHECK("rbp", 6, 6) CHECK("r8", 7, 7) CHECK("r9", 8, 8) CHECK("r10", 9, 9) CHECK("r11", a, 10)
        CHECK("r12", b, 11) CHECK("r13", c, 12) CHECK("r14", d, 13) CHECK("r15", e, 14)
#define XCHECK(i, off) \
        "  pcmpeqb xmm_pat+" #off "(%rip), %xmm" #i "\n  pmovmskb %xmm" #i ", %eax\n" \
        "  movdqa xmm_pat+" #off "(%rip), %xmm" #i "\n  cmp $0xffff, %eax\n  mov $" #i "+100, %eax\n  jne 9f\n"
        XCHECK(0, 0) XCHECK(1, 16) XCHECK(2, 32) XCHECK(3, 48) XCHECK(4, 64) XCHECK(5, 80) XCHECK(6, 96)
        XCHECK(7, 112) XCHECK(8, 128) XCHECK(9, 144) XCHECK(10, 160) XCHECK(11, 176) XCHECK(12, 192)
        XCHECK(13, 208) XCHECK(14, 224) XCHECK(15, 240)
        "  pushf\n  pop %rax\n  test $0x400, %eax\n  mov $200, %eax\n  jz 9f\n"
        "  lea -8(%rsp), %rax\n"
        "  cmpq $0x5a5a5a5a, -8(%rax)\n  jne 8f\n"
        "  cmpq $0x5a5a5a5a, -64(%rax)\n  jne 8f\n"
        "  cmpq $0x5a5a5a5a, -120(%rax)\n  jne 8f\n"
        "  mov reg_hits(%rip), %eax\n"
        "  cmp reg_target(%rip), %eax\n"
        "  jb 1b\n"
        "  xor %eax, %eax\n"
        "  jmp 9f\n"
        "8: mov $300, %eax\n"
        "9: cld\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "  ret\n"
        ".globl fault_and_resume\n"
        "fault_and_resume:\n"
        "  pxor %xmm1, %xmm1\n"
        "  xor %eax, %eax\n"
        "  mov $7, %edx\n"
        "  .globl fault_insn\n"
        "fault_insn:\n"
        "  movq (%rax), %rax\n"  // 48 8b 00: 3 bytes, faults on address 0
        "  add %rdx, %rax\n"
        "  movd %xmm1, %ecx\n"
        "  mov %ecx, xmm1_after(%rip)\n"
        "  ret\n"
        ".globl handler_entry\n"
        "handler_entry:\n"
        "  mov %rsp, %rax\n"
        "  and $15, %rax\n"
        "  mov %rax, entry_mod(%rip)\n"
        "  jmp c_handler\n");
extern char fault_insn[];

void c_handler(int sig, siginfo_t* si, void* ucv) {
    (void)si;
    (void)ucv;
    unsigned long fl;
    __asm__ volatile("pushf; pop %0" : "=r"(fl));
    df_in_handler = (fl & 0x400) != 0;
    (void)sig;
    // Clobber what a handler may clobber.
    __asm__ volatile("pxor %%xmm0, %%xmm0; pxor %%xmm1, %%xmm1; pxor %%xmm2, %%xmm2; pxor %%xmm3, %%xmm3\n"
                     "pxor %%xmm4, %%xmm4; pxor %%xmm5, %%xmm5; pxor %%xmm6, %%xmm6; pxor %%xmm7, %%xmm7\n"
                     "pxor %%xmm8, %%xmm8; pxor %%xmm9, %%xmm9; pxor %%xmm10, %%xmm10; pxor %%xmm11, %%xmm11\n"
                     "pxor %%xmm12, %%xmm12; pxor %%xmm13, %%xmm13; pxor %%xmm14, %%xmm14; pxor %%xmm15, %%xmm15\n"
                     "xor %%ecx, %%ecx; xor %%edx, %%edx; xor %%esi, %%esi; xor %%edi, %%edi\n"
                     "xor %%r8d, %%r8d; xor %%r9d, %%r9d; xor %%r10d, %%r10d; xor %%r11d, %%r11d\n" ::
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                           "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
                           "r11", "cc");
    ++reg_hits;
}

static volatile int segv_trapno = -1, segv_err = -1, segv_code, segv_rip_ok, segv_cr2_zero, segv_addr_zero;
static void on_segv(int sig, siginfo_t* si, void* ucv) {
    (void)sig;
    ucontext_t* uc = ucv;
    segv_code = si->si_code;
    segv_addr_zero = si->si_addr == NULL;
    segv_rip_ok = uc->uc_mcontext.gregs[REG_RIP] == (long)fault_insn;
    segv_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    segv_err = (int)uc->uc_mcontext.gregs[REG_ERR];
    segv_cr2_zero = uc->uc_mcontext.gregs[REG_CR2] == 0;
    uc->uc_mcontext.gregs[REG_RIP] += 3;
    uc->uc_mcontext.gregs[REG_RAX] = 42;
    uc->uc_mcontext.fpregs->_xmm[1].element[0] = 0x12345678;
}

int main(void) {
    for (int i = 0; i < 256; ++i)
        xmm_pat[i] = (unsigned char)(i * 7 + 3);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler_entry;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    reg_target = 20;
    struct itimerval it = {{0, 2000}, {0, 2000}};
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
    long r = reg_loop();
    memset(&it, 0, sizeof it);
    sc(SYS_setitimer, ITIMER_REAL, &it, 0);
    printf("20 timer signals into the register loop: %s\n", r == 0 ? "every register intact" : "a register changed");
    if (r)
        printf("  failed check %ld (1-14 GPRs, 100-115 XMM, 200 DF, 300 red zone)\n", r);
    printf("handler entered with rsp %% 16 == %ld; DF clear in the handler: %s\n", entry_mod, yes(df_in_handler == 0));

    printf("-- resuming after a fault through the ucontext --\n");
    on_siginfo(SIGSEGV, on_segv, 0);
    long v = fault_and_resume();
    printf("fault_and_resume returned %ld (42 from the handler + 7), xmm1 %#x\n", v, xmm1_after);
    printf("si_code %s, si_addr 0 %s, RIP at the instruction %s, trap %d, error code %d, CR2 0 %s\n",
           segv_code == SEGV_MAPERR ? "SEGV_MAPERR" : "other", yes(segv_addr_zero), yes(segv_rip_ok), segv_trapno,
           segv_err, yes(segv_cr2_zero));
    return 0;
}
