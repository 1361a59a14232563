#include "fs/Ramfs.h"

#include <linux/fs.h>

#include "fs/File.h"
#include "fs/KernelBuffer.h"
#include "fs/PageMap.h"
#include "lib/Format.h"
#include "mm/Vma.h"
#include "lib/OwnPtr.h"
#include "mm/Heap.h"
#include "mm/PageAllocator.h"

namespace kernel {

namespace {

constexpr uint64_t BOGO_DIRENT_SIZE = 20;      // tmpfs's pretend size of one directory entry
constexpr size_t SHORT_SYMLINK_LENGTH = 128;  // tmpfs keeps shorter targets (with the NUL) inline

class RamfsSuper final : public FileSystem {
public:
    RamfsSuper(StringView type, RamfsLimits limits) : m_type(type), m_limits(limits) {}
    StringView name() const override { return m_type; }
    void set_root_mode(uint32_t mode) { m_root_mode = mode; }
    // shmem_show_options (or ramfs_show_options): what differs from a plain mount, then tmpfs's
    // inode64.
    void show_options(FormatSink& out) const override {
        if (m_type != "tmpfs") {
            if (m_root_mode != 0755)
                format_to(out, ",mode={:03o}", m_root_mode);
            return;
        }
        RamfsLimits defaults = RamfsLimits::tmpfs_default();
        if (m_limits.max_blocks != defaults.max_blocks)
            format_to(out, ",size={}k", m_limits.max_blocks * (PAGE_SIZE / 1024));
        if (m_limits.max_inodes != defaults.max_inodes)
            format_to(out, ",nr_inodes={}", m_limits.max_inodes);
        if (m_root_mode != 01777)
            format_to(out, ",mode={:03o}", m_root_mode);
        out.write(",inode64", 8);
    }
    // shmem_statfs: the limits and what is left of them.
    FsStats stats() const override {
        FsStats stats = FileSystem::stats();
        if (m_limits.max_blocks) {
            stats.blocks = m_limits.max_blocks;
            stats.blocks_free = m_limits.max_blocks - m_used_blocks.load(std::memory_order_relaxed);
        }
        if (m_limits.max_inodes) {
            stats.files = m_limits.max_inodes;
            stats.files_free = m_limits.max_inodes - m_used_inodes.load(std::memory_order_relaxed);
        }
        return stats;
    }
    uint64_t next_ino() { return m_next_ino.fetch_add(1, std::memory_order_relaxed); }

    // shmem_inode_acct_block / shmem_reserve_inode: ENOSPC past the limit.
    ErrorOr<void> charge_blocks(uint64_t pages) { return charge(m_used_blocks, m_limits.max_blocks, pages); }
    void uncharge_blocks(uint64_t pages) { m_used_blocks.fetch_sub(pages, std::memory_order_relaxed); }
    ErrorOr<void> reserve_inode() { return charge(m_used_inodes, m_limits.max_inodes, 1); }
    void free_inode() { m_used_inodes.fetch_sub(1, std::memory_order_relaxed); }

private:
    static ErrorOr<void> charge(std::atomic<uint64_t>& used, uint64_t limit, uint64_t amount) {
        uint64_t now = used.fetch_add(amount, std::memory_order_relaxed);
        if (limit && now + amount > limit) {
            used.fetch_sub(amount, std::memory_order_relaxed);
            return Error::from_errno(ENOSPC);
        }
        return {};
    }

    StringView m_type;
    RamfsLimits m_limits;
    uint32_t m_root_mode{01777};
    std::atomic<uint64_t> m_next_ino{1};
    std::atomic<uint64_t> m_used_blocks{0};
    std::atomic<uint64_t> m_used_inodes{0};
};

class RamfsInode;

// One name in a directory, with the name stored right after the struct. An entry without an
// inode is a cursor: an open directory's place in the list (Linux's cursor dentries), so that
// getdents continues correctly while entries come and go.
struct DirEntry {
    IntrusiveListNode node;
    RamfsInode* inode{nullptr};  // one reference, owned by the entry; null for a cursor
    size_t name_length{0};

    char* name() { return reinterpret_cast<char*>(this + 1); }
    StringView name_view() { return StringView(name(), name_length); }
    bool is_cursor() const { return !inode; }

