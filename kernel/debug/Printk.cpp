// printk: formats to the console under one lock, so lines from different CPUs or from an
// interrupt handler never interleave mid-line, and keeps every line in the kernel log that
// syslog(2) reads (dmesg): Linux's printk ring buffer, reduced to one byte ring of whole lines,
// each stamped "<4>[seconds.micros] " as Linux's syslog interface shows a record.
#include "lib/Printk.h"

#include <arch/Console.h>
#include <arch/Time.h>
#include <linux/capability.h>

#include "fs/KernelBuffer.h"
#include "lib/Spinlock.h"
#include "mm/UserAccess.h"
#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Scheduler.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {

// syslog(2)'s actions (Linux's include/linux/syslog.h; not in the UAPI headers).
enum : int {
    SYSLOG_ACTION_CLOSE,
    SYSLOG_ACTION_OPEN,
    SYSLOG_ACTION_READ,
    SYSLOG_ACTION_READ_ALL,
    SYSLOG_ACTION_READ_CLEAR,
    SYSLOG_ACTION_CLEAR,
    SYSLOG_ACTION_CONSOLE_OFF,
    SYSLOG_ACTION_CONSOLE_ON,
    SYSLOG_ACTION_CONSOLE_LEVEL,
    SYSLOG_ACTION_SIZE_UNREAD,
    SYSLOG_ACTION_SIZE_BUFFER,
};

constexpr size_t LOG_BUF_LEN = 1 << 17;  // 128 KiB (Linux's log_buf_len)
constexpr int DEFAULT_MESSAGE_LOGLEVEL = 4;  // printk has no levels here: KERN_WARNING, Linux's default
constexpr int MINIMUM_CONSOLE_LOGLEVEL = 1;
constexpr int DEFAULT_CONSOLE_LOGLEVEL = 7;

constinit Spinlock g_console_lock;

// The log: bytes [tail, head) of everything ever written are in the ring (positions count
// from boot; the ring index is position % LOG_BUF_LEN). tail is always at a line's start.
struct KernelLog {
    char ring[LOG_BUF_LEN]{};
    uint64_t head{0};
    uint64_t tail{0};
    uint64_t clear_seq{0};  // SYSLOG_ACTION_CLEAR: READ_ALL starts here
    uint64_t read_seq{0};   // SYSLOG_ACTION_READ consumes from here
    bool at_line_start{true};
    int console_loglevel{DEFAULT_CONSOLE_LOGLEVEL};
    int saved_console_loglevel{-1};
};
constinit KernelLog g_log;

char log_at(uint64_t position) { return g_log.ring[position % LOG_BUF_LEN]; }

// The position just past the end of the line starting at `position` (or head).
uint64_t next_line(uint64_t position) {
    while (position < g_log.head && log_at(position) != '\n')
        ++position;
    return position < g_log.head ? position + 1 : position;
}

void log_put(char c) {
    if (g_log.head - g_log.tail == LOG_BUF_LEN)
        g_log.tail = next_line(g_log.tail);  // the oldest line goes, whole
    g_log.ring[g_log.head % LOG_BUF_LEN] = c;
    ++g_log.head;
}

class LogSink final : public FormatSink {
public:
    explicit LogSink(bool to_console) : m_to_console(to_console) {}
    void write(const char* data, size_t length) override {
        if (m_to_console)
            arch::console_write(data, length);
        for (size_t i = 0; i < length; ++i) {
            if (g_log.at_line_start) {
                stamp();
                g_log.at_line_start = false;
            }
            log_put(data[i]);
            if (data[i] == '\n')
                g_log.at_line_start = true;
        }
    }

private:
    static void stamp() {
        uint64_t ns = arch::monotonic_ns() - arch::kernel_entry_ns();
        char prefix[40];
        BufferSink sink(prefix, sizeof prefix - 1);
        format_to(sink, "<{}>[{:>5}.{:06}] ", DEFAULT_MESSAGE_LOGLEVEL, ns / 1000000000, ns / 1000 % 1000000);
        for (size_t i = 0; i < sink.length(); ++i)
            log_put(prefix[i]);
    }
    bool m_to_console;
};

class ConsoleSink final : public FormatSink {
public:
    void write(const char* data, size_t length) override { arch::console_write(data, length); }
};

// Copies [from, to) of the log into `out` (lock held).
void copy_out_locked(uint64_t from, uint64_t to, char* out) {
    for (uint64_t p = from; p < to; ++p)
        out[p - from] = log_at(p);
}

// syslog_print_all: the newest whole lines since the last clear that fit in `length`.
ErrorOr<long> read_all(uint64_t user_buffer, size_t length, bool clear) {
    size_t capacity = length < LOG_BUF_LEN ? length : LOG_BUF_LEN;
    auto buffer = TRY(KernelBuffer::allocate(capacity));
    uint64_t from, to;
    {
        SpinlockGuard guard(g_console_lock);
        to = g_log.head;
        from = g_log.clear_seq > g_log.tail ? g_log.clear_seq : g_log.tail;
        while (to - from > capacity)
            from = next_line(from);
        copy_out_locked(from, to, buffer.data());
        if (clear)
            g_log.clear_seq = to;
    }
    TRY(copy_to_user(user_buffer, buffer.data(), to - from));
    return long(to - from);
}

