#include "fs/File.h"

#include <asm-generic/fcntl.h>
#include <asm-generic/ioctls.h>
#include <linux/fs.h>

#include "fs/Inode.h"
#include "lib/OwnPtr.h"

namespace kernel {

ErrorOr<size_t> File::read(IoBuffer, size_t, uint64_t&) { return Error::from_errno(EINVAL); }
ErrorOr<PhysAddr> File::get_page(uint64_t index) {
    if (!inode())
        return Error::from_errno(ENODEV);
    return inode()->get_page(index);
}
ErrorOr<size_t> File::write(IoBuffer, size_t, uint64_t&) { return Error::from_errno(EINVAL); }
ErrorOr<uint64_t> File::seek(int64_t, int) { return Error::from_errno(ESPIPE); }
ErrorOr<size_t> File::read_directory(IoBuffer, size_t) { return Error::from_errno(ENOTDIR); }
ErrorOr<long> File::ioctl(unsigned, uint64_t) { return Error::from_errno(ENOTTY); }

void File::set_open_state(Path path, int flags) {
    m_path = std::move(path);
    m_flags.store(flags, std::memory_order_relaxed);
}

bool File::is_path_only() const { return flags() & O_PATH; }

// OPEN_FMODE: access mode 0 reads, 1 writes, 2 does both, and 3 neither (it exists for ioctl-only
// opens of devices); O_PATH does neither.
bool File::is_readable() const {
    int f = flags();
    return !(f & O_PATH) && ((f + 1) & O_ACCMODE & 1);
}

bool File::is_writable() const {
    int f = flags();
    return !(f & O_PATH) && ((f + 1) & O_ACCMODE & 2);
}

ErrorOr<void> File::set_status_flags(int new_flags) {
    // setfl(): what fcntl(F_SETFL) may change; everything else is kept as it is.
    constexpr int SETFL_MASK = O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT | O_NOATIME | FASYNC;
    // tmpfs has no direct I/O, and our devices neither: Linux's setfl says EINVAL then.
    if (new_flags & O_DIRECT)
        return Error::from_errno(EINVAL);
    int old = flags();
    while (!m_flags.compare_exchange_weak(old, (old & ~SETFL_MASK) | (new_flags & SETFL_MASK), std::memory_order_relaxed)) {
    }
    return {};
}

ErrorOr<uint64_t> generic_seek_position(Inode& inode, uint64_t position, int64_t offset, int whence) {
    int64_t target;
    switch (whence) {
    case SEEK_SET:
        target = offset;
        break;
    case SEEK_CUR:
        if (__builtin_add_overflow(int64_t(position), offset, &target))
            return Error::from_errno(EINVAL);
        break;
    case SEEK_END:
        if (__builtin_add_overflow(int64_t(inode.size()), offset, &target))
            return Error::from_errno(EINVAL);
        break;
    case SEEK_DATA:
    case SEEK_HOLE:
        if (offset < 0)
            return Error::from_errno(ENXIO);
        target = int64_t(TRY(inode.seek_data_or_hole(uint64_t(offset), whence == SEEK_DATA)));
        break;
    default:
        return Error::from_errno(EINVAL);
    }
    if (target < 0 || target > MAX_FILE_SIZE)
        return Error::from_errno(EINVAL);
    return uint64_t(target);
}

ErrorOr<NonnullRefPtr<File>> RegularFile::create(const Path& path, int flags) {
    auto file = TRY(try_make_ref_counted<RegularFile>());
    file->set_open_state(path, flags);
    if (file->is_writable())
        file->inode()->m_writers.fetch_add(1);
    return NonnullRefPtr<File>(std::move(file));
}

RegularFile::~RegularFile() {
    if (is_writable() && inode())
        inode()->m_writers.fetch_sub(1);
}

ErrorOr<size_t> RegularFile::read_at(void* kernel_buffer, size_t size, uint64_t offset) {
    return inode()->read(IoBuffer::kernel(kernel_buffer), size, offset);
}

ErrorOr<size_t> RegularFile::read(IoBuffer buffer, size_t size, uint64_t& offset) {
    size_t done = TRY(inode()->read(buffer, size, offset));
    offset += done;
    return done;
}

ErrorOr<size_t> RegularFile::write(IoBuffer buffer, size_t size, uint64_t& offset) {
    return inode()->write(buffer, size, offset, flags() & O_APPEND);
}

ErrorOr<uint64_t> RegularFile::seek(int64_t offset, int whence) {
    uint64_t target = TRY(generic_seek_position(*inode(), position(), offset, whence));
    set_position(target);
    return target;
}

ErrorOr<long> RegularFile::ioctl(unsigned request, uint64_t argument) {
    if (request != FIONREAD)
        return Error::from_errno(ENOTTY);
    int left = int(inode()->size() - position());  // may be negative past the end, as in Linux
    TRY(copy_to_user(argument, &left, sizeof(left)));
    return 0;
}

ErrorOr<NonnullRefPtr<File>> PathFile::create(const Path& path, int flags) {
    auto file = TRY(try_make_ref_counted<PathFile>());
    file->set_open_state(path, flags);
    return NonnullRefPtr<File>(std::move(file));
}

}  // namespace kernel
