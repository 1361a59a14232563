#include "fs/Initramfs.h"

#include <asm-generic/fcntl.h>

#include "fs/Cpio.h"
#include "fs/Devices.h"
#include "fs/Inflate.h"
#include "fs/KernelBuffer.h"
#include "fs/Ramfs.h"
#include "fs/Vfs.h"
#include "lib/Printk.h"

namespace kernel {

namespace {

// The published root mount: one reference, held from populate_rootfs to rootfs_release.
constinit std::atomic<Mount*> g_root_mount{nullptr};

// Per-entry VFS failures are skipped, as Linux's unpacker ignores them; running out of memory
// is not, since the rest would fail the same way.
ErrorOr<void> unless_out_of_memory(const Error& error) {
    if (error.code() == ENOMEM)
        return error;
    return {};
}
#define TRY_OR_SKIP(expression)                                 \
    ({                                                          \
        auto&& _result = (expression);                          \
        if (_result.is_error())                                 \
            return unless_out_of_memory(_result.release_error()); \
        _result.release_value();                                \
    })

// A copied name, for the two things remembered across entries: hard link sources and
// directories whose mtime is set at the end (creating their children would change it).
struct Remembered {
    Remembered* next;
    uint32_t ino, dev_major, dev_minor, type;  // hard links: what identifies the file
    uint32_t mtime;                            // directories
    char name[1];                              // NUL-terminated, allocated to fit

    static Remembered* create(StringView name) {
        auto* r = static_cast<Remembered*>(kmalloc(sizeof(Remembered) + name.size()));
        if (!r)
            return nullptr;
        *r = Remembered{};
        __builtin_memcpy(r->name, name.data(), name.size());
        r->name[name.size()] = 0;
        return r;
    }
    static void destroy_list(Remembered*& list) {
        while (Remembered* r = list) {
            list = r->next;
            kfree(r);
        }
    }
};

// Linux's do_name / do_copy / do_symlink, over the VFS.
class RootfsUnpacker final : public CpioVisitor {
public:
    explicit RootfsUnpacker(FsStruct& fs) : m_fs(fs) {}
    ~RootfsUnpacker() {
        Remembered::destroy_list(m_links);
        Remembered::destroy_list(m_directories);
        kfree(m_symlink_name);
        kfree(m_symlink_target);
    }

    ErrorOr<void> begin_entry(const CpioEntry& entry) override {
        m_entry = entry;
        m_file = nullptr;
        m_symlink = false;
        uint32_t type = entry.mode & S_TYPE_MASK;
        uint32_t permissions = entry.mode & S_PERM_MASK;
        clean_path(entry.name, type);
        switch (type) {
        case S_TYPE_REG: {
            if (entry.nlink >= 2 && TRY(link_to_earlier(entry))) {
                m_file = TRY_OR_SKIP(vfs_open(m_fs, nullptr, entry.name, O_WRONLY, 0));
            } else {
                m_file = TRY_OR_SKIP(vfs_open(m_fs, nullptr, entry.name, O_WRONLY | O_CREAT | O_TRUNC, permissions));
                TRY(remember_link(entry));
            }
            m_file_offset = 0;
            set_attributes(*m_file->inode(), entry, true);
            return {};
        }
        case S_TYPE_DIR: {
            auto made = vfs_mkdir(m_fs, nullptr, entry.name, permissions);
            if (made.is_error() && made.error().code() != EEXIST)
                return unless_out_of_memory(made.release_error());
            Path dir = TRY_OR_SKIP(vfs_lookup(m_fs, nullptr, entry.name, 0));
            if (!dir.inode->is_directory())
                return {};
            set_attributes(*dir.inode, entry, true);
            // The mtime is set once everything is unpacked (Linux's dir_utime).
            Remembered* remembered = Remembered::create(entry.name);
            if (!remembered)
                return Error::from_errno(ENOMEM);
            remembered->mtime = entry.mtime;
            remembered->next = m_directories;
            m_directories = remembered;
            return {};
        }
        case S_TYPE_LNK:
            if (entry.file_size >= PATH_MAX_LEN)
                return {};  // Linux skips targets longer than PATH_MAX
            TRY(ensure_symlink_buffers());
            __builtin_memcpy(m_symlink_name, entry.name.data(), entry.name.size());
            m_symlink_name[entry.name.size()] = 0;
            m_symlink_length = 0;
            m_symlink = true;
            return {};
        case S_TYPE_CHR:
        case S_TYPE_BLK:
        case S_TYPE_FIFO:
        case S_TYPE_SOCK: {
            if (!(entry.nlink >= 2 && TRY(link_to_earlier(entry)))) {
                TRY_OR_SKIP(vfs_mknod(m_fs, nullptr, entry.name, entry.mode, make_dev(entry.rdev_major, entry.rdev_minor)));
                TRY(remember_link(entry));
            }
            Path node = TRY_OR_SKIP(vfs_lookup(m_fs, nullptr, entry.name, 0));
            set_attributes(*node.inode, entry, true);
            node.inode->set_mtime(Timespec{entry.mtime, 0});
            return {};
        }
        default:
            return {};  // not a file type: Linux ignores it too
        }
    }

