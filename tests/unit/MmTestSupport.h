#pragma once
// Test support for memory-management code: fake physical memory for the hosted build.
//
//  - FakeRam: host memory standing in for physical [0, size). It sets arch::host_physical_base,
//    so arch::phys_to_virt/virt_to_phys (hence the slab, kmalloc, and anything that touches
//    page contents) work on it.
//  - MetadataOnlyRam: a large PROT_NONE reservation as "physical memory": any access to page
//    contents faults. For testing the buddy allocator on 16 GiB layouts with only the Page
//    array allocated (the allocator must never touch the frames it manages).
//  - MmTest: a fixture giving each test a freshly initialised global page_allocator() over
//    64 MiB of FakeRam, and checking in TearDown that the test gave everything back (heap and
//    page counters at zero, no fail hook left installed).
//
// The kmalloc caches are process-wide globals whose slabs live in the fake RAM, so a test that
// leaks kmalloc objects would leave them pointing into freed memory. MmTest therefore keeps the
// RAM of a leaking test alive and fails every later MmTest in SetUp instead of crashing.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <arch/Memory.h>

#include <cstdlib>
#include <memory>

#include "mm/Heap.h"
#include "mm/Page.h"
#include "mm/PageAllocator.h"

namespace kernel::mmtest {

inline constexpr size_t KiB = 1024;
inline constexpr size_t MiB = 1024 * KiB;
inline constexpr uint64_t GiB = 1024 * MiB;

class FakeRam {
public:
    explicit FakeRam(size_t size) : m_size(size) {
        m_base = static_cast<uint8_t*>(std::aligned_alloc(MAX_BLOCK_SIZE, size));
        if (!m_base)
            std::abort();
        arch::host_physical_base = m_base;
    }
    ~FakeRam() {
        if (arch::host_physical_base == m_base)
            arch::host_physical_base = nullptr;
        std::free(m_base);
    }
    FakeRam(const FakeRam&) = delete;
    FakeRam& operator=(const FakeRam&) = delete;

    uint8_t* base() const { return m_base; }
    size_t size() const { return m_size; }
    bool contains(const void* p, size_t length = 1) const {
        auto* b = static_cast<const uint8_t*>(p);
        return b >= m_base && b + length <= m_base + m_size;
    }

private:
    uint8_t* m_base;
    size_t m_size;
};

class MetadataOnlyRam {
public:
    explicit MetadataOnlyRam(uint64_t size) : m_size(size) {
        void* p = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            std::abort();
        m_base = static_cast<uint8_t*>(p);
        arch::host_physical_base = m_base;
    }
    ~MetadataOnlyRam() {
        if (arch::host_physical_base == m_base)
            arch::host_physical_base = nullptr;
        munmap(m_base, m_size);
    }
    MetadataOnlyRam(const MetadataOnlyRam&) = delete;
    MetadataOnlyRam& operator=(const MetadataOnlyRam&) = delete;

private:
    uint8_t* m_base;
    uint64_t m_size;
};

// A Page array for `page_count` pfns, as boot code would carve out of RAM.
inline std::unique_ptr<Page[]> make_page_array(size_t page_count) {
    return std::unique_ptr<Page[]>(new Page[page_count]);
}

// Every free-list count, for "back to the initial blocks" comparisons.
struct FreeBlockCounts {
    size_t counts[ORDER_COUNT]{};
    bool operator==(const FreeBlockCounts&) const = default;
};
inline FreeBlockCounts free_block_counts() {
    FreeBlockCounts result;
    for (unsigned order = 0; order <= MAX_ORDER; ++order)
        result.counts[order] = page_allocator().free_blocks(order);
    return result;
}
inline void PrintTo(const FreeBlockCounts& c, std::ostream* os) {
    *os << "{";
    for (unsigned order = 0; order <= MAX_ORDER; ++order)
        *os << (order ? " " : "") << c.counts[order];
    *os << "}";
}

class MmTest : public ::testing::Test {
protected:
    static constexpr size_t RAM_SIZE = 64 * MiB;
    static constexpr size_t RAM_PAGES = RAM_SIZE / PAGE_SIZE;

    void SetUp() override {
        if (leaked_state()) {
            FAIL() << "an earlier test leaked kmalloc objects; the heap is not at its baseline";
        }
        m_ram = std::make_unique<FakeRam>(RAM_SIZE);
        m_pages = make_page_array(RAM_PAGES);
        page_allocator().init(m_pages.get(), RAM_PAGES);
        page_allocator().add_free_range(0, RAM_SIZE);
        m_baseline_blocks = free_block_counts();
    }

    void TearDown() override {
        mm::set_fail_hook(nullptr);
        if (!m_ram)
            return;
        HeapStats stats = heap_stats();
        EXPECT_EQ(stats.objects_in_use, 0u) << "kmalloc objects leaked by the test";
        EXPECT_EQ(stats.pages_in_use, 0u);
        EXPECT_EQ(page_allocator().used_pages(), 0u) << "pages leaked by the test";
        if (stats != HeapStats{}) {
            // The kmalloc caches still point into this RAM and Page array: keep both alive.
            leaked_state() = true;
            (void)m_ram.release();
            (void)m_pages.release();
            return;
        }
        m_ram.reset();
        page_allocator().init(nullptr, 0);
        m_pages.reset();
    }

    // Physical address -> host pointer in the fake RAM.
    uint8_t* virt(PhysAddr phys) const { return static_cast<uint8_t*>(arch::phys_to_virt(phys)); }

    static bool& leaked_state() {
        static bool leaked = false;
        return leaked;
    }

    std::unique_ptr<FakeRam> m_ram;
    std::unique_ptr<Page[]> m_pages;
    FreeBlockCounts m_baseline_blocks;
};

// A fail hook that fails the nth call from now (1-based) and only that one; counts calls.
struct FailNth {
    static inline int countdown = 0;
    static inline int calls = 0;
    static bool hook() {
        ++calls;
        return --countdown == 0;
    }
    static void arm(int nth) {
        countdown = nth;
        calls = 0;
        mm::set_fail_hook(&hook);
    }
};

}  // namespace kernel::mmtest