    static ErrorOr<DirEntry*> create(StringView name, RamfsInode* inode);
    // Unlinked entries only; drops the inode reference (which may free the inode).
    static void destroy(DirEntry* entry);
};
using EntryList = IntrusiveList<DirEntry, &DirEntry::node>;

class RamfsInode final : public Inode {
public:
    // An inode charged to the file system's inode limit (ENOSPC), released when it dies.
    static ErrorOr<NonnullRefPtr<RamfsInode>> create(RamfsSuper& fs, uint32_t mode, uint32_t rdev) {
        TRY(fs.reserve_inode());
        auto inode = try_make_ref_counted<RamfsInode>(fs, mode, rdev);
        if (inode.is_error())
            fs.free_inode();
        return inode;
    }
    RamfsInode(RamfsSuper& fs, uint32_t mode, uint32_t rdev) : Inode(fs, fs.next_ino(), mode, rdev) {
        if (is_directory()) {
            m_nlink = 2;  // "." and the parent's entry
            m_size = 2 * BOGO_DIRENT_SIZE;
        }
    }
    ~RamfsInode() override;

    ErrorOr<NonnullRefPtr<Inode>> lookup_locked(StringView name) override;
    ErrorOr<NonnullRefPtr<Inode>> create_locked(StringView name, uint32_t mode, uint32_t rdev) override;
    ErrorOr<NonnullRefPtr<Inode>> symlink_locked(StringView name, StringView target) override;
    ErrorOr<NonnullRefPtr<Inode>> create_unnamed_locked(uint32_t mode) override;
    ErrorOr<void> link_locked(StringView name, Inode& target) override;
    ErrorOr<void> unlink_locked(StringView name) override;
    ErrorOr<void> rename_locked(StringView old_name, Inode& new_dir, StringView new_name, bool exchange) override;
    Inode* parent_locked() const override { return m_parent ? m_parent : m_removed_parent.ptr(); }
    Inode* name_parent_locked() const override { return m_name_parent; }
    bool is_empty_locked() const override;
    ErrorOr<StringView> name_of_locked(const Inode& child) const override;
    bool is_page_cached(uint64_t index) const override;

    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t offset) override;
    ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t& offset, bool append) override;
    ErrorOr<void> truncate(uint64_t size) override;
    ErrorOr<uint64_t> seek_data_or_hole(uint64_t offset, bool data) override;
    ErrorOr<PhysAddr> get_page(uint64_t index) override;
    int mmap_error() const override { return is_regular() ? 0 : ENODEV; }
    StringView symlink_target() const override { return StringView(m_target, m_target_length); }

    ErrorOr<NonnullRefPtr<File>> open_directory(const Path& path, int flags) override;

private:
    friend class RamfsDirectoryFile;

    // File pages; a symlink target too long to keep inline takes a page (shmem_symlink).
    uint64_t allocated_bytes_locked() const override {
        if (is_symlink())
            return m_target_length + 1 > SHORT_SYMLINK_LENGTH ? PAGE_SIZE : 0;
        return m_pages.page_count() * PAGE_SIZE;
    }
    RamfsSuper& super() const { return static_cast<RamfsSuper&>(fs()); }
    // The page at `index`, made (and charged to the file system) if the file has none there.
    ErrorOr<uint8_t*> get_or_create_page_locked(uint64_t index);
    DirEntry* find_locked(StringView name);
    // ENOTDIR for a non-directory, ENOENT for a removed one (Linux's IS_DEADDIR checks).
    ErrorOr<void> check_live_directory_locked() const;
    ErrorOr<void> check_can_add_locked(StringView name);
    // Links `entry` (holding `child`) at the front: Linux lists the newest dentry first.
    void add_entry_locked(DirEntry& entry);
    // Unlinks and frees `entry`, updating the link counts its name stood for.
    void remove_entry_locked(DirEntry& entry);
    void account_entry_locked(RamfsInode& child, int delta);  // size, times, subdirectory links

    // Directories (namespace lock).
    EntryList m_entries;            // newest first; may hold cursors
    RamfsInode* m_parent{nullptr};  // borrowed: our entry in it holds us, and goes first
    bool m_dead{false};             // removed by rmdir: nothing may be added
    // A removed directory still has a "..", as in Linux (a process inside may chdir ..): it
    // then holds its old parent itself. No cycle: the parent no longer holds it.
    RefPtr<RamfsInode> m_removed_parent;
    // Other files: the directory they were last linked into, while that entry lasts (borrowed:
    // cleared when the entry goes), so that d_path can name an open file.
    RamfsInode* m_name_parent{nullptr};

