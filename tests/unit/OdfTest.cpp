// Hosted tests of on-demand fork (ARCHITECTURE.md, "Lazy page-table copy at fork"; docs/memory.md):
// fork shares the last-level page tables wholly inside private areas instead of copying them,
// read-only for every sharer; the first change to one in any sharer (a write fault, a fault that
// maps a page, munmap/mprotect/madvise/brk/mmap over part of it) gets that sharer its own copy,
// or the original back when it is the last; exit and a whole-table munmap drop a shared table
// without touching its leaves. Fault-injection sweeps show every allocation of an unshare can
// fail with ENOMEM and leave everything, page counters included, as it was.
#include <gtest/gtest.h>

#include <vector>

#include "MmTestSupport.h"
#include "mm/AddressSpace.h"

namespace kernel::mmtest {
namespace {

constexpr uint64_t P = PAGE_SIZE;
constexpr uint64_t T = arch::PAGE_TABLE_SPAN;  // 2 MiB: one page table
constexpr uint64_t RW = PROT_READ | PROT_WRITE;
constexpr uint64_t ANON = MAP_PRIVATE | MAP_ANONYMOUS;
constexpr uint64_t SHARED_ANON = MAP_SHARED | MAP_ANONYMOUS;
constexpr VirtAddr A = 0x40000000;  // table aligned
using Kind = FaultAccess::Kind;

// The MMU, as in AddressSpaceTest: an access the page table allows goes to the frame, any other
// faults and is retried once.
ErrorOr<uint8_t*> access(MmStruct& mm, VirtAddr addr, Kind kind) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto mapping = mm.page_table().lookup(align_down(addr, P));
        bool allowed = mapping && (kind == Kind::Write ? (mapping->prot & arch::PAGE_PROT_WRITE)
                                                       : (mapping->prot & arch::PAGE_PROT_READ));
        if (allowed)
            return static_cast<uint8_t*>(arch::phys_to_virt(mapping->frame)) + (addr & (P - 1));
        TRY(handle_page_fault(mm, addr, FaultAccess{kind, true}));
    }
    ADD_FAILURE() << "the fault handler returned success but the access still faults";
    return Error::from_errno(EFAULT);
}
int write_byte(MmStruct& mm, VirtAddr addr, uint8_t value) {
    auto p = access(mm, addr, Kind::Write);
    if (p.is_error())
        return p.error().code();
    *p.value() = value;
    return 0;
}
int read_byte(MmStruct& mm, VirtAddr addr) {
    auto p = access(mm, addr, Kind::Read);
    return p.is_error() ? -p.error().code() : *p.value();
}
PhysAddr frame_at(MmStruct& mm, VirtAddr addr) { return mm.page_table().lookup(addr)->frame; }
uint32_t sharers(MmStruct& mm, VirtAddr addr) { return mm.page_table().table_sharers(addr); }

class OdfTest : public MmTest {
protected:
    void SetUp() override {
        MmTest::SetUp();
        if (HasFatalFailure())
            return;
        m_mm = MUST(MmStruct::create());
    }
    void TearDown() override {
        m_mm = nullptr;
        MmTest::TearDown();
    }
    MmStruct& mm() { return *m_mm; }

    // `tables` page tables' worth of private memory at A, every page written with its index.
    void fill(size_t tables) {
        ASSERT_EQ(MUST(mm().do_mmap(nullptr, A, tables * T, RW, ANON | MAP_FIXED, 0)), A);
        for (uint64_t off = 0; off < tables * T; off += P)
            ASSERT_EQ(write_byte(mm(), A + off, uint8_t(off / P)), 0);
    }
    void expect_contents(MmStruct& space, VirtAddr start, VirtAddr end) {
        for (VirtAddr v = start; v < end; v += 61 * P)
            EXPECT_EQ(read_byte(space, v), uint8_t((v - A) / P)) << std::hex << v;
    }

    RefPtr<MmStruct> m_mm;
};

