#include "trace/Trace.h"

#include <arch/Time.h>

#include "lib/Printk.h"
#include "lib/Spinlock.h"
#include "task/Scheduler.h"

namespace kernel::trace {

namespace {

constexpr const char* EVENT_NAMES[] = {"sched_process_fork", "task_newtask", "sched_process_exec",
                                       "sched_process_exit", "sched_process_wait"};
constexpr const char* EVENT_SYSTEMS[] = {"sched", "task", "sched", "sched", "sched"};
constexpr size_t EVENT_COUNT = size_t(Event::Count);

constinit std::atomic<bool> g_enabled[EVENT_COUNT] = {};
constinit bool g_tp_printk = false;

// The ring buffer: text lines; when full, the oldest lines are overwritten (ftrace's default
// "overwrite" mode).
constexpr size_t BUFFER_SIZE = 64 * 1024;
constinit char g_buffer[BUFFER_SIZE] = {};
constinit size_t g_head = 0;   // next write position
constinit size_t g_used = 0;   // bytes of valid text
constinit Spinlock g_lock;

void append_locked(const char* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        g_buffer[g_head] = data[i];
        g_head = (g_head + 1) % BUFFER_SIZE;
    }
    g_used = g_used + n > BUFFER_SIZE ? BUFFER_SIZE : g_used + n;
}

}  // namespace

bool enabled(Event event) { return g_enabled[size_t(event)].load(std::memory_order_relaxed); }
void enable(Event event, bool on) { g_enabled[size_t(event)].store(on); }

void configure(StringView option, bool tp_printk) {
    g_tp_printk = tp_printk;
    size_t i = 0;
    while (i < option.size()) {
        size_t comma = option.find(',', i);
        if (comma == StringView::npos)
            comma = option.size();
        StringView item(option.data() + i, comma - i);
        // "system:event", "system:*" or a bare "event".
        size_t colon = item.find(':');
        StringView system = colon == StringView::npos ? StringView() : StringView(item.data(), colon);
        StringView name = colon == StringView::npos ? item : StringView(item.data() + colon + 1, item.size() - colon - 1);
        for (size_t e = 0; e < EVENT_COUNT; ++e) {
            bool system_ok = system.empty() || system == EVENT_SYSTEMS[e];
            bool name_ok = name == "*" || name == EVENT_NAMES[e];
            if (system_ok && name_ok)
                g_enabled[e].store(true);
        }
        i = comma + 1;
    }
}

void emit_formatted(Event event, StringView fmt, std::span<const FormatArg> args) {
    char line[256];
    BufferSink sink(line, sizeof(line));
    Task* task = current();
    uint64_t ns = arch::monotonic_ns();
    // The header as ftrace prints it: comm right-aligned in 16 columns, the pid, the CPU,
    // the latency flags (none set: "....."), seconds.microseconds.
    format_to(sink, "{:>16}-{:<7} [000] ..... {:>5}.{:06}: {}: ", StringView(task->m_comm), task->m_tid,
              ns / 1000000000, ns / 1000 % 1000000, EVENT_NAMES[size_t(event)]);
    vformat(sink, fmt, args);
    sink.write("\n", 1);
    {
        SpinlockGuard guard(g_lock);
        append_locked(line, sink.length());
    }
    if (g_tp_printk)
        printk("{}", StringView(line, sink.length()));
}

size_t read(char* out, size_t size, size_t offset) {
    SpinlockGuard guard(g_lock);
    size_t start = (g_head + BUFFER_SIZE - g_used) % BUFFER_SIZE;
    size_t n = 0;
    for (size_t i = offset; i < g_used && n < size; ++i)
        out[n++] = g_buffer[(start + i) % BUFFER_SIZE];
    return n;
}

}  // namespace kernel::trace
