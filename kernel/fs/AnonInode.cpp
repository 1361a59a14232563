// anon_inodefs: a mount whose root directory nothing can look into, and the one inode that
// anonymous files share. Made like pipefs (fs/Pipe.cpp): created first, published last.
#include "fs/AnonInode.h"

#include "fs/Inode.h"
#include "lib/OwnPtr.h"

namespace kernel {

namespace {

class AnonInodeFs final : public FileSystem {
public:
    StringView name() const override { return "anon_inodefs"; }
};

// The root exists because a Mount needs one.
class AnonInodeFsRoot final : public Inode {
public:
    explicit AnonInodeFsRoot(FileSystem& fs) : Inode(fs, 1, S_TYPE_DIR | 0600, 0) {}
};

// alloc_anon_inode: S_IRUSR | S_IWUSR and no type bits.
class AnonInode final : public Inode {
public:
    explicit AnonInode(FileSystem& fs) : Inode(fs, 2, 0600, 0) {}
};

struct AnonInodeMount {
    Mount* mount;
    Inode* inode;
};

// Published once, never freed (constinit pointers: no global destructor).
constinit std::atomic<AnonInodeMount*> g_anon{nullptr};

}  // namespace

ErrorOr<Path> anon_inode_path() {
    if (AnonInodeMount* anon = g_anon.load(std::memory_order_acquire))
        return Path{anon->mount, anon->inode};
    auto fs = TRY(try_make_ref_counted<AnonInodeFs>());
    auto root = TRY(try_make_ref_counted<AnonInodeFsRoot>(*fs));
    auto inode = TRY(try_make_ref_counted<AnonInode>(*fs));
    auto mount = TRY(Mount::create(std::move(root), 0));
    auto* anon = new (std::nothrow) AnonInodeMount{mount.ptr(), inode.ptr()};
    if (!anon)
        return Error::from_errno(ENOMEM);
    AnonInodeMount* expected = nullptr;
    if (!g_anon.compare_exchange_strong(expected, anon, std::memory_order_acq_rel)) {
        delete anon;  // another task made it first: use theirs, drop ours
        return Path{expected->mount, expected->inode};
    }
    // The global's references: never dropped.
    (void)mount.leak_ref();
    (void)inode.leak_ref();
    return Path{anon->mount, anon->inode};
}

}  // namespace kernel
