#pragma once
#include "lib/kstd.h"

namespace kernel {
// Stops the machine with a report (registers of the caller, symbolized backtrace).
// Defined by the kernel in debug/Panic.cpp and by the unit-test support library hosted.
[[noreturn]] void panic_message(const char* file, int line, const char* function, const char* message);
}  // namespace kernel

#define PANIC(msg) ::kernel::panic_message(__FILE__, __LINE__, __func__, (msg))

// Checked in every build: the kernel is small enough that the cost does not matter and a
// violated invariant found early is worth far more than the cycles.
#define VERIFY(expr)                                                                  \
    do {                                                                              \
        if (__builtin_expect(!(expr), 0))                                             \
            ::kernel::panic_message(__FILE__, __LINE__, __func__, "VERIFY(" #expr ") failed"); \
    } while (0)

#define VERIFY_NOT_REACHED() PANIC("unreachable code reached")
