#pragma once
// Access to user memory from the kernel (Linux's uaccess.h). Every pointer that comes from user
// space is a UserPtr, never a plain pointer, so it cannot be dereferenced by accident; the
// copy functions check that the range lies in the user half and let the arch layer catch the
// page fault of an unmapped or forbidden page (exception fix-up), turning it into EFAULT.
#include <arch/UserAccess.h>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

// The user half of the address space: [0, USER_SPACE_END). Linux's TASK_SIZE_MAX on 4-level
// paging (the last page below the canonical hole is left unmapped, as Linux does).
inline constexpr uint64_t USER_SPACE_END = 0x00007ffffffff000ull;

constexpr bool is_user_range(uint64_t address, uint64_t size) {
    return address <= USER_SPACE_END && size <= USER_SPACE_END - address;
}

template <typename T>
class UserPtr {
public:
    constexpr UserPtr() = default;
    constexpr explicit UserPtr(uint64_t address) : m_address(address) {}
    constexpr uint64_t address() const { return m_address; }
    constexpr bool is_null() const { return m_address == 0; }
    constexpr UserPtr offset(uint64_t bytes) const { return UserPtr(m_address + bytes); }
    template <typename U>
    constexpr UserPtr<U> cast() const {
        return UserPtr<U>(m_address);
    }

private:
    uint64_t m_address{0};
};

inline ErrorOr<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t size) {
    if (!is_user_range(user_src, size) || !arch::user_copy(kernel_dst, reinterpret_cast<const void*>(user_src), size))
        return Error::from_errno(EFAULT);
    return {};
}

inline ErrorOr<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t size) {
    if (!is_user_range(user_dst, size) || !arch::user_copy(reinterpret_cast<void*>(user_dst), kernel_src, size))
        return Error::from_errno(EFAULT);
    return {};
}

inline ErrorOr<void> clear_user(uint64_t user_dst, size_t size) {
    if (!is_user_range(user_dst, size) || !arch::user_clear(reinterpret_cast<void*>(user_dst), size))
        return Error::from_errno(EFAULT);
    return {};
}

// Copies as much as it can, stopping at the first page that faults; returns the bytes copied.
// For the calls that report a partial transfer (read, getrandom) rather than EFAULT.
size_t copy_to_user_partial(uint64_t user_dst, const void* kernel_src, size_t size);

template <typename T>
ErrorOr<void> copy_from_user(T* kernel_dst, UserPtr<T> src) {
    static_assert(std::is_trivially_copyable_v<T>);
    return copy_from_user(kernel_dst, src.address(), sizeof(T));
}

template <typename T>
ErrorOr<void> copy_to_user(UserPtr<T> dst, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    return copy_to_user(dst.address(), &value, sizeof(T));
}

// Linux's copy_struct_from_user, for structures that grow by appending fields (clone3's
// clone_args, openat2's open_how...): `usize` bytes from user space into a `ksize`-byte kernel
// structure. A shorter user structure leaves the new fields zero; a longer one is accepted only
// if the bytes the kernel does not know are zero (E2BIG otherwise). EFAULT for a bad range.
ErrorOr<void> copy_struct_from_user(void* kernel_dst, size_t ksize, uint64_t user_src, size_t usize);

// Copies a NUL-terminated string of at most `max` bytes including the NUL into `kernel_dst`.
// Returns its length (without the NUL); ENAMETOOLONG when no NUL is found within `max` bytes,
// EFAULT when the string runs into memory the process cannot read.
ErrorOr<size_t> strncpy_from_user(char* kernel_dst, uint64_t user_src, size_t max);

}  // namespace kernel
