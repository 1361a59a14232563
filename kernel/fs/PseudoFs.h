#pragma once
// Pseudo file systems: the machinery under procfs (fs/ProcFs.cpp) and tracefs
// (trace/TraceFs.cpp), after Linux's fs/proc/generic.c, fs/libfs.c's simple_* helpers and
// seq_file.
//
// Nothing is stored. A directory makes the inode for a name when the name is looked up, and
// produces its list of entries when it is read; a file produces its text when it is read and
// acts on what is written to it. Each inode holds its parent, so `..` and getcwd work, and its
// number is chosen by the file system from what the inode stands for, so a name keeps its
// inode number from one lookup to the next although the objects are new each time.
//
// Locks: lookups run under the namespace lock (Inode::lookup_locked), so lookup_entry may
// take spinlocks below it (the tasklist lock) and allocate, but must not sleep. list_entries
// and show run with no lock held and write into kernel memory only; user copies happen after.
#include "fs/File.h"
#include "lib/Format.h"

namespace kernel {

class PseudoFs final : public FileSystem {
public:
    // `type` names the file system type (a string literal): "proc", "tracefs".
    static ErrorOr<NonnullRefPtr<PseudoFs>> create(StringView type);
    StringView name() const override { return m_type; }

private:
    explicit PseudoFs(StringView type) : m_type(type) {}
    StringView m_type;
};

class PseudoInode : public Inode {
public:
    static constexpr size_t NAME_CAPACITY = 32;

    // The name this inode was looked up by ("" for a file system's root).
    StringView name() const { return StringView(m_name, m_name_length); }
    Inode* parent_locked() const override { return m_parent.ptr(); }
    // O_TRUNC and truncate(2) succeed and change nothing: the size stays 0, as procfs's
    // proc_setattr leaves it.
    ErrorOr<void> truncate(uint64_t) override { return {}; }

protected:
    // `parent` is null for a root; `name` fits NAME_CAPACITY.
    PseudoInode(FileSystem& fs, uint64_t ino, uint32_t mode, PseudoInode* parent, StringView name);

private:
    RefPtr<PseudoInode> m_parent;
    char m_name[NAME_CAPACITY];
    uint8_t m_name_length;
};

class PseudoSymlink final : public PseudoInode {
public:
    static constexpr size_t TARGET_CAPACITY = 48;
    // A link whose target is made when it is looked up (/proc/self: the caller's pid).
    static ErrorOr<NonnullRefPtr<PseudoInode>> create(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                      StringView name, StringView target);
    StringView symlink_target() const override { return StringView(m_target, m_target_length); }

private:
    PseudoSymlink(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, StringView target);
    char m_target[TARGET_CAPACITY];
    uint8_t m_target_length;
};

// Where a directory listing goes (Linux's dir_context): false when the batch is full.
class DirectoryEmitter {
public:
    // One entry: its name, inode number, type (S_TYPE_*) and the position that follows it.
    virtual bool emit(StringView name, uint64_t ino, uint32_t type, uint64_t next_position) = 0;

protected:
    ~DirectoryEmitter() = default;
};

// One entry of a directory with a fixed list (Linux's pid_entry, or the files tracefs creates).
struct PseudoEntry {
    StringView name;
    uint32_t mode;  // S_TYPE_* | permissions
};
// The index of `name` in `entries`, or -1.
int find_pseudo_entry(std::span<const PseudoEntry> entries, StringView name);
// Lists `entries` from `position` on, entry i at position first_position + i, with inode
// number ino_base + i. False when the emitter filled up before the end.
bool list_pseudo_entries(std::span<const PseudoEntry> entries, uint64_t position, uint64_t first_position,
                         uint64_t ino_base, DirectoryEmitter& out);

class PseudoDirectory : public PseudoInode {
public:
    // What creating a name in it says (Linux's, which differ): procfs's lookups fail first,
    // ENOENT; tracefs has no create operations, EACCES for a regular file and EPERM otherwise.
    enum class CreateError : uint8_t { NoEntry, NoOperation };