TEST_F(OdfTest, ForkSharesWholeTablesOfPrivateAreasWithoutTouchingFrames) {
    fill(4);
    PhysAddr frame = frame_at(mm(), A + 5 * P);
    size_t used = page_allocator().used_pages();
    RefPtr<MmStruct> child = MUST(mm().dup());
    // The child's root is its only page: no page table and no frame was copied or referenced.
    EXPECT_EQ(page_allocator().used_pages(), used + 1);
    EXPECT_EQ(user_frame_refcount(frame), 1u);
    for (VirtAddr v = A; v < A + 4 * T; v += T) {
        EXPECT_EQ(sharers(mm(), v), 2u);
        EXPECT_EQ(sharers(*child, v), 2u);
    }
    EXPECT_EQ(frame_at(*child, A + 5 * P), frame);
    // Read-only for both, as the MMU sees it; reads need no fault and no copy.
    EXPECT_FALSE(mm().page_table().lookup(A)->prot & arch::PAGE_PROT_WRITE);
    EXPECT_FALSE(child->page_table().lookup(A)->prot & arch::PAGE_PROT_WRITE);
    expect_contents(*child, A, A + 4 * T);
    EXPECT_EQ(page_allocator().used_pages(), used + 1);
}

TEST_F(OdfTest, WriteFaultUnsharesOneTableCopyOnWrite) {
    fill(2);
    RefPtr<MmStruct> child = MUST(mm().dup());
    PhysAddr frame = frame_at(mm(), A + 7 * P);
    size_t used = page_allocator().used_pages();

    ASSERT_EQ(write_byte(*child, A + 7 * P, 0xaa), 0);
    // The child has its own copy of that table (one page), and a copy of the written frame.
    EXPECT_EQ(page_allocator().used_pages(), used + 2);
    EXPECT_EQ(sharers(*child, A), 1u);
    EXPECT_EQ(sharers(mm(), A), 1u);
    EXPECT_EQ(sharers(*child, A + T), 2u);  // the other table stays shared
    EXPECT_NE(frame_at(*child, A + 7 * P), frame);
    EXPECT_EQ(user_frame_refcount(frame), 1u);
    EXPECT_EQ(user_frame_refcount(frame_at(mm(), A + 8 * P)), 2u);  // one per table now
    EXPECT_EQ(read_byte(mm(), A + 7 * P), 7);
    EXPECT_EQ(read_byte(*child, A + 7 * P), 0xaa);

    // The parent is the table's last user: it gets it back in place, no copy, and its frames
    // shared with the child's copy are copy-on-write.
    ASSERT_EQ(write_byte(mm(), A + 8 * P, 0xbb), 0);
    EXPECT_EQ(page_allocator().used_pages(), used + 3);  // just the copied frame
    EXPECT_EQ(read_byte(*child, A + 8 * P), 8);
    // The parent's last-holder page is written in place.
    ASSERT_EQ(write_byte(mm(), A + 7 * P, 0xcc), 0);
    EXPECT_EQ(frame_at(mm(), A + 7 * P), frame);
    EXPECT_EQ(page_allocator().used_pages(), used + 3);
    expect_contents(*child, A + T, A + 2 * T);
}

TEST_F(OdfTest, FaultThatMapsAPageUnsharesToo) {
    ASSERT_EQ(MUST(mm().do_mmap(nullptr, A, T, RW, ANON | MAP_FIXED, 0)), A);
    ASSERT_EQ(write_byte(mm(), A, 1), 0);
    RefPtr<MmStruct> child = MUST(mm().dup());
    EXPECT_EQ(read_byte(*child, A + P), 0);  // a new page: the child's table must be its own
    EXPECT_EQ(sharers(*child, A), 1u);
    EXPECT_FALSE(mm().page_table().lookup(A + P).has_value());
    EXPECT_EQ(read_byte(*child, A), 1);
}

