#pragma once
// procfs's system-wide files beyond the first ones (fs/ProcFs.cpp has meminfo, uptime,
// loadavg, stat):
//
//   cpuinfo          arch/x86/kernel/cpu/proc.c show_cpuinfo (arch/CpuInfo.h)
//   sys/kernel/      kernel/sysctl.c and kernel/utsname_sysctl.c: pid_max, threads-max,
//                    tainted, hostname, domainname, ostype, osrelease
#include "fs/PseudoFs.h"

namespace kernel {

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_cpuinfo(FileSystem& fs, uint64_t ino, PseudoInode& parent);
// /proc/sys; its own inodes are numbered from 0x100 up.
ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_sys_dir(FileSystem& fs, uint64_t ino, PseudoInode& parent);

}  // namespace kernel
