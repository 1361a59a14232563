// Hosted tests of the pieces under address spaces (mm/Vma.h): user-frame reference counts,
// shared anonymous memory, the merge rule, the stack guard gap, and the host page-table fake.
#include <gtest/gtest.h>

#include "MmTestSupport.h"
#include "mm/UserAccess.h"
#include "mm/Vma.h"

namespace kernel::mmtest {
namespace {

constexpr uint64_t P = PAGE_SIZE;
using VmaTest = MmTest;

TEST_F(VmaTest, UserFramesAreFreedByTheirLastPut) {
    PhysAddr frame = MUST(alloc_zeroed_user_frame());
    EXPECT_EQ(user_frame_refcount(frame), 1u);
    EXPECT_EQ(virt(frame)[100], 0);
    get_user_frame(frame);
    EXPECT_EQ(user_frame_refcount(frame), 2u);
    put_user_frame(frame);
    EXPECT_EQ(page_allocator().used_pages(), 1u);
    put_user_frame(frame);
    EXPECT_EQ(page_allocator().used_pages(), 0u);
    EXPECT_EQ(page_allocator().page_for(frame)->m_refcount.load(), 0u);
}

TEST_F(VmaTest, SharedMemoryHandsOutOneFramePerIndex) {
    {
        auto shared = MUST(SharedMemory::create(1000));
        EXPECT_EQ(shared->page_count(), 1000u);
        EXPECT_EQ(shared->resident_pages(), 0u);
        PhysAddr a = MUST(shared->get_frame(999));
        PhysAddr b = MUST(shared->get_frame(999));
        EXPECT_EQ(a, b);
        EXPECT_EQ(user_frame_refcount(a), 3u);  // the object's and two callers'
        EXPECT_EQ(virt(a)[0], 0);
        put_user_frame(a);
        put_user_frame(b);
        EXPECT_EQ(shared->resident_pages(), 1u);
        PhysAddr c = MUST(shared->get_frame(0));
        EXPECT_NE(c, a);
        EXPECT_EQ(shared->resident_pages(), 2u);
        put_user_frame(c);
        EXPECT_EQ(user_frame_refcount(c), 1u);  // the object keeps it
    }
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

TEST_F(VmaTest, SharedMemoryCreationFailsCleanly) {
    for (int nth = 1; nth <= 2; ++nth) {
        FailNth::arm(nth);
        auto shared = SharedMemory::create(10);
        mm::set_fail_hook(nullptr);
        ASSERT_TRUE(shared.is_error());
        EXPECT_EQ(shared.error().code(), ENOMEM);
    }
    EXPECT_TRUE(SharedMemory::create(uint64_t(1) << 40).is_error());  // beyond the directory's reach
}

TEST_F(VmaTest, NeighboursMergeWhenEverythingRunsOn) {
    auto a = MUST(Vma::create());
    auto b = MUST(Vma::create());
    a->m_start = 0x10000;
    a->m_end = 0x12000;
    a->m_flags = VM_READ | VM_MAYREAD;
    a->m_pgoff = 0x10;
    b->copy_backing_from(*a);
    b->m_start = 0x12000;
    b->m_end = 0x13000;
    b->m_pgoff = 0x12;
    EXPECT_TRUE(a->can_merge_with(*b));
    b->m_pgoff = 0x13;  // offsets do not run on
    EXPECT_FALSE(a->can_merge_with(*b));
    b->m_pgoff = 0x12;
    b->m_flags |= VM_WRITE;
    EXPECT_FALSE(a->can_merge_with(*b));
    b->m_flags = a->m_flags;
    b->m_start = 0x13000;  // a gap
    EXPECT_FALSE(a->can_merge_with(*b));
    b->m_start = 0x12000;
    b->m_shared = MUST(SharedMemory::create(1));
    EXPECT_FALSE(a->can_merge_with(*b));
}

TEST_F(VmaTest, AStackKeepsAGuardGapBelowIt) {
    auto stack = MUST(Vma::create());
    stack->m_start = 0x40000000;
    stack->m_end = 0x40004000;
    EXPECT_EQ(stack->start_gap(), 0x40000000u);
    stack->m_flags = VM_GROWSDOWN;
    EXPECT_EQ(stack->start_gap(), 0x40000000u - STACK_GUARD_GAP);
    stack->m_start = 0x10000;
    EXPECT_EQ(stack->start_gap(), 0u);
}

TEST_F(VmaTest, CopyOnWriteFramesLoseWriteInThePageTable) {
    auto vma = MUST(Vma::create());
    vma->m_flags = VM_READ | VM_WRITE;
    PhysAddr frame = MUST(alloc_user_frame());
    EXPECT_EQ(vma->pte_prot(frame), arch::PAGE_PROT_READ | arch::PAGE_PROT_WRITE);
    get_user_frame(frame);
    EXPECT_EQ(vma->pte_prot(frame), arch::PAGE_PROT_READ);
    vma->m_flags |= VM_SHARED;  // shared memory is shared on purpose: writable
    EXPECT_EQ(vma->pte_prot(frame), arch::PAGE_PROT_READ | arch::PAGE_PROT_WRITE);
    put_user_frame(frame);
    put_user_frame(frame);
}

TEST_F(VmaTest, HostPageTableAllocatesAndFreesItsTables) {
    arch::UserPageTable table;
    MUST(table.create());
    PhysAddr frame = MUST(alloc_user_frame());
    MUST(table.map(0x40000000, frame, arch::PAGE_PROT_WRITE));
    MUST(table.map(0x40200000, frame, arch::PAGE_PROT_NONE));
    EXPECT_EQ(table.table_pages(), 2u);
    EXPECT_EQ(table.lookup(0x40000000)->prot, arch::PAGE_PROT_READ | arch::PAGE_PROT_WRITE);
    EXPECT_EQ(table.lookup(0x40200000)->prot, arch::PAGE_PROT_NONE);
    EXPECT_FALSE(table.lookup(0x40001000).has_value());
    int unmapped = 0;
    table.unmap_range(
        0, USER_SPACE_END, [](void* count, VirtAddr, PhysAddr) { ++*static_cast<int*>(count); }, &unmapped);
    EXPECT_EQ(unmapped, 2);
    EXPECT_EQ(table.table_pages(), 0u);
    table.destroy();
    put_user_frame(frame);
    FailNth::arm(1);
    EXPECT_TRUE(table.create().is_error());
    mm::set_fail_hook(nullptr);
}

}  // namespace
}  // namespace kernel::mmtest
