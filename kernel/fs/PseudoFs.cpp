#include "fs/PseudoFs.h"

#include <asm-generic/fcntl.h>
#include <linux/fs.h>

#include "fs/Dirent.h"
#include "fs/KernelBuffer.h"
#include "lib/OwnPtr.h"
#include "mm/Heap.h"

namespace kernel {

ErrorOr<NonnullRefPtr<PseudoFs>> PseudoFs::create(StringView type) {
    auto* fs = new (std::nothrow) PseudoFs(type);
    if (!fs)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*fs);
}

PseudoInode::PseudoInode(FileSystem& fs, uint64_t ino, uint32_t mode, PseudoInode* parent, StringView name)
    : Inode(fs, ino, mode, 0), m_parent(parent), m_name_length(uint8_t(name.size())) {
    VERIFY(name.size() <= NAME_CAPACITY);
    __builtin_memcpy(m_name, name.data(), name.size());
}

PseudoSymlink::PseudoSymlink(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, StringView target)
    : PseudoInode(fs, ino, S_TYPE_LNK | 0777, &parent, name), m_target_length(uint8_t(target.size())) {
    VERIFY(target.size() <= TARGET_CAPACITY);
    __builtin_memcpy(m_target, target.data(), target.size());
}

ErrorOr<NonnullRefPtr<PseudoInode>> PseudoSymlink::create(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                          StringView name, StringView target) {
    auto* link = new (std::nothrow) PseudoSymlink(fs, ino, parent, name, target);
    if (!link)
        return Error::from_errno(ENOMEM);
    return NonnullRefPtr<PseudoInode>(adopt_ref(*link));
}

int find_pseudo_entry(std::span<const PseudoEntry> entries, StringView name) {
    for (size_t i = 0; i < entries.size(); ++i)
        if (entries[i].name == name)
            return int(i);
    return -1;
}

bool list_pseudo_entries(std::span<const PseudoEntry> entries, uint64_t position, uint64_t first_position,
                         uint64_t ino_base, DirectoryEmitter& out) {
    for (size_t i = position > first_position ? size_t(position - first_position) : 0; i < entries.size(); ++i)
        if (!out.emit(entries[i].name, ino_base + i, entries[i].mode & S_TYPE_MASK, first_position + i + 1))
            return false;
    return true;
}

namespace {

// seq_lseek, and the lseek of pseudo directories: SEEK_SET and SEEK_CUR, never below 0.
ErrorOr<uint64_t> seek_set_or_cur(File& file, int64_t offset, int whence) {
    int64_t target;
    if (whence == SEEK_SET)
        target = offset;
    else if (whence != SEEK_CUR || __builtin_add_overflow(int64_t(file.position()), offset, &target))
        return Error::from_errno(EINVAL);
    if (target < 0)
        return Error::from_errno(EINVAL);
    file.set_position(uint64_t(target));
    return uint64_t(target);
}

}  // namespace

// ---- Directories ---------------------------------------------------------------------------

PseudoDirectory::PseudoDirectory(FileSystem& fs, uint64_t ino, uint32_t permissions, PseudoInode* parent,
                                 StringView name, CreateError create_error, uint32_t subdirectories)
    : PseudoInode(fs, ino, S_TYPE_DIR | permissions, parent, name), m_create_error(create_error) {
    m_nlink = 2 + subdirectories;  // "." and the parent's entry, plus each child's ".."
}

ErrorOr<NonnullRefPtr<Inode>> PseudoDirectory::lookup_locked(StringView name) {
    return NonnullRefPtr<Inode>(TRY(lookup_entry(name)));
}

ErrorOr<NonnullRefPtr<Inode>> PseudoDirectory::create_locked(StringView, uint32_t mode, uint32_t) {
    if (m_create_error == CreateError::NoEntry)
        return Error::from_errno(ENOENT);
    // lookup_open without ->create is EACCES; vfs_mkdir and vfs_mknod without theirs EPERM.
    return Error::from_errno((mode & S_TYPE_MASK) == S_TYPE_REG ? EACCES : EPERM);
}

ErrorOr<NonnullRefPtr<Inode>> PseudoDirectory::symlink_locked(StringView, StringView) {
    return Error::from_errno(m_create_error == CreateError::NoEntry ? ENOENT : EPERM);
}

ErrorOr<void> PseudoDirectory::link_locked(StringView, Inode&) {
    return Error::from_errno(m_create_error == CreateError::NoEntry ? ENOENT : EPERM);
}

ErrorOr<void> PseudoDirectory::unlink_locked(StringView) { return Error::from_errno(EPERM); }

ErrorOr<void> PseudoDirectory::rename_locked(StringView, Inode&, StringView, bool) {
    return Error::from_errno(EPERM);
}