    ErrorOr<void> entry_data(const uint8_t* data, size_t size) override {
        if (m_file) {
            uint64_t offset = m_file_offset;
            auto written = m_file->write(IoBuffer::kernel(data), size, offset);
            if (written.is_error()) {
                m_file = nullptr;  // skip the rest of this file
                return unless_out_of_memory(written.release_error());
            }
            m_file_offset = offset;
        } else if (m_symlink) {
            __builtin_memcpy(m_symlink_target + m_symlink_length, data, size);  // size checked in begin
            m_symlink_length += size;
        }
        return {};
    }

    ErrorOr<void> end_entry() override {
        if (m_file) {
            m_file->inode()->set_mtime(Timespec{m_entry.mtime, 0});
            m_file = nullptr;
        }
        if (m_symlink) {
            m_symlink = false;
            StringView name(m_symlink_name);
            TRY_OR_SKIP(vfs_symlink(m_fs, StringView(m_symlink_target, m_symlink_length), nullptr, name));
            Path link = TRY_OR_SKIP(vfs_lookup(m_fs, nullptr, name, 0));
            set_attributes(*link.inode, m_entry, false);
            link.inode->set_mtime(Timespec{m_entry.mtime, 0});
        }
        return {};
    }

    void apply_directory_times() {
        for (Remembered* dir = m_directories; dir; dir = dir->next) {
            auto path = vfs_lookup(m_fs, nullptr, dir->name, 0);
            if (!path.is_error() && path.value().inode->is_directory())
                path.value().inode->set_mtime(Timespec{dir->mtime, 0});
        }
    }

private:
    static void set_attributes(Inode& inode, const CpioEntry& entry, bool permissions) {
        inode.set_owner(entry.uid, entry.gid);
        if (permissions)
            inode.set_permissions(entry.mode & S_PERM_MASK);  // exactly, without the umask
    }

    // clean_path: something of another type in the way is removed first.
    void clean_path(StringView name, uint32_t type) {
        auto existing = vfs_lookup(m_fs, nullptr, name, 0);
        if (existing.is_error() || existing.value().inode->type() == type)
            return;
        if (existing.value().inode->is_directory())
            (void)vfs_rmdir(m_fs, nullptr, name);
        else
            (void)vfs_unlink(m_fs, nullptr, name);
    }

    // maybe_link: a file whose earlier name had the same (inode, device, type) becomes another
    // name for it. Returns whether it did.
    ErrorOr<bool> link_to_earlier(const CpioEntry& entry) {
        for (Remembered* r = m_links; r; r = r->next) {
            if (r->ino != entry.ino || r->dev_major != entry.dev_major || r->dev_minor != entry.dev_minor ||
                r->type != (entry.mode & S_TYPE_MASK))
                continue;
            auto linked = vfs_link(m_fs, nullptr, r->name, nullptr, entry.name, false);
            if (linked.is_error()) {
                TRY(unless_out_of_memory(linked.release_error()));
                return false;
            }
            return true;
        }
        return false;
    }

    ErrorOr<void> remember_link(const CpioEntry& entry) {
        if (entry.nlink < 2)
            return {};
        Remembered* r = Remembered::create(entry.name);
        if (!r)
            return Error::from_errno(ENOMEM);
        r->ino = entry.ino;
        r->dev_major = entry.dev_major;
        r->dev_minor = entry.dev_minor;
        r->type = entry.mode & S_TYPE_MASK;
        r->next = m_links;
        m_links = r;
        return {};
    }

    ErrorOr<void> ensure_symlink_buffers() {
        if (!m_symlink_name)
            m_symlink_name = static_cast<char*>(kmalloc(PATH_MAX_LEN));
        if (!m_symlink_target)
            m_symlink_target = static_cast<char*>(kmalloc(PATH_MAX_LEN));
        if (!m_symlink_name || !m_symlink_target)
            return Error::from_errno(ENOMEM);
        return {};
    }

