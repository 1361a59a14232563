/*
 * Copies to and from user memory that may fault. Each instruction that touches user memory has
 * an entry in the exception table (.extable: faulting address, fix-up address); the trap
 * handler resumes a faulting copy at its fix-up, which returns false (Linux's _ASM_EXTABLE).
 *
 * bool x86_user_copy(void* dst, const void* src, size_t n)
 * bool x86_user_clear(void* dst, size_t n)
 */
    .text
    .globl x86_user_copy
x86_user_copy:
    movq %rdx, %rcx
1:  rep movsb
    movl $1, %eax
    ret

    .globl x86_user_clear
x86_user_clear:
    movq %rsi, %rcx
    xorl %eax, %eax
2:  rep stosb
    movl $1, %eax
    ret

user_access_fault:
    xorl %eax, %eax
    ret

    .section .extable, "a"
    .p2align 3
    .quad 1b, user_access_fault
    .quad 2b, user_access_fault
