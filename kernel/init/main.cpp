// kernel_main: where generic code takes over from the arch bring-up (arch/x86_64/Boot.cpp).
#include <arch/Cpu.h>
#include <arch/Power.h>
#include <arch/Time.h>

#include "init/Init.h"
#include "lib/Printk.h"
#include "mm/PageAllocator.h"
#include "selftest/SelfTest.h"
#include "task/Scheduler.h"

namespace kernel {

namespace {

uint64_t ns_to_us(uint64_t ns) { return ns / 1000; }

// The first kernel thread (pid 1's ancestor: it will exec /init once user space exists).
void init_thread(void*) {
    StringView selftests = boot_info().cmdline_option("selftest");
    if (!selftests.empty()) {
        bool ok = run_selftests(selftests);
        arch::power_off(ok ? 0 : 1);
    }
    printk("Nothing to run yet: user space arrives with the binaries issue. Powering off.\n");
    arch::power_off(0);
}

}  // namespace

[[noreturn]] void kernel_main() {
    sched_init();
    arch::irq_enable();

    const BootInfo& info = boot_info();
    uint64_t now = arch::monotonic_ns();
    uint64_t at_entry = arch::kernel_entry_ns();
    uint64_t total_ram = 0;
    for (size_t i = 0; i < info.region_count; ++i)
        if (info.regions[i].type == MemoryRegion::Type::Usable)
            total_ram += info.regions[i].size;
    printk("\nSprout 0.1 (x86_64): a small Linux-compatible kernel whose heart is fork\n");
    printk("  memory: {} MiB usable RAM in {} map entries, {} MiB free\n", total_ram >> 20, info.region_count,
           (page_allocator().free_pages() * PAGE_SIZE) >> 20);
    printk("  boot: {} us from reset to kernel entry (firmware), {} us from entry to this banner\n",
           ns_to_us(at_entry), ns_to_us(now - at_entry));
    printk("  command line: '{}'\n", info.cmdline());

    auto init = kthread_run(init_thread, nullptr, "init");
    if (init.is_error())
        PANIC("cannot create the init thread");
    cpu_idle_loop();
}

}  // namespace kernel
