// Boot-time memory setup, generic part: size the Page array from the memory map, place it in
// RAM nobody else uses, and hand the rest of usable RAM to the buddy allocator.
#include <arch/Memory.h>

#include "init/Init.h"
#include "lib/Printk.h"
#include "mm/PageAllocator.h"

namespace kernel {

namespace {

constexpr PhysAddr LOW_MEMORY_END = 0x100000;  // below 1 MiB: firmware and legacy areas, never used

bool overlaps(PhysAddr a0, PhysAddr a1, PhysAddr b0, PhysAddr b1) { return a0 < b1 && b0 < a1; }

}  // namespace

void mm_init(const BootInfo& info, const PhysAddr (*reserved)[2], size_t reserved_count) {
    PhysAddr top = 0;
    uint64_t usable_bytes = 0;
    for (size_t i = 0; i < info.region_count; ++i) {
        const auto& r = info.regions[i];
        if (r.type != MemoryRegion::Type::Usable)
            continue;
        usable_bytes += r.size;
        if (r.base + r.size > top)
            top = r.base + r.size;
    }
    size_t page_count = align_up(top, PAGE_SIZE) >> PAGE_SHIFT;
    size_t array_bytes = align_up(page_count * sizeof(Page), PAGE_SIZE);

    // The Page array goes in the first usable stretch, above 1 MiB, that is big enough and
    // clear of every reserved range.
    PhysAddr array_phys = 0;
    for (size_t i = 0; i < info.region_count && !array_phys; ++i) {
        const auto& r = info.regions[i];
        if (r.type != MemoryRegion::Type::Usable)
            continue;
        PhysAddr candidate = align_up(r.base > LOW_MEMORY_END ? r.base : LOW_MEMORY_END, PAGE_SIZE);
        while (candidate + array_bytes <= r.base + r.size) {
            bool clash = false;
            for (size_t k = 0; k < reserved_count; ++k) {
                if (reserved[k][1] > reserved[k][0] &&
                    overlaps(candidate, candidate + array_bytes, reserved[k][0], reserved[k][1])) {
                    candidate = align_up(reserved[k][1], PAGE_SIZE);
                    clash = true;
                }
            }
            if (!clash) {
                array_phys = candidate;
                break;
            }
        }
    }
    if (!array_phys)
        PANIC("mm_init: no room for the page array");

    auto* pages = static_cast<Page*>(arch::phys_to_virt(array_phys));
    auto& allocator = page_allocator();
    allocator.init(pages, page_count);
    for (size_t i = 0; i < info.region_count; ++i) {
        const auto& r = info.regions[i];
        if (r.type == MemoryRegion::Type::Usable)
            allocator.add_free_range(r.base, r.base + r.size);
    }
    allocator.reserve_range(0, LOW_MEMORY_END);
    allocator.reserve_range(array_phys, array_phys + array_bytes);
    for (size_t k = 0; k < reserved_count; ++k)
        if (reserved[k][1] > reserved[k][0])
            allocator.reserve_range(reserved[k][0], reserved[k][1]);

    printk("mm: {} MiB usable RAM, highest address {:#x}; {} pages free after the kernel took {} KiB\n",
           usable_bytes >> 20, top, allocator.free_pages(),
           ((usable_bytes >> PAGE_SHIFT) - allocator.free_pages()) * PAGE_SIZE / 1024);
}

}  // namespace kernel
