#pragma once
#include "init/BootInfo.h"

namespace kernel {
// Sets up the page allocator over the usable RAM in `info` minus the `reserved` physical ranges
// ([begin, end) pairs), then the kernel heap.
void mm_init(const BootInfo& info, const PhysAddr (*reserved)[2], size_t reserved_count);
// The first generic code after arch bring-up: starts the scheduler and the init thread.
[[noreturn]] void kernel_main();
}  // namespace kernel
