#pragma once
#include "lib/kstd.h"

namespace kernel::x86 {
void serial_init();
void serial_write(const char* data, size_t length);
// Bytes as they are, without turning "\n" into "\r\n" (the tty's OPOST does that).
void serial_write_raw(const char* data, size_t length);
int serial_read_nonblocking();
bool serial_input_ready();
}  // namespace kernel::x86
