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
inline bool user_load_u32(const void* uaddr, uint32_t& value) {
    if (!host_user_ok(uaddr, sizeof(value)))
        return false;
    value = __atomic_load_n(static_cast<const uint32_t*>(uaddr), __ATOMIC_SEQ_CST);
    return true;
}
inline bool user_cmpxchg_u32(void* uaddr, uint32_t& expected, uint32_t desired) {
    if (!host_user_ok(uaddr, sizeof(expected)))
        return false;
    __atomic_compare_exchange_n(static_cast<uint32_t*>(uaddr), &expected, desired, false, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    return true;
}
}  // namespace kernel::arch
