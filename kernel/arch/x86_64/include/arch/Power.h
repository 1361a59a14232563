#pragma once
// The arch power contract: stop the machine, telling the host how it went.
namespace kernel::arch {
// status 0 powers off cleanly (ACPI S5: QEMU exits 0); non-zero leaves through QEMU's
// isa-debug-exit device so QEMU exits with (status << 1) | 1 — tests can tell a clean stop
// from a panic. Falls back to halting when neither device exists.
[[noreturn]] void power_off(int status);
[[noreturn]] void halt_forever();
}  // namespace kernel::arch
