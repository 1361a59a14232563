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

void console_verbose() {}

void vprintk(StringView fmt, std::span<const FormatArg> args) {
    StderrSink sink;
    vformat(sink, fmt, args);
}
}  // namespace kernel

#include "task/Cred.h"

namespace kernel {
// The current task's credentials (task/TaskCred.cpp in the kernel): what a unit test installs
// with set_host_current_cred, or none: the kernel itself, root with every capability.
namespace {
thread_local const Cred* t_host_cred = nullptr;
}  // namespace

const Cred* current_cred() { return t_host_cred; }
void set_host_current_cred(const Cred* cred) { t_host_cred = cred; }
// One mount namespace, the initial one (task/NsProxy.cpp in the kernel).
uint32_t current_mnt_ns_id() { return 0; }
bool may_mount() { return capable(CAP_SYS_ADMIN); }
bool mount_capable(StringView) { return capable(CAP_SYS_ADMIN); }
}  // namespace kernel
