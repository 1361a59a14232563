// The kernel's page tables. Boot (boot.S) left us 1 GiB identity-mapped and mirrored at -2 GiB
// with 2 MiB pages, all writable and executable. Here we build the real thing:
//   - the image at KERNEL_BASE + phys with 4 KiB pages: text RX, rodata R+NX, data/bss RW+NX;
//   - a direct map of RAM at DIRECT_MAP_BASE (Linux's page_offset_base) with 2 MiB pages, NX;
//   - no identity map, so a null or low pointer dereference in the kernel faults.
#include "arch/x86_64/Paging.h"

#include <arch/Io.h>
#include <arch/Memory.h>

#include "lib/Assert.h"
#include "lib/Printk.h"
#include "mm/PageAllocator.h"

extern "C" char __kernel_start[], __text_end[], __rodata_end[], __data_end[], __kernel_end[];

namespace kernel::x86 {

namespace {

constexpr uint64_t TABLE_FLAGS = PTE_PRESENT | PTE_WRITABLE;  // leaves decide the permissions

constinit PhysAddr g_pml4 = 0;
constinit bool g_direct_map_live = false;
constinit EarlyPageAlloc g_early_alloc = nullptr;

uint64_t* table_virt(PhysAddr phys) {
    if (g_direct_map_live)
        return static_cast<uint64_t*>(arch::phys_to_virt(phys));
    VERIFY(phys < (1ull << 30));  // the boot mapping covers the first GiB
    return reinterpret_cast<uint64_t*>(phys + arch::KERNEL_BASE);
}

PhysAddr alloc_table() {
    PhysAddr phys;
    if (g_early_alloc) {
        phys = g_early_alloc();
    } else {
        phys = MUST(page_allocator().allocate(0));
    }
    __builtin_memset(table_virt(phys), 0, PAGE_SIZE);
    return phys;
}

// The entry for `virt` at the given level (3 = PML4 … 0 = PT), creating tables on the way.
uint64_t& walk_create(VirtAddr virt, int target_level) {
    uint64_t* table = table_virt(g_pml4);
    for (int level = 3; level > target_level; --level) {
        uint64_t& entry = table[(virt >> (12 + 9 * level)) & 511];
        if (!(entry & PTE_PRESENT))
            entry = alloc_table() | TABLE_FLAGS;
        VERIFY(!(entry & PTE_HUGE));  // we never split huge pages here
        table = table_virt(entry & PTE_ADDRESS);
    }
    return table[(virt >> (12 + 9 * target_level)) & 511];
}

void map_4k(VirtAddr virt, PhysAddr phys, uint64_t flags) { walk_create(virt, 0) = phys | flags | PTE_PRESENT; }
void map_2m(VirtAddr virt, PhysAddr phys, uint64_t flags) {
    walk_create(virt, 1) = phys | flags | PTE_PRESENT | PTE_HUGE;
}

void map_image_range(const char* start, const char* end, uint64_t flags) {
    for (auto v = reinterpret_cast<VirtAddr>(start); v < reinterpret_cast<VirtAddr>(end); v += PAGE_SIZE)
        map_4k(v, v - arch::KERNEL_BASE, flags | PTE_GLOBAL);
}

constexpr uint64_t TWO_MIB = 2ull << 20;

}  // namespace

PhysAddr kernel_virt_to_phys(const void* p) { return reinterpret_cast<VirtAddr>(p) - arch::KERNEL_BASE; }
PhysAddr kernel_pml4() { return g_pml4; }

void paging_init(const BootInfo& info, EarlyPageAlloc early_alloc) {
    g_early_alloc = early_alloc;
    g_pml4 = alloc_table();

    map_image_range(__kernel_start, __text_end, 0);                      // RX
    map_image_range(__text_end, __rodata_end, PTE_NX);                   // R
    map_image_range(__rodata_end, __data_end, PTE_WRITABLE | PTE_NX);    // RW
    map_image_range(__data_end, __kernel_end, PTE_NX);                   // .ksyms: R

    // Direct map: every 2 MiB chunk touching RAM or ACPI tables, and the first chunk (BIOS
    // data such as the ACPI RSDP lives below 1 MiB).
    map_2m(arch::DIRECT_MAP_BASE, 0, PTE_WRITABLE | PTE_NX | PTE_GLOBAL);
    for (size_t i = 0; i < info.region_count; ++i) {
        const auto& r = info.regions[i];
        if (r.type != MemoryRegion::Type::Usable && r.type != MemoryRegion::Type::AcpiReclaimable)
            continue;
        for (PhysAddr a = align_down(r.base, TWO_MIB); a < r.base + r.size; a += TWO_MIB) {
            uint64_t& entry = walk_create(arch::DIRECT_MAP_BASE + a, 1);
            if (!(entry & PTE_PRESENT))
                entry = a | PTE_WRITABLE | PTE_NX | PTE_GLOBAL | PTE_PRESENT | PTE_HUGE;
        }
    }

    // Pre-create every kernel-half PML4 entry, so address spaces made later can share the
    // kernel half by copying entries 256..511 once and never need syncing.
    uint64_t* pml4 = table_virt(g_pml4);
    for (int i = 256; i < 512; ++i)
        if (!(pml4[i] & PTE_PRESENT))
            pml4[i] = alloc_table() | TABLE_FLAGS;

    write_cr3(g_pml4);
    // Global pages (the kernel half) survive CR3 switches between address spaces.
    asm volatile("mov %%cr4, %%rax; or $(1 << 7), %%rax; mov %%rax, %%cr4" ::: "rax", "memory");
    g_direct_map_live = true;
    g_early_alloc = nullptr;
}

std::optional<LeafEntry> lookup_kernel_mapping(VirtAddr virt) {
    uint64_t* table = table_virt(g_pml4);
    for (int level = 3; level >= 0; --level) {
        uint64_t entry = table[(virt >> (12 + 9 * level)) & 511];
        if (!(entry & PTE_PRESENT))
            return std::nullopt;
        if (level == 0 || (level <= 2 && (entry & PTE_HUGE)))
            return LeafEntry{entry, uint64_t(1) << (12 + 9 * level)};
        table = table_virt(entry & PTE_ADDRESS);
    }
    return std::nullopt;
}

void* map_mmio(PhysAddr base, size_t size) {
    for (PhysAddr a = align_down(base, PAGE_SIZE); a < base + size; a += PAGE_SIZE) {
        VirtAddr v = arch::DIRECT_MAP_BASE + a;
        map_4k(v, a, PTE_WRITABLE | PTE_NX | PTE_PCD | PTE_PWT);
        asm volatile("invlpg (%0)" ::"r"(v) : "memory");
    }
    return arch::phys_to_virt(base);
}

}  // namespace kernel::x86
