// x86-64 self-tests: the kernel's own page tables checked from inside (W^X on the image, NX on
// the direct map, no identity map left behind by boot.S), and the faults that only this
// architecture can stage (a write to kernel text, a double fault onto the IST stack).
#include <arch/Memory.h>

#include "arch/x86_64/Paging.h"
#include "selftest/SelfTest.h"

extern "C" char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __data_end[],
    __kernel_end[];

namespace kernel {

namespace {

struct Expectation {
    const char* what;
    const void* address;
    bool writable;
    bool executable;
};

}  // namespace

void selftest_paging(SelfTestContext& ctx) {
    static char bss_probe[64];
    static const char rodata_probe[] = "rodata";
    const Expectation expectations[] = {
        {"text start", __text_start, false, true},
        {"text (this function)", reinterpret_cast<const void*>(&selftest_paging), false, true},
        {"rodata start", __rodata_start, false, false},
        {"rodata object", rodata_probe, false, false},
        {"data start", __data_start, true, false},
        {"bss object", bss_probe, true, false},
        {"symbol table", __data_end, false, false},
        {"direct map of RAM", arch::phys_to_virt(0x100000), true, false},
    };
    for (const auto& e : expectations) {
        auto leaf = x86::lookup_kernel_mapping(reinterpret_cast<VirtAddr>(e.address));
        if (!leaf) {
            printk("  {} at {:p}: not mapped\n", e.what, e.address);
            ctx.fail(__FILE__, __LINE__, e.what);
            continue;
        }
        bool writable = leaf->entry & x86::PTE_WRITABLE;
        bool executable = !(leaf->entry & x86::PTE_NX);
        bool user = leaf->entry & x86::PTE_USER;
        printk("  {:<22} {:p}: {}{}{} ({} KiB page)\n", e.what, e.address, "r", writable ? "w" : "-",
               executable ? "x" : "-", leaf->page_size / 1024);
        ST_CHECK(ctx, writable == e.writable);
        ST_CHECK(ctx, executable == e.executable);
        ST_CHECK(ctx, !user);
    }
    // Nothing below the kernel half is mapped any more: no identity map, no null page.
    for (VirtAddr low : {VirtAddr(0), VirtAddr(0x1000), VirtAddr(0x200000), VirtAddr(0x3ff00000)})
        ST_CHECK(ctx, !x86::lookup_kernel_mapping(low));
}

// Writes into the kernel's own code: W^X must stop it with a protection fault.
[[gnu::noinline]] void selftest_write_kernel_text() {
    auto* text = reinterpret_cast<volatile uint8_t*>(&selftest_paging);
    *text = 0xcc;
}

void selftest_text_write_panic(SelfTestContext& ctx) {
    selftest_write_kernel_text();
    ctx.fail(__FILE__, __LINE__, "kernel text was writable");
}

// Points the stack at unmapped memory and pushes: the page fault cannot push its own frame
// either, so the CPU raises a double fault, which only works because the IDT sends it to a
// known-good IST stack.
[[gnu::noinline]] void selftest_trigger_double_fault() {
    asm volatile(
        "movq %%rsp, %%rax\n"
        "movq $0xdead0000, %%rsp\n"
        "pushq $0\n"
        "movq %%rax, %%rsp\n" ::: "rax", "memory");
}

void selftest_double_fault_panic(SelfTestContext& ctx) {
    selftest_trigger_double_fault();
    ctx.fail(__FILE__, __LINE__, "no double fault");
}

}  // namespace kernel
