// COM1, the kernel console: 115200 8N1, polled. Polling keeps panic output working with
// interrupts off and memory in any state.
#include "arch/x86_64/Serial.h"

#include <arch/Io.h>

namespace kernel::x86 {

namespace {
constexpr uint16_t COM1 = 0x3f8;
bool g_serial_ready = false;
}  // namespace

void serial_init() {
    outb(COM1 + 1, 0x00);  // no interrupts
    outb(COM1 + 3, 0x80);  // DLAB on
    outb(COM1 + 0, 0x01);  // divisor 1 -> 115200 baud
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);  // 8N1, DLAB off
    outb(COM1 + 2, 0xC7);  // FIFO on, cleared, 14-byte threshold
    outb(COM1 + 4, 0x03);  // DTR | RTS
    g_serial_ready = true;
}

void serial_write(const char* data, size_t length) {
    if (!g_serial_ready)
        serial_init();
    for (size_t i = 0; i < length; ++i) {
        if (data[i] == '\n')
            serial_write("\r", 1);
        while (!(inb(COM1 + 5) & 0x20))
            asm volatile("pause");
        outb(COM1, static_cast<uint8_t>(data[i]));
    }
}

void serial_write_raw(const char* data, size_t length) {
    if (!g_serial_ready)
        serial_init();
    for (size_t i = 0; i < length; ++i) {
        while (!(inb(COM1 + 5) & 0x20))
            asm volatile("pause");
        outb(COM1, static_cast<uint8_t>(data[i]));
    }
}

bool serial_input_ready() { return g_serial_ready && (inb(COM1 + 5) & 0x01); }

int serial_read_nonblocking() {
    if (!g_serial_ready)
        serial_init();
    if (!(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
}

}  // namespace kernel::x86
