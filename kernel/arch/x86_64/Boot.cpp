// From the PVH entry (boot.S) to kernel_main: translate the loader's hvm_start_info into a
// BootInfo, bring up the console, page tables, descriptors, memory and interrupts — in the
// order each depends on the previous.
#include <arch/Console.h>
#include <arch/Io.h>
#include <arch/Memory.h>
#include <arch/Power.h>

#include "arch/x86_64/Apic.h"
#include "arch/x86_64/Descriptors.h"
#include "arch/x86_64/Paging.h"
#include "arch/x86_64/Serial.h"
#include "init/BootInfo.h"
#include "init/Init.h"
#include "lib/Printk.h"

extern "C" char __kernel_start[], __kernel_end[], __bss_start[], __bss_end[];
extern "C" void (*__init_array_start[])(), (*__init_array_end[])();

namespace kernel::x86 {
extern uint64_t acpi_rsdp_hint;
void rtc_init();
void user_mode_init();
}

namespace kernel::x86 {
namespace {
constinit uint64_t g_entry_tsc = 0;
}
}  // namespace kernel::x86

namespace kernel::arch {
uint64_t kernel_entry_ns() { return x86::tsc_to_ns(x86::g_entry_tsc); }
void console_write(const char* data, size_t length) { x86::serial_write(data, length); }
void console_write_raw(const char* data, size_t length) { x86::serial_write_raw(data, length); }
int console_read_nonblocking() { return x86::serial_read_nonblocking(); }
bool console_input_ready() { return x86::serial_input_ready(); }
}  // namespace kernel::arch

namespace kernel::x86 {

namespace {

// Xen's PVH start-of-day structures (xen/include/public/arch-x86/hvm/start_info.h).
struct HvmStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;  // version >= 1
    uint32_t memmap_entries;
    uint32_t reserved;
};
struct HvmModlistEntry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};
struct HvmMemmapEntry {
    uint64_t addr, size;
    uint32_t type, reserved;
};
constexpr uint32_t HVM_START_MAGIC = 0x336ec578;

// Before our page tables exist, the first GiB is reachable at KERNEL_BASE + phys.
template <typename T>
const T* early_phys(PhysAddr p) {
    return reinterpret_cast<const T*>(p + arch::KERNEL_BASE);
}

void parse_start_info(uint32_t start_info_phys, BootInfo& info) {
    auto* si = early_phys<HvmStartInfo>(start_info_phys);
    if (si->magic != HVM_START_MAGIC) {
        printk("boot: bad hvm_start_info magic {:#x}\n", si->magic);
        arch::power_off(1);
    }
    if (si->cmdline_paddr) {
        auto* s = early_phys<char>(si->cmdline_paddr);
        size_t n = 0;
        while (s[n] && n + 1 < sizeof(info.command_line)) {
            info.command_line[n] = s[n];
            ++n;
        }
        info.command_line[n] = 0;
    }
    if (si->nr_modules > 0 && si->modlist_paddr) {
        auto* mod = early_phys<HvmModlistEntry>(si->modlist_paddr);
        info.initrd_base = mod->paddr;
        info.initrd_size = mod->size;
    }
    acpi_rsdp_hint = si->rsdp_paddr;
    if (si->version < 1 || !si->memmap_paddr) {
        printk("boot: the loader gave no memory map (PVH start_info version {})\n", si->version);
        arch::power_off(1);
    }
    auto* map = early_phys<HvmMemmapEntry>(si->memmap_paddr);
    for (uint32_t i = 0; i < si->memmap_entries && info.region_count < BootInfo::MAX_REGIONS; ++i) {
        uint32_t type = map[i].type;
        info.regions[info.region_count++] = {map[i].addr, map[i].size,
                                             type >= 1 && type <= 5 ? MemoryRegion::Type(type) : MemoryRegion::Type::Reserved};
    }
}

// Page-table pages before the page allocator exists: bump-allocated from usable RAM just above
// the kernel image (and the initrd), inside the first GiB. init_memory() reserves what was used.
constinit PhysAddr g_early_next = 0;
constinit PhysAddr g_early_limit = 0;

PhysAddr early_alloc_page() {
    if (g_early_next + PAGE_SIZE > g_early_limit) {
        printk("boot: out of early memory\n");
        arch::power_off(1);
    }
    PhysAddr p = g_early_next;
    g_early_next += PAGE_SIZE;
    return p;
}

void setup_early_allocator(const BootInfo& info) {
    // The first stretch of usable RAM above the kernel image, below 1 GiB, and clear of the
    // initrd (QEMU puts the initrd near the top of low memory).
    PhysAddr kernel_end = kernel_virt_to_phys(__kernel_end);
    PhysAddr initrd_begin = align_down(info.initrd_base, PAGE_SIZE);
    PhysAddr initrd_end = align_up(info.initrd_base + info.initrd_size, PAGE_SIZE);
    for (size_t i = 0; i < info.region_count; ++i) {
        const auto& r = info.regions[i];
        if (r.type != MemoryRegion::Type::Usable)
            continue;
        PhysAddr begin = align_up(r.base > kernel_end ? r.base : kernel_end, PAGE_SIZE);
        PhysAddr end = align_down(r.base + r.size, PAGE_SIZE);
        if (end > (1ull << 30))
            end = 1ull << 30;
        // Two candidate pieces: below the initrd and above it.
        PhysAddr pieces[2][2] = {{begin, end}, {0, 0}};
        if (info.initrd_size && initrd_begin < end && initrd_end > begin) {
            pieces[0][1] = initrd_begin > begin ? initrd_begin : begin;
            pieces[1][0] = initrd_end;
            pieces[1][1] = end;
        }
        for (auto& piece : pieces) {
            if (piece[1] > piece[0] && piece[1] - piece[0] >= 64 * PAGE_SIZE) {
                g_early_next = piece[0];
                g_early_limit = piece[1];
                return;
            }
        }
    }
    printk("boot: no usable memory for page tables\n");
    arch::power_off(1);
}

}  // namespace

extern "C" [[noreturn]] void kernel_entry(uint32_t start_info_phys) {
    uint64_t entry_tsc = rdtsc();
    serial_init();
    g_entry_tsc = entry_tsc;
    BootInfo& info = boot_info();
    parse_start_info(start_info_phys, info);

    setup_early_allocator(info);
    PhysAddr early_begin = g_early_next;
    paging_init(info, early_alloc_page);
    descriptors_init();
    user_mode_init();

    // The kernel's memory: everything usable except what the image, the initrd and the early
    // page tables occupy.
    PhysAddr reserved[][2] = {
        {kernel_virt_to_phys(__kernel_start), kernel_virt_to_phys(__kernel_end)},
        {info.initrd_base, info.initrd_base + info.initrd_size},
        {early_begin, g_early_next},
    };
    mm_init(info, reserved, 3);

    // Global constructors: we prefer constinit, but run .init_array for anything that slips in.
    for (auto* ctor = __init_array_start; ctor != __init_array_end; ++ctor)
        (*ctor)();

    apic_init();
    rtc_init();
    kernel_main();
}

}  // namespace kernel::x86
