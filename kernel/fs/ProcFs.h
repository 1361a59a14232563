#pragma once
// procfs (Linux's fs/proc), mounted with mount("proc", dir, "proc", 0, NULL); each mount is a
// new instance. What it holds so far, each file with Linux 6.1's contents and behaviour:
//
//   meminfo                  MemTotal, MemFree, MemAvailable, SwapTotal, SwapFree, Slab,
//                            SReclaimable, SUnreclaim
//   self, thread-self        symlinks to "<tgid>" and "<tgid>/task/<tid>" of the caller
//   <pid>/                   every process (thread ids are found too, but not listed)
//     comm                   the name (read); write sets it, for the caller's own threads
//     fail-nth               the task's fault-injection counter (Task::m_fail_nth)
//     task/<tid>/            each thread: comm, fail-nth
//
// Everything else Linux has there is absent (ENOENT); proc's mount options (hidepid=, gid=,
// subset=) are EINVAL.
namespace kernel {

// Registers the "proc" file system type (at boot).
void proc_fs_init();

}  // namespace kernel
