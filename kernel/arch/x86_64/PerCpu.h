#pragma once
// Per-CPU data reached through %gs in the kernel (the GS base points at this CPU's PerCpu while
// in kernel mode; `swapgs` exchanges it with the user's GS base on every kernel entry and exit).
// Field offsets are used by SyscallEntry.S: keep them in sync (static_asserts below).
#include "lib/kstd.h"

namespace kernel::x86 {

struct PerCpu {
    PerCpu* self;             // 0: lets code read its own address through %gs:0
    uint64_t kernel_rsp;      // 8: top of the current task's kernel stack (syscall entry)
    uint64_t user_rsp;        // 16: scratch for the user's rsp during syscall entry
    int cpu_id;               // 24
};
static_assert(__builtin_offsetof(PerCpu, kernel_rsp) == 8);
static_assert(__builtin_offsetof(PerCpu, user_rsp) == 16);

PerCpu& this_cpu_percpu();
void percpu_init();

}  // namespace kernel::x86
