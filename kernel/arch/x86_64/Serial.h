#pragma once
#include "lib/kstd.h"

namespace kernel::x86 {
void serial_init();
void serial_write(const char* data, size_t length);
int serial_read_nonblocking();
}  // namespace kernel::x86
