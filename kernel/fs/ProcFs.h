#pragma once
// procfs (Linux's fs/proc), mounted with mount("proc", dir, "proc", 0, NULL); each mount is a
// new instance. Each file has Linux 6.1's contents and behaviour; docs/filesystems.md lists
// them and what is simplified:
//
//   meminfo, uptime, loadavg, stat        here
//   cpuinfo, sys/kernel/                  fs/ProcSysFiles.cpp
//   self, thread-self, mounts             links to "<tgid>", "<tgid>/task/<tid>", "self/mounts"
//   <pid>/, <pid>/task/<tid>/             every process (thread ids are found too, not listed):
//     comm, fail-nth, stat, cmdline, ns/, uid_map, gid_map, setgroups      here
//     status, statm, limits, maps, environ, fd/, fdinfo/, exe, cwd, root,  fs/ProcPidFiles.cpp
//     mounts
//
// Everything else Linux has there is absent (ENOENT); proc's mount options (hidepid=, gid=,
// subset=) are EINVAL.
namespace kernel {

// Registers the "proc" file system type (at boot).
void proc_fs_init();

}  // namespace kernel
