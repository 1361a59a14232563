// Power-off through ACPI (the FADT's PM1a control block, S5 = SLP_TYP 0 on QEMU's chipsets) for
// a clean stop, and through QEMU's isa-debug-exit port (0xf4) when a failure status must reach
// the host. We read the FADT rather than hard-coding a port because i440fx and q35 firmware
// place the PM block differently.
#include <arch/Io.h>
#include <arch/Memory.h>
#include <arch/Power.h>

#include "init/BootInfo.h"
#include "lib/Printk.h"

namespace kernel::x86 {
uint64_t acpi_rsdp_hint = 0;  // from the boot loader, when it gives one
}

namespace kernel::arch {

namespace {

bool checksum_ok(const uint8_t* p, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i)
        sum = static_cast<uint8_t>(sum + p[i]);
    return sum == 0;
}

const uint8_t* find_rsdp() {
    auto valid = [](const uint8_t* p) { return __builtin_memcmp(p, "RSD PTR ", 8) == 0 && checksum_ok(p, 20); };
    if (x86::acpi_rsdp_hint) {
        auto* p = static_cast<const uint8_t*>(phys_to_virt(x86::acpi_rsdp_hint));
        if (valid(p))
            return p;
    }
    for (PhysAddr a = 0xe0000; a < 0x100000; a += 16) {
        auto* p = static_cast<const uint8_t*>(phys_to_virt(a));
        if (valid(p))
            return p;
    }
    return nullptr;
}

template <typename T>
T read(const uint8_t* p) {
    T v;
    __builtin_memcpy(&v, p, sizeof(T));
    return v;
}

// The PM1a control port from the FADT ("FACP"), or 0.
uint16_t find_pm1a_control() {
    const uint8_t* rsdp = find_rsdp();
    if (!rsdp)
        return 0;
    uint8_t revision = rsdp[15];
    bool xsdt = revision >= 2 && read<uint64_t>(rsdp + 24) != 0;
    PhysAddr root = xsdt ? read<uint64_t>(rsdp + 24) : read<uint32_t>(rsdp + 16);
    if (!root || root > (uint64_t(4) << 30))
        return 0;
    auto* header = static_cast<const uint8_t*>(phys_to_virt(root));
    uint32_t length = read<uint32_t>(header + 4);
    size_t entry_size = xsdt ? 8 : 4;
    if (length < 36 || length > 65536)
        return 0;
    for (size_t off = 36; off + entry_size <= length; off += entry_size) {
        PhysAddr table = xsdt ? read<uint64_t>(header + off) : read<uint32_t>(header + off);
        if (!table || table > (uint64_t(4) << 30))
            continue;
        auto* t = static_cast<const uint8_t*>(phys_to_virt(table));
        if (__builtin_memcmp(t, "FACP", 4) == 0 && read<uint32_t>(t + 4) >= 68)
            return static_cast<uint16_t>(read<uint32_t>(t + 64));
    }
    return 0;
}

}  // namespace

[[noreturn]] void halt_forever() {
    for (;;)
        asm volatile("cli; hlt");
}

[[noreturn]] void power_off(int status) {
    asm volatile("cli");
    if (status == 0) {
        if (uint16_t port = find_pm1a_control()) {
            x86::outw(port, 1 << 13);  // SLP_EN with SLP_TYP 0: S5 (soft off)
            // QEMU acts on the request asynchronously: give it a moment before concluding
            // that nothing happened.
            uint64_t start = x86::rdtsc();
            while (x86::rdtsc() - start < 5'000'000'000ull)
                asm volatile("pause");
        }
        printk("power_off: ACPI shutdown did not happen\n");
        status = 0x7f;
    }
    x86::outl(0xf4, static_cast<uint32_t>(status));
    halt_forever();
}

}  // namespace kernel::arch
