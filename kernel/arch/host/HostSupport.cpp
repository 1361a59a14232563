// Hosted support for generic kernel code under unit tests: what the kernel gets from
// debug/Panic.cpp and the arch layer, done with the host's facilities.
#include <cstdio>
#include <cstdlib>

#include "lib/Assert.h"

namespace kernel {
[[noreturn]] void panic_message(const char* file, int line, const char* function, const char* message) {
    std::fprintf(stderr, "PANIC at %s:%d (%s): %s\n", file, line, function, message);
    std::abort();
}
}  // namespace kernel

#include "lib/Printk.h"

namespace kernel {
namespace {
class StderrSink final : public FormatSink {
public:
    void write(const char* data, size_t length) override { std::fwrite(data, 1, length, stderr); }
};
}  // namespace

void vprintk(StringView fmt, std::span<const FormatArg> args) {
    StderrSink sink;
    vformat(sink, fmt, args);
}
}  // namespace kernel
