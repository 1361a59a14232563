#pragma once
// Task death (Linux's kernel/exit.c), as far as it goes without fork: release what the task
// holds, and when the first user process (init) dies, say so and power off.
#include "lib/kstd.h"

namespace kernel {

// Wait-status encoding, as wait4 reports it: an exit code in bits 8..15, or a signal number
// in bits 0..6.
constexpr int exit_status_code(int code) { return (code & 0xff) << 8; }
constexpr int killed_by_signal(int signal) { return signal & 0x7f; }

[[noreturn]] void do_exit(int wait_status);

}  // namespace kernel
