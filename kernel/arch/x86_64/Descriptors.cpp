// GDT, TSS and IDT of the boot CPU.
#include "arch/x86_64/Descriptors.h"

namespace kernel::x86 {

namespace {

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

struct IdtEntry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
static_assert(sizeof(IdtEntry) == 16);

constexpr size_t IST_STACK_SIZE = 16384;

// One per CPU once SMP arrives; the boot CPU's lives here.
struct alignas(64) CpuDescriptors {
    uint64_t gdt[10];
    Tss tss;
};

constinit CpuDescriptors g_boot_cpu;
alignas(16) constinit IdtEntry g_idt[256];
alignas(16) constinit uint8_t g_ist_stacks[3][IST_STACK_SIZE];

constexpr uint64_t segment(uint32_t flags_access) {
    // flags_access: bits 0-7 = access byte, bits 8-11 = flags nibble; base 0, limit 0xfffff.
    return 0x000f00000000ffffull | (uint64_t(flags_access & 0xff) << 40) | (uint64_t(flags_access >> 8) << 52);
}

}  // namespace

extern "C" const uint64_t trap_entry_table[256];

void descriptors_init() {
    auto& cpu = g_boot_cpu;
    cpu.gdt[0] = 0;
    cpu.gdt[1] = segment(0xc9a);  // 0x08 kernel 32-bit code
    cpu.gdt[2] = segment(0xa9a);  // 0x10 kernel 64-bit code (L=1)
    cpu.gdt[3] = segment(0xc92);  // 0x18 kernel data
    cpu.gdt[4] = segment(0xcfa);  // 0x23 user 32-bit code
    cpu.gdt[5] = segment(0xcf2);  // 0x2b user data
    cpu.gdt[6] = segment(0xafa);  // 0x33 user 64-bit code
    cpu.gdt[7] = 0;
    // 0x40: the 16-byte TSS descriptor.
    uint64_t base = reinterpret_cast<uint64_t>(&cpu.tss);
    uint64_t limit = sizeof(Tss) - 1;
    cpu.gdt[8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
                 (((base >> 24) & 0xff) << 56);
    cpu.gdt[9] = base >> 32;

    cpu.tss.iomap_base = sizeof(Tss);  // no I/O bitmap: ring 3 gets no ports
    for (int i = 0; i < 3; ++i)
        cpu.tss.ist[i] = reinterpret_cast<uint64_t>(&g_ist_stacks[i][IST_STACK_SIZE]);

    DescriptorPointer gdtr{sizeof(cpu.gdt) - 1, reinterpret_cast<uint64_t>(cpu.gdt)};
    asm volatile(
        "lgdt %0\n"
        "pushq %1\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movl %2, %%eax\n"
        "movl %%eax, %%ds\n"
        "movl %%eax, %%es\n"
        "movl %%eax, %%ss\n"
        "xorl %%eax, %%eax\n"
        "movl %%eax, %%fs\n"
        "movl %%eax, %%gs\n"
        :
        : "m"(gdtr), "i"(uint64_t(KERNEL_CS)), "i"(uint32_t(KERNEL_DS))
        : "rax", "memory");
    asm volatile("ltr %w0" ::"r"(TSS_SELECTOR));

    for (int v = 0; v < 256; ++v) {
        uint64_t handler = trap_entry_table[v];
        auto& e = g_idt[v];
        e.offset_low = handler & 0xffff;
        e.selector = KERNEL_CS;
        e.ist = 0;
        e.type_attr = 0x8e;  // present, ring 0, 64-bit interrupt gate (IF cleared on entry)
        e.offset_mid = (handler >> 16) & 0xffff;
        e.offset_high = handler >> 32;
        e.reserved = 0;
    }
    g_idt[8].ist = IST_DOUBLE_FAULT;
    g_idt[2].ist = IST_NMI;
    g_idt[18].ist = IST_MACHINE_CHECK;
    // int3 is reachable from ring 3 (debuggers and `int3` in user code get SIGTRAP, as on Linux).
    g_idt[3].type_attr = 0xee;

    DescriptorPointer idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" ::"m"(idtr));
}

void set_kernel_stack(uint64_t rsp0) { g_boot_cpu.tss.rsp[0] = rsp0; }

}  // namespace kernel::x86
