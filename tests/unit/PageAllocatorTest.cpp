// Hosted tests of the buddy page allocator (mm/PageAllocator.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "MmTestSupport.h"
#include "mm/PageAllocator.h"

namespace kernel::mmtest {
namespace {

constexpr size_t pages_in(unsigned order) { return size_t(1) << order; }
constexpr size_t pfn_of(PhysAddr address) { return address >> PAGE_SHIFT; }

struct Block {
    PhysAddr address;
    unsigned order;
};

void free_all(std::vector<Block>& blocks) {
    for (auto& block : blocks)
        page_allocator().free(block.address, block.order);
    blocks.clear();
}

// ---- On 64 MiB of fake RAM --------------------------------------------------------------

using PageAllocatorTest = MmTest;
using PageAllocatorDeathTest = MmTest;

TEST_F(PageAllocatorTest, StartsAsMaximalBlocks) {
    auto& pa = page_allocator();
    EXPECT_EQ(pa.page_count(), RAM_PAGES);
    EXPECT_EQ(pa.total_pages(), RAM_PAGES);
    EXPECT_EQ(pa.free_pages(), RAM_PAGES);
    EXPECT_EQ(pa.used_pages(), 0u);
    for (unsigned order = 0; order < MAX_ORDER; ++order)
        EXPECT_EQ(pa.free_blocks(order), 0u) << "order " << order;
    EXPECT_EQ(pa.free_blocks(MAX_ORDER), RAM_SIZE / MAX_BLOCK_SIZE);
}

TEST_F(PageAllocatorTest, SinglePage) {
    auto& pa = page_allocator();
    PhysAddr address = MUST(pa.allocate());
    EXPECT_TRUE(is_aligned(address, PAGE_SIZE));
    EXPECT_LT(address, RAM_SIZE);
    EXPECT_EQ(pa.used_pages(), 1u);
    EXPECT_EQ(pa.free_pages(), RAM_PAGES - 1);
    EXPECT_EQ(pa.total_pages(), RAM_PAGES);
    // Splitting one 4 MiB block down to a page leaves one free block at every lower order.
    for (unsigned order = 0; order < MAX_ORDER; ++order)
        EXPECT_EQ(pa.free_blocks(order), 1u) << "order " << order;
    EXPECT_EQ(pa.free_blocks(MAX_ORDER), RAM_SIZE / MAX_BLOCK_SIZE - 1);

    Page* page = pa.page_for(address);
    EXPECT_EQ(pa.address_of(page), address);
    EXPECT_EQ(pa.page_for(address + 123), page);
    EXPECT_EQ(page->m_state, PageState::Allocated);
    EXPECT_EQ(page->m_order, 0);
    EXPECT_EQ(page->m_usage, PageUsage::None);

    __builtin_memset(virt(address), 0xab, PAGE_SIZE);  // it is real (fake) memory
    pa.free(address, 0);
    // Merged back into its 4 MiB block, whose head it is (allocate keeps the lower half).
    EXPECT_EQ(page->m_state, PageState::Free);
    EXPECT_EQ(page->m_order, MAX_ORDER);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
    EXPECT_EQ(pa.used_pages(), 0u);
    EXPECT_EQ(pa.free_pages(), RAM_PAGES);
}

TEST_F(PageAllocatorTest, EveryOrderIsAlignedToItsSize) {
    auto& pa = page_allocator();
    for (unsigned order = 0; order <= MAX_ORDER; ++order) {
        PhysAddr address = MUST(pa.allocate(order));
        EXPECT_TRUE(is_aligned(address, PAGE_SIZE << order)) << "order " << order;
        EXPECT_LE(address + (PAGE_SIZE << order), RAM_SIZE);
        EXPECT_EQ(pa.used_pages(), pages_in(order));
        EXPECT_EQ(pa.free_pages(), RAM_PAGES - pages_in(order));
        EXPECT_EQ(pa.page_for(address)->m_order, order);
        pa.free(address, order);
        EXPECT_EQ(free_block_counts(), m_baseline_blocks) << "order " << order;
    }
}

TEST_F(PageAllocatorTest, BlocksOfAllOrdersDoNotOverlap) {
    std::vector<Block> blocks;
    for (int round = 0; round < 3; ++round)
        for (unsigned order = 0; order <= MAX_ORDER; ++order)
            blocks.push_back({MUST(page_allocator().allocate(order)), order});
    auto sorted = blocks;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.address < b.address; });
    for (size_t i = 1; i < sorted.size(); ++i)
        EXPECT_GE(sorted[i].address, sorted[i - 1].address + (PAGE_SIZE << sorted[i - 1].order));
    size_t used = 0;
    for (auto& block : blocks)
        used += pages_in(block.order);
    EXPECT_EQ(page_allocator().used_pages(), used);
    free_all(blocks);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

TEST_F(PageAllocatorTest, BuddiesMergeOnlyWhenBothAreFree) {
    auto& pa = page_allocator();
    PhysAddr a = MUST(pa.allocate());
    PhysAddr b = MUST(pa.allocate());
    // The second page comes from the first one's split: they are buddies.
    EXPECT_EQ(a ^ b, PAGE_SIZE);
    pa.free(a, 0);
    EXPECT_EQ(pa.free_blocks(0), 1u);  // cannot merge: its buddy is still allocated
    EXPECT_EQ(pa.free_blocks(1), 1u);
    pa.free(b, 0);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);  // merged all the way up
}