TEST_F(OdfTest, ExitDropsSharedTablesWhole) {
    fill(2);
    size_t used = page_allocator().used_pages();
    RefPtr<MmStruct> child = MUST(mm().dup());
    child = nullptr;
    EXPECT_EQ(page_allocator().used_pages(), used);
    EXPECT_EQ(sharers(mm(), A), 1u);
    // Still marked, but the last user writes without any copy.
    ASSERT_EQ(write_byte(mm(), A + 3 * P, 0x33), 0);
    EXPECT_EQ(page_allocator().used_pages(), used);
    EXPECT_EQ(user_frame_refcount(frame_at(mm(), A + 3 * P)), 1u);

    // The other way round: the parent goes, the child keeps everything.
    child = MUST(mm().dup());
    m_mm = nullptr;
    EXPECT_EQ(read_byte(*child, A + 3 * P), 0x33);
    EXPECT_EQ(read_byte(*child, A + T + 9 * P), uint8_t(512 + 9));
    EXPECT_EQ(user_frame_refcount(frame_at(*child, A + T)), 1u);
    ASSERT_EQ(write_byte(*child, A + T, 1), 0);
    m_mm = child;
}

TEST_F(OdfTest, ThreeGenerationsShareOneTable) {
    fill(1);
    RefPtr<MmStruct> child = MUST(mm().dup());
    RefPtr<MmStruct> grandchild = MUST(child->dup());
    EXPECT_EQ(sharers(mm(), A), 3u);
    ASSERT_EQ(write_byte(*child, A + 2 * P, 0x22), 0);
    EXPECT_EQ(sharers(mm(), A), 2u);
    EXPECT_EQ(sharers(*grandchild, A), 2u);
    EXPECT_EQ(read_byte(*grandchild, A + 2 * P), 2);
    EXPECT_EQ(read_byte(mm(), A + 2 * P), 2);
    child = nullptr;
    grandchild = nullptr;
    EXPECT_EQ(sharers(mm(), A), 1u);
    expect_contents(mm(), A, A + T);
}

TEST_F(OdfTest, SharedAreasAndPartlyCoveredTablesAreCopied) {
    // MAP_SHARED stays coherent: its tables are copied, never shared.
    VirtAddr s = MUST(mm().do_mmap(nullptr, 0x80000000, 2 * T, RW, SHARED_ANON | MAP_FIXED, 0));
    ASSERT_EQ(write_byte(mm(), s + P, 1), 0);
    // A private area that covers no table whole, and one with a shared middle and copied ends.
    VirtAddr small = MUST(mm().do_mmap(nullptr, 0x90000000 + P, T, RW, ANON | MAP_FIXED, 0));
    ASSERT_EQ(write_byte(mm(), small, 2), 0);
    VirtAddr big = MUST(mm().do_mmap(nullptr, 0xa0000000 - P, 2 * T + 2 * P, RW, ANON | MAP_FIXED, 0));
    for (VirtAddr v : {big, big + P, big + T, big + 2 * T + P})
        ASSERT_EQ(write_byte(mm(), v, 3), 0);
    RefPtr<MmStruct> child = MUST(mm().dup());
    EXPECT_EQ(sharers(*child, s), 1u);
    EXPECT_EQ(sharers(*child, small), 1u);
    EXPECT_EQ(sharers(*child, big), 1u);
    EXPECT_EQ(sharers(*child, big + P), 2u);
    EXPECT_EQ(sharers(*child, big + T), 2u);
    EXPECT_EQ(sharers(*child, big + 2 * T + P), 1u);
    ASSERT_EQ(write_byte(*child, s + P, 9), 0);
    EXPECT_EQ(read_byte(mm(), s + P), 9);
    ASSERT_EQ(write_byte(mm(), s + 2 * T - P, 8), 0);
    EXPECT_EQ(read_byte(*child, s + 2 * T - P), 8);
}

