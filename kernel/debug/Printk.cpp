// printk: formats straight to the console under one lock, so lines from different CPUs or
// from an interrupt handler never interleave mid-line.
#include "lib/Printk.h"

#include <arch/Console.h>

#include "lib/Spinlock.h"

namespace kernel {

namespace {
constinit Spinlock g_console_lock;

class ConsoleSink final : public FormatSink {
public:
    void write(const char* data, size_t length) override { arch::console_write(data, length); }
};
}  // namespace

void vprintk(StringView fmt, std::span<const FormatArg> args) {
    ConsoleSink sink;
    // A panic on this CPU while it holds the lock must still get its report out.
    if (g_console_lock.is_locked_by_current_cpu()) {
        vformat(sink, fmt, args);
        return;
    }
    SpinlockGuard guard(g_console_lock);
    vformat(sink, fmt, args);
}

}  // namespace kernel