    // Regular files (m_lock).
    PageMap m_pages;

    // Symlinks: immutable after creation.
    char* m_target{nullptr};
    size_t m_target_length{0};
};

ErrorOr<DirEntry*> DirEntry::create(StringView name, RamfsInode* inode) {
    void* memory = kmalloc(sizeof(DirEntry) + name.size() + 1);
    if (!memory)
        return Error::from_errno(ENOMEM);
    auto* entry = new (memory) DirEntry;
    entry->inode = inode;
    if (inode)
        inode->ref();
    entry->name_length = name.size();
    if (name.size())  // a cursor has no name, and memcpy from nullptr is undefined even for 0 bytes
        __builtin_memcpy(entry->name(), name.data(), name.size());
    entry->name()[name.size()] = 0;
    return entry;
}

void DirEntry::destroy(DirEntry* entry) {
    VERIFY(!entry->node.is_linked());
    RamfsInode* inode = entry->inode;
    entry->~DirEntry();
    kfree(entry);
    if (inode)
        inode->unref();
}

// Inserts `item` right after `position` (list_move(cursor, to) in dcache_dir_lseek).
void insert_after(EntryList& list, DirEntry& position, DirEntry& item) {
    if (DirEntry* next = list.next(position))
        list.insert_before(*next, item);
    else
        list.push_back(item);
}

RamfsInode::~RamfsInode() {
    // Only the teardown of a whole unmounted tree frees a directory that still has entries (a
    // removed directory is empty). Free it without recursion, so a deep tree cannot overflow
    // the kernel stack: the entries of every directory we hold the last reference to join
    // one work list, and each inode dies with no entries of its own left.
    EntryList work;
    while (DirEntry* entry = m_entries.take_first())
        work.push_back(*entry);
    while (DirEntry* entry = work.take_first()) {
        VERIFY(!entry->is_cursor());  // an open directory pins its inode, hence its parents
        RamfsInode* child = entry->inode;
        if (child->is_directory()) {
            if (child->ref_count() == 1) {
                while (DirEntry* grandchild = child->m_entries.take_first())
                    work.push_back(*grandchild);
            }
            child->m_parent = nullptr;
        } else {
            child->m_name_parent = nullptr;
        }
        DirEntry::destroy(entry);
    }
    kfree(m_target);
    super().uncharge_blocks(allocated_bytes_locked() / PAGE_SIZE);
    super().free_inode();
    // A chain of removed directories, each holding its parent, is let go one at a time rather
    // than by recursive destructors.
    RefPtr<RamfsInode> up = std::move(m_removed_parent);
    while (up && up->ref_count() == 1) {
        RefPtr<RamfsInode> next = std::move(up->m_removed_parent);
        up = std::move(next);  // frees the previous one, whose parent we now hold
    }
}

DirEntry* RamfsInode::find_locked(StringView name) {
    for (auto& entry : m_entries)
        if (!entry.is_cursor() && entry.name_view() == name)
            return &entry;
    return nullptr;
}

ErrorOr<void> RamfsInode::check_live_directory_locked() const {
    vfs_namespace_lock().assert_held();
    if (!is_directory())
        return Error::from_errno(ENOTDIR);
    if (m_dead)
        return Error::from_errno(ENOENT);
    return {};
}

ErrorOr<NonnullRefPtr<Inode>> RamfsInode::lookup_locked(StringView name) {
    TRY(check_live_directory_locked());
    DirEntry* entry = find_locked(name);
    if (!entry)
        return Error::from_errno(ENOENT);
    return NonnullRefPtr<Inode>(*entry->inode);
}

ErrorOr<void> RamfsInode::check_can_add_locked(StringView name) {
    TRY(check_live_directory_locked());
    if (name.empty() || name.size() > NAME_MAX_LEN)
        return Error::from_errno(name.empty() ? ENOENT : ENAMETOOLONG);
    if (find_locked(name))
        return Error::from_errno(EEXIST);
    return {};
}

void RamfsInode::account_entry_locked(RamfsInode& child, int delta) {
    SpinlockGuard guard(m_lock);
    m_size += delta * int64_t(BOGO_DIRENT_SIZE);
    if (child.is_directory())
        m_nlink += delta;  // the child's ".." links to us
    touch_locked(true, true);
}

