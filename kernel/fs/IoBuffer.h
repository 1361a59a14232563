#pragma once
// Where a read's bytes go or a write's bytes come from: user memory (a syscall) or kernel memory
// (exec, mmap, the initramfs unpacker). A much reduced iov_iter: file code copies through it
// and never cares which, while user memory still goes only through the fault-checked copies.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "mm/UserAccess.h"

namespace kernel {

class IoBuffer {
public:
    static IoBuffer user(uint64_t address) { return IoBuffer(address, false); }
    static IoBuffer kernel(void* pointer) { return IoBuffer(reinterpret_cast<uint64_t>(pointer), true); }
    static IoBuffer kernel(const void* pointer) { return kernel(const_cast<void*>(pointer)); }

    bool is_kernel() const { return m_is_kernel; }
    IoBuffer offset(size_t bytes) const { return IoBuffer(m_address + bytes, m_is_kernel); }

    // buffer[offset, offset + size) = src[0, size)
    ErrorOr<void> copy_to(size_t offset, const void* src, size_t size) const {
        if (m_is_kernel) {
            __builtin_memcpy(reinterpret_cast<void*>(m_address + offset), src, size);
            return {};
        }
        return copy_to_user(m_address + offset, src, size);
    }
    // dst[0, size) = buffer[offset, offset + size)
    ErrorOr<void> copy_from(void* dst, size_t offset, size_t size) const {
        if (m_is_kernel) {
            __builtin_memcpy(dst, reinterpret_cast<const void*>(m_address + offset), size);
            return {};
        }
        return copy_from_user(dst, m_address + offset, size);
    }
    ErrorOr<void> clear(size_t offset, size_t size) const {
        if (m_is_kernel) {
            __builtin_memset(reinterpret_cast<void*>(m_address + offset), 0, size);
            return {};
        }
        return clear_user(m_address + offset, size);
    }
    // As copy_to/copy_from, but when the range runs into memory that faults, moves what comes
    // before the fault and returns how much that was (a read or write then reports a short
    // count, as Linux's copy_to_user/copy_from_user "bytes not copied" lets it).
    size_t copy_to_partial(size_t offset, const void* src, size_t size) const {
        if (!copy_to(offset, src, size).is_error())
            return size;
        size_t done = 0;
        while (done < size && !copy_to(offset + done, static_cast<const uint8_t*>(src) + done, 1).is_error())
            ++done;
        return done;
    }
    size_t copy_from_partial(void* dst, size_t offset, size_t size) const {
        if (!copy_from(dst, offset, size).is_error())
            return size;
        size_t done = 0;
        while (done < size && !copy_from(static_cast<uint8_t*>(dst) + done, offset + done, 1).is_error())
            ++done;
        return done;
    }
    // Linux's access_ok(): EFAULT up front for a range outside the user half, before any I/O.
    bool range_ok(size_t size) const { return m_is_kernel || is_user_range(m_address, size); }

private:
    IoBuffer(uint64_t address, bool is_kernel) : m_address(address), m_is_kernel(is_kernel) {}
    uint64_t m_address;
    bool m_is_kernel;
};

// Bytes moved through a small stack buffer per step when data must be copied between user
// memory and a structure whose lock cannot be held across a user copy (which may fault, and
// whose fault handler may need that very lock: a read() into a private mapping of the same file).
inline constexpr size_t BOUNCE_SIZE = 512;

// A read through such a bounce buffer: fill(bounce, offset, max) copies at most `max` bytes
// from `offset` into `bounce` under its own lock and returns how many (0: the end). Copies up
// to `size` bytes into `buffer`; a fault ends it with what came before (EFAULT if nothing).
template <typename Fill>
ErrorOr<size_t> read_through_bounce(IoBuffer buffer, size_t size, uint64_t offset, Fill fill) {
    uint8_t bounce[BOUNCE_SIZE];
    size_t done = 0;
    while (done < size) {
        size_t chunk = fill(bounce, offset, size - done < BOUNCE_SIZE ? size - done : BOUNCE_SIZE);
        if (!chunk)
            break;
        size_t copied = buffer.copy_to_partial(done, bounce, chunk);
        done += copied;
        offset += copied;
        if (copied < chunk) {
            if (!done)
                return Error::from_errno(EFAULT);
            break;
        }
    }
    return done;
}

}  // namespace kernel
