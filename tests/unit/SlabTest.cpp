// Hosted tests of the slab caches and kmalloc (mm/Slab.h, mm/Heap.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "MmTestSupport.h"
#include "mm/Heap.h"
#include "mm/Slab.h"

namespace kernel::mmtest {
namespace {

// Caches must be usable as constinit globals: constant-initialised, no exit-time destructor.
constinit SlabCache s_global_cache{"test-global", 40};
static_assert(std::is_trivially_destructible_v<SlabCache>);

bool is_aligned_ptr(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

// A local cache that is destroyed (unregistered) at the end of the test.
class ScopedCache {
public:
    ScopedCache(const char* name, size_t size, size_t align = 16) : m_cache(name, size, align) {}
    ~ScopedCache() { m_cache.destroy(); }
    SlabCache* operator->() { return &m_cache; }
    SlabCache& operator*() { return m_cache; }

private:
    SlabCache m_cache;
};

using SlabTest = MmTest;
using SlabDeathTest = MmTest;

TEST_F(SlabTest, GeometryFollowsSizeAndAlignment) {
    struct Case {
        size_t size, align, stride;
    };
    for (Case c : {Case{1, 16, 16}, Case{8, 8, 8}, Case{1, 1, 8}, Case{24, 8, 24}, Case{24, 16, 32},
                   Case{100, 16, 112}, Case{64, 64, 64}, Case{65, 64, 128}, Case{2049, 16, 2064},
                   Case{4096, 4096, 4096}}) {
        SlabCache cache("geometry", c.size, c.align);
        EXPECT_EQ(cache.object_size(), c.size);
        EXPECT_EQ(cache.stride(), c.stride) << c.size << "/" << c.align;
        EXPECT_EQ(cache.objects_per_slab(), PAGE_SIZE / c.stride);
    }
}

TEST_F(SlabTest, AllocateAndFreeOne) {
    ScopedCache cache("test-48", 48);
    EXPECT_STREQ(cache->name(), "test-48");
    void* object = cache->allocate();
    ASSERT_NE(object, nullptr);
    EXPECT_TRUE(m_ram->contains(object, 48));
    EXPECT_TRUE(is_aligned_ptr(object, 16));
    EXPECT_EQ(cache->objects_in_use(), 1u);
    EXPECT_EQ(cache->pages_in_use(), 1u);
    EXPECT_EQ(page_allocator().used_pages(), 1u);
    Page* slab = page_allocator().page_for(arch::virt_to_phys(object));
    EXPECT_EQ(slab->m_usage, PageUsage::Slab);
    EXPECT_EQ(slab->m_slab_cache, &*cache);
    EXPECT_EQ(slab->m_slab_in_use, 1);
    std::memset(object, 0x5a, 48);

    cache->free(object);
    // The slab became empty and went straight back to the page allocator.
    EXPECT_EQ(cache->objects_in_use(), 0u);
    EXPECT_EQ(cache->pages_in_use(), 0u);
    EXPECT_EQ(page_allocator().used_pages(), 0u);
    EXPECT_EQ(slab->m_usage, PageUsage::None);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

TEST_F(SlabTest, ObjectsAreAlignedAsAsked) {
    for (size_t align : {8, 16, 32, 64, 128, 256, 512}) {
        ScopedCache cache("aligned", 40, align);
        std::vector<void*> objects;
        for (size_t i = 0; i < 2 * cache->objects_per_slab() + 1; ++i) {
            void* object = cache->allocate();
            ASSERT_NE(object, nullptr);
            EXPECT_TRUE(is_aligned_ptr(object, align)) << "align " << align;
            objects.push_back(object);
        }
        for (void* object : objects)
            cache->free(object);
    }
}

TEST_F(SlabTest, FreedObjectIsReusedFirst) {
    ScopedCache cache("reuse", 64);
    void* keep = cache->allocate();  // keeps the slab alive
    void* a = cache->allocate();
    cache->free(a);
    void* b = cache->allocate();
    EXPECT_EQ(a, b);
    cache->free(b);
    cache->free(keep);
}

TEST_F(SlabTest, FullSlabComesBackToThePartialList) {
    ScopedCache cache("full", 512);
    std::vector<void*> objects;
    for (size_t i = 0; i < cache->objects_per_slab(); ++i)
        objects.push_back(cache->allocate());
    EXPECT_EQ(cache->pages_in_use(), 1u);
    // The slab is full: the next object needs a second one.
    void* extra = cache->allocate();
    EXPECT_EQ(cache->pages_in_use(), 2u);
    cache->free(extra);
    EXPECT_EQ(cache->pages_in_use(), 1u);
    // Freeing into the full slab makes it partial again, and its slot is the next one used.
    cache->free(objects[3]);
    void* again = cache->allocate();
    EXPECT_EQ(again, objects[3]);
    EXPECT_EQ(cache->pages_in_use(), 1u);
    objects[3] = again;
    for (void* object : objects)
        cache->free(object);
    EXPECT_EQ(cache->pages_in_use(), 0u);
}

TEST_F(SlabTest, ObjectsPerSlabOfOne) {
    ScopedCache cache("page-sized", PAGE_SIZE, PAGE_SIZE);
    EXPECT_EQ(cache->objects_per_slab(), 1u);
    void* a = cache->allocate();
    void* b = cache->allocate();
    EXPECT_TRUE(is_aligned_ptr(a, PAGE_SIZE));
    EXPECT_NE(a, b);
    EXPECT_EQ(cache->pages_in_use(), 2u);
    cache->free(a);
    cache->free(b);
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

TEST_F(SlabTest, ManyObjectsAcrossManySlabs) {
    constexpr size_t COUNT = 20000;
    ScopedCache cache("many", 200, 8);
    std::vector<uint32_t*> objects;
    for (size_t i = 0; i < COUNT; ++i) {
        auto* object = static_cast<uint32_t*>(cache->allocate());
        ASSERT_NE(object, nullptr);
        std::fill(object, object + 50, uint32_t(i));
        objects.push_back(object);
    }
    size_t per_slab = PAGE_SIZE / 200;
    EXPECT_EQ(cache->objects_in_use(), COUNT);
    EXPECT_EQ(cache->pages_in_use(), (COUNT + per_slab - 1) / per_slab);
    EXPECT_EQ(page_allocator().used_pages(), cache->pages_in_use());

    std::mt19937_64 rng(99);
    std::vector<size_t> order(COUNT);
    for (size_t i = 0; i < COUNT; ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i : order) {
        // Nobody else wrote into this object while it was ours.
        ASSERT_TRUE(std::all_of(objects[i], objects[i] + 50, [&](uint32_t v) { return v == i; })) << i;
        cache->free(objects[i]);
    }
    EXPECT_EQ(cache->objects_in_use(), 0u);
    EXPECT_EQ(cache->pages_in_use(), 0u);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

TEST_F(SlabTest, OutOfPagesGivesNullptr) {
    ScopedCache cache("oom", 1024);
    std::vector<PhysAddr> hog;
    while (true) {
        auto result = page_allocator().allocate(0);
        if (result.is_error())
            break;
        hog.push_back(result.value());
    }
    EXPECT_EQ(cache->allocate(), nullptr);
    EXPECT_EQ(cache->objects_in_use(), 0u);
    EXPECT_EQ(cache->pages_in_use(), 0u);
    page_allocator().free(hog.back(), 0);
    hog.pop_back();
    std::vector<void*> objects;
    for (int i = 0; i < 4; ++i)
        objects.push_back(cache->allocate());  // one page holds four
    EXPECT_EQ(cache->allocate(), nullptr);
    EXPECT_EQ(cache->objects_in_use(), 4u);
    for (void* object : objects)
        cache->free(object);
    for (PhysAddr address : hog)
        page_allocator().free(address, 0);
}

bool always_fail() { return true; }

TEST_F(SlabTest, FailHookConsultedOncePerAllocation) {
    ScopedCache cache("fail", 32);
    mm::set_fail_hook(&always_fail);
    EXPECT_EQ(cache->allocate(), nullptr);
    EXPECT_EQ(cache->pages_in_use(), 0u);
    EXPECT_EQ(page_allocator().used_pages(), 0u);

    // A cache growing by a slab is still one allocation: the nth one fails, no other.
    FailNth::arm(2);
    void* first = cache->allocate();  // call 1: grows the cache
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(FailNth::calls, 1);
    EXPECT_EQ(cache->allocate(), nullptr);  // call 2
    void* third = cache->allocate();         // call 3
    EXPECT_NE(third, nullptr);
    EXPECT_EQ(FailNth::calls, 3);
    mm::set_fail_hook(nullptr);
    cache->free(first);
    cache->free(third);
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

TEST_F(SlabTest, RegistryListsCachesThatAllocated) {
    auto registered = [](const SlabCache* wanted) {
        bool found = false;
        for_each_slab_cache([&](SlabCache& cache) { found |= &cache == wanted; });
        return found;
    };
    {
        ScopedCache cache("registry", 24);
        EXPECT_FALSE(registered(&*cache));  // joins on first allocation
        void* object = cache->allocate();
        EXPECT_TRUE(registered(&*cache));
        cache->free(object);
        EXPECT_TRUE(registered(&*cache));
    }
    void* object = s_global_cache.allocate();
    EXPECT_TRUE(registered(&s_global_cache));
    EXPECT_STREQ(s_global_cache.name(), "test-global");
    s_global_cache.free(object);

    kfree(kmalloc(100));
    std::vector<std::string> names;
    for_each_slab_cache([&](SlabCache& cache) { names.push_back(cache.name()); });
    EXPECT_NE(std::find(names.begin(), names.end(), "kmalloc-128"), names.end());
    EXPECT_EQ(std::find(names.begin(), names.end(), "registry"), names.end());  // destroyed
}

TEST_F(SlabDeathTest, FreeOfForeignOrBrokenPointers) {
    ScopedCache cache("victim", 64);
    ScopedCache other("other", 64);
    void* object = cache->allocate();
    void* keep = cache->allocate();
    void* theirs = other->allocate();
    EXPECT_DEATH(cache->free(static_cast<uint8_t*>(object) + 8), "VERIFY");  // not at a slot
    EXPECT_DEATH(cache->free(theirs), "VERIFY");                             // other cache
    PhysAddr plain = MUST(page_allocator().allocate(0));
    EXPECT_DEATH(cache->free(virt(plain)), "VERIFY");  // not a slab page
    EXPECT_DEATH(cache->free(nullptr), "VERIFY");
    cache->free(object);
    EXPECT_DEATH(cache->free(object), "VERIFY");  // double free
    page_allocator().free(plain, 0);
    cache->free(keep);
    other->free(theirs);
}

TEST_F(SlabDeathTest, DestroyWithObjectsInUse) {
    SlabCache cache("busy", 32);
    void* object = cache.allocate();
    EXPECT_DEATH(cache.destroy(), "VERIFY");
    cache.free(object);
    cache.destroy();
}

// ---- kmalloc ----------------------------------------------------------------------------

TEST_F(SlabTest, KmallocEverySizeClass) {
    for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size = size < 64 ? size + 1 : size + 37) {
        size_t size_class = std::max<size_t>(KMALLOC_MIN_SIZE, std::bit_ceil(size));
        void* p = kmalloc(size);
        ASSERT_NE(p, nullptr) << size;
        EXPECT_TRUE(is_aligned_ptr(p, size_class)) << size;
        std::memset(p, 0xcd, size);
        HeapStats stats = heap_stats();
        EXPECT_EQ(stats.objects_in_use, 1u);
        EXPECT_EQ(stats.pages_in_use, 1u);
        EXPECT_EQ(stats.large_allocations, 0u);
        Page* slab = page_allocator().page_for(arch::virt_to_phys(p));
        ASSERT_EQ(slab->m_usage, PageUsage::Slab);
        EXPECT_EQ(slab->m_slab_cache->stride(), size_class) << size;
        EXPECT_EQ(std::string(slab->m_slab_cache->name()), "kmalloc-" + std::to_string(size_class));
        kfree(p);
        EXPECT_EQ(heap_stats(), HeapStats{});
    }
    void* zero = kmalloc(0);  // a real, unique object
    void* zero2 = kmalloc(0);
    EXPECT_NE(zero, nullptr);
    EXPECT_NE(zero, zero2);
    kfree(zero);
    kfree(zero2);
}

TEST_F(SlabTest, KmallocLargeAllocations) {
    struct Case {
        size_t size;
        unsigned order;
    };
    for (Case c : {Case{2049, 0}, Case{PAGE_SIZE, 0}, Case{PAGE_SIZE + 1, 1}, Case{3 * PAGE_SIZE, 2},
                   Case{64 * KiB, 4}, Case{MiB + 1, 9}, Case{MAX_BLOCK_SIZE, MAX_ORDER}}) {
        void* p = kmalloc(c.size);
        ASSERT_NE(p, nullptr) << c.size;
        EXPECT_TRUE(is_aligned_ptr(p, PAGE_SIZE));
        EXPECT_TRUE(m_ram->contains(p, c.size));
        std::memset(p, 0xee, c.size);
        HeapStats stats = heap_stats();
        EXPECT_EQ(stats.objects_in_use, 1u);
        EXPECT_EQ(stats.large_allocations, 1u);
        EXPECT_EQ(stats.large_pages, size_t(1) << c.order) << c.size;
        EXPECT_EQ(stats.pages_in_use, size_t(1) << c.order);
        EXPECT_EQ(page_allocator().used_pages(), size_t(1) << c.order);
        Page* head = page_allocator().page_for(arch::virt_to_phys(p));
        EXPECT_EQ(head->m_usage, PageUsage::KmallocLarge);
        EXPECT_EQ(head->m_order, c.order);
        kfree(p);
        EXPECT_EQ(heap_stats(), HeapStats{});
        EXPECT_EQ(page_allocator().used_pages(), 0u);
    }
    EXPECT_EQ(kmalloc(MAX_BLOCK_SIZE + 1), nullptr);
    EXPECT_EQ(kmalloc(~size_t(0)), nullptr);
    EXPECT_EQ(kzalloc(~size_t(0) - 10), nullptr);
    EXPECT_EQ(heap_stats(), HeapStats{});
}

TEST_F(SlabTest, KfreeNullIsANoOp) {
    kfree(nullptr);
    EXPECT_EQ(heap_stats(), HeapStats{});
}

TEST_F(SlabTest, KzallocZeroes) {
    for (size_t size : {16, 100, 2048, 5000, 3 * 4096 + 5}) {
        // Dirty the memory kzalloc will most likely reuse (the slot or the pages just freed).
        void* dirty = kmalloc(size);
        std::memset(dirty, 0xff, size);
        kfree(dirty);
        auto* p = static_cast<uint8_t*>(kzalloc(size));
        ASSERT_NE(p, nullptr);
        EXPECT_TRUE(std::all_of(p, p + size, [](uint8_t b) { return b == 0; })) << size;
        kfree(p);
    }
}

TEST_F(SlabTest, KmallocFailHook) {
    mm::set_fail_hook(&always_fail);
    EXPECT_EQ(kmalloc(32), nullptr);
    EXPECT_EQ(kmalloc(64 * KiB), nullptr);
    EXPECT_EQ(kzalloc(8), nullptr);
    mm::set_fail_hook(nullptr);
    EXPECT_EQ(heap_stats(), HeapStats{});
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

TEST_F(SlabDeathTest, KfreeOfForeignPointers) {
    ScopedCache cache("not-kmalloc", 64);
    void* object = cache->allocate();
    EXPECT_DEATH(kfree(object), "VERIFY");  // belongs to another cache
    cache->free(object);
    PhysAddr plain = MUST(page_allocator().allocate(0));
    EXPECT_DEATH(kfree(virt(plain)), "not a kmalloc pointer");
    page_allocator().free(plain, 0);
    void* large = kmalloc(3 * PAGE_SIZE);
    EXPECT_DEATH(kfree(static_cast<uint8_t*>(large) + PAGE_SIZE), "not a kmalloc pointer");
    kfree(large);
    EXPECT_DEATH(kfree(large), "not a kmalloc pointer");  // double free of a large one
    void* small = kmalloc(40);
    void* keep = kmalloc(40);
    kfree(small);
    EXPECT_DEATH(kfree(small), "VERIFY");  // double free of a small one
    kfree(keep);
}

#if defined(__SANITIZE_ADDRESS__)
// Under ASan the slab poisons free slots and kmalloc's slack, so these bugs are reported at
// the faulting access, which makes the heap useful for finding bugs in code built on it.
TEST_F(SlabDeathTest, AsanSeesUseAfterFreeAndSlackOverflow) {
    auto* keep = static_cast<volatile uint8_t*>(kmalloc(40));
    auto* p = static_cast<volatile uint8_t*>(kmalloc(40));
    p[39] = 1;  // fine
    EXPECT_DEATH(p[40] = 1, "use-after-poison");
    kfree(const_cast<uint8_t*>(p));
    EXPECT_DEATH(p[20] = 1, "use-after-poison");
    kfree(const_cast<uint8_t*>(keep));
}
#endif

// Random kmalloc/kfree of mixed sizes. Each allocation is filled with a tag derived from its
// id and checked when freed; the address ranges of live allocations must never overlap.
TEST_F(SlabTest, RandomStressHasNoOverlaps) {
    std::mt19937_64 rng(0x5eed);
    struct Live {
        uint8_t* p;
        size_t size;
        uint8_t tag;
    };
    std::vector<Live> live;
    std::map<uintptr_t, size_t> ranges;  // start -> size
    auto random_size = [&]() -> size_t {
        switch (rng() % 10) {
        case 0:
            return 2049 + rng() % (64 * KiB);  // large
        case 1:
            return rng() % 2049;
        default:
            return 1 + rng() % 256;
        }
    };
    for (int step = 0; step < 30000; ++step) {
        if (live.empty() || rng() % 100 < 52) {
            size_t size = random_size();
            auto* p = static_cast<uint8_t*>(kmalloc(size));
            ASSERT_NE(p, nullptr);
            ASSERT_TRUE(m_ram->contains(p, size));
            auto start = reinterpret_cast<uintptr_t>(p);
            size_t extent = std::max<size_t>(size, 1);
            auto next = ranges.lower_bound(start);
            if (next != ranges.end()) {
                ASSERT_LE(start + extent, next->first) << "overlaps the next allocation";
            }
            if (next != ranges.begin()) {
                auto prev = std::prev(next);
                ASSERT_LE(prev->first + prev->second, start) << "overlaps the previous allocation";
            }
            ranges[start] = extent;
            uint8_t tag = uint8_t(step * 31 + 7);
            std::memset(p, tag, size);
            live.push_back({p, size, tag});
        } else {
            size_t index = rng() % live.size();
            Live item = live[index];
            live[index] = live.back();
            live.pop_back();
            ASSERT_TRUE(std::all_of(item.p, item.p + item.size, [&](uint8_t b) { return b == item.tag; }))
                << "allocation of " << item.size << " bytes was overwritten";
            ranges.erase(reinterpret_cast<uintptr_t>(item.p));
            kfree(item.p);
        }
        if (step % 1000 == 0) {
            ASSERT_EQ(heap_stats().objects_in_use, live.size());
        }
    }
    for (auto& item : live)
        kfree(item.p);
    EXPECT_EQ(heap_stats(), HeapStats{});
    EXPECT_EQ(page_allocator().used_pages(), 0u);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

TEST_F(SlabTest, ConcurrentKmalloc) {
    constexpr int THREADS = 4;
    std::atomic<int> corrupted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < THREADS; ++t) {
        threads.emplace_back([t, &corrupted] {
            std::mt19937_64 rng(77 + t);
            std::vector<std::pair<uint8_t*, size_t>> mine;
            for (int step = 0; step < 5000; ++step) {
                if (mine.empty() || rng() % 2) {
                    size_t size = 1 + rng() % (rng() % 8 == 0 ? 8192 : 512);
                    auto* p = static_cast<uint8_t*>(kmalloc(size));
                    if (!p)
                        continue;
                    std::memset(p, t + 1, size);
                    mine.push_back({p, size});
                } else {
                    auto [p, size] = mine.back();
                    mine.pop_back();
                    if (!std::all_of(p, p + size, [&](uint8_t b) { return b == t + 1; }))
                        corrupted.fetch_add(1);
                    kfree(p);
                }
            }
            for (auto [p, size] : mine)
                kfree(p);
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(corrupted.load(), 0);
    EXPECT_EQ(heap_stats(), HeapStats{});
}

}  // namespace
}  // namespace kernel::mmtest
