#pragma once
// /proc/cpuinfo's text for the CPU we run on (Linux's arch/x86/kernel/cpu/proc.c show_cpuinfo),
// from CPUID.
#include "lib/Format.h"

namespace kernel::arch {

void show_cpuinfo(FormatSink& out);

}  // namespace kernel::arch