TEST_F(OdfTest, EditsOverPartOfASharedTableStayPrivate) {
    fill(2);
    RefPtr<MmStruct> child = MUST(mm().dup());
    // munmap a page in the child: the parent keeps it.
    MUST(child->do_munmap(A + 4 * P, P));
    EXPECT_EQ(sharers(*child, A), 1u);
    EXPECT_EQ(read_byte(mm(), A + 4 * P), 4);
    EXPECT_EQ(read_byte(*child, A + 4 * P), -EFAULT);
    // mprotect part of the parent's second table read-only: the child may still write there.
    MUST(mm().do_mprotect(A + T, 3 * P, PROT_READ));
    EXPECT_EQ(sharers(mm(), A + T), 1u);
    EXPECT_EQ(write_byte(*child, A + T, 0x77), 0);
    EXPECT_EQ(write_byte(mm(), A + T, 1), EFAULT);
    EXPECT_EQ(read_byte(mm(), A + T), 0);
    // MADV_DONTNEED in the child: the parent's pages stay.
    MUST(child->do_madvise(A + 9 * P, P, MADV_DONTNEED));
    EXPECT_EQ(read_byte(*child, A + 9 * P), 0);
    EXPECT_EQ(read_byte(mm(), A + 9 * P), 9);
    expect_contents(mm(), A, A + T);
}

TEST_F(OdfTest, MunmapOfAWholeSharedTableDropsIt) {
    fill(2);
    RefPtr<MmStruct> child = MUST(mm().dup());
    size_t used = page_allocator().used_pages();
    MUST(child->do_munmap(A, T));
    EXPECT_EQ(page_allocator().used_pages(), used);  // nothing freed, nothing copied
    EXPECT_EQ(sharers(mm(), A), 1u);
    EXPECT_EQ(sharers(*child, A + T), 2u);
    expect_contents(mm(), A, A + 2 * T);
    expect_contents(*child, A + T, A + 2 * T);
}

TEST_F(OdfTest, BrkShrinkAndMapFixedOverASharedTable) {
    mm().set_brk_start(A);
    ASSERT_EQ(mm().do_brk(A + 2 * T), A + 2 * T);
    for (uint64_t off = 0; off < 2 * T; off += P)
        ASSERT_EQ(write_byte(mm(), A + off, uint8_t(off / P)), 0);
    RefPtr<MmStruct> child = MUST(mm().dup());
    EXPECT_EQ(sharers(*child, A), 2u);
    ASSERT_EQ(child->do_brk(A + T + P), A + T + P);
    EXPECT_EQ(read_byte(*child, A + T + P), -EFAULT);
    EXPECT_EQ(read_byte(mm(), A + T + P), uint8_t(513));
    // MAP_FIXED over a page of the parent's (still shared) first table.
    ASSERT_EQ(MUST(mm().do_mmap(nullptr, A + P, P, RW, ANON | MAP_FIXED, 0)), A + P);
    EXPECT_EQ(read_byte(mm(), A + P), 0);
    EXPECT_EQ(read_byte(*child, A + P), 1);
}

TEST_F(OdfTest, RssCountsPagesUnderSharedTables) {
    fill(2);
    EXPECT_EQ(mm().rss(), 1024u);
    RefPtr<MmStruct> child = MUST(mm().dup());
    EXPECT_EQ(child->rss(), 1024u);
    // Unsharing (a write fault) changes what maps the pages, not how many there are.
    ASSERT_EQ(write_byte(*child, A + T + P, 1), 0);
    EXPECT_EQ(child->rss(), 1024u);
    EXPECT_EQ(mm().rss(), 1024u);
    // A shared table dropped whole counts its pages out without visiting them.
    MUST(mm().do_munmap(A, T));
    EXPECT_EQ(mm().rss(), 512u);
    EXPECT_EQ(mm().hiwater_rss(), 1024u);
    EXPECT_EQ(child->rss(), 1024u);
    MUST(child->do_munmap(A + 3 * P, 2 * P));
    EXPECT_EQ(child->rss(), 1022u);
    // A grandchild shares the child's remaining shared table and copies the unshared one.
    RefPtr<MmStruct> grandchild = MUST(child->dup());
    EXPECT_EQ(grandchild->rss(), 1022u);
    // Exit (the destructors) checks that every count came back to zero.
}

