#pragma once
// One getdents64 record (struct linux_dirent64), for the file systems that build listings in a
// kernel buffer before copying them out.
#include "fs/Inode.h"

namespace kernel {

// Writes the record for `name` at `out` if it fits in `capacity` bytes; returns its length
// (0: it does not fit). `next` is d_off, where a listing resumes after it; `type` is the
// entry's S_TYPE_* bits (d_type is S_IFMT >> 12).
inline size_t put_dirent64(uint8_t* out, size_t capacity, StringView name, uint64_t ino, uint64_t next,
                           uint32_t type) {
    size_t reclen = align_up(19 + name.size() + 1, 8);
    if (reclen > capacity)
        return 0;
    __builtin_memset(out, 0, reclen);
    uint16_t reclen16 = uint16_t(reclen);
    __builtin_memcpy(out + 0, &ino, 8);        // d_ino
    __builtin_memcpy(out + 8, &next, 8);       // d_off
    __builtin_memcpy(out + 16, &reclen16, 2);  // d_reclen
    out[18] = uint8_t((type & S_TYPE_MASK) >> 12);
    __builtin_memcpy(out + 19, name.data(), name.size());
    return reclen;
}

}  // namespace kernel
