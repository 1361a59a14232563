// Process syscalls: identity, time, limits, exit — what a libc needs at start and exit.
#include "syscalls/Syscall.h"

namespace kernel {

void register_process_syscalls(SyscallTable&) {}

}  // namespace kernel
