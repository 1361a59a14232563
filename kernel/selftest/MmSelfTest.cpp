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

// Where drain_and_refill keeps the addresses it allocated: a few 4 MiB blocks taken before the
// drain. (Keeping them inside the drained pages themselves would be simpler, but QEMU backs
// guest RAM with transparent huge pages, so touching one page in every 2 MiB would make the
// host commit all of a 16 GiB guest.)
class AddressStore {
public:
    static constexpr size_t PER_BLOCK = MAX_BLOCK_SIZE / sizeof(PhysAddr);
    static constexpr size_t MAX_BLOCKS = 64;  // 64 * 512 Ki entries: 128 GiB of 4 KiB pages

    bool reserve(size_t entries) {
        size_t blocks = (entries + PER_BLOCK - 1) / PER_BLOCK;
        if (blocks > MAX_BLOCKS)
            return false;
        for (; m_blocks < blocks; ++m_blocks) {
            auto block = page_allocator().allocate(MAX_ORDER);
            if (block.is_error())
                return false;
            m_block_phys[m_blocks] = block.value();
        }
        return true;
    }
    void release() {
        for (size_t i = 0; i < m_blocks; ++i)
            page_allocator().free(m_block_phys[i], MAX_ORDER);
        m_blocks = 0;
    }
    size_t capacity() const { return m_blocks * PER_BLOCK; }
    PhysAddr& operator[](size_t i) {
        return static_cast<PhysAddr*>(arch::phys_to_virt(m_block_phys[i / PER_BLOCK]))[i % PER_BLOCK];
    }

private:
    PhysAddr m_block_phys[MAX_BLOCKS]{};
    size_t m_blocks{0};
};

// Allocates every block of `order` there is, then frees them all; returns how many it got.
size_t drain_and_refill(SelfTestContext& ctx, AddressStore& store, unsigned order) {
    auto& pa = page_allocator();
    size_t count = 0;
    for (;;) {
        auto block = pa.allocate(order);
        if (block.is_error()) {
            ST_CHECK_EQ(ctx, block.error().code(), ENOMEM);
            break;
        }
        PhysAddr phys = block.value();
        ST_CHECK(ctx, is_aligned(phys, PAGE_SIZE << order));
        if (count == store.capacity()) {
            ctx.fail(__FILE__, __LINE__, "more blocks than free pages said");
            pa.free(phys, order);
            break;
        }
        store[count++] = phys;
    }
    for (size_t i = 0; i < count; ++i)
        pa.free(store[i], order);
    return count;
}

}  // namespace

void selftest_pages(SelfTestContext& ctx) {
    auto& pa = page_allocator();
    BuddySnapshot baseline = snapshot();
    ST_CHECK(ctx, baseline.free_pages > 0);

    static AddressStore store;
    ST_CHECK(ctx, store.reserve(baseline.free_pages));
    size_t store_pages = baseline.free_pages - pa.free_pages();
    BuddySnapshot with_store = snapshot();

    size_t pages = drain_and_refill(ctx, store, 0);
    printk("  order 0: allocated all {} free pages, freed them all\n", pages);
    ST_CHECK_EQ(ctx, pages + store_pages, baseline.free_pages);
    ST_CHECK(ctx, snapshot() == with_store);

    // Every order: at least as many blocks as the free lists held of that order, and the free
    // lists exactly as before once everything is back (coalescing undoes every split).
    for (unsigned order = 1; order <= MAX_ORDER; ++order) {
        size_t blocks = drain_and_refill(ctx, store, order);
        ST_CHECK(ctx, blocks >= with_store.blocks[order]);
        ST_CHECK(ctx, snapshot() == with_store);
    }
    store.release();
    ST_CHECK(ctx, snapshot() == baseline);
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
