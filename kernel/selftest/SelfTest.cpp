#include "selftest/SelfTest.h"

namespace kernel {

namespace {

constexpr SelfTest g_tests[] = {
    {"pages", selftest_pages, false},
    {"heap", selftest_heap, false},
    {"threads", selftest_threads, false},
    {"preempt", selftest_preempt, false},
    {"waitqueue", selftest_waitqueue, false},
    {"tick", selftest_tick, false},
    {"paging", selftest_paging, false},
    {"user_memory", selftest_user_memory, false},
    {"fork_fail_nth", selftest_fork_fail_nth, false},
    {"panic_page_fault", selftest_page_fault_panic, true},
    {"panic_call", selftest_panic_call, true},
    {"panic_text_write", selftest_text_write_panic, true},
    {"panic_double_fault", selftest_double_fault_panic, true},
};

bool listed(StringView which, StringView name) {
    size_t i = 0;
    while (i <= which.size()) {
        size_t comma = which.find(',', i);
        if (comma == StringView::npos)
            comma = which.size();
        if (StringView(which.data() + i, comma - i) == name)
            return true;
        i = comma + 1;
    }
    return false;
}

}  // namespace

bool run_selftests(StringView which) {
    bool all = which == "all";
    int passed = 0, failed = 0;
    for (const auto& test : g_tests) {
        bool named = listed(which, test.name);
        if (!named && !(all && !test.only_when_named))
            continue;
        printk("SELFTEST {}: START\n", test.name);
        SelfTestContext ctx(test.name);
        test.function(ctx);
        printk("SELFTEST {}: {}\n", test.name, ctx.passed() ? "PASS" : "FAIL");
        (ctx.passed() ? passed : failed)++;
    }
    if (passed + failed == 0)
        printk("SELFTEST: no test matches '{}'\n", which);
    printk("SELFTEST SUMMARY: {} passed, {} failed\n", passed, failed);
    return failed == 0 && passed > 0;
}

}  // namespace kernel
