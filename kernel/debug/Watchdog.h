#pragma once
// The fuzzer's kernel side (docs/reliability.md): a hang watchdog, a report of every task's
// state and kernel stack (Linux's show_state, SysRq-T), and the invariant counters that
// /proc/sprout-counters shows.
#include "lib/Format.h"
#include "lib/kstd.h"

namespace kernel {

// Counted at each system call's entry: the watchdog's progress.
void note_syscall_progress();

// Arms the watchdog (0 disarms it): from the timer tick, when no system call has entered for
// `seconds` seconds while it is armed, it prints the interrupted code's backtrace and
// show_state(), once until calls resume. Off at boot.
void watchdog_set(unsigned seconds);
// A heartbeat: from the first one on, the watchdog measures progress in heartbeats instead of
// system calls (a fuzzer beats once an iteration, so a livelock of system calls is a hang too).
void watchdog_beat();
// From the timer interrupt, with the interrupted registers.
void watchdog_tick(uint64_t rip, uint64_t rbp, bool from_user);

// Every task: tid, name, state, exit state, whether queued, and its kernel stack's backtrace
// from the registers it was switched out with. Takes no lock.
void show_state();

// The counters a fuzzing run must find back at their baseline once all its processes are
// reaped, one "name value" per line: free pages, slab objects and pages per cache, kmalloc
// objects and pages, page-cache and shared-memory pages, tasks, pids.
void format_invariant_counters(FormatSink& out);

}  // namespace kernel
