#pragma once
// The arch console contract: where printk's bytes go.
#include "lib/kstd.h"

namespace kernel::arch {
void console_write(const char* data, size_t length);
// The bytes exactly as given (the tty layer does its own newline translation).
void console_write_raw(const char* data, size_t length);
// The next byte typed on the console, or -1 when none is waiting (never blocks).
int console_read_nonblocking();
// A byte is waiting to be read.
bool console_input_ready();
}
