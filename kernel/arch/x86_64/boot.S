/*
 * PVH entry (see docs/decisions.md for why PVH rather than Multiboot). QEMU's PVH loader copies
 * our ELF segments to their physical addresses and jumps here in 32-bit protected mode, paging
 * off, with %ebx = physical address of the hvm_start_info (memory map, command line, initrd).
 *
 * We build just enough page tables to enter long mode — the first 1 GiB identity-mapped and
 * mapped again at KERNEL_BASE (-2 GiB) — then jump to the higher half and call kernel_entry().
 * arch/x86_64/Paging.cpp replaces these tables with the real ones.
 */
#define KERNEL_BASE 0xffffffff80000000
#define PHYS(sym) ((sym) - KERNEL_BASE)

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The ELF note QEMU looks for: the 32-bit physical entry point. Name "Xen", 8-byte descriptor. */
    .section .note.Xen, "a"
    .p2align 2
    .long 4
    .long 8
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .quad PHYS(pvh_start32)

    .section .boot.text, "ax"
    .code32
    .globl pvh_start32
pvh_start32:
    cli
    cld
    movl %ebx, %esi                       /* keep hvm_start_info for kernel_entry */
    movl $PHYS(boot_stack_top), %esp

    /* Clear the four boot page-table pages (contiguous in .bss). */
    movl $PHYS(boot_pml4), %edi
    xorl %eax, %eax
    movl $(4 * 4096 / 4), %ecx
    rep stosl

    /* PML4[0] and PML4[511] -> their PDPTs; both PDPTs point at one PD of 2 MiB pages. */
    movl $PHYS(boot_pdpt_low), %eax
    orl $0x3, %eax
    movl %eax, PHYS(boot_pml4)
    movl $PHYS(boot_pdpt_high), %eax
    orl $0x3, %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8
    movl $PHYS(boot_pd), %eax
    orl $0x3, %eax
    movl %eax, PHYS(boot_pdpt_low)
    movl %eax, PHYS(boot_pdpt_high) + 510 * 8

    movl $PHYS(boot_pd), %edi
    movl $0x83, %eax                      /* present | writable | 2 MiB page */
    movl $512, %ecx
1:  movl %eax, (%edi)
    addl $0x200000, %eax
    addl $8, %edi
    loop 1b

    /* PAE, then EFER.LME|NXE, then paging (with write-protect honoured in ring 0). */
    movl %cr4, %eax
    orl $(1 << 5), %eax
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl $((1 << 8) | (1 << 11)), %eax
    wrmsr
    movl %cr0, %eax
    orl $((1 << 31) | (1 << 16) | 1), %eax
    movl %eax, %cr0

    lgdt PHYS(boot_gdt_pointer)
    ljmp $0x10, $PHYS(long_mode_low)

    .code64
long_mode_low:
    movl $0x18, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    xorl %eax, %eax
    movl %eax, %fs
    movl %eax, %gs
    movabsq $long_mode_high, %rax
    jmp *%rax

long_mode_high:
    movabsq $boot_stack_top, %rsp
    xorl %ebp, %ebp                       /* terminates the backtrace */
    movl %esi, %edi                       /* hvm_start_info physical address */
    call kernel_entry
2:  cli
    hlt
    jmp 2b

    .section .rodata
    .p2align 3
/* Same selectors as the final GDT (Linux's layout): 0x10 kernel code, 0x18 kernel data. */
boot_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff                /* 0x08: 32-bit code (unused here) */
    .quad 0x00af9a000000ffff                /* 0x10: 64-bit kernel code */
    .quad 0x00cf92000000ffff                /* 0x18: kernel data */
boot_gdt_end:
boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

    .section .bss
    .p2align 12
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .skip 16384
boot_stack_top:
