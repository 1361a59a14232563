// Placeholder: the owner of this file registers the memory syscalls here.
#include "syscalls/Syscall.h"

namespace kernel {

void register_memory_syscalls(SyscallTable&) {}

}  // namespace kernel
