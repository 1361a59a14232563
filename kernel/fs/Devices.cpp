#include "fs/Devices.h"

#include <arch/Console.h>
#include <asm-generic/fcntl.h>
#include <asm-generic/ioctls.h>
#include <asm-generic/termbits.h>
#include <linux/fs.h>
#include <linux/random.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/KernelBuffer.h"
#include "fs/Poll.h"
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

struct WindowSize {  // struct winsize
    uint16_t rows, columns, x_pixels, y_pixels;
};

struct ConsoleState {
    termios settings;
    WindowSize window;  // 0 x 0, as Linux reports for a serial line
    uint8_t input[256];  // typed, after input processing, not yet read
    size_t input_head;
    size_t input_count;
};

// Linux's tty_std_termios as the 8250 console sets it up (console=ttyS0: 9600 baud, CS8, CREAD,
// HUPCL, CLOCAL), with INIT_C_CC.
constinit SpinlockProtected<ConsoleState> g_console{ConsoleState{
    .settings = {.c_iflag = ICRNL | IXON,
                 .c_oflag = OPOST | ONLCR,
                 .c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL,
                 .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
                 .c_line = 0,
                 .c_cc = {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0}},
    .window = {},
    .input = {},
    .input_head = 0,
    .input_count = 0,
}};

// Moves typed bytes from the UART into the input buffer, applying CR/NL translation and echo.
void poll_input_locked(ConsoleState& console) {
    while (console.input_count < sizeof(console.input)) {
        int c = arch::console_read_nonblocking();
        if (c < 0)
            return;
        char ch = char(c);
        if (ch == '\r') {
            if (console.settings.c_iflag & IGNCR)
                continue;
            if (console.settings.c_iflag & ICRNL)
                ch = '\n';
        } else if (ch == '\n' && (console.settings.c_iflag & INLCR)) {
            ch = '\r';
        }
        console.input[(console.input_head + console.input_count++) % sizeof(console.input)] = uint8_t(ch);
        if (console.settings.c_lflag & ECHO)
            arch::console_write(&ch, 1);
    }
}

// A flush drops what was typed, including what the UART still holds.
void discard_input_locked(ConsoleState& console) {
    poll_input_locked(console);
    console.input_count = 0;
}

class ConsoleDevice final : public File {
public:
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }

    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t&) override {
        if (!size)
            return 0;
        uint8_t chunk[128];
        size_t want = size < sizeof(chunk) ? size : sizeof(chunk);
        size_t got;
        while (true) {
            got = g_console.with([&](ConsoleState& console) {
                poll_input_locked(console);
                size_t n = 0;
                while (n < want && console.input_count) {
                    uint8_t c = console.input[console.input_head];
                    console.input_head = (console.input_head + 1) % sizeof(console.input);
                    --console.input_count;
                    chunk[n++] = c;
                    if (c == '\n')
                        break;  // a line at most, like a canonical read
                }
                return n;
            });
            if (got)
                break;
            if (flags() & O_NONBLOCK)
                return Error::from_errno(EAGAIN);
            console_wait_for_input();
        }
        TRY(buffer.copy_to(0, chunk, got));
        return got;
    }

    ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t&) override {
        // As the tty layer: through a buffer of up to 2048 bytes, each piece copied in whole
        // before any of it is written, so a fault in the first piece writes nothing (EFAULT).
        constexpr size_t CHUNK = 2048;
        if (!size)
            return 0;
        auto chunk = TRY(KernelBuffer::allocate(size < CHUNK ? size : CHUNK));
        size_t done = 0;
        while (done < size) {
            size_t n = size - done < chunk.size() ? size - done : chunk.size();
            if (buffer.copy_from(chunk.data(), done, n).is_error())
                break;
            arch::console_write(chunk.data(), n);  // the UART driver turns "\n" into "\r\n" (ONLCR)
            done += n;
        }
        if (!done)
            return Error::from_errno(EFAULT);
        return done;
    }

    ErrorOr<long> ioctl(unsigned request, uint64_t argument) override {
        switch (request) {
        case TCGETS: {
            termios settings = g_console.with([](ConsoleState& console) { return console.settings; });
            TRY(copy_to_user(argument, &settings, sizeof(settings)));
            return 0;
        }
        case TCSETS:
        case TCSETSW:
        case TCSETSF: {
            termios settings;
            TRY(copy_from_user(&settings, argument, sizeof(settings)));
            g_console.with([&](ConsoleState& console) {
                if (request == TCSETSF)
                    discard_input_locked(console);
                console.settings = settings;
            });
            return 0;
        }
        case TIOCGWINSZ: {
            WindowSize window = g_console.with([](ConsoleState& console) { return console.window; });
            TRY(copy_to_user(argument, &window, sizeof(window)));
            return 0;
        }
        case TIOCSWINSZ: {
            WindowSize window;
            TRY(copy_from_user(&window, argument, sizeof(window)));
            g_console.with([&](ConsoleState& console) { console.window = window; });
            return 0;
        }
        case TCFLSH:
            if (argument > TCIOFLUSH)
                return Error::from_errno(EINVAL);
            if (argument != TCOFLUSH)
                g_console.with([](ConsoleState& console) { discard_input_locked(console); });
            return 0;
        case FIONREAD: {  // TIOCINQ: what has been typed and not read
            int available = g_console.with([](ConsoleState& console) {
                poll_input_locked(console);
                return int(console.input_count);
            });
            TRY(copy_to_user(argument, &available, sizeof(available)));
            return 0;
        }
        case TCSBRK:  // tcdrain: output is written synchronously, nothing to wait for
        case TCXONC:
            return 0;
        default:
            return Error::from_errno(ENOTTY);
        }
    }

    // n_tty_poll, for the console as it reads: readable once anything was typed (a read
    // returns it without waiting for a whole line), always writable (output is synchronous).
    // Typing wakes nobody, so a poller comes back every tick to look at the UART.
    unsigned poll(PollTable* table) override {
        if (table)
            table->poll_again_soon();
        bool typed = g_console.with([](ConsoleState& console) {
            poll_input_locked(console);
            return console.input_count != 0;
        });
        return POLLOUT | POLLWRNORM | (typed ? POLLIN | POLLRDNORM : 0u);
    }
};

}  // namespace

ErrorOr<NonnullRefPtr<File>> open_char_device(const Path& path, int flags) {
    switch (path.inode->rdev()) {
    case DEV_NULL:
        return make_device_file<NullDevice>(path, flags);
    case DEV_ZERO:
        return make_device_file<ZeroDevice>(path, flags);
    case DEV_RANDOM:
    case DEV_URANDOM:
        return make_device_file<RandomDevice>(path, flags);
    case DEV_CONSOLE:
        return make_device_file<ConsoleDevice>(path, flags);
    case DEV_TTY:
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