void RamfsInode::add_entry_locked(DirEntry& entry) {
    m_entries.push_front(entry);
    account_entry_locked(*entry.inode, +1);
    if (entry.inode->is_directory())
        entry.inode->m_parent = this;
    else
        entry.inode->m_name_parent = this;
}

void RamfsInode::remove_entry_locked(DirEntry& entry) {
    RamfsInode& child = *entry.inode;
    EntryList::remove(entry);
    account_entry_locked(child, -1);
    {
        SpinlockGuard guard(child.m_lock);
        if (child.is_directory()) {
            child.m_nlink = 0;  // an empty directory (the VFS checked): its "." goes too
        } else {
            VERIFY(child.m_nlink > 0);
            // An extra hard link cost an inode (shmem_unlink gives it back); the last one is
            // the inode's own, given back when it dies.
            if (child.m_nlink > 1)
                super().free_inode();
            --child.m_nlink;
        }
        child.touch_locked(false, true);
    }
    if (!child.is_directory() && child.m_name_parent == this)
        child.m_name_parent = nullptr;
    if (child.is_directory()) {
        child.m_dead = true;
        child.m_removed_parent = child.m_parent;
        child.m_parent = nullptr;
    }
    DirEntry::destroy(&entry);
}

ErrorOr<NonnullRefPtr<Inode>> RamfsInode::create_locked(StringView name, uint32_t mode, uint32_t rdev) {
    TRY(check_can_add_locked(name));
    auto child = TRY(RamfsInode::create(super(), mode, rdev));
    DirEntry* entry = TRY(DirEntry::create(name, child.ptr()));
    add_entry_locked(*entry);
    return NonnullRefPtr<Inode>(std::move(child));
}

ErrorOr<NonnullRefPtr<Inode>> RamfsInode::symlink_locked(StringView name, StringView target) {
    TRY(check_can_add_locked(name));
    auto child = TRY(RamfsInode::create(super(), S_TYPE_LNK | 0777, 0));
    // A target too long to keep inline costs a page of the file system's (shmem_symlink).
    bool takes_page = target.size() + 1 > SHORT_SYMLINK_LENGTH;
    if (takes_page)
        TRY(super().charge_blocks(1));
    child->m_target = static_cast<char*>(kmalloc(target.size() + 1));
    if (!child->m_target) {
        if (takes_page)
            super().uncharge_blocks(1);
        return Error::from_errno(ENOMEM);
    }
    __builtin_memcpy(child->m_target, target.data(), target.size());
    child->m_target[target.size()] = 0;
    child->m_target_length = target.size();
    child->m_size = target.size();
    DirEntry* entry = TRY(DirEntry::create(name, child.ptr()));
    add_entry_locked(*entry);
    return NonnullRefPtr<Inode>(std::move(child));
}

ErrorOr<NonnullRefPtr<Inode>> RamfsInode::create_unnamed_locked(uint32_t mode) {
    TRY(check_live_directory_locked());
    auto file = TRY(RamfsInode::create(super(), S_TYPE_REG | (mode & S_PERM_MASK), 0));
    file->m_nlink = 0;
    return NonnullRefPtr<Inode>(std::move(file));
}

ErrorOr<void> RamfsInode::link_locked(StringView name, Inode& target) {
    TRY(check_can_add_locked(name));
    VERIFY(&target.fs() == &fs() && !target.is_directory());
    auto& child = static_cast<RamfsInode&>(target);
    // shmem_link: a name for a file that has one already costs an inode (an O_TMPFILE file
    // linked for the first time does not).
    bool extra = child.nlink() > 0;
    if (extra)
        TRY(super().reserve_inode());
    auto entry_or = DirEntry::create(name, &child);
    if (entry_or.is_error()) {
        if (extra)
            super().free_inode();
        return entry_or.release_error();
    }
    DirEntry* entry = entry_or.value();
    {
        SpinlockGuard guard(child.m_lock);
        ++child.m_nlink;
        child.touch_locked(false, true);
    }
    add_entry_locked(*entry);
    return {};
}

ErrorOr<void> RamfsInode::unlink_locked(StringView name) {
    vfs_namespace_lock().assert_held();
    DirEntry* entry = is_directory() ? find_locked(name) : nullptr;
    if (!entry)
        return Error::from_errno(ENOENT);
    remove_entry_locked(*entry);
    return {};
}

