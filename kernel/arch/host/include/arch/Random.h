#pragma once
// Hosted fake of the arch entropy contract.
#include <cstdint>
#include <random>

namespace kernel::arch {
inline bool hardware_random(uint64_t& out) {
    static thread_local std::random_device device;
    out = (uint64_t(device()) << 32) | device();
    return true;
}
inline uint64_t weak_entropy() { return 0x5eed; }
}  // namespace kernel::arch
