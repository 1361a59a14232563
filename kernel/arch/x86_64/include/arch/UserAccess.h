#pragma once
// The arch user-access contract: copy to or from user memory, reporting a fault instead of
// taking it. The copy loops live in arch/x86_64/UserCopy.S with their addresses in the
// exception table (.extable): a page fault at one of them resumes at its fix-up, which returns
// false. Callers (mm/UserAccess.h) check the range is in the user half first.
#include "lib/kstd.h"

extern "C" bool x86_user_copy(void* dst, const void* src, size_t n);
extern "C" bool x86_user_clear(void* dst, size_t n);
extern "C" bool x86_user_load32(const uint32_t* uaddr, uint32_t* value);
extern "C" bool x86_user_cmpxchg32(uint32_t* uaddr, uint32_t* expected, uint32_t desired);

namespace kernel::arch {
inline bool user_copy(void* dst, const void* src, size_t n) { return x86_user_copy(dst, src, n); }
inline bool user_clear(void* dst, size_t n) { return x86_user_clear(dst, n); }
// Futex accesses to an aligned user word: a single load, and a locked compare-exchange that
// stores `desired` if the word holds *expected and always leaves the value found in *expected.
inline bool user_load_u32(const void* uaddr, uint32_t& value) {
    return x86_user_load32(static_cast<const uint32_t*>(uaddr), &value);
}
inline bool user_cmpxchg_u32(void* uaddr, uint32_t& expected, uint32_t desired) {
    return x86_user_cmpxchg32(static_cast<uint32_t*>(uaddr), &expected, desired);
}
}  // namespace kernel::arch
