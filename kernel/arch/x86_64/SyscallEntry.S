/*
 * The `syscall` instruction lands here (MSR_LSTAR) with interrupts off (MSR_FMASK clears IF),
 * rcx = user rip, r11 = user rflags, rsp still the user's. We switch to the task's kernel stack,
 * build the same TrapFrame an interrupt from user mode would (include/arch/TrapFrame.h: vector
 * 0x100 marks a syscall, error_code holds the original rax as Linux's orig_ax), and call
 * x86_handle_syscall. The frame sits at the very top of the kernel stack (task_user_frame).
 *
 * Return: sysretq when the frame is a plain user frame with a canonical rip (it is faster);
 * anything else (a frame rewritten by exec or, later, by signal delivery) goes through iretq.
 */
#include "TrapFrame.inc"

#define USER_SPACE_END 0x00007ffffffff000

    .text
    .globl x86_syscall_entry
x86_syscall_entry:
    swapgs
    movq %rsp, %gs:16
    movq %gs:8, %rsp
    pushq $0x2b                 /* ss: USER_DS */
    pushq %gs:16                /* rsp */
    pushq %r11                  /* rflags */
    pushq $0x33                 /* cs: USER_CS */
    pushq %rcx                  /* rip */
    pushq %rax                  /* error_code slot: orig_ax */
    pushq $0x100                /* vector: syscall */
    SAVE_GPRS
    cld
    movq %rsp, %rdi
    pushq 0x88(%rsp)            /* a fake frame so backtraces end at the user rip */
    pushq $0
    movq %rsp, %rbp
    call x86_handle_syscall
    addq $16, %rsp

    .globl x86_syscall_return
x86_syscall_return:
    cli
    /* sysret only for an untouched user frame: canonical rip, user cs/ss. */
    movq 0x88(%rsp), %rcx
    movq $USER_SPACE_END, %r11
    cmpq %r11, %rcx
    jae 1f
    cmpq $0x33, 0x90(%rsp)
    jne 1f
    cmpq $0x2b, 0xa8(%rsp)
    jne 1f
    RESTORE_GPRS                /* rcx and r11 are overwritten below */
    movq 16(%rsp), %rcx         /* rip */
    movq 32(%rsp), %r11         /* rflags */
    movq 40(%rsp), %rsp         /* user rsp */
    swapgs
    sysretq
1:  jmp trap_return

/* [[noreturn]] void x86_return_to_user(TrapFrame* frame): leave for user mode through iretq. */
    .globl x86_return_to_user
x86_return_to_user:
    cli
    movq %rdi, %rsp
    jmp trap_return