ErrorOr<void> RamfsInode::rename_locked(StringView old_name, Inode& new_dir_inode, StringView new_name, bool exchange) {
    vfs_namespace_lock().assert_held();
    VERIFY(&new_dir_inode.fs() == &fs());
    auto& new_dir = static_cast<RamfsInode&>(new_dir_inode);
    DirEntry* old_entry = find_locked(old_name);
    if (!old_entry)
        return Error::from_errno(ENOENT);
    DirEntry* new_entry = new_dir.find_locked(new_name);
    RamfsInode& moved = *old_entry->inode;

    if (exchange) {
        if (!new_entry)
            return Error::from_errno(ENOENT);
        // Each entry keeps its name and takes the other's inode (and its reference); both go to
        // the front of their lists, the new name first, as Linux's __d_move lists them.
        RamfsInode& other = *new_entry->inode;
        old_entry->inode = &other;
        new_entry->inode = &moved;
        EntryList::remove(*old_entry);
        EntryList::remove(*new_entry);
        m_entries.push_front(*old_entry);
        new_dir.m_entries.push_front(*new_entry);
        if (this != &new_dir) {
            if (moved.is_directory())
                moved.m_parent = &new_dir;
            else
                moved.m_name_parent = &new_dir;
            if (other.is_directory())
                other.m_parent = this;
            else
                other.m_name_parent = this;
            // A directory changing parents moves its ".." link with it.
            int moved_dir = moved.is_directory(), other_dir = other.is_directory();
            SpinlockGuard guard(new_dir.m_lock);
            new_dir.m_nlink += moved_dir - other_dir;
            new_dir.touch_locked(true, true);
        }
        {
            SpinlockGuard guard(m_lock);
            if (this != &new_dir)
                m_nlink += int(other.is_directory()) - int(moved.is_directory());
            touch_locked(true, true);
        }
        for (RamfsInode* inode : {&moved, &other}) {
            SpinlockGuard guard(inode->m_lock);
            inode->touch_locked(false, true);
        }
        return {};
    }

    // Names live inside entries, so the new name needs a new entry: allocate it first, and
    // nothing has changed if that fails.
    DirEntry* renamed = TRY(DirEntry::create(new_name, &moved));
    // No more failure paths after this point.
    if (new_entry)
        new_dir.remove_entry_locked(*new_entry);  // the replaced file or empty directory
    EntryList::remove(*old_entry);
    account_entry_locked(moved, -1);
    DirEntry::destroy(old_entry);  // drops the old entry's reference; `renamed` holds one
    new_dir.add_entry_locked(*renamed);
    SpinlockGuard guard(moved.m_lock);
    moved.touch_locked(false, true);
    return {};
}

bool RamfsInode::is_empty_locked() const {
    for (auto& entry : const_cast<EntryList&>(m_entries))
        if (!entry.is_cursor())
            return false;
    return true;
}

ErrorOr<StringView> RamfsInode::name_of_locked(const Inode& child) const {
    for (auto& entry : const_cast<EntryList&>(m_entries))
        if (entry.inode == &child)
            return entry.name_view();
    return Error::from_errno(ENOENT);
}

ErrorOr<size_t> RamfsInode::read(IoBuffer buffer, size_t size, uint64_t offset) {
    if (!is_regular())
        return Error::from_errno(EINVAL);
    // Through a bounce buffer: the inode lock is never held across a user copy (IoBuffer.h).
    uint8_t bounce[BOUNCE_SIZE];
    size_t done = 0;
    while (done < size) {
        size_t chunk;
        {
            SpinlockGuard guard(m_lock);
            if (offset >= m_size)
                break;
            chunk = size - done;
            chunk = chunk < BOUNCE_SIZE ? chunk : BOUNCE_SIZE;
            if (chunk > m_size - offset)
                chunk = m_size - offset;
            size_t in_page = offset % PAGE_SIZE;
            if (chunk > PAGE_SIZE - in_page)
                chunk = PAGE_SIZE - in_page;
            if (uint8_t* page = m_pages.lookup(offset / PAGE_SIZE))
                __builtin_memcpy(bounce, page + in_page, chunk);
            else
                __builtin_memset(bounce, 0, chunk);  // a hole
        }
        size_t copied = buffer.copy_to_partial(done, bounce, chunk);
        done += copied;
        offset += copied;
        if (copied < chunk) {
            if (!done)
                return Error::from_errno(EFAULT);
            break;
        }
    }
    if (done) {
        // relatime: atime moves when it is older than the last change, or a day old.
        SpinlockGuard guard(m_lock);
        Timespec now = current_time();
        if (m_atime <= m_mtime || m_atime <= m_ctime || now.sec - m_atime.sec >= 24 * 3600)
            m_atime = now;
    }
    return done;
}

