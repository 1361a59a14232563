#pragma once
// The file system types mount(2) can name besides ramfs/tmpfs (Linux's struct
// file_system_type and register_filesystem): procfs and tracefs register themselves at boot.
#include "fs/Inode.h"

namespace kernel {

struct FileSystemType {
    StringView name;  // mount(2)'s type argument
    // The root directory of the instance a new mount shows: a new one, or the single shared
    // instance (tracefs). `data` is mount's option string.
    ErrorOr<NonnullRefPtr<Inode>> (*mount)(StringView source, StringView data);
    FileSystemType* next{nullptr};  // the registry's list
};

// Adds `type` (which lives forever) to the types mount(2) knows.
void register_filesystem(FileSystemType& type);
// The registered type called `name`, or null (mount says ENODEV).
const FileSystemType* find_filesystem(StringView name);

}  // namespace kernel
