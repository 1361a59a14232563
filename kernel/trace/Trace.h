#pragma once
// Tracepoints in Linux's ftrace text format (the lines of /sys/kernel/tracing/trace):
//
//   <comm>-<pid>  [000] .....  12.345678: sched_process_fork: comm=sh pid=7 child_comm=sh child_pid=8
//
// The process-lifecycle events of Linux's sched and task subsystems. Switched on from the
// kernel command line with Linux's syntax — trace_event=sched:sched_process_fork,task:task_newtask
// (or sched:* / task:*) — and kept in a ring buffer; `tp_printk` also prints each event on the
// console, as Linux's option of that name does. tracefs (reading the buffer from user space)
// comes with the procfs issue.
#include "lib/Format.h"
#include "lib/kstd.h"

namespace kernel::trace {

enum class Event : uint8_t { SchedProcessFork, TaskNewtask, SchedProcessExec, SchedProcessExit, SchedProcessWait, Count };

bool enabled(Event event);
void enable(Event event, bool on);
// Parses trace_event= and tp_printk from the command line.
void configure(StringView trace_event_option, bool tp_printk);

void emit_formatted(Event event, StringView fmt, std::span<const FormatArg> args);

template <typename... Args>
void emit(Event event, StringView fmt, const Args&... args) {
    if (!enabled(event))
        return;
    const FormatArg packed[] = {make_format_arg(args)...};
    emit_formatted(event, fmt, packed);
}

// Copies up to `size` bytes of the buffer's text starting at `offset` (oldest first).
size_t read(char* buffer, size_t size, size_t offset);

}  // namespace kernel::trace
