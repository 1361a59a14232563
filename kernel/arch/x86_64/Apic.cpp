// Interrupts and time. We use the local APIC timer rather than PIC+PIT: it is per-CPU (each CPU
// needs its own tick once SMP comes), and the legacy PIC cannot deliver to other CPUs. The PIT
// is used once, at boot, as the reference to measure the APIC timer and TSC frequencies.
// The monotonic clock is the TSC scaled to nanoseconds: no locking, no interrupts needed.
#include "arch/x86_64/Apic.h"

#include <arch/Io.h>
#include <arch/Time.h>

#include "arch/x86_64/Paging.h"
#include "arch/x86_64/Traps.h"
#include "debug/Watchdog.h"
#include "lib/Printk.h"
#include "task/Scheduler.h"

namespace kernel::x86 {

namespace {

constexpr uint32_t APIC_ID = 0x20, APIC_TPR = 0x80, APIC_EOI = 0xb0, APIC_SVR = 0xf0, APIC_LVT_TIMER = 0x320,
                   APIC_TIMER_INITIAL = 0x380, APIC_TIMER_CURRENT = 0x390, APIC_TIMER_DIVIDE = 0x3e0;
constexpr uint32_t PIT_HZ = 1193182;
constexpr uint32_t CALIBRATION_MS = 10;

constinit volatile uint32_t* g_apic = nullptr;
constinit uint64_t g_tsc_hz = 0;
// ns = tsc * g_ns_mult >> 32, precomputed so reading the clock needs no division.
constinit uint64_t g_ns_mult = 0;

uint32_t apic_read(uint32_t reg) { return g_apic[reg / 4]; }
void apic_write(uint32_t reg, uint32_t value) { g_apic[reg / 4] = value; }

void mask_legacy_pic() {
    // Remap first (so a stray interrupt cannot look like an exception), then mask everything.
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0xf0);
    outb(0xa1, 0xf8);
    outb(0x21, 4);
    outb(0xa1, 2);
    outb(0x21, 1);
    outb(0xa1, 1);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

void timer_interrupt(arch::TrapFrame& frame) {
    apic_eoi();
    scheduler_tick();
    watchdog_tick(frame.rip, frame.rbp, frame.from_user());
}

void spurious_interrupt(arch::TrapFrame&) {}  // no EOI for spurious interrupts, by the spec

}  // namespace

uint64_t tsc_hz() { return g_tsc_hz; }
uint64_t tsc_to_ns(uint64_t tsc) { return static_cast<uint64_t>((static_cast<unsigned __int128>(tsc) * g_ns_mult) >> 32); }
void apic_eoi() { apic_write(APIC_EOI, 0); }

void apic_init() {
    mask_legacy_pic();

    uint64_t base_msr = rdmsr(0x1b);
    PhysAddr base = base_msr & 0xffffff000ull;
    wrmsr(0x1b, base_msr | (1 << 11));  // global enable
    g_apic = static_cast<volatile uint32_t*>(map_mmio(base, PAGE_SIZE));
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, 0x100 | SPURIOUS_VECTOR);

    // Measure TSC and APIC-timer rates over CALIBRATION_MS of PIT channel 2 (mode 0, gate on).
    apic_write(APIC_TIMER_DIVIDE, 0x3);  // divide by 16
    apic_write(APIC_LVT_TIMER, 1 << 16);  // masked
    uint32_t pit_count = PIT_HZ * CALIBRATION_MS / 1000;
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);
    outb(0x42, pit_count & 0xff);
    outb(0x42, pit_count >> 8);
    uint8_t gate = inb(0x61) & ~0x01;
    outb(0x61, gate);
    outb(0x61, gate | 1);
    apic_write(APIC_TIMER_INITIAL, 0xffffffff);
    uint64_t tsc0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        asm volatile("pause");
    uint64_t tsc1 = rdtsc();
    uint32_t apic_elapsed = 0xffffffff - apic_read(APIC_TIMER_CURRENT);
    apic_write(APIC_TIMER_INITIAL, 0);

    g_tsc_hz = (tsc1 - tsc0) * 1000 / CALIBRATION_MS;
    g_ns_mult = (1000000000ull << 32) / g_tsc_hz;  // 1e9 << 32 still fits in 64 bits
    uint64_t apic_hz = uint64_t(apic_elapsed) * 1000 / CALIBRATION_MS;

    register_interrupt_handler(TIMER_VECTOR, timer_interrupt);
    register_interrupt_handler(SPURIOUS_VECTOR, spurious_interrupt);
    apic_write(APIC_LVT_TIMER, TIMER_VECTOR | (1 << 17));  // periodic
    apic_write(APIC_TIMER_INITIAL, static_cast<uint32_t>(apic_hz / HZ));
    printk("apic: TSC {} MHz, APIC timer {} kHz, tick {} Hz\n", g_tsc_hz / 1000000, apic_hz / 1000, HZ);
}

}  // namespace kernel::x86

namespace kernel::arch {
uint64_t monotonic_ns() { return x86::tsc_to_ns(x86::rdtsc()); }
}  // namespace kernel::arch
