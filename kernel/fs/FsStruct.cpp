#include "fs/FsStruct.h"

#include "fs/Initramfs.h"

namespace kernel {

ErrorOr<NonnullRefPtr<FsStruct>> FsStruct::create(const Path& root, const Path& cwd, unsigned umask) {
    VERIFY(root.is_valid() && cwd.is_valid());
    auto* fs = new (std::nothrow) FsStruct(root, cwd, umask);
    if (!fs)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*fs);
}

ErrorOr<NonnullRefPtr<FsStruct>> FsStruct::create(const Path& root, const Path& cwd) {
    return create(root, cwd, DEFAULT_UMASK);
}

ErrorOr<NonnullRefPtr<FsStruct>> FsStruct::create() {
    Path root = TRY(rootfs_root());
    return create(root, root, DEFAULT_UMASK);
}

ErrorOr<NonnullRefPtr<FsStruct>> FsStruct::clone() const {
    Path root_copy, cwd_copy;
    {
        SpinlockGuard guard(m_lock);
        root_copy = m_root;
        cwd_copy = m_cwd;
    }
    return create(root_copy, cwd_copy, umask());
}

Path FsStruct::root() const {
    SpinlockGuard guard(m_lock);
    return m_root;
}

Path FsStruct::cwd() const {
    SpinlockGuard guard(m_lock);
    return m_cwd;
}

void FsStruct::set_cwd(Path cwd) {
    // Swap under the lock; the old directory is released after it (in `cwd`'s destructor).
    SpinlockGuard guard(m_lock);
    std::swap(m_cwd, cwd);
}

void FsStruct::set_root(Path root) {
    SpinlockGuard guard(m_lock);
    std::swap(m_root, root);
}

}  // namespace kernel
