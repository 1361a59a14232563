#pragma once
// Hosted fake of the arch user-access contract. Unit tests decide which "user" addresses are
// readable by installing a predicate; everything else faults (returns false), as unmapped
// memory does in the kernel.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kernel::arch {
using HostUserValidator = bool (*)(uint64_t address, size_t size);
inline HostUserValidator host_user_valid = nullptr;

inline bool host_user_ok(const void* p, size_t n) {
    return host_user_valid && host_user_valid(reinterpret_cast<uint64_t>(p), n);
}
inline bool user_copy(void* dst, const void* src, size_t n) {
    // One side is user memory; the test's predicate decides for whichever side it recognises.
    if (!host_user_ok(src, n) && !host_user_ok(dst, n))
        return false;
    std::memcpy(dst, src, n);
    return true;
}
inline bool user_clear(void* dst, size_t n) {
    if (!host_user_ok(dst, n))
        return false;
    std::memset(dst, 0, n);
    return true;
}
}  // namespace kernel::arch
