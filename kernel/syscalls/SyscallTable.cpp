// The syscall table: Linux's x86-64 numbers (from the UAPI header) mapped to implementations.
#include "debug/Watchdog.h"
#include "lib/Printk.h"
#include "syscalls/Syscall.h"
#include "syscalls/SyscallNames.h"

namespace kernel {

namespace {
constinit SyscallTable g_table;
// One bit per number: has its -ENOSYS been logged yet? Logged once, as Linux's
// "unimplemented syscall" warnings are rate-limited.
constinit std::atomic<uint64_t> g_enosys_logged[SYSCALL_COUNT / 64];
}  // namespace

void syscalls_init() {
    register_process_syscalls(g_table);
    register_memory_syscalls(g_table);
    register_file_syscalls(g_table);
    register_pipe_syscalls(g_table);
    register_signal_syscalls(g_table);
    register_futex_syscalls(g_table);
    register_poll_syscalls(g_table);
    register_pidfd_syscalls(g_table);
    register_cred_syscalls(g_table);
    register_syslog_syscalls(g_table);
}

const char* syscall_name(uint64_t number) {
    for (const auto& entry : g_syscall_names)
        if (entry.number == number)
            return entry.name;
    return nullptr;
}

int64_t dispatch_syscall(uint64_t number, const SyscallArgs& args) {
    note_syscall_progress();
    if (auto handler = g_table.handler(number))
        return handler(args);
    if (number < SYSCALL_COUNT) {
        uint64_t bit = uint64_t(1) << (number % 64);
        if (!(g_enosys_logged[number / 64].fetch_or(bit) & bit)) {
            const char* name = syscall_name(number);
            printk("sprout: syscall {} ({}) is not implemented: ENOSYS\n", number, name ? name : "unknown");
        }
    }
    return -ENOSYS;
}

}  // namespace kernel
