#pragma once
// In-kernel self-tests: what needs the real machine (the real allocators over the real memory
// map, the scheduler, interrupts, the panic path). Booted with `selftest=<name>[,<name>...]`
// or `selftest=all`; each reports "SELFTEST <name>: PASS" or "...: FAIL (<why>)" on the serial
// line, which tests/kernel turns into ctest results.
#include "lib/Printk.h"
#include "lib/kstd.h"

namespace kernel {

class SelfTestContext {
public:
    explicit SelfTestContext(const char* name) : m_name(name) {}
    // Records a failure (the test goes on, so one run shows every broken check).
    void fail(const char* file, int line, const char* what) {
        ++m_failures;
        printk("SELFTEST {}: check failed at {}:{}: {}\n", m_name, file, line, what);
    }
    bool passed() const { return m_failures == 0; }

private:
    const char* m_name;
    int m_failures{0};
};

#define ST_CHECK(ctx, expr)                             \
    do {                                                \
        if (!(expr))                                    \
            (ctx).fail(__FILE__, __LINE__, #expr);      \
    } while (0)

#define ST_CHECK_EQ(ctx, a, b)                                                                   \
    do {                                                                                         \
        auto _a = (a);                                                                           \
        auto _b = (b);                                                                           \
        if (!(_a == _b)) {                                                                       \
            ::kernel::printk("  {} = {}, {} = {}\n", #a, _a, #b, _b);                            \
            (ctx).fail(__FILE__, __LINE__, #a " == " #b);                                        \
        }                                                                                        \
    } while (0)

using SelfTestFunction = void (*)(SelfTestContext&);

struct SelfTest {
    const char* name;
    SelfTestFunction function;
    // Tests that stop the machine on purpose (the panic report) only run when named.
    bool only_when_named;
};

// Runs the tests named in `which` ("all" or a comma-separated list); true when all passed.
bool run_selftests(StringView which);

// The test suites (one function per file).
void selftest_pages(SelfTestContext&);
void selftest_heap(SelfTestContext&);
void selftest_threads(SelfTestContext&);
void selftest_preempt(SelfTestContext&);
void selftest_waitqueue(SelfTestContext&);
void selftest_tick(SelfTestContext&);
void selftest_paging(SelfTestContext&);
void selftest_user_memory(SelfTestContext&);
void selftest_fork_fail_nth(SelfTestContext&);
void selftest_page_fault_panic(SelfTestContext&);
void selftest_text_write_panic(SelfTestContext&);
void selftest_double_fault_panic(SelfTestContext&);
void selftest_panic_call(SelfTestContext&);

}  // namespace kernel