ErrorOr<size_t> RamfsInode::write(IoBuffer buffer, size_t size, uint64_t& offset, bool append) {
    if (!is_regular())
        return Error::from_errno(EINVAL);
    uint8_t bounce[BOUNCE_SIZE];
    size_t done = 0;
    while (done < size) {
        size_t chunk = buffer.copy_from_partial(bounce, done, size - done < BOUNCE_SIZE ? size - done : BOUNCE_SIZE);
        if (!chunk) {
            if (!done)
                return Error::from_errno(EFAULT);
            break;
        }
        SpinlockGuard guard(m_lock);
        if (append)
            offset = m_size;  // re-read per chunk: the end is where it is now
        if (offset > uint64_t(MAX_FILE_SIZE) - chunk) {
            if (!done)
                return Error::from_errno(EFBIG);
            break;
        }
        size_t copied = 0;
        int failure = ENOMEM;
        while (copied < chunk) {
            uint64_t position = offset + copied;
            auto page = get_or_create_page_locked(position / PAGE_SIZE);
            if (page.is_error()) {
                failure = page.error().code();
                break;
            }
            size_t in_page = position % PAGE_SIZE;
            size_t n = chunk - copied < PAGE_SIZE - in_page ? chunk - copied : PAGE_SIZE - in_page;
            __builtin_memcpy(page.value() + in_page, bounce + copied, n);
            copied += n;
        }
        offset += copied;
        done += copied;
        if (offset > m_size)
            m_size = offset;
        if (copied)
            touch_locked(true, true);
        if (copied < chunk) {
            if (!done)
                return Error::from_errno(failure);
            break;
        }
    }
    return done;
}

