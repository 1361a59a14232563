#pragma once
// A task's file-system context (Linux's fs_struct): its root directory, its working directory
// and its umask. CLONE_FS shares one; fork without it gets a copy (clone()).
#include "fs/Mount.h"
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"

namespace kernel {

class FsStruct : public RefCounted<FsStruct> {
public:
    static constexpr unsigned DEFAULT_UMASK = 022;

    // Root and cwd at the root file system (populate_rootfs made it); ENOENT before that.
    static ErrorOr<NonnullRefPtr<FsStruct>> create();
    static ErrorOr<NonnullRefPtr<FsStruct>> create(const Path& root, const Path& cwd);
    // Linux's copy_fs_struct: same root, cwd and umask, not shared.
    ErrorOr<NonnullRefPtr<FsStruct>> clone() const;

    // Copies: the caller holds its own references, so a concurrent chdir cannot free them.
    Path root() const;
    Path cwd() const;
    void set_cwd(Path cwd);
    void set_root(Path root);
    unsigned umask() const { return m_umask.load(std::memory_order_relaxed); }
    // umask(2): sets mask & 0777 and returns the old one.
    unsigned exchange_umask(unsigned mask) { return m_umask.exchange(mask & 0777, std::memory_order_relaxed); }

private:
    FsStruct(const Path& root, const Path& cwd, unsigned umask) : m_root(root), m_cwd(cwd), m_umask(umask) {}
    static ErrorOr<NonnullRefPtr<FsStruct>> create(const Path& root, const Path& cwd, unsigned umask);

    mutable Spinlock m_lock;  // guards m_root and m_cwd
    Path m_root;
    Path m_cwd;
    std::atomic<unsigned> m_umask;
};

}  // namespace kernel
