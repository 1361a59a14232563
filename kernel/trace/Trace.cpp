#include "trace/Trace.h"

#include <arch/Time.h>

#include "lib/Printk.h"
#include "lib/Spinlock.h"
#include "task/Scheduler.h"

namespace kernel::trace {

namespace {

struct EventInfo {
    StringView system;
    StringView name;
};
constexpr EventInfo EVENTS[EVENT_COUNT] = {
    {"task", "task_newtask"},          {"sched", "sched_process_exec"}, {"sched", "sched_process_fork"},
    {"sched", "sched_process_wait"},   {"sched", "sched_process_exit"},
};

constinit std::atomic<bool> g_enabled[EVENT_COUNT] = {};
constinit std::atomic<bool> g_tracing_on{true};
constinit std::atomic<int> g_readers{0};
constinit bool g_tp_printk = false;

// The ring buffer: whole text lines, one per event. When a new line does not fit, the oldest
// lines make room and count as overrun (ftrace's default "overwrite" mode), so the header's
// entries-written is what is held plus what was overwritten, as Linux counts it.
constexpr size_t BUFFER_SIZE = 64 * 1024;
constexpr size_t LINE_SIZE = 256;
constinit char g_buffer[BUFFER_SIZE] = {};
constinit size_t g_tail = 0;     // the oldest byte
constinit size_t g_used = 0;     // bytes held
constinit size_t g_entries = 0;  // lines held
constinit uint64_t g_overrun = 0;
constinit Spinlock g_lock;

void drop_oldest_locked() {
    size_t n = 0;
    while (n < g_used && g_buffer[(g_tail + n) % BUFFER_SIZE] != '\n')
        ++n;
    n = n < g_used ? n + 1 : g_used;
    g_tail = (g_tail + n) % BUFFER_SIZE;
    g_used -= n;
    --g_entries;
    ++g_overrun;
}

void append_locked(const char* data, size_t n) {
    while (BUFFER_SIZE - g_used < n)
        drop_oldest_locked();
    for (size_t i = 0; i < n; ++i)
        g_buffer[(g_tail + g_used + i) % BUFFER_SIZE] = data[i];
    g_used += n;
    ++g_entries;
}

}  // namespace

StringView event_name(Event event) { return EVENTS[size_t(event)].name; }
StringView event_system(Event event) { return EVENTS[size_t(event)].system; }

bool enabled(Event event) { return g_enabled[size_t(event)].load(std::memory_order_relaxed); }
void enable(Event event, bool on) { g_enabled[size_t(event)].store(on); }

bool set_events(StringView spec, bool on) {
    // ftrace_set_clr_event's split: with a colon, the system before it and the event after it,
    // each empty or "*" meaning any; without one, a name matching an event or a system.
    StringView match, system, name;
    size_t colon = spec.find(':');
    if (colon == StringView::npos) {
        match = spec;
    } else {
        system = StringView(spec.data(), colon);
        name = StringView(spec.data() + colon + 1, spec.size() - colon - 1);
        if (system == "*")
            system = {};
        if (name == "*")
            name = {};
    }
    bool any = false;
    for (size_t e = 0; e < EVENT_COUNT; ++e) {
        if (!match.empty() && match != EVENTS[e].name && match != EVENTS[e].system)
            continue;
        if (!system.empty() && system != EVENTS[e].system)
            continue;
        if (!name.empty() && name != EVENTS[e].name)
            continue;
        g_enabled[e].store(on);
        any = true;
    }
    return any;
}

void configure(StringView option, bool tp_printk) {
    g_tp_printk = tp_printk;
    while (!option.empty()) {
        size_t comma = option.find(',');
        size_t length = comma == StringView::npos ? option.size() : comma;
        if (length)
            set_events(StringView(option.data(), length), true);
        option.remove_prefix(comma == StringView::npos ? length : length + 1);
    }
}

bool tracing_on() { return g_tracing_on.load(std::memory_order_relaxed); }
void set_tracing_on(bool on) { g_tracing_on.store(on); }

void emit_formatted(Event event, StringView fmt, std::span<const FormatArg> args) {
    if (!tracing_on() || g_readers.load(std::memory_order_relaxed))
        return;
    char line[LINE_SIZE];
    BufferSink sink(line, sizeof(line) - 1);  // room for the newline after a truncated line
    Task* task = current();
    uint64_t ns = arch::monotonic_ns();
    // The header as ftrace prints it: comm right-aligned in 16 columns, the pid, the CPU,
    // the latency flags (none set: "....."), seconds.microseconds.
    format_to(sink, "{:>16}-{:<7} [000] ..... {:>5}.{:06}: {}: ", StringView(task->m_comm), task->m_tid,
              ns / 1000000000, ns / 1000 % 1000000, event_name(event));
    vformat(sink, fmt, args);
    size_t length = sink.length();
    line[length++] = '\n';
    {
        SpinlockGuard guard(g_lock);
        append_locked(line, length);
    }
    if (g_tp_printk)
        printk("{}", StringView(line, length));
}

void show(FormatSink& out) {
    SpinlockGuard guard(g_lock);
    // print_trace_header for the nop tracer, then print_func_help_header_irq; one CPU.
    format_to(out,
              "# tracer: nop\n"
              "#\n"
              "# entries-in-buffer/entries-written: {}/{}   #P:1\n"
              "#\n"
              "#                                _-----=> irqs-off/BH-disabled\n"
              "#                               / _----=> need-resched\n"
              "#                              | / _---=> hardirq/softirq\n"
              "#                              || / _--=> preempt-depth\n"
              "#                              ||| / _-=> migrate-disable\n"
              "#                              |||| /     delay\n"
              "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
              "#              | |         |   |||||     |         |\n",
              g_entries, g_entries + g_overrun);
    size_t first = BUFFER_SIZE - g_tail < g_used ? BUFFER_SIZE - g_tail : g_used;
    out.write(g_buffer + g_tail, first);
    out.write(g_buffer, g_used - first);
}

void clear() {
    SpinlockGuard guard(g_lock);
    g_tail = g_used = g_entries = 0;
    g_overrun = 0;
}

void reader_opened() { g_readers.fetch_add(1); }
void reader_closed() { g_readers.fetch_sub(1); }

}  // namespace kernel::trace
