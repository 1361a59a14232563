#include "mm/UserAccess.h"

namespace kernel {

ErrorOr<size_t> strncpy_from_user(char* kernel_dst, uint64_t user_src, size_t max) {
    // Byte by byte up to the next page boundary at a time: the string may end right before an
    // unmapped page, which must not be touched.
    size_t copied = 0;
    while (copied < max) {
        uint64_t address = user_src + copied;
        if (!is_user_range(address, 1))
            return Error::from_errno(EFAULT);
        size_t chunk = PAGE_SIZE - (address & (PAGE_SIZE - 1));
        if (chunk > max - copied)
            chunk = max - copied;
        if (!arch::user_copy(kernel_dst + copied, reinterpret_cast<const void*>(address), chunk)) {
            // Part of the chunk may still be readable; retry byte by byte to find the NUL.
            for (size_t i = 0; i < chunk; ++i) {
                if (!arch::user_copy(kernel_dst + copied + i, reinterpret_cast<const void*>(address + i), 1))
                    return Error::from_errno(EFAULT);
                if (kernel_dst[copied + i] == 0)
                    return copied + i;
            }
        }
        for (size_t i = 0; i < chunk; ++i)
            if (kernel_dst[copied + i] == 0)
                return copied + i;
        copied += chunk;
    }
    return Error::from_errno(ENAMETOOLONG);
}

ErrorOr<void> copy_struct_from_user(void* kernel_dst, size_t ksize, uint64_t user_src, size_t usize) {
    size_t size = ksize < usize ? ksize : usize;
    if (usize < ksize) {
        __builtin_memset(static_cast<uint8_t*>(kernel_dst) + size, 0, ksize - size);
    } else if (usize > ksize) {
        // check_zeroed_user, before the copy as Linux orders it: a fault in the tail is EFAULT.
        uint64_t tail = user_src + size;
        size_t rest = usize - size;
        if (!is_user_range(tail, rest))
            return Error::from_errno(EFAULT);
        uint8_t chunk[64];
        for (size_t done = 0; done < rest;) {
            size_t n = rest - done < sizeof(chunk) ? rest - done : sizeof(chunk);
            TRY(copy_from_user(chunk, tail + done, n));
            for (size_t i = 0; i < n; ++i)
                if (chunk[i])
                    return Error::from_errno(E2BIG);
            done += n;
        }
    }
    return copy_from_user(kernel_dst, user_src, size);
}

size_t copy_to_user_partial(uint64_t user_dst, const void* kernel_src, size_t size) {
    size_t done = 0;
    while (done < size) {
        uint64_t address = user_dst + done;
        size_t chunk = PAGE_SIZE - (address & (PAGE_SIZE - 1));
        if (chunk > size - done)
            chunk = size - done;
        if (copy_to_user(address, static_cast<const uint8_t*>(kernel_src) + done, chunk).is_error())
            break;
        done += chunk;
    }
    return done;
}

}  // namespace kernel
