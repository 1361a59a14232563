#include "fs/PageMap.h"

#include <arch/Memory.h>

#include "mm/PageAllocator.h"
#include "mm/Vma.h"

namespace kernel {

namespace {
constinit std::atomic<size_t> g_total_pages{0};

ErrorOr<PhysAddr> allocate_zeroed_page() {
    PhysAddr page = TRY(page_allocator().allocate(0));
    __builtin_memset(arch::phys_to_virt(page), 0, PAGE_SIZE);
    return page;
}
}  // namespace

uint64_t* PageMap::entries(PhysAddr node) { return static_cast<uint64_t*>(arch::phys_to_virt(node)); }

PhysAddr PageMap::lookup_frame(uint64_t index) const {
    if (!m_root || (m_height < MAX_HEIGHT && (index >> (BITS * m_height))))
        return 0;
    PhysAddr node = m_root;
    for (unsigned height = m_height; height > 1; --height) {
        node = entries(node)[(index >> (BITS * (height - 1))) & (FANOUT - 1)];
        if (!node)
            return 0;
    }
    return entries(node)[index & (FANOUT - 1)];
}

size_t PageMap::total_pages() { return g_total_pages.load(std::memory_order_relaxed); }

uint8_t* PageMap::lookup(uint64_t index) const {
    PhysAddr frame = lookup_frame(index);
    return frame ? static_cast<uint8_t*>(arch::phys_to_virt(frame)) : nullptr;
}

ErrorOr<uint8_t*> PageMap::get_or_create(uint64_t index) {
    VERIFY(!(index >> (BITS * MAX_HEIGHT)));
    if (uint8_t* page = lookup(index))
        return page;
    auto result = insert(index);
    if (result.is_error())
        trim();  // drop the nodes made for a page that never came
    return result;
}

ErrorOr<uint8_t*> PageMap::insert(uint64_t index) {
    // Grow upwards until the root covers `index`: the old root becomes entry 0 of a new one.
    while (!m_root || (m_height < MAX_HEIGHT && (index >> (BITS * m_height)))) {
        PhysAddr node = TRY(allocate_zeroed_page());
        if (m_root)
            entries(node)[0] = m_root;
        m_root = node;
        ++m_height;
    }
    PhysAddr node = m_root;
    for (unsigned height = m_height; height > 0; --height) {
        uint64_t& entry = entries(node)[(index >> (BITS * (height - 1))) & (FANOUT - 1)];
        if (!entry) {
            // Leaves are user frames: mmap maps them, each mapping taking a reference.
            entry = height == 1 ? TRY(alloc_zeroed_user_frame()) : TRY(allocate_zeroed_page());
            if (height == 1) {
                ++m_pages;
                g_total_pages.fetch_add(1, std::memory_order_relaxed);
            }
        }
        if (height == 1)
            return static_cast<uint8_t*>(arch::phys_to_virt(entry));
        node = entry;
    }
    VERIFY_NOT_REACHED();
}

bool PageMap::find_present(PhysAddr node, unsigned height, uint64_t base, uint64_t from, uint64_t& found) const {
    uint64_t span = uint64_t(1) << (BITS * (height - 1));
    const uint64_t* slots = entries(node);
    for (uint64_t slot = from > base ? (from - base) / span : 0; slot < FANOUT; ++slot) {
        if (!slots[slot])
            continue;
        uint64_t slot_base = base + slot * span;
        if (height == 1) {
            found = slot_base;
            return true;
        }
        if (find_present(slots[slot], height - 1, slot_base, from > slot_base ? from : slot_base, found))
            return true;
    }
    return false;
}

uint64_t PageMap::next_present(uint64_t from) const {
    uint64_t found;
    if (!m_root || (m_height < MAX_HEIGHT && (from >> (BITS * m_height))))
        return NONE;
    return find_present(m_root, m_height, 0, from, found) ? found : NONE;
}

uint64_t PageMap::next_absent(uint64_t from) const {
    while (lookup(from))
        ++from;
    return from;
}

bool PageMap::prune_node(PhysAddr node, unsigned height) {
    uint64_t* slots = entries(node);
    bool empty = true;
    for (uint64_t slot = 0; slot < FANOUT; ++slot) {
        if (!slots[slot])
            continue;
        if (height > 1 && prune_node(slots[slot], height - 1)) {
            page_allocator().free(slots[slot], 0);
            slots[slot] = 0;
        } else {
            empty = false;
        }
    }
    return empty;
}

void PageMap::trim() {
    if (!m_root)
        return;
    if (prune_node(m_root, m_height)) {
        page_allocator().free(m_root, 0);
        m_root = 0;
        m_height = 0;
        return;
    }
    while (m_height > 1) {
        uint64_t* slots = entries(m_root);
        for (uint64_t slot = 1; slot < FANOUT; ++slot)
            if (slots[slot])
                return;
        PhysAddr child = slots[0];
        page_allocator().free(m_root, 0);
        m_root = child;
        --m_height;
    }
}

bool PageMap::truncate_node(PhysAddr node, unsigned height, uint64_t first) {
    uint64_t span = uint64_t(1) << (BITS * (height - 1));  // indices under one entry
    uint64_t* slots = entries(node);
    bool empty = true;
    for (uint64_t slot = 0; slot < FANOUT; ++slot) {
        if (!slots[slot])
            continue;
        uint64_t base = slot * span;
        if (base + span <= first) {
            empty = false;  // wholly below the cut
            continue;
        }
        if (height == 1) {
            put_user_frame(slots[slot]);  // a mapping may still hold it
            slots[slot] = 0;
            --m_pages;
            g_total_pages.fetch_sub(1, std::memory_order_relaxed);
        } else if (truncate_node(slots[slot], height - 1, first > base ? first - base : 0)) {
            page_allocator().free(slots[slot], 0);
            slots[slot] = 0;
        } else {
            empty = false;
        }
    }
    return empty;
}

void PageMap::truncate(uint64_t first_index) {
    if (!m_root)
        return;
    if (truncate_node(m_root, m_height, first_index)) {
        page_allocator().free(m_root, 0);
        m_root = 0;
        m_height = 0;
        return;
    }
    trim();
}

}  // namespace kernel
