#pragma once
// The kernel's own symbol table, for symbolized backtraces. tools/gen-ksyms builds it from the
// first link of the kernel (like Linux's kallsyms) and the second link embeds it in .ksyms.
#include "lib/kstd.h"

namespace kernel {

struct Symbol {
    const char* name;   // demangled, e.g. "kernel::schedule()"
    uint64_t address;   // start of the function
};

// The function containing `address`, if it lies inside the kernel's text.
std::optional<Symbol> symbolize(uint64_t address);
// The address of a function by exact name (for tests), or 0.
uint64_t symbol_address(StringView name);

}  // namespace kernel
