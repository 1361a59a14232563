#pragma once
// An open file (Linux's struct file): what a file descriptor refers to. Shared by dup(), by
// fork() and by mmap'd regions, hence reference-counted. Concrete kinds (ramfs files and
// directories, devices, pipes later) override what they support; the rest fail as Linux fails.
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

class File : public RefCounted<File> {
public:
    virtual ~File() = default;

    // Reads up to `size` bytes at `offset` into kernel memory, without moving the file
    // position; returns the number read (0 at end of file). Used by exec (the ELF loader) and
    // by private file mappings (mmap). Files that cannot be read this way fail with EINVAL
    // (devices such as the console) or EISDIR (directories).
    virtual ErrorOr<size_t> read_at(void* kernel_buffer, size_t size, uint64_t offset) = 0;
};

}  // namespace kernel
