/*
 * Copies to and from user memory that may fault. Each instruction that touches user memory has
 * an entry in the exception table (.extable: faulting address, fix-up address); the trap
 * handler resumes a faulting copy at its fix-up, which returns false (Linux's _ASM_EXTABLE).
 *
 * bool x86_user_copy(void* dst, const void* src, size_t n)
 * bool x86_user_clear(void* dst, size_t n)
 * bool x86_user_load32(const uint32_t* uaddr, uint32_t* value)
 * bool x86_user_cmpxchg32(uint32_t* uaddr, uint32_t* expected, uint32_t desired)
 *
 * The last two are futex accesses: one aligned 32-bit load (a byte copy could see a word half
 * old, half new), and a locked compare-exchange that leaves the value found in *expected.
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

    .globl x86_user_load32
x86_user_load32:
3:  movl (%rdi), %eax
    movl %eax, (%rsi)
    movl $1, %eax
    ret

    .globl x86_user_cmpxchg32
x86_user_cmpxchg32:
    movl (%rsi), %eax
4:  lock cmpxchgl %edx, (%rdi)
    movl %eax, (%rsi)
    movl $1, %eax
    ret

user_access_fault:
    xorl %eax, %eax
    ret

    .section .extable, "a"
    .p2align 3
    .quad 1b, user_access_fault
    .quad 2b, user_access_fault
    .quad 3b, user_access_fault
    .quad 4b, user_access_fault