TEST_F(OdfTest, ForkAdviceOverPartOfASharedTable) {
    fill(2);
    RefPtr<MmStruct> child = MUST(mm().dup());
    // Marking half of each table: the area is split inside both tables, which must stop being
    // shared (a shared table lies wholly inside one area).
    MUST(mm().do_madvise(A + T / 2, T, MADV_DONTFORK));
    EXPECT_EQ(sharers(mm(), A), 1u);
    EXPECT_EQ(sharers(mm(), A + T), 1u);
    EXPECT_EQ(sharers(*child, A), 1u);
    RefPtr<MmStruct> second = MUST(mm().dup());
    EXPECT_EQ(second->map_count(), 2u);
    EXPECT_EQ(second->rss(), 512u);
    EXPECT_EQ(read_byte(*second, A + T / 2), -EFAULT);
    EXPECT_EQ(read_byte(*second, A + T + T / 2 - P), -EFAULT);
    EXPECT_EQ(read_byte(*second, A + T / 2 - P), uint8_t(T / 2 / P - 1));
    EXPECT_EQ(read_byte(*second, A + T + T / 2), uint8_t((T + T / 2) / P));
    expect_contents(mm(), A, A + 2 * T);
    expect_contents(*child, A, A + 2 * T);
    // Undoing it merges the pieces back into one area.
    MUST(mm().do_madvise(A, 2 * T, MADV_DOFORK));
    EXPECT_EQ(mm().map_count(), 1u);
}

TEST_F(OdfTest, WipeonforkAreaGetsNoSharedTable) {
    fill(2);
    RefPtr<MmStruct> child = MUST(mm().dup());  // the parent's tables are shared already
    MUST(mm().do_madvise(A, 2 * T, MADV_WIPEONFORK));
    RefPtr<MmStruct> second = MUST(mm().dup());
    EXPECT_EQ(sharers(*second, A), 0u);  // no table at all
    EXPECT_EQ(sharers(mm(), A), 2u);      // still shared with the first child only
    EXPECT_EQ(second->rss(), 0u);
    EXPECT_EQ(read_byte(*second, A + 5 * P), 0);
    EXPECT_EQ(sharers(*second, A), 1u);
    expect_contents(mm(), A, A + 2 * T);
    expect_contents(*child, A, A + 2 * T);
}

// ---- Failure injection ----

// As AddressSpaceTest's sweep: `op` on a fresh parent whose tables a child shares, with the nth
// allocation failing, until it succeeds after exactly `allocations` failures; each failure
// returns ENOMEM (op checks), changes no contents, and leaks nothing. A table unshared before
// the failure may stay unshared (that is invisible, and undoing it would need memory too): at
// most one page per table; everything is back at the baseline once both spaces are gone.
template <typename Op, typename Check>
void sweep(int allocations, size_t tables, Op op, Check check_failed) {
    size_t baseline = page_allocator().used_pages();
    for (int nth = 1;; ++nth) {
        ASSERT_LT(nth, 100);
        RefPtr<MmStruct> parent = MUST(MmStruct::create());
        MUST(parent->do_mmap(nullptr, A, tables * T, RW, ANON | MAP_FIXED, 0));
        for (uint64_t off = 0; off < tables * T; off += P)
            ASSERT_EQ(write_byte(*parent, A + off, uint8_t(off / P)), 0);
        RefPtr<MmStruct> child = MUST(parent->dup());
        size_t pages_before = page_allocator().used_pages();
        FailNth::arm(nth);
        bool ok = op(*parent, *child);
        int calls = FailNth::calls;
        mm::set_fail_hook(nullptr);
        if (ok) {
            EXPECT_LT(calls, nth) << "succeeded although allocation " << nth << " failed";
            EXPECT_EQ(nth - 1, allocations) << "allocation points";
        } else {
            EXPECT_LE(page_allocator().used_pages(), pages_before + tables) << "failure " << nth;
            check_failed(*parent, *child);
        }
        for (VirtAddr v = A; v < A + tables * T; v += 37 * P)
            EXPECT_EQ(read_byte(*child, v), uint8_t((v - A) / P)) << "failure " << nth;
        child = nullptr;
        parent = nullptr;
        ASSERT_EQ(page_allocator().used_pages(), baseline) << "failure " << nth << " leaked pages";
        if (ok)
            return;
    }
}

int error_of(const ErrorOr<void>& result) { return result.is_error() ? result.error().code() : 0; }

