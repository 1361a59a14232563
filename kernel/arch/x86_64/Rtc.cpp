// CLOCK_REALTIME: the CMOS real-time clock, read once at boot (to the second), then advanced by
// the monotonic clock. QEMU's RTC follows the host's UTC time by default.
#include <arch/Io.h>
#include <arch/Time.h>

namespace kernel::x86 {

namespace {

uint8_t cmos_read(uint8_t reg);

}  // namespace

constinit uint64_t g_boot_epoch_ns = 0;  // realtime at monotonic time g_boot_monotonic_ns
constinit uint64_t g_boot_monotonic_ns = 0;

namespace {

uint8_t cmos_read(uint8_t reg) {
    outb(0x70, reg);
    return inb(0x71);
}

// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = static_cast<unsigned>(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

void rtc_init() {
    // Wait for the end of an update so we do not read a half-changed time.
    while (cmos_read(0x0a) & 0x80)
        asm volatile("pause");
    uint8_t sec = cmos_read(0x00), min = cmos_read(0x02), hour = cmos_read(0x04);
    uint8_t day = cmos_read(0x07), month = cmos_read(0x08), year = cmos_read(0x09);
    uint8_t century = cmos_read(0x32);
    uint8_t status_b = cmos_read(0x0b);
    auto bcd = [&](uint8_t v) -> unsigned { return (status_b & 0x04) ? v : (v & 0x0f) + (v >> 4) * 10; };
    bool pm = !(status_b & 0x02) && (hour & 0x80);
    unsigned h = bcd(hour & 0x7f);
    if (!(status_b & 0x02))
        h = (h % 12) + (pm ? 12 : 0);
    unsigned full_year = bcd(year) + (century ? bcd(century) * 100 : 2000);
    int64_t days = days_from_civil(full_year, bcd(month), bcd(day));
    int64_t seconds = days * 86400 + h * 3600 + bcd(min) * 60 + bcd(sec);
    g_boot_monotonic_ns = arch::monotonic_ns();
    g_boot_epoch_ns = static_cast<uint64_t>(seconds) * 1000000000ull;
}

}  // namespace kernel::x86

namespace kernel::arch {
uint64_t realtime_ns() { return x86::g_boot_epoch_ns + (monotonic_ns() - x86::g_boot_monotonic_ns); }
void set_realtime_ns(uint64_t ns) { x86::g_boot_epoch_ns = ns - (monotonic_ns() - x86::g_boot_monotonic_ns); }
}  // namespace kernel::arch
