#pragma once
// The arch console contract: where printk's bytes go.
#include "lib/kstd.h"

namespace kernel::arch {
void console_write(const char* data, size_t length);
// The next byte typed on the console, or -1 when none is waiting (never blocks).
int console_read_nonblocking();
}
