#pragma once
// The arch user-access contract: copy to or from user memory, reporting a fault instead of
// taking it. The copy loops live in arch/x86_64/UserCopy.S with their addresses in the
// exception table (.extable): a page fault at one of them resumes at its fix-up, which returns
// false. Callers (mm/UserAccess.h) check the range is in the user half first.
#include "lib/kstd.h"

extern "C" bool x86_user_copy(void* dst, const void* src, size_t n);
extern "C" bool x86_user_clear(void* dst, size_t n);

namespace kernel::arch {
inline bool user_copy(void* dst, const void* src, size_t n) { return x86_user_copy(dst, src, n); }
inline bool user_clear(void* dst, size_t n) { return x86_user_clear(dst, n); }
}  // namespace kernel::arch
