#pragma once
// Hosted fake of the arch clock contract: the host's clocks.
#include <cstdint>
#include <ctime>

namespace kernel::arch {
inline uint64_t host_clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}
inline uint64_t monotonic_ns() { return host_clock_ns(CLOCK_MONOTONIC); }
inline uint64_t kernel_entry_ns() { return 0; }
inline uint64_t realtime_ns() { return host_clock_ns(CLOCK_REALTIME); }
}  // namespace kernel::arch
