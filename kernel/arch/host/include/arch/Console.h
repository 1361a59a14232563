#pragma once
// Hosted fake of the arch console contract: what the kernel writes is collected in a string,
// and what a test "types" is queued, so the unit tests can drive /dev/console.
#include <cstddef>
#include <deque>
#include <string>

namespace kernel::arch {
inline std::string host_console_output;
inline std::deque<int> host_console_input;

inline void console_write(const char* data, size_t length) { host_console_output.append(data, length); }
inline void console_write_raw(const char* data, size_t length) { host_console_output.append(data, length); }
inline bool console_input_ready() { return !host_console_input.empty(); }
inline int console_read_nonblocking() {
    if (host_console_input.empty())
        return -1;
    int c = host_console_input.front();
    host_console_input.pop_front();
    return c;
}
}  // namespace kernel::arch
