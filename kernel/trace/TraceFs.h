#pragma once
// tracefs (Linux's fs/tracefs with the files of kernel/trace/trace.c and trace_events.c),
// mounted with mount("nodev", dir, "tracefs", 0, NULL); every mount shows the one instance.
// What it holds, with Linux 6.1's behaviour for each file:
//
//   trace                   the buffer as text (trace::show); O_TRUNC for writing empties it;
//                           while it is open for reading nothing is recorded
//   tracing_on              1 or 0: recording on or off
//   set_event               the enabled events, "system:event" a line; a write switches the
//                           events one word names on ("!word": off); O_TRUNC switches all off
//   available_events        every event, "system:event" a line
//   events/enable           1, 0, or X (some): all events; writing 1 or 0 switches them all
//   events/<system>/enable  the same for one system (sched, task)
//   events/<system>/<event>/enable   1 or 0 for one event
//
// Everything else Linux has there is absent (trace_pipe, tracers, filters, triggers...).
// Mount options: mode=, uid=, gid= apply to the root; others are ignored, as Linux's.
namespace kernel {

// Registers the "tracefs" file system type (at boot).
void trace_fs_init();

}  // namespace kernel
