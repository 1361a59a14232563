#pragma once
// execve (Linux's fs/exec.c + fs/binfmt_elf.c): replace the calling task's program.
#include <arch/TrapFrame.h>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

// A list of strings copied into the kernel (argv or envp), with Linux's limits: each string at
// most MAX_ARG_STRLEN (128 KiB) and all of them together at most ARG_MAX_TOTAL, else E2BIG.
class ArgStrings {
public:
    static constexpr size_t MAX_ARG_STRLEN = 32 * 4096;
    // Linux allows up to 6 MiB (with a stack limit of 24 MiB or more); the strings live in one
    // kmalloc block here, so 4 MiB is our ceiling.
    static constexpr size_t ARG_MAX_TOTAL = 4 * 1024 * 1024;

    ArgStrings() = default;
    ArgStrings(const ArgStrings&) = delete;
    ArgStrings& operator=(const ArgStrings&) = delete;
    ~ArgStrings();

    ErrorOr<void> append(StringView string);
    // Copies a NULL-terminated array of user string pointers (argv/envp of execve). A null
    // array is an empty list, as Linux allows.
    ErrorOr<void> append_from_user(uint64_t user_array);

    size_t count() const { return m_count; }
    // Pointers into the copies; valid until the next append.
    ErrorOr<const char* const*> pointers();
    size_t total_bytes() const { return m_used; }
    void swap(ArgStrings& other) {
        std::swap(m_data, other.m_data);
        std::swap(m_used, other.m_used);
        std::swap(m_capacity, other.m_capacity);
        std::swap(m_count, other.m_count);
        std::swap(m_pointers, other.m_pointers);
    }

private:
    ErrorOr<void> reserve(size_t bytes);
    char* m_data{nullptr};
    size_t m_used{0};
    size_t m_capacity{0};
    size_t m_count{0};
    const char** m_pointers{nullptr};
};

// Replaces the current task's program with the executable at `path`. On success the task has
// a new address space and `frame` (its user frame) starts the new program; on failure nothing
// has changed (every failure comes before the point of no return).
ErrorOr<void> do_execve(StringView path, ArgStrings& argv, ArgStrings& envp, arch::TrapFrame& frame);

}  // namespace kernel
