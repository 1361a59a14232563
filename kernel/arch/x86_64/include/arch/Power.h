#pragma once
// The arch power contract: stop the machine, telling the host how it went.
namespace kernel::arch {
// The status a panic reports (QEMU exits with 99); tools/vmrun knows it.
inline constexpr int PANIC_STATUS = 0x31;

// status 0 powers off cleanly (ACPI S5: QEMU exits 0); non-zero leaves through QEMU's
// isa-debug-exit device so QEMU exits with (status << 1) | 1 — tests can tell a clean stop
// from a panic. Falls back to halting when neither device exists.
[[noreturn]] void power_off(int status);
[[noreturn]] void halt_forever();
}  // namespace kernel::arch
