// Placeholder: the owner of this file registers the file syscalls here.
#include "syscalls/Syscall.h"

namespace kernel {

void register_file_syscalls(SyscallTable&) {}

}  // namespace kernel