ErrorOr<StringView> PseudoDirectory::name_of_locked(const Inode& child) const {
    if (child.parent_locked() != this)
        return Error::from_errno(ENOENT);
    return static_cast<const PseudoInode&>(child).name();
}

namespace {

// An open pseudo directory: getdents64 asks the directory for its entries from the file's
// position on, one batch (at most a page) per call.
class PseudoDirectoryFile final : public File {
public:
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EISDIR); }
    ErrorOr<size_t> read(IoBuffer, size_t, uint64_t&) override { return Error::from_errno(EISDIR); }
    bool has_positional_io() const override { return true; }

    ErrorOr<uint64_t> seek(int64_t offset, int whence) override { return seek_set_or_cur(*this, offset, whence); }

    ErrorOr<size_t> read_directory(IoBuffer buffer, size_t size) override {
        auto batch = TRY(KernelBuffer::allocate(size < PAGE_SIZE ? size : PAGE_SIZE));
        auto& dir = static_cast<PseudoDirectory&>(*inode());
        Batch out(batch.bytes(), batch.size(), position());
        bool room = true;
        if (out.position == 0)
            room = out.emit(".", dir.ino(), S_TYPE_DIR, 1);
        if (room && out.position == 1) {
            Inode* parent;
            {
                SpinlockGuard guard(vfs_namespace_lock());
                parent = dir.parent_locked();
            }
            // The directory holds its parent: the number can be read after the lock.
            room = out.emit("..", parent ? parent->ino() : dir.ino(), S_TYPE_DIR, 2);
        }
        if (room)
            dir.list_entries(out.position, out);
        if (!out.used)
            return out.full ? ErrorOr<size_t>(Error::from_errno(EINVAL)) : ErrorOr<size_t>(size_t(0));
        TRY(buffer.copy_to(0, batch.bytes(), out.used));
        set_position(out.position);
        return out.used;
    }

private:
    struct Batch final : DirectoryEmitter {
        Batch(uint8_t* buffer, size_t capacity, uint64_t start) : data(buffer), capacity(capacity), position(start) {}
        bool emit(StringView name, uint64_t ino, uint32_t type, uint64_t next_position) override {
            size_t length = put_dirent64(data + used, capacity - used, name, ino, next_position, type);
            if (!length) {
                full = true;
                return false;
            }
            used += length;
            position = next_position;
            return true;
        }
        uint8_t* data;
        size_t capacity;
        uint64_t position;
        size_t used{0};
        bool full{false};
    };
};

}  // namespace

ErrorOr<NonnullRefPtr<File>> PseudoDirectory::open_directory(const Path& path, int flags) {
    auto file = TRY(try_make_ref_counted<PseudoDirectoryFile>());
    file->set_open_state(path, flags);
    return NonnullRefPtr<File>(std::move(file));
}

// ---- Files ---------------------------------------------------------------------------------

PseudoFile::PseudoFile(FileSystem& fs, uint64_t ino, uint32_t permissions, PseudoInode& parent, StringView name,
                       Style style, int write_errno)
    : PseudoInode(fs, ino, S_TYPE_REG | permissions, &parent, name), m_style(style), m_write_errno(write_errno) {}

ErrorOr<void> PseudoFile::show(FormatSink&) { return Error::from_errno(EINVAL); }
ErrorOr<size_t> PseudoFile::store(IoBuffer, size_t, uint64_t&) { return Error::from_errno(m_write_errno); }
ErrorOr<void> PseudoFile::opened(int) { return {}; }
void PseudoFile::released(int) {}

namespace {

// An open pseudo file. A Seq file keeps the text it made (the snapshot) so that a reader going
// through it in pieces sees one consistent text; a read from offset 0 makes it anew.
class PseudoOpenFile final : public File {
public:
    ~PseudoOpenFile() override {
        if (m_opened)
            file().released(flags());
        kfree(m_text);
    }

    ErrorOr<NonnullRefPtr<File>> open(int open_flags) {
        TRY(file().opened(open_flags));
        m_opened = true;
        return NonnullRefPtr<File>(*this);
    }

    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
    bool has_positional_io() const override { return true; }

    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t& offset) override {
        if (file().style() != PseudoFile::Style::Seq)
            return read_simple(buffer, size, offset);
        if (offset == 0 || !has_text())
            TRY(make_text());
        // The snapshot's lock is not held across the user copy.
        size_t done = TRY(read_through_bounce(buffer, size, offset, [&](uint8_t* bounce, uint64_t at, size_t max) {
            SpinlockGuard guard(m_lock);
            size_t n = at < m_length ? (m_length - at < max ? m_length - at : max) : 0;
            __builtin_memcpy(bounce, m_text + at, n);
            return n;
        }));
        offset += done;
        return done;
    }

    ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t& offset) override {
        return file().store(buffer, size, offset);
    }

    ErrorOr<uint64_t> seek(int64_t offset, int whence) override {
        switch (file().style()) {
        case PseudoFile::Style::Seq:
            return seek_set_or_cur(*this, offset, whence);
        case PseudoFile::Style::Simple: {
            uint64_t target = TRY(generic_seek_position(*inode(), position(), offset, whence));
            set_position(target);
            return target;
        }
        case PseudoFile::Style::SimpleNoSeek:
            break;
        }
        return Error::from_errno(ESPIPE);
    }