    FsStruct& m_fs;
    CpioEntry m_entry{};
    RefPtr<File> m_file;  // the regular file being filled
    uint64_t m_file_offset{0};
    bool m_symlink{false};
    char* m_symlink_name{nullptr};
    char* m_symlink_target{nullptr};
    size_t m_symlink_length{0};
    Remembered* m_links{nullptr};
    Remembered* m_directories{nullptr};
};

// The name, the mode and the device of the nodes every boot wants (Linux's devtmpfs modes).
struct DefaultNode {
    const char* name;
    uint32_t mode;
    uint32_t dev;
};
constexpr DefaultNode DEFAULT_NODES[] = {
    {"/dev/console", S_TYPE_CHR | 0600, DEV_CONSOLE}, {"/dev/tty", S_TYPE_CHR | 0666, DEV_TTY},
    {"/dev/null", S_TYPE_CHR | 0666, DEV_NULL},       {"/dev/zero", S_TYPE_CHR | 0666, DEV_ZERO},
    {"/dev/random", S_TYPE_CHR | 0666, DEV_RANDOM},   {"/dev/urandom", S_TYPE_CHR | 0666, DEV_URANDOM},
    {"/dev/ttyS0", S_TYPE_CHR | 0660, DEV_TTYS0},
};

// Unmounts everything mounted below `root`, so that the root mount can go.
void detach_tree(Mount& root) {
    Mount::Graveyard graveyard;
    SpinlockGuard guard(vfs_namespace_lock());
    root.detach_all_below_locked(graveyard);
}

ErrorOr<void> ignore_exists(ErrorOr<void>&& result) {
    if (result.is_error() && result.error().code() != EEXIST)
        return result.release_error();
    return {};
}

// /tmp: a fresh tmpfs, on the archive's /tmp or on one we make.
ErrorOr<void> mount_tmp(FsStruct& fs) {
    TRY(ignore_exists(vfs_mkdir(fs, nullptr, "/tmp", 01777)));
    auto mounted = vfs_mount(fs, "tmpfs", "/tmp", "tmpfs", 0, {});
    if (mounted.is_error()) {
        if (mounted.error().code() == ENOMEM)
            return mounted.release_error();
        printk("initramfs: cannot mount a tmpfs on /tmp (error {})\n", mounted.error().code());
    }
    return {};
}

ErrorOr<void> make_dev_nodes(FsStruct& fs) {
    TRY(ignore_exists(vfs_mkdir(fs, nullptr, "/dev", 0755)));
    for (const DefaultNode& node : DEFAULT_NODES) {
        auto made = vfs_mknod(fs, nullptr, node.name, node.mode, node.dev);
        if (made.is_error() && made.error().code() != EEXIST) {
            if (made.error().code() == ENOMEM)
                return made.release_error();
            printk("initramfs: cannot create {} (error {})\n", node.name, made.error().code());
        }
    }
    return {};
}

}  // namespace

ErrorOr<void> unpack_initramfs(FsStruct& fs, const uint8_t* data, size_t size) {
    RootfsUnpacker unpacker(fs);
    auto parser = TRY(CpioParser::create(unpacker));
    size_t position = 0;
    while (position < size) {
        position += TRY(parser->feed(data + position, size - position));
        if (position == size)
            break;
        // Between archives at something that is not a cpio header: a compressed archive.
        if (!is_gzip(data + position, size - position))
            return Error::from_errno(EINVAL);  // other compressions, or garbage
        position += TRY(gunzip_member(data + position, size - position, *parser));
        if (!parser->between_archives())
            return Error::from_errno(EINVAL);  // a compressed part must hold whole archives
    }
    TRY(parser->finish());
    unpacker.apply_directory_times();
    return {};
}

ErrorOr<void> populate_rootfs(const uint8_t* data, size_t size) {
    if (g_root_mount.load())
        return Error::from_errno(EBUSY);
    // Create first, publish last: nobody sees the root before it is complete.
    // Linux's rootfs is a tmpfs with tmpfs's default mode and limits.
    auto root = TRY(ramfs_create(01777, RamfsLimits::tmpfs_default()));
    auto mount = TRY(Mount::create(root, 0));
    mount->set_source("rootfs");
    Path root_path{mount, root};
    auto fs = TRY(FsStruct::create(root_path, root_path));
    fs->exchange_umask(0);  // modes come from the archive, exactly

    auto unpacked = data ? unpack_initramfs(*fs, data, size) : ErrorOr<void>();
    auto finished = [&]() -> ErrorOr<void> {
        TRY(mount_tmp(*fs));
        TRY(make_dev_nodes(*fs));
        return {};
    }();
    if (finished.is_error()) {
        detach_tree(*mount);
        return finished.release_error();
    }

    Mount* expected = nullptr;
    if (!g_root_mount.compare_exchange_strong(expected, mount.ptr()))
        return Error::from_errno(EBUSY);
    (void)mount.leak_ref();  // the reference g_root_mount holds
    if (unpacked.is_error())
        return unpacked.release_error();
    return {};
}

ErrorOr<Path> rootfs_root() {
    Mount* mount = g_root_mount.load();
    if (!mount)
        return Error::from_errno(ENOENT);
    return Path{mount, &mount->root()};
}

void rootfs_release() {
    if (Mount* mount = g_root_mount.exchange(nullptr)) {
        detach_tree(*mount);
        mount->unref();
    }
}

}  // namespace kernel