TEST_F(PageAllocatorTest, ExhaustionGivesEnomem) {
    auto& pa = page_allocator();
    std::vector<Block> blocks;
    for (size_t i = 0; i < RAM_SIZE / MAX_BLOCK_SIZE; ++i)
        blocks.push_back({MUST(pa.allocate(MAX_ORDER)), MAX_ORDER});
    EXPECT_EQ(pa.free_pages(), 0u);
    for (unsigned order : {0u, 3u, MAX_ORDER}) {
        auto result = pa.allocate(order);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), ENOMEM);
    }
    EXPECT_EQ(pa.used_pages(), RAM_PAGES);
    free_all(blocks);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
    EXPECT_EQ(pa.used_pages(), 0u);
}

TEST_F(PageAllocatorTest, AllocateEverythingThenFreeInRandomOrder) {
    auto& pa = page_allocator();
    std::vector<Block> blocks;
    std::vector<bool> seen(RAM_PAGES);
    while (true) {
        auto result = pa.allocate(0);
        if (result.is_error()) {
            EXPECT_EQ(result.error().code(), ENOMEM);
            break;
        }
        PhysAddr address = result.value();
        ASSERT_LT(pfn_of(address), RAM_PAGES);
        ASSERT_FALSE(seen[pfn_of(address)]) << "page handed out twice";
        seen[pfn_of(address)] = true;
        blocks.push_back({address, 0});
    }
    EXPECT_EQ(blocks.size(), RAM_PAGES);
    EXPECT_EQ(pa.used_pages(), RAM_PAGES);
    EXPECT_EQ(pa.free_pages(), 0u);

    std::mt19937_64 rng(20240601);
    std::shuffle(blocks.begin(), blocks.end(), rng);
    free_all(blocks);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
    EXPECT_EQ(pa.free_pages(), RAM_PAGES);
    EXPECT_EQ(pa.used_pages(), 0u);
}