private:
    PseudoFile& file() const { return static_cast<PseudoFile&>(*inode()); }

    bool has_text() const {
        SpinlockGuard guard(m_lock);
        return m_text;
    }

    // seq_read's buffer: a page to start with, twice as much each time the text does not fit.
    ErrorOr<void> make_text() {
        for (size_t capacity = PAGE_SIZE;; capacity *= 2) {
            auto* text = static_cast<char*>(kmalloc(capacity));
            if (!text)
                return Error::from_errno(ENOMEM);
            BufferSink sink(text, capacity);
            auto shown = file().show(sink);
            if (shown.is_error() || sink.truncated()) {
                kfree(text);
                if (shown.is_error())
                    return shown.release_error();
                continue;
            }
            {
                SpinlockGuard guard(m_lock);
                std::swap(text, m_text);
                m_length = sink.length();
            }
            kfree(text);
            return {};
        }
    }

    // simple_read_from_buffer: the text made on the stack, nothing allocated (reading
    // /proc/self/fail-nth must not count as an allocation of its own task).
    ErrorOr<size_t> read_simple(IoBuffer buffer, size_t size, uint64_t& offset) {
        char text[PseudoFile::SIMPLE_CAPACITY];
        BufferSink sink(text, sizeof(text));
        TRY(file().show(sink));
        VERIFY(!sink.truncated());
        if (offset >= sink.length())
            return 0;
        size_t n = sink.length() - offset < size ? sink.length() - offset : size;
        size_t copied = buffer.copy_to_partial(0, text + offset, n);
        if (!copied && n)
            return Error::from_errno(EFAULT);
        offset += copied;
        return copied;
    }

    mutable Spinlock m_lock;  // guards the snapshot
    char* m_text{nullptr};
    size_t m_length{0};
    bool m_opened{false};
};

}  // namespace

ErrorOr<NonnullRefPtr<File>> PseudoFile::open_file(const Path& path, int flags) {
    auto file = TRY(try_make_ref_counted<PseudoOpenFile>());
    file->set_open_state(path, flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC));
    return file->open(flags);
}

// ---- Control-file writes -------------------------------------------------------------------

ErrorOr<StringView> copy_written_text(IoBuffer buffer, size_t size, char* out, size_t capacity) {
    size_t n = size < capacity - 1 ? size : capacity - 1;
    TRY(buffer.copy_from(out, 0, n));
    out[n] = 0;
    // The kernel reads what was written as a C string: it ends at the first NUL.
    return StringView(out, __builtin_strlen(out));
}

ErrorOr<uint64_t> parse_unsigned(StringView text, unsigned base, uint64_t max) {
    if (!text.empty() && text[0] == '+')
        text.remove_prefix(1);
    auto lower = [](char c) { return char(c | 0x20); };
    auto is_hex_digit = [&](char c) { return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f'); };
    // _parse_integer_fixup_radix
    if (base == 0) {
        if (!text.empty() && text[0] == '0')
            base = text.size() > 2 && lower(text[1]) == 'x' && is_hex_digit(text[2]) ? 16 : 8;
        else
            base = 10;
    }
    if (base == 16 && text.size() >= 2 && text[0] == '0' && lower(text[1]) == 'x')
        text.remove_prefix(2);
    uint64_t value = 0;
    size_t digits = 0;
    bool overflow = false;
    for (; digits < text.size(); ++digits) {
        char c = text[digits];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = unsigned(c - '0');
        else if (lower(c) >= 'a' && lower(c) <= 'f')
            digit = unsigned(lower(c) - 'a' + 10);
        else
            break;
        if (digit >= base)
            break;
        if (__builtin_mul_overflow(value, uint64_t(base), &value) || __builtin_add_overflow(value, digit, &value))
            overflow = true;
    }
    if (overflow)
        return Error::from_errno(ERANGE);
    if (!digits)
        return Error::from_errno(EINVAL);
    text.remove_prefix(digits);
    if (!text.empty() && text[0] == '\n')
        text.remove_prefix(1);
    if (!text.empty())
        return Error::from_errno(EINVAL);
    if (value > max)
        return Error::from_errno(ERANGE);
    return value;
}

}  // namespace kernel
