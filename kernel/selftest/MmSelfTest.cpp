// The allocators over the real memory map.
#include <arch/Memory.h>

#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"
#include "selftest/SelfTest.h"

namespace kernel {

namespace {

struct BuddySnapshot {
    size_t free_pages;
    size_t used_pages;
    size_t blocks[ORDER_COUNT];
    bool operator==(const BuddySnapshot&) const = default;
};

BuddySnapshot snapshot() {
    auto& pa = page_allocator();
    BuddySnapshot s{pa.free_pages(), pa.used_pages(), {}};
    for (unsigned o = 0; o < ORDER_COUNT; ++o)
        s.blocks[o] = pa.free_blocks(o);
    return s;
}

// Allocates every block of `order` there is, chaining them through their own first word
// (through the direct map, which also proves every page is mapped and writable), then frees
// them all. Returns how many blocks it got.
size_t drain_and_refill(SelfTestContext& ctx, unsigned order) {
    auto& pa = page_allocator();
    PhysAddr head = 0;
    size_t count = 0;
    for (;;) {
        auto block = pa.allocate(order);
        if (block.is_error()) {
            ST_CHECK_EQ(ctx, block.error().code(), ENOMEM);
            break;
        }
        PhysAddr phys = block.value();
        ST_CHECK(ctx, is_aligned(phys, PAGE_SIZE << order));
        auto* words = static_cast<PhysAddr*>(arch::phys_to_virt(phys));
        words[0] = head;
        // Touch the last byte too: the whole block must be RAM.
        static_cast<volatile uint8_t*>(arch::phys_to_virt(phys))[(PAGE_SIZE << order) - 1] = 0x5a;
        head = phys;
        ++count;
    }
    while (head) {
        PhysAddr next = static_cast<PhysAddr*>(arch::phys_to_virt(head))[0];
        pa.free(head, order);
        head = next;
    }
    return count;
}

}  // namespace

void selftest_pages(SelfTestContext& ctx) {
    auto& pa = page_allocator();
    BuddySnapshot baseline = snapshot();
    ST_CHECK(ctx, baseline.free_pages > 0);

    size_t pages = drain_and_refill(ctx, 0);
    printk("  order 0: allocated all {} free pages, freed them all\n", pages);
    ST_CHECK_EQ(ctx, pages, baseline.free_pages);
    ST_CHECK(ctx, snapshot() == baseline);

    // Every order: the number of blocks must cover what the free lists said was there.
    for (unsigned order = 1; order <= MAX_ORDER; ++order) {
        size_t blocks = drain_and_refill(ctx, order);
        ST_CHECK(ctx, blocks >= baseline.blocks[order]);
        ST_CHECK(ctx, snapshot() == baseline);
    }
    ST_CHECK_EQ(ctx, pa.free_pages(), baseline.free_pages);
    ST_CHECK_EQ(ctx, pa.used_pages(), baseline.used_pages);
}

void selftest_heap(SelfTestContext& ctx) {
    HeapStats baseline = heap_stats();
    size_t free_pages = page_allocator().free_pages();
    constexpr size_t N = 512;
    static void* objects[N];
    for (size_t i = 0; i < N; ++i) {
        size_t size = (i * 37) % 9000 + 1;
        objects[i] = kmalloc(size);
        ST_CHECK(ctx, objects[i] != nullptr);
        if (objects[i])
            __builtin_memset(objects[i], 0xab, size);
    }
    ST_CHECK(ctx, heap_stats().objects_in_use == baseline.objects_in_use + N);
    for (size_t i = 0; i < N; ++i)
        kfree(objects[i]);
    ST_CHECK(ctx, heap_stats() == baseline);
    ST_CHECK_EQ(ctx, page_allocator().free_pages(), free_pages);

    SlabCache cache("selftest", 200, 64);
    void* a = cache.allocate();
    void* b = cache.allocate();
    ST_CHECK(ctx, a && b && a != b);
    ST_CHECK(ctx, is_aligned(reinterpret_cast<uint64_t>(a), 64));
    ST_CHECK_EQ(ctx, cache.objects_in_use(), size_t(2));
    cache.free(a);
    cache.free(b);
    ST_CHECK_EQ(ctx, cache.objects_in_use(), size_t(0));
    ST_CHECK_EQ(ctx, cache.pages_in_use(), size_t(0));
    cache.destroy();
    ST_CHECK_EQ(ctx, page_allocator().free_pages(), free_pages);
}

}  // namespace kernel