// Random allocations and frees of mixed orders; every block is stamped with its id in all of
// its pages and checked on free, and counters are checked against a model after every step.
TEST_F(PageAllocatorTest, RandomMixedOrdersStress) {
    auto& pa = page_allocator();
    std::mt19937_64 rng(42);
    std::vector<Block> live;
    std::vector<bool> owned(RAM_PAGES);
    size_t used = 0;
    for (int step = 0; step < 20000; ++step) {
        bool do_allocate = live.empty() || rng() % 100 < 55;
        if (do_allocate) {
            unsigned order = std::min<unsigned>(unsigned(std::countr_zero(rng() | (1u << MAX_ORDER))), MAX_ORDER);
            auto result = pa.allocate(order);
            if (result.is_error()) {
                // Only when no free block is big enough.
                for (unsigned o = order; o <= MAX_ORDER; ++o)
                    ASSERT_EQ(pa.free_blocks(o), 0u);
                continue;
            }
            PhysAddr address = result.value();
            ASSERT_TRUE(is_aligned(address, PAGE_SIZE << order));
            for (size_t pfn = pfn_of(address); pfn < pfn_of(address) + pages_in(order); ++pfn) {
                ASSERT_FALSE(owned[pfn]) << "overlap at pfn " << pfn;
                owned[pfn] = true;
                __builtin_memcpy(virt(PhysAddr(pfn) << PAGE_SHIFT), &step, sizeof(step));
            }
            live.push_back({address, order});
            used += pages_in(order);
        } else {
            size_t index = rng() % live.size();
            Block block = live[index];
            live[index] = live.back();
            live.pop_back();
            int stamp;
            __builtin_memcpy(&stamp, virt(block.address), sizeof(stamp));
            for (size_t pfn = pfn_of(block.address); pfn < pfn_of(block.address) + pages_in(block.order); ++pfn) {
                int other;
                __builtin_memcpy(&other, virt(PhysAddr(pfn) << PAGE_SHIFT), sizeof(other));
                ASSERT_EQ(other, stamp) << "block contents overwritten";
                owned[pfn] = false;
            }
            pa.free(block.address, block.order);
            used -= pages_in(block.order);
        }
        ASSERT_EQ(pa.used_pages(), used);
        ASSERT_EQ(pa.free_pages() + pa.used_pages(), RAM_PAGES);
    }
    free_all(live);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

TEST_F(PageAllocatorTest, ConcurrentAllocateAndFree) {
    constexpr int THREADS = 4;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < THREADS; ++t) {
        threads.emplace_back([this, t, &failures] {
            std::mt19937_64 rng(1000 + t);
            std::vector<Block> mine;
            for (int step = 0; step < 5000; ++step) {
                if (mine.empty() || rng() % 2) {
                    unsigned order = unsigned(rng() % 4);
                    auto result = page_allocator().allocate(order);
                    if (result.is_error())
                        continue;
                    PhysAddr address = result.value();
                    for (size_t i = 0; i < pages_in(order); ++i)
                        __builtin_memset(virt(address + i * PAGE_SIZE), t + 1, 64);
                    mine.push_back({address, order});
                } else {
                    Block block = mine.back();
                    mine.pop_back();
                    for (size_t i = 0; i < pages_in(block.order); ++i)
                        for (int j = 0; j < 64; ++j)
                            if (virt(block.address + i * PAGE_SIZE)[j] != t + 1)
                                failures.fetch_add(1);
                    page_allocator().free(block.address, block.order);
                }
            }
            free_all(mine);
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(failures.load(), 0) << "another thread wrote into a block this one owned";
    EXPECT_EQ(page_allocator().used_pages(), 0u);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

// ---- Fault injection --------------------------------------------------------------------

bool always_fail() { return true; }

TEST_F(PageAllocatorTest, FailHookForcesEnomem) {
    auto& pa = page_allocator();
    EXPECT_EQ(mm::set_fail_hook(&always_fail), nullptr);
    EXPECT_EQ(mm::fail_hook(), &always_fail);
    auto result = pa.allocate(0);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOMEM);
    EXPECT_EQ(pa.used_pages(), 0u);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
    // Layered allocators that consulted the hook themselves bypass it.
    PhysAddr address = MUST(pa.allocate_without_fault_injection(0));
    EXPECT_EQ(mm::set_fail_hook(nullptr), &always_fail);
    pa.free(address, 0);
    EXPECT_FALSE(mm::should_fail_allocation());
}

TEST_F(PageAllocatorTest, FailNthFailsExactlyTheNthAllocation) {
    auto& pa = page_allocator();
    FailNth::arm(3);
    PhysAddr first = MUST(pa.allocate(0));
    PhysAddr second = MUST(pa.allocate(2));
    auto third = pa.allocate(1);
    ASSERT_TRUE(third.is_error());
    EXPECT_EQ(third.error().code(), ENOMEM);
    PhysAddr fourth = MUST(pa.allocate(0));
    EXPECT_EQ(FailNth::calls, 4);
    mm::set_fail_hook(nullptr);
    pa.free(first, 0);
    pa.free(second, 2);
    pa.free(fourth, 0);
    EXPECT_EQ(free_block_counts(), m_baseline_blocks);
}

// ---- Misuse is caught -------------------------------------------------------------------

TEST_F(PageAllocatorDeathTest, DoubleFree) {
    PhysAddr address = MUST(page_allocator().allocate(0));
    PhysAddr keep = MUST(page_allocator().allocate(0));  // keeps `address` from merging away
    page_allocator().free(address, 0);
    EXPECT_DEATH(page_allocator().free(address, 0), "VERIFY");
    page_allocator().free(keep, 0);
}

TEST_F(PageAllocatorDeathTest, WrongOrder) {
    PhysAddr address = MUST(page_allocator().allocate(2));
    EXPECT_DEATH(page_allocator().free(address, 1), "VERIFY");
    EXPECT_DEATH(page_allocator().free(address, 3), "VERIFY");
    page_allocator().free(address, 2);
}

TEST_F(PageAllocatorDeathTest, BadOrderOrAddress) {
    PhysAddr address = MUST(page_allocator().allocate(2));
    EXPECT_DEATH(page_allocator().free(address + PAGE_SIZE, 0), "VERIFY");  // a tail page
    EXPECT_DEATH(page_allocator().free(address + 8, 2), "VERIFY");          // misaligned
    EXPECT_DEATH(page_allocator().free(address, MAX_ORDER + 1), "VERIFY");
    EXPECT_DEATH((void)page_allocator().allocate(MAX_ORDER + 1), "VERIFY");
    EXPECT_DEATH(page_allocator().free(RAM_SIZE, 0), "VERIFY");  // beyond the array
    EXPECT_DEATH((void)page_allocator().page_for(RAM_SIZE), "VERIFY");
    page_allocator().free(address, 2);
}

TEST_F(PageAllocatorDeathTest, FreeingAPageWhoseOwnerDidNotLetGo) {
    PhysAddr address = MUST(page_allocator().allocate(0));
    page_allocator().page_for(address)->m_usage = PageUsage::Slab;
    EXPECT_DEATH(page_allocator().free(address, 0), "VERIFY");
    page_allocator().page_for(address)->m_usage = PageUsage::None;
    page_allocator().free(address, 0);
}

TEST_F(PageAllocatorDeathTest, ReservingAnAllocatedPage) {
    PhysAddr address = MUST(page_allocator().allocate(3));
    EXPECT_DEATH(page_allocator().reserve_range(address, address + PAGE_SIZE), "VERIFY");
    EXPECT_DEATH(page_allocator().reserve_range(address + 2 * PAGE_SIZE, address + 3 * PAGE_SIZE), "VERIFY");
    page_allocator().free(address, 3);
}

TEST_F(PageAllocatorDeathTest, OverlappingFreeRanges) {
    EXPECT_DEATH(page_allocator().add_free_range(RAM_SIZE - MiB, RAM_SIZE), "VERIFY");
}

// ---- Ranges, holes and reservations, on metadata only -----------------------------------
//
// These use a Page array but no backing RAM: "physical memory" is a PROT_NONE mapping, so the
// test would crash if the allocator touched the frames it manages.

class BuddyRangeTest : public ::testing::Test {
protected:
    void use_pfns(size_t page_count) {
        m_ram = std::make_unique<MetadataOnlyRam>(uint64_t(page_count) * PAGE_SIZE);
        m_pages = make_page_array(page_count);
        page_allocator().init(m_pages.get(), page_count);
    }
    void TearDown() override {
        mm::set_fail_hook(nullptr);
        page_allocator().init(nullptr, 0);
    }

    // Allocates everything, largest blocks first; checks each page is expected and handed out
    // once; returns the blocks.
    std::vector<Block> allocate_everything(const std::vector<bool>& expected) {
        std::vector<Block> blocks;
        std::vector<bool> taken(expected.size());
        for (unsigned order = MAX_ORDER + 1; order-- > 0;) {
            while (true) {
                auto result = page_allocator().allocate(order);
                if (result.is_error())
                    break;
                PhysAddr address = result.value();
                EXPECT_TRUE(is_aligned(address, PAGE_SIZE << order));
                for (size_t pfn = pfn_of(address); pfn < pfn_of(address) + pages_in(order); ++pfn) {
                    if (pfn >= expected.size() || !expected[pfn] || taken[pfn]) {
                        ADD_FAILURE() << "pfn " << pfn << " should not have been handed out";
                        return blocks;
                    }
                    taken[pfn] = true;
                }
                blocks.push_back({address, order});
            }
        }
        return blocks;
    }

    std::unique_ptr<MetadataOnlyRam> m_ram;
    std::unique_ptr<Page[]> m_pages;
};

using BuddyRangeDeathTest = BuddyRangeTest;

TEST_F(BuddyRangeTest, RangeIsRoundedAndSplitIntoMaximalAlignedBlocks) {
    use_pfns(64);
    auto& pa = page_allocator();
    // [0x2005, 0x97ff] rounds to pfns [3, 9): blocks {3}, {4..7}, {8}.
    pa.add_free_range(0x2005, 0x97ff + 1);
    EXPECT_EQ(pa.total_pages(), 6u);
    EXPECT_EQ(pa.free_blocks(0), 2u);
    EXPECT_EQ(pa.free_blocks(1), 0u);
    EXPECT_EQ(pa.free_blocks(2), 1u);
    // pfns [9, 16) merge with {8} into {8..15}.
    pa.add_free_range(9 * PAGE_SIZE, 16 * PAGE_SIZE);
    EXPECT_EQ(pa.free_blocks(0), 1u);
    EXPECT_EQ(pa.free_blocks(2), 1u);
    EXPECT_EQ(pa.free_blocks(3), 1u);
    // pfns [0, 3) complete {0..15}.
    pa.add_free_range(0, 3 * PAGE_SIZE);
    for (unsigned order = 0; order <= MAX_ORDER; ++order)
        EXPECT_EQ(pa.free_blocks(order), order == 4 ? 1u : 0u) << "order " << order;
    EXPECT_EQ(pa.total_pages(), 16u);
    EXPECT_EQ(pa.free_pages(), 16u);
}

TEST_F(BuddyRangeTest, EmptyTinyAndOutOfRangeRanges) {
    use_pfns(1024);
    auto& pa = page_allocator();
    pa.add_free_range(0x1001, 0x1fff);    // less than a page once rounded
    pa.add_free_range(0x5000, 0x5000);    // empty
    pa.add_free_range(0x9000, 0x3000);    // backwards
    pa.add_free_range(8 * MiB, 16 * MiB); // beyond the array
    EXPECT_EQ(pa.total_pages(), 0u);
    EXPECT_TRUE(pa.allocate(0).is_error());
    pa.add_free_range(0, ~uint64_t(0));  // clipped to the array, no overflow
    EXPECT_EQ(pa.total_pages(), 1024u);
    EXPECT_EQ(pa.free_blocks(MAX_ORDER), 1u);
}

TEST_F(BuddyRangeTest, ReserveAfterFreeSplitsTheBlockAroundIt) {
    use_pfns(1024);
    auto& pa = page_allocator();
    pa.add_free_range(0, 4 * MiB);
    pa.reserve_range(5 * PAGE_SIZE, 6 * PAGE_SIZE);
    EXPECT_EQ(pa.total_pages(), 1023u);
    EXPECT_EQ(pa.free_pages(), 1023u);
    // Halving 0..1023 around pfn 5 gives back one block of every order below MAX_ORDER.
    for (unsigned order = 0; order <= MAX_ORDER; ++order)
        EXPECT_EQ(pa.free_blocks(order), order < MAX_ORDER ? 1u : 0u) << "order " << order;
    auto after_reserve = free_block_counts();

    std::vector<bool> expected(1024, true);
    expected[5] = false;
    auto blocks = allocate_everything(expected);
    EXPECT_EQ(pa.used_pages(), 1023u);
    free_all(blocks);
    // Pfn 5 stays out, so nothing may merge across it.
    EXPECT_EQ(free_block_counts(), after_reserve);
}

TEST_F(BuddyRangeTest, ReserveBeforeFreeIsRemembered) {
    use_pfns(1024);
    auto& pa = page_allocator();
    pa.reserve_range(5 * PAGE_SIZE, 6 * PAGE_SIZE);
    pa.reserve_range(5 * PAGE_SIZE, 6 * PAGE_SIZE);  // twice is fine
    pa.add_free_range(0, 4 * MiB);
    EXPECT_EQ(pa.total_pages(), 1023u);
    std::vector<bool> expected(1024, true);
    expected[5] = false;
    auto blocks = allocate_everything(expected);
    EXPECT_EQ(pa.used_pages(), 1023u);
    free_all(blocks);
}

TEST_F(BuddyRangeTest, ReserveSpanningBlocksWidensToPages) {
    use_pfns(4096);
    auto& pa = page_allocator();
    pa.add_free_range(0, 16 * MiB);
    // [1 MiB + 0x800, 9 MiB - 1) widens to pfns [256, 2304): 2048 pages over three 4 MiB blocks.
    pa.reserve_range(MiB + 0x800, 9 * MiB - 1);
    EXPECT_EQ(pa.total_pages(), 4096u - 2048u);
    EXPECT_EQ(pa.free_pages(), 4096u - 2048u);
    std::vector<bool> expected(4096, true);
    for (size_t pfn = 256; pfn < 2304; ++pfn)
        expected[pfn] = false;
    auto blocks = allocate_everything(expected);
    EXPECT_EQ(pa.used_pages(), 2048u);
    free_all(blocks);
    EXPECT_EQ(pa.used_pages(), 0u);
    // Reserving overlapping and already-reserved ranges again changes nothing.
    pa.reserve_range(MiB, 2 * MiB);
    EXPECT_EQ(pa.total_pages(), 4096u - 2048u);
}

TEST_F(BuddyRangeDeathTest, OverlappingFreeRanges) {
    use_pfns(1024);
    page_allocator().add_free_range(0, 2 * MiB);
    EXPECT_DEATH(page_allocator().add_free_range(MiB, 3 * MiB), "VERIFY");
}

// Boot-like memory maps, from 128 MiB to 16 GiB of RAM (QEMU's e820 with the low-memory
// hole, the PCI hole below 4 GiB and RAM remapped above it), with the kernel image reserved
// before the free ranges are added and the Page array reserved after.
struct Range {
    PhysAddr start, end;
};
struct Layout {
    const char* name;
    std::vector<Range> usable;
    Range kernel_image;  // reserved before add_free_range
};

class BootLayoutTest : public BuddyRangeTest, public ::testing::WithParamInterface<Layout> {};

TEST_P(BootLayoutTest, AllocatesExactlyTheUsableUnreservedPages) {
    const Layout& layout = GetParam();
    PhysAddr top = 0;
    for (auto& range : layout.usable)
        top = std::max(top, range.end);
    size_t page_count = size_t(align_up(top, PAGE_SIZE) >> PAGE_SHIFT);
    use_pfns(page_count);
    auto& pa = page_allocator();
    // Where boot code would put the Page array: right after the kernel image.
    Range page_array{layout.kernel_image.end, layout.kernel_image.end + page_count * sizeof(Page)};

    // The model: usable pages (rounded inwards) minus reservations (rounded outwards).
    std::vector<bool> expected(page_count);
    for (auto& range : layout.usable)
        for (size_t pfn = size_t(align_up(range.start, PAGE_SIZE) >> PAGE_SHIFT); pfn < (range.end >> PAGE_SHIFT); ++pfn)
            expected[pfn] = true;
    for (auto& range : {layout.kernel_image, page_array})
        for (size_t pfn = range.start >> PAGE_SHIFT; pfn < align_up(range.end, PAGE_SIZE) >> PAGE_SHIFT; ++pfn)
            expected[pfn] = false;
    size_t expected_total = size_t(std::count(expected.begin(), expected.end(), true));

    pa.reserve_range(layout.kernel_image.start, layout.kernel_image.end);
    for (auto& range : layout.usable)
        pa.add_free_range(range.start, range.end);
    pa.reserve_range(page_array.start, page_array.end);
    EXPECT_EQ(pa.total_pages(), expected_total);
    EXPECT_EQ(pa.free_pages(), expected_total);
    size_t counted = 0;
    for (unsigned order = 0; order <= MAX_ORDER; ++order)
        counted += pa.free_blocks(order) * pages_in(order);
    EXPECT_EQ(counted, expected_total);
    auto baseline = free_block_counts();

    auto blocks = allocate_everything(expected);
    EXPECT_EQ(pa.used_pages(), expected_total);
    EXPECT_EQ(pa.free_pages(), 0u);
    EXPECT_TRUE(pa.allocate(0).is_error());

    std::mt19937_64 rng(7);
    std::shuffle(blocks.begin(), blocks.end(), rng);
    free_all(blocks);
    EXPECT_EQ(free_block_counts(), baseline);
    EXPECT_EQ(pa.free_pages(), expected_total);
    EXPECT_EQ(pa.used_pages(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, BootLayoutTest,
    ::testing::Values(
        Layout{"qemu_128MiB", {{0, 0x9fc00}, {0x100000, 0x7fe0000}}, {0x100000, 0x5a3000}},
        Layout{"qemu_1GiB", {{0, 0x9fc00}, {0x100000, 0x3ffdf000}}, {0x100000, 0x5a3000}},
        Layout{"pc_4GiB_pci_hole",
               {{0, 0x9fc00}, {0x100000, 0xbffdf000}, {0x100000000, 0x140000000}},
               {0x200000, 0x800000}},
        Layout{"q35_16GiB_pci_hole",
               {{0, 0x9fc00}, {0x100000, 0x7ffdf000}, {0x100000000, 0x480000000}},
               {0x100000, 0x5a3000}},
        Layout{"unaligned_fragments",
               {{0x1800, 0x9fc00}, {0x100000 + 1, 0x3ff000 + 0x7ff}, {0x400000, 0x401000},
                {0x800000 - PAGE_SIZE, 0x2000000 - 3 * PAGE_SIZE}},
               {0x1000000, 0x1234567}}),
    [](const ::testing::TestParamInfo<Layout>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kernel::mmtest
