#pragma once
// What the boot loader told us, in a loader-independent form. arch/x86_64/Boot.cpp fills it
// from PVH's hvm_start_info; generic code never sees the loader's structures.
#include "lib/kstd.h"

namespace kernel {

struct MemoryRegion {
    enum class Type : uint32_t { Usable = 1, Reserved = 2, AcpiReclaimable = 3, AcpiNvs = 4, Bad = 5 };
    PhysAddr base;
    uint64_t size;
    Type type;
};

struct BootInfo {
    static constexpr size_t MAX_REGIONS = 128;
    MemoryRegion regions[MAX_REGIONS]{};
    size_t region_count{0};
    char command_line[1024]{};
    PhysAddr initrd_base{0};
    uint64_t initrd_size{0};

    StringView cmdline() const { return StringView(command_line); }
    // The value of `key=value` on the command line, or an empty view.
    StringView cmdline_option(StringView key) const;
    bool cmdline_has(StringView word) const;
};

BootInfo& boot_info();

}  // namespace kernel
