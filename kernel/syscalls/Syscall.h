#pragma once
// The syscall boundary. Implementations are ordinary typed functions:
//
//     ErrorOr<long> sys_read(int fd, UserPtr<char> buffer, size_t count);
//
// and each subsystem registers its own in a `register_*_syscalls(SyscallTable&)` function:
//
//     table.add<sys_read>(__NR_read);
//
// The adapter converts the six raw argument registers to the parameter types (integers are
// truncated as the C ABI does: an `int` argument is the low 32 bits of its register; UserPtr
// wraps the address) and the ErrorOr result to Linux's `-errno`. This is the one place where
// ErrorOr becomes a negative number.
#include <asm/unistd_64.h>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "mm/UserAccess.h"

namespace kernel {

inline constexpr size_t SYSCALL_COUNT = 512;

struct SyscallArgs {
    uint64_t arg[6];
};

using SyscallHandler = int64_t (*)(const SyscallArgs&);

namespace detail {

template <typename T>
struct SyscallParam {
    static T convert(uint64_t raw) {
        if constexpr (std::is_integral_v<T> || std::is_enum_v<T>)
            return static_cast<T>(raw);
        else
            static_assert(sizeof(T) == 0, "syscall parameters are integers or UserPtr<T>");
    }
};
template <typename T>
struct SyscallParam<UserPtr<T>> {
    static UserPtr<T> convert(uint64_t raw) { return UserPtr<T>(raw); }
};

template <typename R>
int64_t to_syscall_result(ErrorOr<R>&& result) {
    if (result.is_error())
        return -static_cast<int64_t>(result.error().code());
    if constexpr (std::is_void_v<R>)
        return 0;
    else
        return static_cast<int64_t>(result.release_value());
}

template <auto F, typename R, typename... P, size_t... I>
int64_t invoke(const SyscallArgs& args, ErrorOr<R> (*)(P...), std::index_sequence<I...>) {
    return to_syscall_result(F(SyscallParam<std::remove_cvref_t<P>>::convert(args.arg[I])...));
}

template <auto F>
int64_t adapt(const SyscallArgs& args) {
    using Fn = decltype(F);
    return [&]<typename R, typename... P>(ErrorOr<R> (*fn)(P...)) {
        static_assert(sizeof...(P) <= 6);
        return invoke<F>(args, fn, std::index_sequence_for<P...>{});
    }(static_cast<Fn>(F));
}

}  // namespace detail

class SyscallTable {
public:
    template <auto F>
    void add(unsigned number) {
        VERIFY(number < SYSCALL_COUNT);
        VERIFY(!m_handlers[number]);  // one implementation per number
        m_handlers[number] = &detail::adapt<F>;
    }
    SyscallHandler handler(uint64_t number) const { return number < SYSCALL_COUNT ? m_handlers[number] : nullptr; }

private:
    SyscallHandler m_handlers[SYSCALL_COUNT]{};
};

// Fills the table (syscalls/SyscallTable.cpp calls each subsystem's register function).
void syscalls_init();
// Runs syscall `number`; unknown and unimplemented numbers give -ENOSYS, logged once by name.
int64_t dispatch_syscall(uint64_t number, const SyscallArgs& args);
// Linux's name for a syscall number ("read"), or nullptr.
const char* syscall_name(uint64_t number);

// The subsystems' registration functions.
void register_process_syscalls(SyscallTable&);  // syscalls/ProcessSyscalls.cpp
void register_memory_syscalls(SyscallTable&);   // syscalls/MemorySyscalls.cpp
void register_file_syscalls(SyscallTable&);     // syscalls/FileSyscalls.cpp
void register_pipe_syscalls(SyscallTable&);     // syscalls/PipeSyscalls.cpp
void register_signal_syscalls(SyscallTable&);   // syscalls/SignalSyscalls.cpp
void register_futex_syscalls(SyscallTable&);    // syscalls/FutexSyscalls.cpp
void register_poll_syscalls(SyscallTable&);     // syscalls/PollSyscalls.cpp
void register_pidfd_syscalls(SyscallTable&);    // syscalls/PidFdSyscalls.cpp
void register_cred_syscalls(SyscallTable&);     // syscalls/CredSyscalls.cpp
void register_syslog_syscalls(SyscallTable&);   // debug/Printk.cpp

}  // namespace kernel
