// Tests that end the machine on purpose: the test driver (tools/ktest) checks the report.
#include "lib/Assert.h"
#include "selftest/SelfTest.h"

namespace kernel {

// Not inlined, so the backtrace must name it.
[[gnu::noinline]] void selftest_trigger_page_fault() {
    // An address nothing maps: the identity map is gone and this is below the kernel half.
    auto* volatile bad = reinterpret_cast<volatile uint64_t*>(0xdead000ull);
    printk("  reading {:#x}\n", reinterpret_cast<uint64_t>(bad));
    (void)*bad;
    asm volatile("" ::: "memory");
}

void selftest_page_fault_panic(SelfTestContext& ctx) {
    selftest_trigger_page_fault();
    ctx.fail(__FILE__, __LINE__, "the page fault did not stop the kernel");
}

[[gnu::noinline]] void selftest_trigger_panic() { PANIC("deliberate panic from the self-test"); }

void selftest_panic_call(SelfTestContext& ctx) {
    selftest_trigger_panic();
    ctx.fail(__FILE__, __LINE__, "PANIC returned");
}

}  // namespace kernel
