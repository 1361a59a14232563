#include "fs/Devices.h"

#include <asm-generic/fcntl.h>
#include <linux/fs.h>
#include <linux/random.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/Vfs.h"
#include "lib/OwnPtr.h"
#include "lib/Random.h"

namespace kernel {

namespace {

template <typename T>
ErrorOr<NonnullRefPtr<File>> make_device_file(const Path& path, int flags) {
    auto file = TRY(try_make_ref_counted<T>());
    file->set_open_state(path, flags);
    return NonnullRefPtr<File>(std::move(file));
}

// What the memory devices share: positional reads and writes are fine (FMODE_PREAD), and
// writes vanish. None keeps a position (null_lseek / noop_llseek).
class MemoryDevice : public File {
public:
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
    ErrorOr<size_t> write(IoBuffer, size_t size, uint64_t&) override { return size; }
    bool has_positional_io() const override { return true; }
};

class NullDevice final : public MemoryDevice {
public:
    ErrorOr<size_t> read(IoBuffer, size_t, uint64_t&) override { return 0; }
    ErrorOr<uint64_t> seek(int64_t, int) override {
        set_position(0);
        return 0;
    }
};

class ZeroDevice final : public MemoryDevice {
public:
    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t&) override {
        static constexpr uint8_t zeroes[256] = {};
        size_t done = 0;
        while (done < size) {
            size_t n = size - done < sizeof(zeroes) ? size - done : sizeof(zeroes);
            size_t copied = buffer.copy_to_partial(done, zeroes, n);
            done += copied;
            if (copied < n)
                break;
        }
        if (!done && size)
            return Error::from_errno(EFAULT);
        return done;
    }
    ErrorOr<uint64_t> seek(int64_t, int) override {
        set_position(0);
        return 0;
    }
};

class RandomDevice final : public MemoryDevice {
public:
    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t&) override {
        RandomStream stream;
        uint8_t chunk[256];
        size_t done = 0;
        while (done < size) {
            size_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
            stream.fill(chunk, n);
            size_t copied = buffer.copy_to_partial(done, chunk, n);
            done += copied;
            if (copied < n)
                break;
        }
        __builtin_memset(chunk, 0, sizeof(chunk));
        if (!done && size)
            return Error::from_errno(EFAULT);
        return done;
    }
    ErrorOr<uint64_t> seek(int64_t, int) override { return position(); }
    ErrorOr<long> ioctl(unsigned request, uint64_t argument) override {
        if (request == RNDGETENTCNT) {
            int bits = 256;  // the generator is always seeded ("crng ready")
            TRY(copy_to_user(argument, &bits, sizeof(bits)));
            return 0;
        }
        return Error::from_errno(EINVAL);  // random_ioctl's answer to the rest
    }
};

}  // namespace

ErrorOr<NonnullRefPtr<File>> open_char_device(const Path& path, int flags) {
    if (path.inode->rdev() != DEV_CONSOLE && path.inode->rdev() != DEV_TTY && path.inode->rdev() != DEV_TTYS0)
        flags &= ~O_NOCTTY;
    switch (path.inode->rdev()) {
    case DEV_NULL:
        return make_device_file<NullDevice>(path, flags);
    case DEV_ZERO:
        return make_device_file<ZeroDevice>(path, flags);
    case DEV_RANDOM:
    case DEV_URANDOM:
        return make_device_file<RandomDevice>(path, flags);
    case DEV_CONSOLE:
    case DEV_TTY:
    case DEV_TTYS0:
        return open_tty_device(path, flags);
    default:
        return Error::from_errno(ENXIO);
    }
}

ErrorOr<void> open_console_fds(FilesStruct& files) {
    auto fs = TRY(FsStruct::create());
    auto console = TRY(vfs_open(*fs, nullptr, "/dev/console", O_RDWR, 0));
    for (int fd = 0; fd < 3; ++fd)
        TRY(files.install_at(fd, console, false));
    return {};
}

}  // namespace kernel