// syslog_print: waits for bytes not yet read this way, then takes up to `length` of them.
ErrorOr<long> read_new(uint64_t user_buffer, size_t length) {
    auto unread = [] {
        SpinlockGuard guard(g_console_lock);
        return g_log.head > (g_log.read_seq > g_log.tail ? g_log.read_seq : g_log.tail);
    };
    // printk may run with any lock held, so it wakes nobody: the reader looks every tick.
    while (!unread())
        if (!sleep_interruptible_until(arch::monotonic_ns() + 4'000'000, unread))
            return Error::from_errno(ERESTARTSYS);
    size_t capacity = length < LOG_BUF_LEN ? length : LOG_BUF_LEN;
    auto buffer = TRY(KernelBuffer::allocate(capacity));
    uint64_t from, to;
    {
        SpinlockGuard guard(g_console_lock);
        from = g_log.read_seq > g_log.tail ? g_log.read_seq : g_log.tail;
        to = g_log.head - from > capacity ? from + capacity : g_log.head;
        copy_out_locked(from, to, buffer.data());
        g_log.read_seq = to;
    }
    TRY(copy_to_user(user_buffer, buffer.data(), to - from));
    return long(to - from);
}

// syslog(2) (Linux's do_syslog with check_syslog_permissions and dmesg_restrict = 1, Debian's
// setting): every action, even open and close, needs CAP_SYSLOG or CAP_SYS_ADMIN.
ErrorOr<long> sys_syslog(int type, uint64_t buffer, int length) {
    if (!capable(CAP_SYSLOG) && !capable(CAP_SYS_ADMIN))
        return Error::from_errno(EPERM);
    switch (type) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
        return 0;
    case SYSLOG_ACTION_READ:
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR:
        if (!buffer || length < 0)
            return Error::from_errno(EINVAL);
        if (!length)
            return 0;
        if (!is_user_range(buffer, size_t(length)))
            return Error::from_errno(EFAULT);
        if (type == SYSLOG_ACTION_READ)
            return read_new(buffer, size_t(length));
        return read_all(buffer, size_t(length), type == SYSLOG_ACTION_READ_CLEAR);
    case SYSLOG_ACTION_CLEAR: {
        SpinlockGuard guard(g_console_lock);
        g_log.clear_seq = g_log.head;
        return 0;
    }
    case SYSLOG_ACTION_CONSOLE_OFF: {
        SpinlockGuard guard(g_console_lock);
        if (g_log.saved_console_loglevel < 0)
            g_log.saved_console_loglevel = g_log.console_loglevel;
        g_log.console_loglevel = MINIMUM_CONSOLE_LOGLEVEL;
        return 0;
    }
    case SYSLOG_ACTION_CONSOLE_ON: {
        SpinlockGuard guard(g_console_lock);
        if (g_log.saved_console_loglevel >= 0) {
            g_log.console_loglevel = g_log.saved_console_loglevel;
            g_log.saved_console_loglevel = -1;
        }
        return 0;
    }
    case SYSLOG_ACTION_CONSOLE_LEVEL: {
        if (length < 1 || length > 8)
            return Error::from_errno(EINVAL);
        SpinlockGuard guard(g_console_lock);
        g_log.console_loglevel = length < MINIMUM_CONSOLE_LOGLEVEL ? MINIMUM_CONSOLE_LOGLEVEL : length;
        g_log.saved_console_loglevel = -1;  // implicitly on again
        return 0;
    }
    case SYSLOG_ACTION_SIZE_UNREAD: {
        SpinlockGuard guard(g_console_lock);
        uint64_t from = g_log.read_seq > g_log.tail ? g_log.read_seq : g_log.tail;
        return long(g_log.head - from);
    }
    case SYSLOG_ACTION_SIZE_BUFFER:
        return long(LOG_BUF_LEN);
    default:
        return Error::from_errno(EINVAL);
    }
}

}  // namespace

void vprintk(StringView fmt, std::span<const FormatArg> args) {
    // A panic on this CPU while it holds the lock must still get its report out.
    if (g_console_lock.is_locked_by_current_cpu()) {
        ConsoleSink sink;
        vformat(sink, fmt, args);
        return;
    }
    SpinlockGuard guard(g_console_lock);
    LogSink sink(DEFAULT_MESSAGE_LOGLEVEL < g_log.console_loglevel);
    vformat(sink, fmt, args);
}

void console_verbose() { g_log.console_loglevel = 15; }

void register_syslog_syscalls(SyscallTable& table) { table.add<sys_syslog>(__NR_syslog); }

}  // namespace kernel
