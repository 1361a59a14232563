// The panic report: what a developer needs to find the bug without a debugger — vector, error
// code, every register, CR2 for page faults, and a symbolized backtrace — then QEMU exits with
// a failure status so a test run stops at once instead of hanging.
#include <arch/Io.h>
#include <arch/Power.h>

#include "arch/x86_64/Traps.h"
#include "debug/Symbols.h"
#include "lib/Assert.h"
#include "lib/Printk.h"

extern "C" const char __kernel_start[], __kernel_end[];

namespace kernel::x86 {

namespace {

std::atomic<int> g_panicking{0};

const char* const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded", "invalid opcode",
    "device not available", "double fault", "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack-segment fault", "general protection fault", "page fault", "reserved", "x87 floating-point error",
    "alignment check", "machine check", "SIMD floating-point error", "virtualization exception",
    "control protection", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
    "hypervisor injection", "VMM communication", "security exception", "reserved"};

// A frame pointer we may follow: 8-aligned and inside kernel memory we know is mapped.
bool plausible_frame(uint64_t rbp) {
    if (rbp & 7)
        return false;
    bool in_image = rbp >= reinterpret_cast<uint64_t>(__kernel_start) && rbp + 16 <= reinterpret_cast<uint64_t>(__kernel_end);
    bool in_direct_map = rbp >= 0xffff888000000000ull && rbp < 0xffffc88000000000ull;
    return in_image || in_direct_map;
}

void print_address(uint64_t address) {
    if (auto sym = symbolize(address))
        printk("  [<{:016x}>] {}+{:#x}\n", address, sym->name, address - sym->address);
    else
        printk("  [<{:016x}>] ?\n", address);
}

// Only the first panic reports; a fault while reporting just stops the machine.
void enter_panic() {
    asm volatile("cli");
    console_verbose();
    if (g_panicking.fetch_add(1) != 0) {
        printk("\n(nested panic: stopping)\n");
        arch::power_off(arch::PANIC_STATUS);
    }
}

}  // namespace

void print_backtrace(uint64_t rip, uint64_t rbp) {
    printk("Call trace:\n");
    print_address(rip);
    for (int depth = 0; depth < 48 && plausible_frame(rbp); ++depth) {
        auto* frame = reinterpret_cast<const uint64_t*>(rbp);
        uint64_t return_address = frame[1];
        if (!return_address)
            break;
        // The return address points after the call; step back one byte so the symbol is the
        // caller's even when the call is the function's last instruction.
        print_address(return_address - 1);
        if (frame[0] <= rbp)  // stacks grow down: a frame chain must climb
            break;
        rbp = frame[0];
    }
}

[[noreturn]] void panic_on_trap(const arch::TrapFrame& f, const char* reason) {
    enter_panic();
    const char* name = f.vector < 32 ? exception_names[f.vector] : "interrupt";
    printk("\n------------[ cut here ]------------\n");
    printk("KERNEL PANIC: {} (vector {}, error code {:#x}){}{}\n", name, f.vector, f.error_code, reason ? ": " : "",
           reason ? reason : "");
    if (f.vector == 14) {
        uint64_t cr2 = read_cr2();
        printk("page fault at address {:#018x}: {} {} in {} mode\n", cr2,
               (f.error_code & 1) ? "protection violation" : "page not present",
               (f.error_code & 16) ? "on instruction fetch" : (f.error_code & 2) ? "on write" : "on read",
               (f.error_code & 4) ? "user" : "kernel");
    }
    printk("RIP: {:04x}:{:016x} RFLAGS: {:016x}\n", f.cs, f.rip, f.rflags);
    printk("RSP: {:04x}:{:016x}\n", f.ss, f.rsp);
    printk("RAX: {:016x} RBX: {:016x} RCX: {:016x}\n", f.rax, f.rbx, f.rcx);
    printk("RDX: {:016x} RSI: {:016x} RDI: {:016x}\n", f.rdx, f.rsi, f.rdi);
    printk("RBP: {:016x} R08: {:016x} R09: {:016x}\n", f.rbp, f.r8, f.r9);
    printk("R10: {:016x} R11: {:016x} R12: {:016x}\n", f.r10, f.r11, f.r12);
    printk("R13: {:016x} R14: {:016x} R15: {:016x}\n", f.r13, f.r14, f.r15);
    printk("CR0: {:016x} CR2: {:016x} CR3: {:016x} CR4: {:016x}\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
    print_backtrace(f.rip, f.rbp);
    printk("---[ end Kernel panic ]---\n");
    arch::power_off(arch::PANIC_STATUS);
}

}  // namespace kernel::x86

namespace kernel {

[[noreturn]] void panic_message(const char* file, int line, const char* function, const char* message) {
    x86::enter_panic();
    printk("\n------------[ cut here ]------------\n");
    printk("KERNEL PANIC: {}\n  at {}:{} in {}()\n", message, file, line, function);
    x86::print_backtrace(reinterpret_cast<uint64_t>(__builtin_return_address(0)),
                         reinterpret_cast<uint64_t>(__builtin_frame_address(0)) ? *reinterpret_cast<uint64_t*>(__builtin_frame_address(0)) : 0);
    printk("---[ end Kernel panic ]---\n");
    arch::power_off(arch::PANIC_STATUS);
}

}  // namespace kernel