class OdfFailTest : public MmTest {};

TEST_F(OdfFailTest, UnsharingWriteFaultUnwinds) {
    // The table copy, then the page copy.
    sweep(2, 1,
          [](MmStruct& parent, MmStruct&) {
              int error = error_of(handle_page_fault(parent, A + 5 * P, FaultAccess{Kind::Write, true}));
              EXPECT_TRUE(error == 0 || error == ENOMEM);
              return error == 0;
          },
          [](MmStruct& parent, MmStruct& child) {
              // Nothing happened, or only the unshare (invisible): the page is the child's too.
              EXPECT_EQ(frame_at(parent, A + 5 * P), frame_at(child, A + 5 * P));
              EXPECT_EQ(read_byte(parent, A + 5 * P), 5);
          });
}

TEST_F(OdfFailTest, PartialMunmapUnwinds) {
    // The Vma for the split, then the copies of both tables the range cuts.
    sweep(3, 2,
          [](MmStruct& parent, MmStruct&) {
              int error = error_of(parent.do_munmap(A + T - P, 2 * P));
              EXPECT_TRUE(error == 0 || error == ENOMEM);
              return error == 0;
          },
          [](MmStruct& parent, MmStruct&) {
              EXPECT_EQ(read_byte(parent, A + T - P), uint8_t(511));
              EXPECT_EQ(read_byte(parent, A + T), 0);
          });
}

TEST_F(OdfFailTest, PartialMprotectUnwinds) {
    // Two Vmas for the splits, then the table copy.
    sweep(3, 1,
          [](MmStruct& parent, MmStruct&) {
              int error = error_of(parent.do_mprotect(A + 2 * P, 2 * P, PROT_READ));
              EXPECT_TRUE(error == 0 || error == ENOMEM);
              return error == 0;
          },
          [](MmStruct& parent, MmStruct&) { EXPECT_EQ(write_byte(parent, A + 2 * P, 2), 0); });
}

TEST_F(OdfFailTest, MadviseAndMunmapUnwind) {
    sweep(1, 1,
          [](MmStruct&, MmStruct& child) {
              int error = error_of(child.do_madvise(A + 3 * P, P, MADV_DONTNEED));
              EXPECT_TRUE(error == 0 || error == ENOMEM);
              return error == 0;
          },
          [](MmStruct&, MmStruct& child) { EXPECT_EQ(sharers(child, A), 2u); });
    // The Vma for the split, then the table copy.
    sweep(2, 1,
          [](MmStruct& parent, MmStruct&) {
              int error = error_of(parent.do_munmap(A + P, P));
              return error == 0;
          },
          [](MmStruct& parent, MmStruct&) { EXPECT_EQ(sharers(parent, A), 2u); });
}

TEST_F(OdfFailTest, ForkAdviceSplitUnwindsWithEagain) {
    // Two Vmas for the splits, then the table copy: madvise says EAGAIN for any of them.
    sweep(3, 1,
          [](MmStruct& parent, MmStruct&) {
              int error = error_of(parent.do_madvise(A + 2 * P, 2 * P, MADV_DONTFORK));
              EXPECT_TRUE(error == 0 || error == EAGAIN);
              return error == 0;
          },
          [](MmStruct& parent, MmStruct&) {
              EXPECT_EQ(parent.map_count(), 1u);
              EXPECT_EQ(read_byte(parent, A + 2 * P), 2);
          });
}

TEST_F(OdfFailTest, ForkOfASharingSpaceUnwinds) {
    // The grandchild's mm, root and Vma: its tables are shared, not copied.
    sweep(3, 2,
          [](MmStruct&, MmStruct& child) {
              auto grandchild = child.dup();
              if (grandchild.is_error())
                  EXPECT_EQ(grandchild.error().code(), ENOMEM);
              else
                  EXPECT_EQ(sharers(*grandchild.value(), A), 3u);
              return !grandchild.is_error();
          },
          [](MmStruct& parent, MmStruct&) { EXPECT_EQ(sharers(parent, A), 2u); });
}

}  // namespace
}  // namespace kernel::mmtest