    // The inode for `name`, made now; ENOENT when there is none. Namespace lock held.
    virtual ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) = 0;
    // Emits the entries from `position` on, each with the position after it, until the list
    // ends or the emitter is full. Positions 0 and 1 are "." and ".."; from 2 on they are the
    // directory's own (an index in a table, a pid number), so a listing resumes at the right
    // place while entries come and go.
    virtual void list_entries(uint64_t position, DirectoryEmitter& out) = 0;

    ErrorOr<NonnullRefPtr<Inode>> lookup_locked(StringView name) override;
    ErrorOr<NonnullRefPtr<Inode>> create_locked(StringView name, uint32_t mode, uint32_t rdev) override;
    ErrorOr<NonnullRefPtr<Inode>> symlink_locked(StringView name, StringView target) override;
    ErrorOr<void> link_locked(StringView name, Inode& target) override;
    // Linux's vfs_unlink/vfs_rmdir/vfs_rename say EPERM when the directory has no such operation.
    ErrorOr<void> unlink_locked(StringView name) override;
    ErrorOr<void> rename_locked(StringView old_name, Inode& new_dir, StringView new_name, bool exchange) override;
    // "Empty", so that rmdir reaches unlink_locked's EPERM: Linux checks for the operation
    // before it checks for entries.
    bool is_empty_locked() const override { return true; }
    ErrorOr<StringView> name_of_locked(const Inode& child) const override;
    ErrorOr<NonnullRefPtr<File>> open_directory(const Path& path, int flags) override;

protected:
    PseudoDirectory(FileSystem& fs, uint64_t ino, uint32_t permissions, PseudoInode* parent, StringView name,
                    CreateError create_error, uint32_t subdirectories = 0);

private:
    CreateError m_create_error;
};

// A file whose text is made when it is read and which acts on what is written to it.
class PseudoFile : public PseudoInode {
public:
    enum class Style : uint8_t {
        // seq_file: the text is made at the first read and again at every read from offset 0,
        // and later reads continue in it; lseek takes SEEK_SET and SEEK_CUR.
        Seq,
        // simple_read_from_buffer: a short text (at most SIMPLE_CAPACITY bytes) made at every
        // read, with no allocation; lseek as for any file of size 0 (generic_file_llseek).
        Simple,
        // The same without lseek (ESPIPE), for files Linux gives no llseek.
        SimpleNoSeek,
    };
    static constexpr size_t SIMPLE_CAPACITY = 64;

    Style style() const { return m_style; }
    // The file's text (seq_file's show). Default: EINVAL, as reading a file without a read
    // operation.
    virtual ErrorOr<void> show(FormatSink& out);
    // One write(2) of `size` bytes, at `offset` (the file position, which the file moves as
    // Linux's does); returns the bytes taken. Default: the error the constructor names (EIO for
    // procfs, EINVAL elsewhere).
    virtual ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset);
    // f_op->open and ->release, for files that act on being opened. `flags` are open(2)'s
    // (O_TRUNC included) at open, the file's at release.
    virtual ErrorOr<void> opened(int flags);
    virtual void released(int flags);

    ErrorOr<NonnullRefPtr<File>> open_file(const Path& path, int flags) override;
    int mmap_error() const override { return fs().name() == StringView("proc") ? EIO : ENODEV; }

protected:
    PseudoFile(FileSystem& fs, uint64_t ino, uint32_t permissions, PseudoInode& parent, StringView name, Style style,
               int write_errno = EINVAL);

private:
    Style m_style;
    int m_write_errno;
};

// What writes to control files hold: a short text. Copies the first `size` bytes of a write,
// at most `capacity` - 1 of them (longer writes are cut, as kstrto*_from_user cuts them).
ErrorOr<StringView> copy_written_text(IoBuffer buffer, size_t size, char* out, size_t capacity);
// Linux's kstrtoull: all of `text` is one number in `base` (0: a 0x prefix means 16, a leading
// 0 means 8), after an optional '+' and before an optional newline. EINVAL otherwise, ERANGE
// when it is above `max`.
ErrorOr<uint64_t> parse_unsigned(StringView text, unsigned base, uint64_t max);

}  // namespace kernel
