#pragma once
// Tracepoints in Linux's ftrace text format (the lines of /sys/kernel/tracing/trace):
//
//   <comm>-<pid>  [000] .....  12.345678: sched_process_fork: comm=sh pid=7 child_comm=sh child_pid=8
//
// The process-lifecycle events of Linux's sched and task subsystems, kept in a ring buffer.
// Switched on from the kernel command line with Linux's syntax — trace_event=sched:sched_process_fork,task:task_newtask
// (or sched:* / task:*) — or at run time through tracefs (trace/TraceFs.cpp: set_event, the
// events/.../enable files, tracing_on), which also reads the buffer back (`trace`). `tp_printk`
// also prints each event on the console, as Linux's option of that name does.
#include "lib/Format.h"
#include "lib/kstd.h"

namespace kernel::trace {

// In the order Linux 6.1 lists them (available_events, set_event).
enum class Event : uint8_t { TaskNewtask, SchedProcessExec, SchedProcessFork, SchedProcessWait, SchedProcessExit, Count };
inline constexpr size_t EVENT_COUNT = size_t(Event::Count);

StringView event_name(Event event);    // "sched_process_fork"
StringView event_system(Event event);  // "sched"

bool enabled(Event event);
void enable(Event event, bool on);
// Linux's ftrace_set_clr_event: switches every event `spec` names — "system:event", "system:"
// or "system:*" (the whole system), "*:event" or ":event", a bare name (an event or a whole
// system) — on or off. False when it names none (set_event's EINVAL).
bool set_events(StringView spec, bool on);
// Parses trace_event= and tp_printk from the command line.
void configure(StringView trace_event_option, bool tp_printk);

// tracing_on: while off, enabled events are not recorded (Linux's tracer_tracing_off).
bool tracing_on();
void set_tracing_on(bool on);

void emit_formatted(Event event, StringView fmt, std::span<const FormatArg> args);

template <typename... Args>
void emit(Event event, StringView fmt, const Args&... args) {
    if (!enabled(event))
        return;
    const FormatArg packed[] = {make_format_arg(args)...};
    emit_formatted(event, fmt, packed);
}

// The text of tracefs's `trace`: Linux's header (the counts of events held and written), then
// every event in the buffer, oldest first.
void show(FormatSink& out);
// Empties the buffer and its counts (opening `trace` with O_TRUNC for writing).
void clear();
// While `trace` is open for reading, nothing is recorded (Linux's tracing_open stops the
// buffer so the reader sees a stable one).
void reader_opened();
void reader_closed();

}  // namespace kernel::trace
