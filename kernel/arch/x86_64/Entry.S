/*
 * Interrupt and exception entry, and the kernel context switch.
 *
 * Every vector has a short entry that makes the stack uniform (a zero error code where the CPU pushes
 * none, then the vector number) and jumps to a common path that saves all general registers
 * as a TrapFrame (include/arch/TrapFrame.h) and calls x86_handle_trap(TrapFrame*).
 */
#include "TrapFrame.inc"

    .text

.macro TRAP_ENTRY vector, has_error
    .p2align 4
trap_entry_\vector:
    .if \has_error == 0
    pushq $0
    .endif
    pushq $\vector
    jmp trap_common
.endm

/* Exceptions that push an error code: 8, 10-14, 17, 21, 29, 30. */
.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
    TRAP_ENTRY \v, 0
.endr
.irp v, 8,10,11,12,13,14,17,21,29,30
    TRAP_ENTRY \v, 1
.endr
.altmacro
.macro IRQ_ENTRY_N n
    TRAP_ENTRY %n, 0
.endm
.set i, 32
.rept 224
    IRQ_ENTRY_N %i
    .set i, i + 1
.endr
.noaltmacro

trap_common:
    /* From user mode the GS base is the user's: swap in the kernel's. */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:  SAVE_GPRS
    cld
    movq %rsp, %rdi
    /* Link this frame into the rbp chain so backtraces walk through interrupts. */
    movq 0x88(%rsp), %rax                  /* interrupted rip */
    pushq %rax
    pushq %rbp
    movq %rsp, %rbp
    call x86_handle_trap
    addq $16, %rsp
    .globl trap_return
trap_return:
    RESTORE_GPRS
    addq $16, %rsp                          /* vector and error code */
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:  iretq

/* The entry addresses, in vector order, for the IDT setup in Descriptors.cpp. */
    .section .rodata
    .p2align 3
    .globl trap_entry_table
trap_entry_table:
.altmacro
.macro ENTRY_ADDR n
    .quad trap_entry_\n
.endm
.set i, 0
.rept 256
    ENTRY_ADDR %i
    .set i, i + 1
.endr
.noaltmacro

/*
 * Task* x86_switch_context(Task* prev, uint64_t* prev_rsp, uint64_t next_rsp)
 * Saves the callee-saved registers on prev's stack, switches stacks, restores next's, and
 * returns `prev` (in %rax) on the new stack: the incoming task learns whom it replaced, which
 * finish_task_switch needs to free a dead predecessor (Linux's switch_to(prev, next, last)).
 */
    .text
    .globl x86_switch_context
x86_switch_context:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rsi)
    movq %rdx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdi, %rax
    ret

/*
 * First instructions of every new kernel thread: x86_switch_context "returns" here with
 * %rax = prev, %r12 = entry function, %r13 = its argument (planted by prepare_kernel_thread).
 */
    .globl x86_ret_from_fork
x86_ret_from_fork:
    movq %rax, %rdi
    movq %r12, %rsi
    call x86_fork_child_return
    ud2

    .globl x86_kernel_thread_start
x86_kernel_thread_start:
    movq %rax, %rdi
    call schedule_tail
    movq %r13, %rdi
    call *%r12
    call kernel_thread_exit
    ud2