ErrorOr<void> RamfsInode::truncate(uint64_t size) {
    if (!is_regular())
        return Error::from_errno(EINVAL);
    if (size > uint64_t(MAX_FILE_SIZE))
        return Error::from_errno(EFBIG);
    SpinlockGuard guard(m_lock);
    if (size < m_size) {
        // Zero the cut-off part of the last page, so that growing the file again reads zeroes.
        if (size % PAGE_SIZE) {
            if (uint8_t* page = m_pages.lookup(size / PAGE_SIZE))
                __builtin_memset(page + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
        }
        size_t before = m_pages.page_count();
        m_pages.truncate((size + PAGE_SIZE - 1) / PAGE_SIZE);
        super().uncharge_blocks(before - m_pages.page_count());
    }
    m_size = size;
    touch_locked(true, true);
    return {};
}

// shmem_fault: the file's own frame, a hole filled on first touch as a write would fill it.
ErrorOr<PhysAddr> RamfsInode::get_page(uint64_t index) {
    if (!is_regular())
        return Error::from_errno(ENODEV);
    SpinlockGuard guard(m_lock);
    if (index >= (m_size + PAGE_SIZE - 1) / PAGE_SIZE)
        return Error::from_errno(EIO);
    TRY(get_or_create_page_locked(index));
    PhysAddr frame = m_pages.lookup_frame(index);
    get_user_frame(frame);
    return frame;
}

ErrorOr<uint8_t*> RamfsInode::get_or_create_page_locked(uint64_t index) {
    if (uint8_t* page = m_pages.lookup(index))
        return page;
    TRY(super().charge_blocks(1));
    auto page = m_pages.get_or_create(index);
    if (page.is_error())
        super().uncharge_blocks(1);
    return page;
}

ErrorOr<uint64_t> RamfsInode::seek_data_or_hole(uint64_t offset, bool data) {
    if (!is_regular())
        return Inode::seek_data_or_hole(offset, data);
    // shmem_file_llseek: holes are the pages never written, at page granularity.
    SpinlockGuard guard(m_lock);
    if (offset >= m_size)
        return Error::from_errno(ENXIO);
    uint64_t index = offset / PAGE_SIZE;
    uint64_t found = data ? m_pages.next_present(index) : m_pages.next_absent(index);
    if (found == PageMap::NONE || found >= (m_size + PAGE_SIZE - 1) / PAGE_SIZE)
        return data ? ErrorOr<uint64_t>(Error::from_errno(ENXIO)) : ErrorOr<uint64_t>(m_size);
    uint64_t position = found == index ? offset : found * PAGE_SIZE;
    return position < m_size ? position : m_size;
}

// The file's pages are its storage, so a page is in memory exactly when it has been written
// (a hole has none), as for tmpfs.
bool RamfsInode::is_page_cached(uint64_t index) const {
    SpinlockGuard guard(m_lock);
    return is_regular() && m_pages.lookup(index);
}

// An open directory: getdents64 and lseek as Linux's dcache_readdir / dcache_dir_lseek.
// Positions 0 and 1 are "." and ".."; position 2 + n is the (n+1)-th entry, which the cursor
// marks. All of it under the namespace lock, which guards the entry list and the cursor.
class RamfsDirectoryFile final : public File {
public:
    static ErrorOr<NonnullRefPtr<File>> create(const Path& path, int flags) {
        DirEntry* cursor = TRY(DirEntry::create({}, nullptr));
        auto* file = new (std::nothrow) RamfsDirectoryFile(cursor);
        if (!file) {
            DirEntry::destroy(cursor);
            return Error::from_errno(ENOMEM);
        }
        file->set_open_state(path, flags);
        return NonnullRefPtr<File>(adopt_ref(*file));
    }
    ~RamfsDirectoryFile() override {
        {
            SpinlockGuard guard(vfs_namespace_lock());
            m_cursor->node.unlink();
        }
        DirEntry::destroy(m_cursor);
    }

    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EISDIR); }
    ErrorOr<size_t> read(IoBuffer, size_t, uint64_t&) override { return Error::from_errno(EISDIR); }
    bool has_positional_io() const override { return true; }
    ErrorOr<uint64_t> seek(int64_t offset, int whence) override;
    ErrorOr<size_t> read_directory(IoBuffer buffer, size_t size) override;

private:
    explicit RamfsDirectoryFile(DirEntry* cursor) : m_cursor(cursor) {}
    RamfsInode& dir() const { return static_cast<RamfsInode&>(*inode()); }
    // One batch into `out` (at most `capacity` bytes), under the lock; sets `at_end`.
    size_t fill_locked(uint8_t* out, size_t capacity, bool& at_end);
    // dcache_dir_lseek's placing of the cursor for `position`.
    void set_position_locked(uint64_t position);

    DirEntry* m_cursor;  // owned; linked into dir()'s list while inside it
};

void RamfsDirectoryFile::set_position_locked(uint64_t position) {
    m_cursor->node.unlink();
    // The cursor goes after the (position - 2)-th entry; at or before 2 it waits outside the
    // list, and reading from position 2 starts at the first entry.
    uint64_t skip = position > 2 ? position - 2 : 0;
    for (auto& entry : dir().m_entries) {
        if (entry.is_cursor() || !skip)
            continue;
        if (--skip == 0) {
            insert_after(dir().m_entries, entry, *m_cursor);
            break;
        }
    }
    position_ref().store(position, std::memory_order_relaxed);
}

ErrorOr<uint64_t> RamfsDirectoryFile::seek(int64_t offset, int whence) {
    SpinlockGuard guard(vfs_namespace_lock());
    int64_t current = int64_t(position_ref().load(std::memory_order_relaxed));
    switch (whence) {
    case SEEK_CUR:
        if (__builtin_add_overflow(offset, current, &offset))
            return Error::from_errno(EINVAL);
        [[fallthrough]];
    case SEEK_SET:
        if (offset >= 0)
            break;
        [[fallthrough]];
    default:
        return Error::from_errno(EINVAL);
    }
    if (offset != current)
        set_position_locked(uint64_t(offset));
    return uint64_t(offset);
}

