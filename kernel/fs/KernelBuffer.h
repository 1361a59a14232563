#pragma once
// A kmalloc'ed scratch buffer freed when it goes out of scope: path names copied from user
// space (PATH_MAX bytes: too big for a 16 KiB kernel stack), getdents batches, cpio names.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"
#include "mm/Heap.h"

namespace kernel {

class KernelBuffer {
public:
    static ErrorOr<KernelBuffer> allocate(size_t size) {
        void* data = kmalloc(size);
        if (!data)
            return Error::from_errno(ENOMEM);
        return KernelBuffer(static_cast<char*>(data), size);
    }
    KernelBuffer(KernelBuffer&& other) : m_data(std::exchange(other.m_data, nullptr)), m_size(other.m_size) {}
    KernelBuffer(const KernelBuffer&) = delete;
    KernelBuffer& operator=(const KernelBuffer&) = delete;
    KernelBuffer& operator=(KernelBuffer&&) = delete;
    ~KernelBuffer() { kfree(m_data); }

    char* data() const { return m_data; }
    uint8_t* bytes() const { return reinterpret_cast<uint8_t*>(m_data); }
    size_t size() const { return m_size; }

private:
    KernelBuffer(char* data, size_t size) : m_data(data), m_size(size) {}
    char* m_data;
    size_t m_size;
};

}  // namespace kernel
