#include "debug/Symbols.h"

// Emitted by tools/gen-ksyms into .ksyms: sorted addresses, offsets into the name blob.
extern "C" const uint64_t ksyms_count;
extern "C" const uint64_t ksyms_addresses[];
extern "C" const uint32_t ksyms_name_offsets[];
extern "C" const char ksyms_names[];
extern "C" const char __text_start[], __text_end[];

namespace kernel {

std::optional<Symbol> symbolize(uint64_t address) {
    if (address < reinterpret_cast<uint64_t>(__text_start) || address >= reinterpret_cast<uint64_t>(__text_end))
        return std::nullopt;
    // Binary search for the last symbol at or below the address.
    size_t lo = 0, hi = ksyms_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ksyms_addresses[mid] <= address)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return std::nullopt;
    return Symbol{&ksyms_names[ksyms_name_offsets[lo - 1]], ksyms_addresses[lo - 1]};
}

uint64_t symbol_address(StringView name) {
    for (uint64_t i = 0; i < ksyms_count; ++i)
        if (StringView(&ksyms_names[ksyms_name_offsets[i]]) == name)
            return ksyms_addresses[i];
    return 0;
}

}  // namespace kernel
