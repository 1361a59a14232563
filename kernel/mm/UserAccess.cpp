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
