#include "fs/FileSystemType.h"

#include "lib/Spinlock.h"

namespace kernel {

namespace {
constinit Spinlock g_types_lock;
constinit FileSystemType* g_types = nullptr;
}  // namespace

void register_filesystem(FileSystemType& type) {
    SpinlockGuard guard(g_types_lock);
    VERIFY(!type.next);
    type.next = g_types;
    g_types = &type;
}

const FileSystemType* find_filesystem(StringView name) {
    SpinlockGuard guard(g_types_lock);
    for (FileSystemType* type = g_types; type; type = type->next)
        if (type->name == name)
            return type;
    return nullptr;
}

}  // namespace kernel
