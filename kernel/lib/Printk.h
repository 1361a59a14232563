#pragma once
// printk("pid {} mapped at {:#x}\n", pid, address): type-safe kernel logging (see Format.h).
// The kernel sends it to the console (COM1); the hosted build sends it to stderr.
#include "lib/Format.h"

namespace kernel {

void vprintk(StringView fmt, std::span<const FormatArg> args);
// A panic's report reaches the console whatever syslog(2) set (Linux's console_verbose).
void console_verbose();

template <typename... Args>
void printk(StringView fmt, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        vprintk(fmt, {});
    } else {
        const FormatArg packed[] = {make_format_arg(args)...};
        vprintk(fmt, packed);
    }
}

}  // namespace kernel