size_t RamfsDirectoryFile::fill_locked(uint8_t* out, size_t capacity, bool& at_end) {
    auto& position_atomic = position_ref();
    uint64_t position = position_atomic.load(std::memory_order_relaxed);
    size_t used = 0;
    // Appends one linux_dirent64; false when it does not fit.
    auto emit = [&](StringView name, uint64_t ino, uint32_t mode) {
        size_t reclen = align_up(19 + name.size() + 1, 8);
        if (used + reclen > capacity)
            return false;
        uint8_t* record = out + used;
        __builtin_memset(record, 0, reclen);
        int64_t next = int64_t(position + 1);
        uint16_t reclen16 = uint16_t(reclen);
        __builtin_memcpy(record + 0, &ino, 8);       // d_ino
        __builtin_memcpy(record + 8, &next, 8);      // d_off: where the next record starts
        __builtin_memcpy(record + 16, &reclen16, 2);  // d_reclen
        record[18] = uint8_t((mode & S_TYPE_MASK) >> 12);  // d_type: DT_* is S_IFMT >> 12
        __builtin_memcpy(record + 19, name.data(), name.size());
        used += reclen;
        ++position;
        return true;
    };

    at_end = false;
    RamfsInode& directory = dir();
    if (position == 0 && !emit(".", directory.ino(), S_TYPE_DIR))
        goto out;
    if (position == 1) {
        Inode* parent = directory.parent_locked();
        if (!emit("..", parent ? parent->ino() : directory.ino(), S_TYPE_DIR))
            goto out;
    }
    {
        DirEntry* next;
        if (position == 2)
            next = directory.m_entries.first();
        else if (m_cursor->node.is_linked())
            next = directory.m_entries.next(*m_cursor);
        else
            next = nullptr;  // past the end
        for (; next; next = directory.m_entries.next(*next)) {
            if (next->is_cursor())
                continue;
            if (!emit(next->name_view(), next->inode->ino(), next->inode->type()))
                break;
        }
        m_cursor->node.unlink();
        if (next)
            directory.m_entries.insert_before(*next, *m_cursor);  // resume at `next`
        else
            at_end = true;
    }
out:
    position_atomic.store(position, std::memory_order_relaxed);
    return used;
}

ErrorOr<size_t> RamfsDirectoryFile::read_directory(IoBuffer buffer, size_t size) {
    {
        SpinlockGuard guard(vfs_namespace_lock());
        if (dir().m_dead)
            return Error::from_errno(ENOENT);  // iterate_dir on a removed directory
    }
    // Records are built in a kernel page under the lock and copied out after it.
    auto batch = TRY(KernelBuffer::allocate(size < PAGE_SIZE ? size : PAGE_SIZE));
    size_t total = 0;
    while (true) {
        size_t room = size - total < batch.size() ? size - total : batch.size();
        bool at_end;
        size_t filled;
        uint64_t batch_start;
        {
            SpinlockGuard guard(vfs_namespace_lock());
            batch_start = position_ref().load(std::memory_order_relaxed);
            filled = fill_locked(batch.bytes(), room, at_end);
        }
        if (!filled) {
            // Nothing fitted: EINVAL if not even the first record fits the caller's buffer.
            if (!at_end && !total)
                return Error::from_errno(EINVAL);
            return total;
        }
        if (buffer.copy_to(total, batch.bytes(), filled).is_error()) {
            // The batch never reached the caller: the next read starts with it again.
            SpinlockGuard guard(vfs_namespace_lock());
            set_position_locked(batch_start);
            if (!total)
                return Error::from_errno(EFAULT);
            return total;
        }
        total += filled;
        if (at_end)
            return total;
    }
}

}  // namespace

ErrorOr<NonnullRefPtr<File>> RamfsInode::open_directory(const Path& path, int flags) {
    if (!is_directory())
        return Error::from_errno(ENOTDIR);
    return RamfsDirectoryFile::create(path, flags);
}

RamfsLimits RamfsLimits::tmpfs_default() {
    uint64_t half = page_allocator().total_pages() / 2;
    return {half, half};
}

ErrorOr<NonnullRefPtr<Inode>> ramfs_create(uint32_t root_permissions, RamfsLimits limits, StringView type) {
    auto super = TRY(try_make_ref_counted<RamfsSuper>(type, limits));
    super->set_root_mode(root_permissions & S_PERM_MASK);
    auto root = TRY(RamfsInode::create(*super, S_TYPE_DIR | (root_permissions & S_PERM_MASK), 0));
    return NonnullRefPtr<Inode>(std::move(root));
}

}  // namespace kernel
