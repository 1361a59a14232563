#pragma once
// The arch console contract: where printk's bytes go.
#include "lib/kstd.h"

namespace kernel::arch {
void console_write(const char* data, size_t length);
}
