#include "fs/FilesStruct.h"

#include "mm/Heap.h"

namespace kernel {

namespace {
// The table's two arrays for `slots` descriptors, zeroed; nullptr when out of memory.
bool allocate_arrays(int slots, File**& files, uint64_t*& cloexec) {
    files = static_cast<File**>(kzalloc(sizeof(File*) * slots));
    cloexec = static_cast<uint64_t*>(kzalloc(sizeof(uint64_t) * ((slots + 63) / 64)));
    if (files && cloexec)
        return true;
    kfree(files);
    kfree(cloexec);
    files = nullptr;
    cloexec = nullptr;
    return false;
}
}  // namespace

ErrorOr<NonnullRefPtr<FilesStruct>> FilesStruct::create() {
    auto* table = new (std::nothrow) FilesStruct;
    if (!table)
        return Error::from_errno(ENOMEM);
    auto result = adopt_ref(*table);
    if (!allocate_arrays(INITIAL_SLOTS, table->m_files, table->m_cloexec))
        return Error::from_errno(ENOMEM);
    table->m_slots = INITIAL_SLOTS;
    return result;
}

FilesStruct::~FilesStruct() {
    // The last task using the table is gone (Linux's put_files_struct -> close_files).
    for (int fd = 0; fd < m_slots; ++fd)
        if (File* file = file_locked(fd))
            file->unref();
    kfree(m_files);
    kfree(m_cloexec);
}

ErrorOr<NonnullRefPtr<FilesStruct>> FilesStruct::clone() const {
    auto copy = TRY(create());
    SpinlockGuard guard(m_lock);
    if (m_slots > copy->m_slots) {
        // Allocating under our own lock is fine: the slab never sleeps and never takes it.
        File** files;
        uint64_t* cloexec;
        if (!allocate_arrays(m_slots, files, cloexec))
            return Error::from_errno(ENOMEM);
        kfree(copy->m_files);
        kfree(copy->m_cloexec);
        copy->m_files = files;
        copy->m_cloexec = cloexec;
        copy->m_slots = m_slots;
    }
    // A reserved descriptor stays the parent's (Linux's dup_fd copies only installed files).
    for (int fd = 0; fd < m_slots; ++fd) {
        if (File* file = file_locked(fd)) {
            file->ref();
            copy->m_files[fd] = file;
            copy->set_cloexec_locked(fd, cloexec_locked(fd));
        }
    }
    return copy;
}

void FilesStruct::set_cloexec_locked(int fd, bool value) {
    uint64_t bit = uint64_t(1) << (fd % 64);
    if (value)
        m_cloexec[fd / 64] |= bit;
    else
        m_cloexec[fd / 64] &= ~bit;
}

ErrorOr<NonnullRefPtr<File>> FilesStruct::get(int fd) const {
    SpinlockGuard guard(m_lock);
    File* file = file_locked(fd);
    if (!file)
        return Error::from_errno(EBADF);
    return NonnullRefPtr<File>(*file);
}

ErrorOr<void> FilesStruct::grow_locked(int needed, int limit) {
    // expand_files: double until `needed` fits, never past the limit.
    int slots = m_slots;
    while (slots <= needed)
        slots *= 2;
    if (slots > limit)
        slots = limit;
    File** files;
    uint64_t* cloexec;
    if (!allocate_arrays(slots, files, cloexec))
        return Error::from_errno(ENOMEM);
    __builtin_memcpy(files, m_files, sizeof(File*) * m_slots);
    __builtin_memcpy(cloexec, m_cloexec, sizeof(uint64_t) * ((m_slots + 63) / 64));
    kfree(m_files);
    kfree(m_cloexec);
    m_files = files;
    m_cloexec = cloexec;
    m_slots = slots;
    return {};
}

ErrorOr<int> FilesStruct::install(NonnullRefPtr<File> file, bool close_on_exec, int min_fd, int limit) {
    SpinlockGuard guard(m_lock);
    int fd = min_fd < 0 ? 0 : min_fd;
    while (fd < m_slots && m_files[fd])
        ++fd;
    if (fd >= limit)
        return Error::from_errno(EMFILE);
    if (fd >= m_slots)
        TRY(grow_locked(fd, limit));
    m_files[fd] = file.leak_ref();
    set_cloexec_locked(fd, close_on_exec);
    return fd;
}

ErrorOr<int> FilesStruct::install_at(int fd, NonnullRefPtr<File> file, bool close_on_exec, int limit) {
    if (fd < 0 || fd >= limit)
        return Error::from_errno(EBADF);
    File* replaced;
    {
        SpinlockGuard guard(m_lock);
        if (fd >= m_slots)
            TRY(grow_locked(fd, limit));
        // do_dup2 will not take a descriptor that is being set up.
        if (m_files[fd] == reserved_slot())
            return Error::from_errno(EBUSY);
        replaced = m_files[fd];
        m_files[fd] = file.leak_ref();
        set_cloexec_locked(fd, close_on_exec);
    }
    if (replaced)
        replaced->unref();  // filp_close of what the descriptor held, after the lock
    return fd;
}

ErrorOr<int> FilesStruct::reserve(int limit) {
    SpinlockGuard guard(m_lock);
    int fd = 0;
    while (fd < m_slots && m_files[fd])
        ++fd;
    if (fd >= limit)
        return Error::from_errno(EMFILE);
    if (fd >= m_slots)
        TRY(grow_locked(fd, limit));
    m_files[fd] = reserved_slot();
    set_cloexec_locked(fd, false);
    return fd;
}

void FilesStruct::install_reserved(int fd, NonnullRefPtr<File> file, bool close_on_exec) {
    SpinlockGuard guard(m_lock);
    VERIFY(fd >= 0 && fd < m_slots && m_files[fd] == reserved_slot());
    m_files[fd] = file.leak_ref();
    set_cloexec_locked(fd, close_on_exec);
}

void FilesStruct::unreserve(int fd) {
    SpinlockGuard guard(m_lock);
    VERIFY(fd >= 0 && fd < m_slots && m_files[fd] == reserved_slot());
    m_files[fd] = nullptr;
}

ErrorOr<void> FilesStruct::close(int fd) {
    File* file;
    {
        SpinlockGuard guard(m_lock);
        file = file_locked(fd);
        if (!file)
            return Error::from_errno(EBADF);
        m_files[fd] = nullptr;
        set_cloexec_locked(fd, false);
    }
    file->unref();
    return {};
}

ErrorOr<bool> FilesStruct::close_on_exec(int fd) const {
    SpinlockGuard guard(m_lock);
    if (!file_locked(fd))
        return Error::from_errno(EBADF);
    return cloexec_locked(fd);
}

ErrorOr<void> FilesStruct::set_close_on_exec(int fd, bool value) {
    SpinlockGuard guard(m_lock);
    if (!file_locked(fd))
        return Error::from_errno(EBADF);
    set_cloexec_locked(fd, value);
    return {};
}

void FilesStruct::close_on_exec() {
    // One descriptor per lock round: each file is released with the lock dropped.
    for (int fd = 0;; ++fd) {
        File* file = nullptr;
        {
            SpinlockGuard guard(m_lock);
            while (fd < m_slots && !(file_locked(fd) && cloexec_locked(fd)))
                ++fd;
            if (fd >= m_slots)
                return;
            file = m_files[fd];
            m_files[fd] = nullptr;
            set_cloexec_locked(fd, false);
        }
        file->unref();
    }
}

int FilesStruct::count() const {
    SpinlockGuard guard(m_lock);
    int n = 0;
    for (int fd = 0; fd < m_slots; ++fd)
        n += file_locked(fd) != nullptr;
    return n;
}

int FilesStruct::max_fds() const {
    SpinlockGuard guard(m_lock);
    return m_slots;
}

bool FilesStruct::is_open(int fd) const {
    SpinlockGuard guard(m_lock);
    return fd >= 0 && fd < m_slots && m_files[fd];
}

}  // namespace kernel
