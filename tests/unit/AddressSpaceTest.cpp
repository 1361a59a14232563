// Hosted tests of address spaces (mm/AddressSpace.h): the mmap family with Linux's semantics
// and errors, brk, page faults, fork's dup with copy-on-write, and fault-injection sweeps that
// show every failure leaves the address space and the page counters as they were.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "MmTestSupport.h"
#include "mm/AddressSpace.h"
#include "mm/Slab.h"

namespace kernel::mmtest {
namespace {

constexpr uint64_t P = PAGE_SIZE;
constexpr uint64_t RW = PROT_READ | PROT_WRITE;
constexpr uint64_t ANON = MAP_PRIVATE | MAP_ANONYMOUS;
constexpr uint64_t SHARED_ANON = MAP_SHARED | MAP_ANONYMOUS;
using Kind = FaultAccess::Kind;

// A file whose contents are a string, as mmap sees files: through get_page, a page cache of
// frames filled from the string on first use (zeroes past its end), each handed out with a new
// reference. Made with make_file, on the host heap and reference-counted, so mappings may
// outlive the test's scope.
class FakeFile final : public File {
public:
    explicit FakeFile(std::string contents) : m_contents(std::move(contents)) {}
    ~FakeFile() override {
        for (auto& [index, frame] : m_cache)
            put_user_frame(frame);
    }
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
    ErrorOr<PhysAddr> get_page(uint64_t index) override {
        ++reads;
        if (fail_reads)
            return Error::from_errno(EIO);
        if (index >= (m_contents.size() + P - 1) / P)
            return Error::from_errno(EIO);
        auto it = m_cache.find(index);
        if (it == m_cache.end()) {
            PhysAddr frame = TRY(alloc_zeroed_user_frame());
            size_t count = std::min<size_t>(P, m_contents.size() - index * P);
            std::memcpy(arch::phys_to_virt(frame), m_contents.data() + index * P, count);
            it = m_cache.emplace(index, frame).first;
        }
        get_user_frame(it->second);
        return it->second;
    }
    // The cached page's bytes (as read(2) and write(2) would reach them); nullptr if not cached.
    uint8_t* cached(uint64_t index) {
        auto it = m_cache.find(index);
        return it == m_cache.end() ? nullptr : static_cast<uint8_t*>(arch::phys_to_virt(it->second));
    }
    int reads{0};
    bool fail_reads{false};

private:
    std::string m_contents;
    std::map<uint64_t, PhysAddr> m_cache;
};

NonnullRefPtr<FakeFile> make_file(std::string contents) { return adopt_ref(*new FakeFile(std::move(contents))); }

struct Area {
    VirtAddr start, end;
    uint32_t flags;
    uint64_t pgoff;
    bool operator==(const Area&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Area& a) {
    return os << std::hex << "[" << a.start << "-" << a.end << " flags " << a.flags << " pgoff " << a.pgoff << "]"
              << std::dec;
}

std::vector<Area> layout(const MmStruct& mm) {
    std::vector<Area> areas;
    mm.for_each_vma([&](const Vma& vma) { areas.push_back({vma.m_start, vma.m_end, vma.m_flags, vma.m_pgoff}); });
    return areas;
}

uint32_t flags_rw() { return VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC; }

int error_of(const ErrorOr<VirtAddr>& result) { return result.is_error() ? result.error().code() : 0; }
int error_of(const ErrorOr<void>& result) { return result.is_error() ? result.error().code() : 0; }

class AddressSpaceTest : public MmTest {
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

    ErrorOr<VirtAddr> map(VirtAddr addr, uint64_t len, uint64_t prot, uint64_t flags) {
        return mm().do_mmap(nullptr, addr, len, prot, flags, 0);
    }
    ErrorOr<VirtAddr> map_file(FakeFile& file, VirtAddr addr, uint64_t len, uint64_t prot, uint64_t flags,
                               uint64_t pgoff = 0, bool readable = true, bool writable = false) {
        MappedFile mapped{RefPtr<File>(&file), readable, writable};
        return mm().do_mmap(&mapped, addr, len, prot, flags, pgoff);
    }

    // The MMU: an access the page table allows goes straight to the frame; any other faults
    // into handle_page_fault and is retried once. Returns the host address of the byte.
    static ErrorOr<uint8_t*> access(MmStruct& mm, VirtAddr addr, Kind kind, bool user = true) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto mapping = mm.page_table().lookup(align_down(addr, P));
            if (mapping && allows(mapping->prot, kind))
                return static_cast<uint8_t*>(arch::phys_to_virt(mapping->frame)) + (addr & (P - 1));
            TRY(handle_page_fault(mm, addr, FaultAccess{kind, user}));
        }
        ADD_FAILURE() << "the fault handler returned success but the access still faults";
        return Error::from_errno(EFAULT);
    }
    static bool allows(arch::PageProt prot, Kind kind) {
        switch (kind) {
        case Kind::Read:
            return prot & arch::PAGE_PROT_READ;
        case Kind::Write:
            return prot & arch::PAGE_PROT_WRITE;
        case Kind::Exec:
            return prot & arch::PAGE_PROT_EXEC;
        }
        return false;
    }
    ErrorOr<uint8_t*> access(VirtAddr addr, Kind kind, bool user = true) { return access(mm(), addr, kind, user); }

    int write_byte(VirtAddr addr, uint8_t value, MmStruct* space = nullptr) {
        auto p = access(space ? *space : mm(), addr, Kind::Write);
        if (p.is_error())
            return p.error().code();
        *p.value() = value;
        return 0;
    }
    int read_byte(VirtAddr addr, MmStruct* space = nullptr) {
        auto p = access(space ? *space : mm(), addr, Kind::Read);
        return p.is_error() ? -p.error().code() : *p.value();
    }
    bool present(VirtAddr addr) { return mm().page_table().lookup(align_down(addr, P)).has_value(); }

    RefPtr<MmStruct> m_mm;
};

// ---- Creation and destruction ----

TEST_F(AddressSpaceTest, NewAddressSpaceHoldsOnlyItsRoot) {
    EXPECT_EQ(mm().map_count(), 0u);
    EXPECT_EQ(mm().mmap_base(), DEFAULT_MMAP_BASE);
    EXPECT_EQ(page_allocator().used_pages(), 2u);  // the root, and the slab of the mm_struct cache
    m_mm = nullptr;
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

TEST_F(AddressSpaceTest, DestroyingReleasesEveryFrameAndTable) {
    VirtAddr a = MUST(map(0, 64 * P, RW, ANON));
    VirtAddr b = MUST(map(0x10000000, 3 * P, RW, SHARED_ANON | MAP_FIXED));
    for (VirtAddr v = a; v < a + 64 * P; v += P)
        ASSERT_EQ(write_byte(v, 1), 0);
    ASSERT_EQ(write_byte(b, 1), 0);
    EXPECT_GT(page_allocator().used_pages(), 64u);
    m_mm = nullptr;
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

TEST_F(AddressSpaceTest, ActivateMmLoadsTheRoot) {
    activate_mm(&mm());
    EXPECT_EQ(arch::host_loaded_root, mm().page_table().root());
    activate_mm(nullptr);
    EXPECT_EQ(arch::host_loaded_root, 0u);
}

// ---- Where mappings go ----

TEST_F(AddressSpaceTest, AnonymousMappingsGoTopDownBelowMmapBase) {
    VirtAddr a = MUST(map(0, 2 * P, PROT_READ, ANON));
    EXPECT_EQ(a, DEFAULT_MMAP_BASE - 2 * P);
    VirtAddr b = MUST(map(0, P, PROT_READ | PROT_EXEC, ANON));
    EXPECT_EQ(b, a - P);
    EXPECT_EQ(layout(mm()).size(), 2u);
}

TEST_F(AddressSpaceTest, NothingIsAllocatedAtMmapTime) {
    size_t used = page_allocator().used_pages();
    VirtAddr a = MUST(map(0, 1000 * P, RW, ANON));
    EXPECT_LE(page_allocator().used_pages(), used + 1);  // at most a slab page for the Vma
    EXPECT_FALSE(present(a));
}

TEST_F(AddressSpaceTest, HintIsTakenWhenFreeAndRoundedUpToMmapMinAddr) {
    EXPECT_EQ(MUST(map(0x200000001, P, PROT_READ, ANON)), 0x200000000u);
    EXPECT_EQ(MUST(map(0x1000, P, PROT_READ, ANON)), MMAP_MIN_ADDR);
    // The hint overlaps: searched instead.
    EXPECT_EQ(MUST(map(0x200000000, P, PROT_READ, ANON)), DEFAULT_MMAP_BASE - P);
}

TEST_F(AddressSpaceTest, Map32BitLandsInTheSecondGigabyte) {
    VirtAddr a = MUST(map(0, P, PROT_READ, ANON | MAP_32BIT));
    EXPECT_GE(a, 1ull << 30);
    EXPECT_LT(a + P, 2ull << 30);
}

TEST_F(AddressSpaceTest, TopDownFallsBackToBottomUp) {
    mm().set_mmap_base(0x100000);
    VirtAddr a = MUST(map(0, 1ull << 20, PROT_READ, ANON));
    EXPECT_EQ(a, TASK_UNMAPPED_BASE);
}

TEST_F(AddressSpaceTest, NoRoomIsENOMEM) {
    EXPECT_EQ(error_of(map(0, TASK_SIZE, PROT_READ, ANON)), ENOMEM);
    EXPECT_EQ(error_of(map(0, TASK_SIZE + P, PROT_READ, ANON)), ENOMEM);
    EXPECT_EQ(error_of(map(0, ~uint64_t(0), PROT_READ, ANON)), ENOMEM);  // PAGE_ALIGN wraps to 0
    // A hint is only a hint: the top of the user half is no place for 2 pages.
    EXPECT_EQ(MUST(map(TASK_SIZE - P, 2 * P, PROT_READ, ANON)), DEFAULT_MMAP_BASE - 2 * P);
}

TEST_F(AddressSpaceTest, TheSearchKeepsAStacksGuardGap) {
    VirtAddr stack = STACK_TOP - 32 * P;
    MUST(map(stack, 32 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN));
    mm().set_mmap_base(STACK_TOP);
    VirtAddr a = MUST(map(0, P, PROT_READ, ANON));
    EXPECT_EQ(a, stack - STACK_GUARD_GAP - P);
}

// ---- MAP_FIXED, MAP_FIXED_NOREPLACE ----

TEST_F(AddressSpaceTest, MapFixedReplacesWhatWasThere) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(write_byte(a + i * P, 7), 0);
    size_t used = page_allocator().used_pages();
    EXPECT_EQ(MUST(map(a + P, P, PROT_READ, ANON | MAP_FIXED)), a + P);
    EXPECT_EQ(page_allocator().used_pages(), used - 1);  // the replaced page went back
    EXPECT_EQ(read_byte(a + P), 0);
    EXPECT_EQ(read_byte(a), 7);
    EXPECT_EQ(read_byte(a + 2 * P), 7);
    std::vector<Area> expected{{a, a + P, flags_rw(), a >> 12},
                               {a + P, a + 2 * P, VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, (a + P) >> 12},
                               {a + 2 * P, a + 3 * P, flags_rw(), (a + 2 * P) >> 12}};
    EXPECT_EQ(layout(mm()), expected);
}

TEST_F(AddressSpaceTest, MapFixedNoReplace) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    EXPECT_EQ(error_of(map(a + P, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE)), EEXIST);
    EXPECT_EQ(error_of(map(a - P, 2 * P, PROT_READ, ANON | MAP_FIXED_NOREPLACE)), EEXIST);
    EXPECT_EQ(MUST(map(a + 3 * P, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE)), a + 3 * P);
    EXPECT_EQ(error_of(map(a + 5 * P + 1, P, PROT_READ, ANON | MAP_FIXED_NOREPLACE)), EINVAL);
}

TEST_F(AddressSpaceTest, MapFixedChecks) {
    EXPECT_EQ(error_of(map(0x40000001, P, PROT_READ, ANON | MAP_FIXED)), EINVAL);
    EXPECT_EQ(error_of(map(TASK_SIZE, P, PROT_READ, ANON | MAP_FIXED)), ENOMEM);
    EXPECT_EQ(error_of(map(TASK_SIZE - P, 2 * P, PROT_READ, ANON | MAP_FIXED)), ENOMEM);
    EXPECT_EQ(MUST(map(TASK_SIZE - P, P, PROT_READ, ANON | MAP_FIXED)), TASK_SIZE - P);
    // Page 0 is root's to map, as on Linux.
    EXPECT_EQ(MUST(map(0, P, PROT_READ, ANON | MAP_FIXED)), 0u);
}

// ---- mmap's errors ----

TEST_F(AddressSpaceTest, MmapArgumentErrors) {
    EXPECT_EQ(error_of(map(0, 0, PROT_READ, ANON)), EINVAL);
    EXPECT_EQ(error_of(map(0, P, PROT_READ, MAP_ANONYMOUS)), EINVAL);  // neither private nor shared
    EXPECT_EQ(error_of(map(0, P, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS)), EINVAL);
    EXPECT_EQ(error_of(map(0, P, PROT_READ, 0xf | MAP_ANONYMOUS)), EINVAL);
    // Linux 6.1 validates MAP_SHARED_VALIDATE only for files; anonymous gets EINVAL.
    EXPECT_EQ(error_of(map(0, P, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS)), EINVAL);
    EXPECT_EQ(error_of(map(0, P, PROT_READ, SHARED_ANON | MAP_GROWSDOWN)), EINVAL);
    // Unknown prot and flag bits are ignored, as Linux ignores them.
    EXPECT_FALSE(map(0, P, 0x10 | PROT_READ, ANON).is_error());
    EXPECT_FALSE(map(0, P, PROT_READ, ANON | 0x800000).is_error());
    EXPECT_EQ(mm().map_count(), 1u);  // the two merged: same flags, adjacent
}

TEST_F(AddressSpaceTest, OvercommitHeuristicRefusesMoreThanAllMemory) {
    uint64_t too_big = (page_allocator().total_pages() + 1) * P;
    EXPECT_EQ(error_of(map(0, too_big, RW, ANON)), ENOMEM);
    EXPECT_EQ(error_of(map(0, too_big, RW, SHARED_ANON)), ENOMEM);
    EXPECT_FALSE(map(0, too_big, RW, ANON | MAP_NORESERVE).is_error());
    EXPECT_FALSE(map(0, too_big, PROT_READ, ANON).is_error());  // read-only is not counted
}

TEST_F(AddressSpaceTest, FileMappingErrors) {
    auto file_ref = make_file("hello");
    FakeFile& file = *file_ref;
    EXPECT_EQ(error_of(map_file(file, 0, P, PROT_READ, MAP_PRIVATE, 0, /*readable=*/false)), EACCES);
    EXPECT_EQ(error_of(map_file(file, 0, P, RW, MAP_SHARED)), EACCES);  // not open for writing
    EXPECT_EQ(error_of(map_file(file, 0, P, PROT_READ, MAP_SHARED_VALIDATE | 0x800000)), EOPNOTSUPP);
    EXPECT_EQ(error_of(map_file(file, 0, P, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN)), EINVAL);
    EXPECT_EQ(error_of(map_file(file, 0, P, PROT_READ, MAP_PRIVATE, ~uint64_t(0) >> 12)), EOVERFLOW);
    EXPECT_EQ(error_of(map_file(file, 0, P, PROT_READ, MAP_PRIVATE, ~uint64_t(0))), EOVERFLOW);
    EXPECT_EQ(error_of(map_file(file, 0, P, PROT_READ, 0)), EINVAL);
    // Shared and writable needs the file open for writing, then maps its page cache.
    EXPECT_FALSE(map_file(file, 0, P, RW, MAP_SHARED, 0, true, true).is_error());
    // A private writable mapping of a read-only file is fine: writes stay private.
    EXPECT_FALSE(map_file(file, 0, P, RW, MAP_PRIVATE).is_error());
    // Shared read-only of a read-only file: allowed; unknown flags ignored with MAP_SHARED.
    EXPECT_FALSE(map_file(file, 0, P, PROT_READ, MAP_SHARED | 0x800000).is_error());
    EXPECT_FALSE(map_file(file, 0, P, PROT_READ, MAP_SHARED_VALIDATE).is_error());
    EXPECT_EQ(file.reads, 0);  // demand paging: nothing read yet
}

TEST_F(AddressSpaceTest, DevZeroMapsAnonymousMemoryAndUnmappableFilesSayENODEV) {
    auto file = make_file("not read");
    MappedFile zero{RefPtr<File>(file.ptr()), true, true, MappedFile::Kind::Zero};
    VirtAddr p = MUST(mm().do_mmap(&zero, 0, 2 * P, RW, MAP_PRIVATE, 3));
    EXPECT_EQ(write_byte(p + P, 1), 0);
    EXPECT_EQ(read_byte(p), 0);
    VirtAddr s = MUST(mm().do_mmap(&zero, 0, P, RW, MAP_SHARED, 0));
    EXPECT_EQ(write_byte(s, 2), 0);
    EXPECT_EQ(file->reads, 0);
    mm().for_each_vma([](const Vma& vma) { EXPECT_TRUE(!vma.m_file); });
    EXPECT_EQ(user_frame_refcount(mm().page_table().lookup(s)->frame), 2u);  // a SharedMemory's

    MappedFile none{RefPtr<File>(file.ptr()), true, false, MappedFile::Kind::None};
    EXPECT_EQ(error_of(mm().do_mmap(&none, 0, P, PROT_READ, MAP_PRIVATE, 0)), ENODEV);
    none.readable = false;
    EXPECT_EQ(error_of(mm().do_mmap(&none, 0, P, PROT_READ, MAP_PRIVATE, 0)), EACCES);  // checked first
}

// ---- munmap ----

TEST_F(AddressSpaceTest, MunmapTheMiddleSplits) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(write_byte(a + i * P, 9), 0);
    size_t used = page_allocator().used_pages();
    MUST(mm().do_munmap(a + P, P));
    EXPECT_EQ(page_allocator().used_pages(), used - 1);
    std::vector<Area> expected{{a, a + P, flags_rw(), a >> 12}, {a + 2 * P, a + 3 * P, flags_rw(), (a + 2 * P) >> 12}};
    EXPECT_EQ(layout(mm()), expected);
    EXPECT_EQ(read_byte(a + P), -EFAULT);
    EXPECT_EQ(read_byte(a + 2 * P), 9);
    // Mapping the hole again merges the three back into one.
    MUST(map(a + P, P, RW, ANON | MAP_FIXED));
    EXPECT_EQ(mm().map_count(), 1u);
}

TEST_F(AddressSpaceTest, MunmapAcrossAreasTrimsAndRemoves) {
    VirtAddr a = MUST(map(0x40000000, 2 * P, PROT_READ, ANON | MAP_FIXED));
    MUST(map(a + 2 * P, 2 * P, RW, ANON | MAP_FIXED));
    MUST(map(a + 5 * P, 2 * P, PROT_READ, ANON | MAP_FIXED));
    MUST(mm().do_munmap(a + P, 5 * P));
    std::vector<Area> expected{{a, a + P, VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, a >> 12},
                               {a + 6 * P, a + 7 * P, VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, (a + 6 * P) >> 12}};
    EXPECT_EQ(layout(mm()), expected);
}

TEST_F(AddressSpaceTest, MunmapErrorsAndHoles) {
    EXPECT_EQ(error_of(mm().do_munmap(0x40000000, 0)), EINVAL);
    EXPECT_EQ(error_of(mm().do_munmap(0x40000001, P)), EINVAL);
    EXPECT_EQ(error_of(mm().do_munmap(TASK_SIZE, P)), EINVAL);
    EXPECT_EQ(error_of(mm().do_munmap(TASK_SIZE - P, 2 * P)), EINVAL);
    EXPECT_EQ(error_of(mm().do_munmap(0, ~uint64_t(0))), EINVAL);
    // Nothing there: fine.
    EXPECT_FALSE(mm().do_munmap(0x40000000, 100 * P).is_error());
    EXPECT_FALSE(mm().do_munmap(TASK_SIZE - P, P).is_error());
    EXPECT_FALSE(mm().do_munmap(0x40000000, 1).is_error());  // the length is rounded up
}

TEST_F(AddressSpaceTest, UnmappingFreesPageTablePages) {
    VirtAddr a = MUST(map(0x40000000, 1024 * P, RW, ANON | MAP_FIXED));  // two 2 MiB regions
    ASSERT_EQ(write_byte(a, 1), 0);
    ASSERT_EQ(write_byte(a + 600 * P, 1), 0);
    MUST(mm().do_munmap(a, 1024 * P));
    m_mm = nullptr;  // the fake's destroy checks that no table is left
    EXPECT_EQ(page_allocator().used_pages(), 0u);
}

// ---- mprotect ----

TEST_F(AddressSpaceTest, MprotectTheMiddleSplitsAndRestoringMerges) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    ASSERT_EQ(write_byte(a + P, 5), 0);
    MUST(mm().do_mprotect(a + P, P, PROT_READ));
    EXPECT_EQ(mm().map_count(), 3u);
    EXPECT_EQ(write_byte(a + P, 6), EFAULT);
    EXPECT_EQ(read_byte(a + P), 5);
    EXPECT_EQ(write_byte(a, 6), 0);
    MUST(mm().do_mprotect(a + P, P, RW));
    EXPECT_EQ(mm().map_count(), 1u);
    EXPECT_EQ(write_byte(a + P, 6), 0);
}

TEST_F(AddressSpaceTest, MprotectThatChangesNothingDoesNotSplit) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    MUST(mm().do_mprotect(a + P, P, RW));
    EXPECT_EQ(mm().map_count(), 1u);
    EXPECT_EQ(layout(mm())[0], (Area{a, a + 3 * P, flags_rw(), a >> 12}));
}

TEST_F(AddressSpaceTest, MprotectNoneKeepsTheContents) {
    VirtAddr a = MUST(map(0x40000000, P, RW, ANON | MAP_FIXED));
    ASSERT_EQ(write_byte(a, 42), 0);
    MUST(mm().do_mprotect(a, P, PROT_NONE));
    EXPECT_EQ(read_byte(a), -EFAULT);
    EXPECT_TRUE(present(a));  // the frame is still there, behind a PROT_NONE entry
    MUST(mm().do_mprotect(a, P, PROT_READ));
    EXPECT_EQ(read_byte(a), 42);
}

TEST_F(AddressSpaceTest, MprotectOverAHoleChangesWhatComesBeforeIt) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    MUST(mm().do_munmap(a + P, P));
    EXPECT_EQ(error_of(mm().do_mprotect(a, 3 * P, PROT_READ)), ENOMEM);
    EXPECT_EQ(write_byte(a, 1), EFAULT);          // changed, as Linux does
    EXPECT_EQ(write_byte(a + 2 * P, 1), 0);       // after the hole: untouched
    EXPECT_EQ(error_of(mm().do_mprotect(a + P, 2 * P, PROT_READ)), ENOMEM);  // starts in it
    EXPECT_EQ(write_byte(a + 2 * P, 1), 0);
    EXPECT_EQ(error_of(mm().do_mprotect(a + 3 * P, P, PROT_READ)), ENOMEM);  // past everything
}

TEST_F(AddressSpaceTest, MprotectArgumentErrors) {
    VirtAddr a = MUST(map(0x40000000, 2 * P, RW, ANON | MAP_FIXED));
    EXPECT_EQ(error_of(mm().do_mprotect(a + 1, P, PROT_READ)), EINVAL);
    EXPECT_EQ(error_of(mm().do_mprotect(a, P, 0x10)), EINVAL);
    EXPECT_EQ(error_of(mm().do_mprotect(a, P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)), EINVAL);
    EXPECT_EQ(error_of(mm().do_mprotect(a, P, PROT_READ | PROT_GROWSDOWN)), EINVAL);  // not a stack
    EXPECT_EQ(error_of(mm().do_mprotect(a, P, PROT_READ | PROT_GROWSUP)), EINVAL);
    EXPECT_EQ(error_of(mm().do_mprotect(~uint64_t(0) - P + 1, 2 * P, PROT_READ)), ENOMEM);
    EXPECT_EQ(error_of(mm().do_mprotect(a + 1, 0, PROT_READ)), EINVAL);  // alignment is checked first
    EXPECT_FALSE(mm().do_mprotect(a, 0, PROT_READ).is_error());
    EXPECT_FALSE(mm().do_mprotect(a, P, PROT_READ | PROT_SEM).is_error());
}

TEST_F(AddressSpaceTest, MprotectGrowsDownAppliesToTheWholeStackBelow) {
    VirtAddr stack = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN));
    MUST(mm().do_mprotect(stack + 2 * P, P, PROT_READ | PROT_GROWSDOWN));
    auto areas = layout(mm());
    ASSERT_EQ(areas.size(), 2u);
    EXPECT_EQ(areas[0].start, stack);
    EXPECT_EQ(areas[0].end, stack + 3 * P);
    EXPECT_EQ(areas[0].flags & VM_ACCESS_FLAGS, VM_READ);
}

TEST_F(AddressSpaceTest, MprotectRespectsWhatTheFileAllows) {
    auto file_ref = make_file(std::string(2 * P, 'x'));
    FakeFile& file = *file_ref;
    VirtAddr shared = MUST(map_file(file, 0, P, PROT_READ, MAP_SHARED));
    EXPECT_EQ(error_of(mm().do_mprotect(shared, P, RW)), EACCES);
    VirtAddr priv = MUST(map_file(file, 0, P, PROT_READ, MAP_PRIVATE));
    EXPECT_FALSE(mm().do_mprotect(priv, P, RW).is_error());
}

// ---- madvise ----

TEST_F(AddressSpaceTest, MadviseDontneedDropsPages) {
    VirtAddr a = MUST(map(0x40000000, 2 * P, RW, ANON | MAP_FIXED));
    VirtAddr s = MUST(map(0x50000000, P, RW, SHARED_ANON | MAP_FIXED));
    ASSERT_EQ(write_byte(a, 3), 0);
    ASSERT_EQ(write_byte(s, 4), 0);
    MUST(mm().do_madvise(a, 2 * P, MADV_DONTNEED));
    MUST(mm().do_madvise(s, P, MADV_DONTNEED));
    EXPECT_FALSE(present(a));
    EXPECT_EQ(read_byte(a), 0);  // private anonymous: zero again
    EXPECT_EQ(read_byte(s), 4);  // shared: the object kept it
}

TEST_F(AddressSpaceTest, MadviseErrors) {
    VirtAddr a = MUST(map(0x40000000, 3 * P, RW, ANON | MAP_FIXED));
    auto file_ref = make_file("abc");
    FakeFile& file = *file_ref;
    VirtAddr f = MUST(map_file(file, 0, P, PROT_READ, MAP_PRIVATE));
    MUST(mm().do_munmap(a + P, P));
    EXPECT_EQ(error_of(mm().do_madvise(a, P, 12345)), EINVAL);
    EXPECT_EQ(error_of(mm().do_madvise(a, P, MADV_HUGEPAGE)), EINVAL);
    EXPECT_EQ(error_of(mm().do_madvise(a + 1, P, MADV_DONTNEED)), EINVAL);
    EXPECT_EQ(error_of(mm().do_madvise(a, ~uint64_t(0), MADV_DONTNEED)), EINVAL);
    EXPECT_EQ(error_of(mm().do_madvise(a, 3 * P, MADV_DONTNEED)), ENOMEM);
    EXPECT_EQ(error_of(mm().do_madvise(0x60000000, P, MADV_NORMAL)), ENOMEM);
    EXPECT_EQ(error_of(mm().do_madvise(f, P, MADV_FREE)), EINVAL);
    EXPECT_FALSE(mm().do_madvise(a, 0, MADV_DONTNEED).is_error());
    EXPECT_FALSE(mm().do_madvise(a, P, MADV_FREE).is_error());
    EXPECT_FALSE(mm().do_madvise(a, P, MADV_WILLNEED).is_error());
}

TEST_F(AddressSpaceTest, MadviseForkFlagsSplitExactlyTheRangeAndMergeBack) {
    VirtAddr a = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED));
    MUST(mm().do_madvise(a + P, 2 * P, MADV_DONTFORK));
    EXPECT_EQ(layout(mm()), (std::vector<Area>{{a, a + P, flags_rw(), a >> 12},
                                               {a + P, a + 3 * P, flags_rw() | VM_DONTCOPY, (a >> 12) + 1},
                                               {a + 3 * P, a + 4 * P, flags_rw(), (a >> 12) + 3}}));
    // Advice that changes nothing splits nothing.
    MUST(mm().do_madvise(a + P, P, MADV_DONTFORK));
    MUST(mm().do_madvise(a, P, MADV_KEEPONFORK));
    EXPECT_EQ(mm().map_count(), 3u);
    MUST(mm().do_madvise(a, 4 * P, MADV_WIPEONFORK));
    EXPECT_EQ(layout(mm())[1].flags, flags_rw() | VM_DONTCOPY | VM_WIPEONFORK);
    EXPECT_EQ(layout(mm())[0].flags, flags_rw() | VM_WIPEONFORK);
    MUST(mm().do_madvise(a, 4 * P, MADV_DOFORK));
    EXPECT_EQ(layout(mm()), (std::vector<Area>{{a, a + 4 * P, flags_rw() | VM_WIPEONFORK, a >> 12}}));
    MUST(mm().do_madvise(a, 4 * P, MADV_KEEPONFORK));
    EXPECT_EQ(layout(mm()), (std::vector<Area>{{a, a + 4 * P, flags_rw(), a >> 12}}));
}

TEST_F(AddressSpaceTest, MadviseForkFlagsOverHolesAndRefusals) {
    VirtAddr a = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED));
    MUST(mm().do_munmap(a + P, P));
    // Holes: the mapped parts take the advice, then ENOMEM (also when the range runs off the
    // last area).
    EXPECT_EQ(error_of(mm().do_madvise(a, 4 * P, MADV_DONTFORK)), ENOMEM);
    EXPECT_EQ(layout(mm())[0].flags, flags_rw() | VM_DONTCOPY);
    EXPECT_EQ(layout(mm())[1].flags, flags_rw() | VM_DONTCOPY);
    EXPECT_EQ(error_of(mm().do_madvise(a + 3 * P, 2 * P, MADV_DOFORK)), ENOMEM);
    EXPECT_EQ(layout(mm())[2], (Area{a + 3 * P, a + 4 * P, flags_rw(), (a >> 12) + 3}));

    // WIPEONFORK only on private anonymous memory: an area that refuses it stops the walk
    // with EINVAL, after the areas before it took it.
    auto file_ref = make_file(std::string(P, 'f'));
    VirtAddr b = MUST(map(0x50000000, P, RW, ANON | MAP_FIXED));
    MUST(map_file(*file_ref, b + P, P, PROT_READ, MAP_PRIVATE | MAP_FIXED));
    MUST(map(b + 2 * P, P, RW, ANON | MAP_FIXED));
    EXPECT_EQ(error_of(mm().do_madvise(b, 3 * P, MADV_WIPEONFORK)), EINVAL);
    auto areas = layout(mm());
    ASSERT_EQ(areas.size(), 6u);
    EXPECT_EQ(areas[3].flags, flags_rw() | VM_WIPEONFORK);
    EXPECT_FALSE(areas[4].flags & VM_WIPEONFORK);
    EXPECT_FALSE(areas[5].flags & VM_WIPEONFORK);
    VirtAddr s = MUST(map(0x60000000, P, RW, SHARED_ANON | MAP_FIXED));
    EXPECT_EQ(error_of(mm().do_madvise(s, P, MADV_WIPEONFORK)), EINVAL);
    // The other fork advice takes any area.
    MUST(mm().do_madvise(s, P, MADV_DONTFORK));
    MUST(mm().do_madvise(b + P, P, MADV_DONTFORK));
    MUST(mm().do_madvise(b + P, P, MADV_KEEPONFORK));
}

// ---- mincore ----

TEST_F(AddressSpaceTest, MincoreReportsPagesThisSpaceMaps) {
    VirtAddr a = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED));
    VirtAddr after = MUST(map(a + 4 * P, P, PROT_READ, ANON | MAP_FIXED));  // another area
    ASSERT_EQ(write_byte(a + P, 1), 0);
    ASSERT_EQ(write_byte(a + 3 * P, 1), 0);
    uint8_t vec[8];
    std::memset(vec, 0xee, sizeof vec);
    // One area at a time: it stops at the area's end.
    EXPECT_EQ(MUST(mm().do_mincore(a, 8, vec)), 4u);
    EXPECT_EQ(std::vector<uint8_t>(vec, vec + 5), (std::vector<uint8_t>{0, 1, 0, 1, 0xee}));
    EXPECT_EQ(MUST(mm().do_mincore(a + 3 * P, 1, vec)), 1u);
    EXPECT_EQ(vec[0], 1);
    EXPECT_EQ(MUST(mm().do_mincore(after, 1, vec)), 1u);
    EXPECT_EQ(vec[0], 0);
    EXPECT_EQ(error_of(mm().do_mincore(a - P, 1, vec)), ENOMEM);
    EXPECT_EQ(error_of(mm().do_mincore(0x70000000, 1, vec)), ENOMEM);
    // PROT_NONE keeps the page: still resident. MADV_DONTNEED drops it.
    MUST(mm().do_mprotect(a + P, P, PROT_NONE));
    EXPECT_EQ(MUST(mm().do_mincore(a + P, 1, vec)), 1u);
    EXPECT_EQ(vec[0], 1);
    MUST(mm().do_mprotect(a + P, P, RW));
    MUST(mm().do_madvise(a, 4 * P, MADV_DONTNEED));
    EXPECT_EQ(MUST(mm().do_mincore(a, 4, vec)), 4u);
    EXPECT_EQ(std::vector<uint8_t>(vec, vec + 4), (std::vector<uint8_t>{0, 0, 0, 0}));
}

TEST_F(AddressSpaceTest, MincoreOfSharedMemoryAsksTheObject) {
    VirtAddr s = MUST(map(0x40000000, 3 * P, RW, SHARED_ANON | MAP_FIXED));
    auto child = MUST(mm().dup());
    // The child touches a page the parent never mapped: it is in the object, so resident for
    // the parent too (Linux's mincore_page on the shmem file).
    ASSERT_EQ(write_byte(s + 2 * P, 7, child.ptr()), 0);
    EXPECT_FALSE(present(s + 2 * P));
    uint8_t vec[3];
    MUST(mm().do_mincore(s, 3, vec));
    EXPECT_EQ(std::vector<uint8_t>(vec, vec + 3), (std::vector<uint8_t>{0, 0, 1}));
    // Dropping it from the child's page table keeps it in the object.
    MUST(child->do_madvise(s, 3 * P, MADV_DONTNEED));
    MUST(child->do_mincore(s, 3, vec));
    EXPECT_EQ(vec[2], 1);
}

// ---- Resident-set counters ----

TEST_F(AddressSpaceTest, RssCountsMappedPagesByKind) {
    auto file_ref = make_file(std::string(2 * P, 'f'));
    VirtAddr a = MUST(map(0x40000000, 8 * P, RW, ANON | MAP_FIXED));
    VirtAddr s = MUST(map(0x50000000, 4 * P, RW, SHARED_ANON | MAP_FIXED));
    VirtAddr f = MUST(map_file(*file_ref, 0x60000000, 2 * P, RW, MAP_PRIVATE | MAP_FIXED));
    EXPECT_EQ(mm().rss(), 0u);
    for (int i = 0; i < 6; ++i)
        ASSERT_EQ(write_byte(a + i * P, 1), 0);
    ASSERT_EQ(write_byte(s, 1), 0);
    ASSERT_EQ(read_byte(s + P), 0);
    ASSERT_EQ(read_byte(f), 'f');
    EXPECT_EQ(mm().rss_counter(MmCounter::AnonPages), 6u);
    EXPECT_EQ(mm().rss_counter(MmCounter::ShmemPages), 2u);
    EXPECT_EQ(mm().rss_counter(MmCounter::FilePages), 1u);
    EXPECT_EQ(mm().rss(), 9u);
    EXPECT_EQ(mm().hiwater_rss(), 9u);
    // Copy-on-write replaces a page: no change.
    auto child = MUST(mm().dup());
    EXPECT_EQ(child->rss(), 9u);
    EXPECT_EQ(child->hiwater_rss(), 9u);
    ASSERT_EQ(write_byte(a, 2), 0);
    ASSERT_EQ(write_byte(a, 3, child.ptr()), 0);
    EXPECT_EQ(mm().rss(), 9u);
    // Unmapping and MADV_DONTNEED count pages out; the high-water mark remembers.
    MUST(mm().do_munmap(a + 2 * P, 4 * P));
    EXPECT_EQ(mm().rss_counter(MmCounter::AnonPages), 2u);
    MUST(mm().do_madvise(s, 4 * P, MADV_DONTNEED));
    EXPECT_EQ(mm().rss_counter(MmCounter::ShmemPages), 0u);
    EXPECT_EQ(mm().rss(), 3u);
    EXPECT_EQ(mm().hiwater_rss(), 9u);
    // The child's counters are its own.
    EXPECT_EQ(child->rss(), 9u);
    uint64_t maxrss = 4;
    setmax_mm_hiwater_rss(maxrss, mm());
    EXPECT_EQ(maxrss, 9u);
    maxrss = 20;
    setmax_mm_hiwater_rss(maxrss, mm());
    EXPECT_EQ(maxrss, 20u);
}

TEST_F(AddressSpaceTest, HiwaterRssIsTakenBeforeUnmapping) {
    VirtAddr a = MUST(map(0x40000000, 16 * P, RW, ANON | MAP_FIXED));
    for (int i = 0; i < 16; ++i)
        ASSERT_EQ(write_byte(a + i * P, 1), 0);
    MUST(mm().do_munmap(a, 16 * P));
    VirtAddr b = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED | MAP_POPULATE));
    EXPECT_EQ(mm().rss(), 4u);
    EXPECT_EQ(mm().hiwater_rss(), 16u);
    // A fork starts the child's mark at what it maps.
    auto child = MUST(mm().dup());
    EXPECT_EQ(child->hiwater_rss(), 4u);
    (void)b;
}

// ---- brk ----

TEST_F(AddressSpaceTest, BrkGrowsAndShrinks) {
    VirtAddr start = 0x555555559000;
    mm().set_brk_start(start);
    EXPECT_EQ(mm().do_brk(0), start);  // the query glibc and musl start with
    EXPECT_EQ(mm().do_brk(start + 10), start + 10);
    EXPECT_EQ(write_byte(start + 5, 1), 0);
    EXPECT_EQ(write_byte(start + P, 1), EFAULT);
    EXPECT_EQ(mm().do_brk(start + 2 * P + 10), start + 2 * P + 10);
    EXPECT_EQ(mm().map_count(), 1u);  // the heap area grew in place
    EXPECT_EQ(layout(mm())[0], (Area{start, start + 3 * P, flags_rw(), start >> 12}));
    EXPECT_EQ(write_byte(start + 2 * P, 1), 0);
    size_t used = page_allocator().used_pages();
    EXPECT_EQ(mm().do_brk(start + 5), start + 5);
    EXPECT_LE(page_allocator().used_pages(), used - 1);
    EXPECT_EQ(write_byte(start + P, 1), EFAULT);
    EXPECT_EQ(read_byte(start + 5), 1);  // the first page stayed
    EXPECT_EQ(mm().do_brk(start), start);
    EXPECT_EQ(mm().map_count(), 0u);
    EXPECT_EQ(write_byte(start, 1), EFAULT);
}

TEST_F(AddressSpaceTest, BrkFailuresReturnTheOldBreak) {
    VirtAddr start = 0x555555559000;
    mm().set_brk_start(start);
    EXPECT_EQ(mm().do_brk(start - P), start);                 // below the start
    EXPECT_EQ(mm().do_brk(~uint64_t(0) - 4095), start);       // beyond user space
    EXPECT_EQ(mm().do_brk(start + (page_allocator().total_pages() + 1) * P), start);  // overcommit
    MUST(map(start + 3 * P, P, PROT_READ, ANON | MAP_FIXED));
    EXPECT_EQ(mm().do_brk(start + 2 * P), start + 2 * P);     // one free page stays below it
    EXPECT_EQ(mm().do_brk(start + 2 * P + 1), start + 2 * P);
    EXPECT_EQ(mm().do_brk(start + 5 * P), start + 2 * P);
    // Linux 6.1 refuses to shrink a heap the program unmapped itself.
    MUST(mm().do_munmap(start, 2 * P));
    EXPECT_EQ(mm().do_brk(start), start + 2 * P);
}

TEST_F(AddressSpaceTest, BrkKeepsAStacksGuardGap) {
    VirtAddr start = 0x40000000;
    mm().set_brk_start(start);
    VirtAddr stack = start + STACK_GUARD_GAP + 4 * P;
    MUST(map(stack, 4 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN));
    EXPECT_EQ(mm().do_brk(start + 3 * P), start + 3 * P);
    EXPECT_EQ(mm().do_brk(start + 4 * P), start + 3 * P);
}

// ---- Page faults ----

TEST_F(AddressSpaceTest, AnonymousPagesArriveZeroed) {
    VirtAddr a = MUST(map(0, 2 * P, RW, ANON));
    EXPECT_FALSE(present(a));
    EXPECT_EQ(read_byte(a + 100), 0);
    EXPECT_TRUE(present(a));
    EXPECT_FALSE(present(a + P));
    EXPECT_EQ(write_byte(a + P + 7, 0xab), 0);
    EXPECT_EQ(read_byte(a + P + 7), 0xab);
    auto frame = mm().page_table().lookup(a + P)->frame;
    EXPECT_EQ(user_frame_refcount(frame), 1u);
}

TEST_F(AddressSpaceTest, ForbiddenAccessesFault) {
    VirtAddr ro = MUST(map(0, P, PROT_READ, ANON));
    VirtAddr none = MUST(map(0, P, PROT_NONE, ANON));
    VirtAddr rx = MUST(map(0, P, PROT_READ | PROT_EXEC, ANON));
    VirtAddr wo = MUST(map(0, P, PROT_WRITE, ANON));
    EXPECT_EQ(write_byte(ro, 1), EFAULT);
    EXPECT_EQ(read_byte(ro), 0);
    EXPECT_EQ(read_byte(none), -EFAULT);
    EXPECT_TRUE(access(ro, Kind::Exec).is_error());
    EXPECT_FALSE(access(rx, Kind::Exec).is_error());
    EXPECT_EQ(read_byte(wo), 0);  // x86: writable implies readable
    VirtAddr rx2 = MUST(map(0, P, PROT_READ | PROT_EXEC, ANON));
    EXPECT_EQ(error_of(handle_page_fault(mm(), rx2, FaultAccess{Kind::Exec, false})), EFAULT);  // SMEP
    EXPECT_EQ(error_of(handle_page_fault(mm(), 0x1000, FaultAccess{Kind::Read, true})), EFAULT);
    EXPECT_EQ(error_of(handle_page_fault(mm(), TASK_SIZE, FaultAccess{Kind::Read, true})), EFAULT);
    EXPECT_EQ(error_of(handle_page_fault(mm(), ~uint64_t(0), FaultAccess{Kind::Read, false})), EFAULT);
}

TEST_F(AddressSpaceTest, KernelWritesFaultInLikeUserWrites) {
    VirtAddr a = MUST(map(0, P, RW, ANON));
    auto p = access(a, Kind::Write, /*user=*/false);
    ASSERT_FALSE(p.is_error());
    VirtAddr ro = MUST(map(0, P, PROT_READ, ANON));
    EXPECT_TRUE(access(ro, Kind::Write, /*user=*/false).is_error());  // copy_to_user: EFAULT
}

TEST_F(AddressSpaceTest, PrivateFilePagesAreCopiesOfTheFile) {
    std::string contents(P + 100, 'a');
    contents[P] = 'b';
    auto file_ref = make_file(contents);
    FakeFile& file = *file_ref;
    VirtAddr a = MUST(map_file(file, 0, 3 * P, RW, MAP_PRIVATE));
    EXPECT_EQ(read_byte(a), 'a');
    EXPECT_EQ(read_byte(a + P), 'b');
    EXPECT_EQ(read_byte(a + P + 99), 'a');
    EXPECT_EQ(read_byte(a + P + 100), 0);  // past the end of the file, in its last page
    EXPECT_EQ(read_byte(a + 2 * P), -EIO);  // a page wholly past the end: SIGBUS
    EXPECT_EQ(write_byte(a + 1, 'z'), 0);
    EXPECT_EQ(read_byte(a + 1), 'z');
    // A mapping at an offset sees the file from there.
    VirtAddr b = MUST(map_file(file, 0, P, PROT_READ, MAP_PRIVATE, 1));
    EXPECT_EQ(read_byte(b), 'b');
    EXPECT_EQ(read_byte(b + 1), 'a');
}

// Shared file mappings map the file's own frames: a write through one mapping is in the file's
// page and seen by every other mapping; a private mapping sees the file until its first write to
// a page, which copies that page.
TEST_F(AddressSpaceTest, SharedFileMappingsMapThePageCache) {
    auto file_ref = make_file(std::string(2 * P, 'f'));
    FakeFile& file = *file_ref;
    VirtAddr s1 = MUST(map_file(file, 0, 2 * P, RW, MAP_SHARED, 0, true, true));
    VirtAddr s2 = MUST(map_file(file, 0, P, PROT_READ, MAP_SHARED, 1, true, true));
    VirtAddr pr = MUST(map_file(file, 0, 2 * P, RW, MAP_PRIVATE));
    EXPECT_EQ(read_byte(pr + P), 'f');
    ASSERT_EQ(write_byte(s1 + P + 5, 'S'), 0);
    EXPECT_EQ(file.cached(1)[5], 'S');
    EXPECT_EQ(read_byte(s2 + 5), 'S');
    EXPECT_EQ(read_byte(pr + P + 5), 'S');  // not yet written: still the file's page
    auto frame = mm().page_table().lookup(s1 + P)->frame;
    EXPECT_EQ(mm().page_table().lookup(pr + P)->frame, frame);
    EXPECT_EQ(user_frame_refcount(frame), 4u);  // the file's and three mappings'
    ASSERT_EQ(write_byte(pr + P + 6, 'p'), 0);  // the private copy
    EXPECT_NE(mm().page_table().lookup(pr + P)->frame, frame);
    EXPECT_EQ(user_frame_refcount(frame), 3u);
    ASSERT_EQ(write_byte(s1 + P + 7, 'T'), 0);
    EXPECT_EQ(read_byte(pr + P + 7), 'f');  // the copy no longer follows the file
    EXPECT_EQ(read_byte(pr + P + 6), 'p');
    EXPECT_EQ(file.cached(1)[6], 'f');
    // A write fault on a private page never mapped copies straight away.
    ASSERT_EQ(write_byte(pr, 'q'), 0);
    EXPECT_EQ(read_byte(s1), 'f');
    // Fork keeps shared pages shared and writable in both.
    auto child = MUST(mm().dup());
    ASSERT_EQ(write_byte(s1 + 9, 'c', child.ptr()), 0);
    EXPECT_EQ(read_byte(s1 + 9), 'c');
    EXPECT_EQ(file.cached(0)[9], 'c');
}

TEST_F(AddressSpaceTest, FileReadErrorsAreSigbus) {
    auto file_ref = make_file("abc");
    FakeFile& file = *file_ref;
    VirtAddr a = MUST(map_file(file, 0, P, PROT_READ, MAP_PRIVATE));
    file.fail_reads = true;
    EXPECT_EQ(read_byte(a), -EIO);
    file.fail_reads = false;
    EXPECT_EQ(read_byte(a), 'a');
}

// exec maps a data segment privately from the file and clears the tail of its last page
// (the start of the bss) with clear_user: a kernel-mode write fault into a file mapping.
TEST_F(AddressSpaceTest, ExecStyleDataSegmentAndBss) {
    std::string image(2 * P, 'd');
    auto file_ref = make_file(image);
    FakeFile& file = *file_ref;
    VirtAddr data = 0x401000;
    MUST(map_file(file, data, 2 * P, RW, MAP_PRIVATE | MAP_FIXED, 0));
    MUST(map(data + 2 * P, 3 * P, RW, ANON | MAP_FIXED));  // the rest of the bss
    VirtAddr bss = data + P + 0x800;
    for (VirtAddr v = bss; v < data + 2 * P; ++v) {
        auto p = access(v, Kind::Write, /*user=*/false);
        ASSERT_FALSE(p.is_error());
        *p.value() = 0;
    }
    EXPECT_EQ(read_byte(bss - 1), 'd');
    EXPECT_EQ(read_byte(bss), 0);
    EXPECT_EQ(read_byte(data + 3 * P), 0);
    mm().set_brk_start(data + 5 * P);
    EXPECT_EQ(mm().do_brk(data + 6 * P), data + 6 * P);
}

TEST_F(AddressSpaceTest, SharedAnonymousPagesBelongToTheObject) {
    VirtAddr a = MUST(map(0, 4 * P, RW, SHARED_ANON));
    ASSERT_EQ(write_byte(a + 2 * P, 11), 0);
    auto frame = mm().page_table().lookup(a + 2 * P)->frame;
    EXPECT_EQ(user_frame_refcount(frame), 2u);  // the object's and the page table's
    // Split it: both halves still see the same object.
    MUST(mm().do_mprotect(a, 2 * P, PROT_READ));
    EXPECT_EQ(mm().map_count(), 2u);
    ASSERT_EQ(write_byte(a + 3 * P, 12), 0);
    MUST(mm().do_madvise(a, 4 * P, MADV_DONTNEED));
    EXPECT_EQ(read_byte(a + 2 * P), 11);
    EXPECT_EQ(read_byte(a + 3 * P), 12);
    MUST(mm().do_mprotect(a, 2 * P, RW));
    EXPECT_EQ(mm().map_count(), 1u);  // same object, offsets run on: merged back
}

TEST_F(AddressSpaceTest, PopulateFaultsEverythingInAtMmapTime) {
    VirtAddr a = MUST(map(0, 8 * P, RW, ANON | MAP_POPULATE));
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(present(a + i * P));
    VirtAddr none = MUST(map(0, P, PROT_NONE, ANON | MAP_POPULATE));
    EXPECT_FALSE(present(none));
}

// ---- The stack ----

TEST_F(AddressSpaceTest, StackGrowsDownOnFaults) {
    VirtAddr top = STACK_TOP;
    VirtAddr stack = MUST(map(top - 32 * P, 32 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN));
    EXPECT_EQ(write_byte(stack - 1, 1), 0);
    EXPECT_EQ(layout(mm())[0].start, stack - P);
    EXPECT_EQ(write_byte(stack - 100 * P, 1), 0);  // any distance, within the limit
    EXPECT_EQ(layout(mm())[0].start, stack - 100 * P);
    EXPECT_EQ(layout(mm())[0].pgoff, (stack - 100 * P) >> 12);
    EXPECT_EQ(write_byte(top - DEFAULT_STACK_LIMIT - 1, 1), EFAULT);  // RLIMIT_STACK
    mm().set_stack_limit(16ull << 20);
    EXPECT_EQ(write_byte(top - DEFAULT_STACK_LIMIT - 1, 1), 0);
}

TEST_F(AddressSpaceTest, StackKeepsItsGuardGapAboveOtherMappings) {
    VirtAddr stack = 0x40000000;
    MUST(map(stack, 4 * P, RW, ANON | MAP_FIXED | MAP_GROWSDOWN));
    VirtAddr below = stack - STACK_GUARD_GAP - 4 * P;
    MUST(map(below, P, PROT_READ, ANON | MAP_FIXED));
    // The gap must stay whole between the mapping below and the stack's new start.
    EXPECT_EQ(write_byte(stack - 3 * P, 1), 0);
    EXPECT_EQ(write_byte(stack - 4 * P, 1), EFAULT);
}

// ---- fork: dup and copy-on-write ----

TEST_F(AddressSpaceTest, DupSharesFramesCopyOnWrite) {
    VirtAddr a = MUST(map(0x40000000, 2 * P, RW, ANON | MAP_FIXED));
    VirtAddr s = MUST(map(0x50000000, 2 * P, RW, SHARED_ANON | MAP_FIXED));
    mm().set_brk_start(0x60000000);
    ASSERT_EQ(mm().do_brk(0x60000000 + P), 0x60000000 + P);
    ASSERT_EQ(write_byte(a, 1), 0);
    ASSERT_EQ(write_byte(s, 2), 0);
    PhysAddr frame = mm().page_table().lookup(a)->frame;

    auto child = MUST(mm().dup());
    EXPECT_EQ(layout(*child), layout(mm()));
    EXPECT_EQ(child->brk(), mm().brk());
    EXPECT_EQ(user_frame_refcount(frame), 2u);
    EXPECT_EQ(child->page_table().lookup(a)->frame, frame);
    EXPECT_FALSE(mm().page_table().lookup(a)->prot & arch::PAGE_PROT_WRITE);

    // The child writes: it gets a copy; the parent keeps the original.
    ASSERT_EQ(write_byte(a, 3, child.ptr()), 0);
    EXPECT_NE(child->page_table().lookup(a)->frame, frame);
    EXPECT_EQ(read_byte(a), 1);
    EXPECT_EQ(user_frame_refcount(frame), 1u);
    // The parent is the last holder: its write reuses the frame in place.
    ASSERT_EQ(write_byte(a, 4), 0);
    EXPECT_EQ(mm().page_table().lookup(a)->frame, frame);
    EXPECT_EQ(read_byte(a, child.ptr()), 3);

    // Shared memory stays shared, both ways, even for pages touched after the fork.
    ASSERT_EQ(write_byte(s, 5, child.ptr()), 0);
    EXPECT_EQ(read_byte(s), 5);
    ASSERT_EQ(write_byte(s + P, 6, child.ptr()), 0);
    EXPECT_EQ(read_byte(s + P), 6);
    MUST(mm().do_munmap(s, 2 * P));
    EXPECT_EQ(read_byte(s, child.ptr()), 5);
}

TEST_F(AddressSpaceTest, MprotectKeepsCopyOnWritePagesReadOnly) {
    VirtAddr a = MUST(map(0x40000000, P, RW, ANON | MAP_FIXED));
    ASSERT_EQ(write_byte(a, 1), 0);
    auto child = MUST(mm().dup());
    MUST(mm().do_mprotect(a, P, PROT_READ));
    MUST(mm().do_mprotect(a, P, RW));
    EXPECT_FALSE(mm().page_table().lookup(a)->prot & arch::PAGE_PROT_WRITE);
    ASSERT_EQ(write_byte(a, 2), 0);
    EXPECT_EQ(read_byte(a, child.ptr()), 1);
}

TEST_F(AddressSpaceTest, DestroyingAParentLeavesTheChildWhole) {
    VirtAddr a = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED));
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(write_byte(a + i * P, uint8_t(i + 1)), 0);
    auto child = MUST(mm().dup());
    m_mm = nullptr;
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(read_byte(a + i * P, child.ptr()), i + 1);
        EXPECT_EQ(user_frame_refcount(child->page_table().lookup(a + i * P)->frame), 1u);
    }
}

TEST_F(AddressSpaceTest, DupLeavesOutDontforkAreasAndWipesWipeonforkOnes) {
    VirtAddr a = MUST(map(0x40000000, 4 * P, RW, ANON | MAP_FIXED));
    VirtAddr s = MUST(map(0x50000000, 2 * P, RW, SHARED_ANON | MAP_FIXED));
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(write_byte(a + i * P, uint8_t(i + 1)), 0);
    ASSERT_EQ(write_byte(s, 9), 0);
    MUST(mm().do_madvise(a, P, MADV_DONTFORK));
    MUST(mm().do_madvise(a + 2 * P, 2 * P, MADV_WIPEONFORK));
    MUST(mm().do_madvise(s, 2 * P, MADV_DONTFORK));
    auto child = MUST(mm().dup());
    auto parent_areas = layout(mm());
    // The child: no DONTFORK areas; the WIPEONFORK one without pages, flag kept.
    EXPECT_EQ(layout(*child), (std::vector<Area>{parent_areas[1], parent_areas[2]}));
    EXPECT_EQ(child->map_count(), 2u);
    EXPECT_EQ(read_byte(a, child.ptr()), -EFAULT);
    EXPECT_EQ(read_byte(s, child.ptr()), -EFAULT);
    EXPECT_EQ(read_byte(a + P, child.ptr()), 2);
    EXPECT_FALSE(child->page_table().lookup(a + 2 * P).has_value());
    EXPECT_EQ(read_byte(a + 2 * P, child.ptr()), 0);
    EXPECT_EQ(read_byte(a + 3 * P, child.ptr()), 0);
    EXPECT_EQ(child->rss(), 3u);  // a + P, and the two pages just faulted in
    // The parent keeps everything, its wiped pages not even shared copy-on-write.
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(read_byte(a + i * P), i + 1);
    EXPECT_EQ(user_frame_refcount(mm().page_table().lookup(a + 3 * P)->frame), 1u);
    EXPECT_TRUE(mm().page_table().lookup(a + 3 * P)->prot & arch::PAGE_PROT_WRITE);
    EXPECT_EQ(read_byte(s), 9);
    // A grandchild keeps WIPEONFORK: the child's pages there are wiped again.
    ASSERT_EQ(write_byte(a + 2 * P, 5, child.ptr()), 0);
    auto grandchild = MUST(child->dup());
    EXPECT_EQ(read_byte(a + 2 * P, grandchild.ptr()), 0);
}

// ---- Failure injection: every allocation can fail, and a failure changes nothing ----

// Runs `op` with the nth allocation failing, for n = 1, 2, ... until it succeeds, which must
// take `allocations` failing rounds (one per allocation `op` makes). Each round: `setup` builds
// a fresh address space; a failing op must leave its layout as it was (`check_failed` checks
// the rest); then everything is released and the page counter is back where it started.
template <typename Setup, typename Op, typename Check>
void sweep(int allocations, Setup setup, Op op, Check check_failed) {
    size_t baseline = page_allocator().used_pages();
    for (int nth = 1;; ++nth) {
        ASSERT_LT(nth, 1000);
        RefPtr<MmStruct> space = MUST(MmStruct::create());
        setup(*space);
        auto before = layout(*space);
        size_t pages_before = page_allocator().used_pages();
        FailNth::arm(nth);
        bool ok = op(*space);
        int calls = FailNth::calls;
        mm::set_fail_hook(nullptr);
        if (ok) {
            EXPECT_LT(calls, nth) << "succeeded although allocation " << nth << " failed";
            EXPECT_EQ(nth - 1, allocations) << "allocation points";
            space = nullptr;
            EXPECT_EQ(page_allocator().used_pages(), baseline);
            return;
        }
        EXPECT_EQ(layout(*space), before) << "failure " << nth << " changed the layout";
        check_failed(*space, pages_before);
        space = nullptr;
        ASSERT_EQ(page_allocator().used_pages(), baseline) << "failure " << nth << " leaked pages";
    }
}

void no_extra_check(MmStruct&, size_t) {}

class AddressSpaceFailTest : public MmTest {};

TEST_F(AddressSpaceFailTest, CreateUnwinds) {
    for (int nth = 1; nth <= 2; ++nth) {
        FailNth::arm(nth);
        auto mm = MmStruct::create();
        mm::set_fail_hook(nullptr);
        ASSERT_TRUE(mm.is_error());
        EXPECT_EQ(mm.error().code(), ENOMEM);
        EXPECT_EQ(page_allocator().used_pages(), 0u);
    }
}

TEST_F(AddressSpaceFailTest, MmapFixedOverASplitUnwinds) {
    sweep(4, [](MmStruct& s) { MUST(s.do_mmap(nullptr, 0x40000000, 8 * P, RW, ANON | MAP_FIXED, 0)); },
          [](MmStruct& s) {
              auto r = s.do_mmap(nullptr, 0x40000000 + 2 * P, P, RW, SHARED_ANON | MAP_FIXED, 0);
              if (r.is_error()) {
                  EXPECT_EQ(r.error().code(), ENOMEM);
              }
              return !r.is_error();
          },
          no_extra_check);
}

TEST_F(AddressSpaceFailTest, MunmapSplitUnwinds) {
    sweep(1, [](MmStruct& s) { MUST(s.do_mmap(nullptr, 0x40000000, 8 * P, RW, ANON | MAP_FIXED, 0)); },
          [](MmStruct& s) { return !s.do_munmap(0x40000000 + 2 * P, P).is_error(); }, no_extra_check);
}

TEST_F(AddressSpaceFailTest, MprotectSplitUnwinds) {
    sweep(2, [](MmStruct& s) { MUST(s.do_mmap(nullptr, 0x40000000, 8 * P, RW, ANON | MAP_FIXED, 0)); },
          [](MmStruct& s) { return !s.do_mprotect(0x40000000 + 2 * P, 2 * P, PROT_READ).is_error(); },
          no_extra_check);
}

TEST_F(AddressSpaceFailTest, BrkUnwinds) {
    sweep(1, [](MmStruct& s) { s.set_brk_start(0x40000000); },
          [](MmStruct& s) { return s.do_brk(0x40000000 + 3 * P) == 0x40000000 + 3 * P; },
          [](MmStruct& s, size_t) { EXPECT_EQ(s.brk(), 0x40000000u); });
}

TEST_F(AddressSpaceFailTest, FaultsUnwind) {
    auto file_ref = make_file(std::string(P, 'f'));
    FakeFile& file = *file_ref;
    put_user_frame(MUST(file.get_page(0)));  // the file's page is in its cache before the sweep
    for (uint64_t flags : {ANON, SHARED_ANON, uint64_t(MAP_PRIVATE)}) {
        sweep(flags == SHARED_ANON ? 3 : 2, 
            [&](MmStruct& s) {
                MappedFile mapped{RefPtr<File>(&file), true, false};
                MUST(s.do_mmap(flags == MAP_PRIVATE ? &mapped : nullptr, 0x40000000, P, RW, flags | MAP_FIXED, 0));
            },
            [](MmStruct& s) {
                auto r = handle_page_fault(s, 0x40000000, FaultAccess{Kind::Write, true});
                if (r.is_error()) {
                    EXPECT_EQ(r.error().code(), ENOMEM);
                }
                return !r.is_error();
            },
            [](MmStruct& s, size_t pages_before) {
                EXPECT_FALSE(s.page_table().lookup(0x40000000).has_value());
                // A shared object may keep what it allocated for the slot (a directory page,
                // the frame): they are the object's, freed with it (checked when it goes).
                EXPECT_LE(page_allocator().used_pages(), pages_before + 2);
            });
    }
}

TEST_F(AddressSpaceFailTest, CopyOnWriteFaultUnwinds) {
    RefPtr<MmStruct> child;
    sweep(1, 
        [&](MmStruct& s) {
            MUST(s.do_mmap(nullptr, 0x40000000, P, RW, ANON | MAP_FIXED, 0));
            MUST(handle_page_fault(s, 0x40000000, FaultAccess{Kind::Write, true}));
            child = MUST(s.dup());
        },
        [&](MmStruct& s) {
            bool ok = !handle_page_fault(s, 0x40000000, FaultAccess{Kind::Write, true}).is_error();
            if (ok)
                child = nullptr;
            return ok;
        },
        [&](MmStruct&, size_t) { child = nullptr; });
}

TEST_F(AddressSpaceFailTest, DupUnwinds) {
    // The child's mm, its root, two Vmas, the page tables copied for the ends of the private
    // area (only its last one: the first 2 MiB lie wholly inside it and are shared, which the
    // fake does without allocating) and for the shared area.
    sweep(6, 
        [](MmStruct& s) {
            MUST(s.do_mmap(nullptr, 0x40000000, 600 * P, RW, ANON | MAP_FIXED, 0));
            MUST(s.do_mmap(nullptr, 0x50000000, 2 * P, RW, SHARED_ANON | MAP_FIXED, 0));
            for (VirtAddr v : {0x40000000ull, 0x40000000ull + 599 * P, 0x50000000ull})
                MUST(handle_page_fault(s, v, FaultAccess{Kind::Write, true}));
        },
        [](MmStruct& s) {
            auto child = s.dup();
            if (child.is_error()) {
                EXPECT_EQ(child.error().code(), ENOMEM);
            }
            return !child.is_error();
        },
        [](MmStruct& s, size_t pages_before) {
            // The parent keeps its pages (some now read-only, copy-on-write with no one).
            EXPECT_EQ(page_allocator().used_pages(), pages_before);
            EXPECT_EQ(user_frame_refcount(s.page_table().lookup(0x40000000)->frame), 1u);
        });
}

TEST_F(AddressSpaceFailTest, MadviseSplitUnwindsWithEagain) {
    sweep(2, [](MmStruct& s) { MUST(s.do_mmap(nullptr, 0x40000000, 8 * P, RW, ANON | MAP_FIXED, 0)); },
          [](MmStruct& s) {
              auto r = s.do_madvise(0x40000000 + 2 * P, 2 * P, MADV_DONTFORK);
              if (r.is_error()) {
                  EXPECT_EQ(r.error().code(), EAGAIN);
              }
              return !r.is_error();
          },
          no_extra_check);
}

TEST_F(AddressSpaceFailTest, PopulateStopsQuietly) {
    RefPtr<MmStruct> space = MUST(MmStruct::create());
    FailNth::arm(4);
    auto r = space->do_mmap(nullptr, 0x40000000, 8 * P, RW, ANON | MAP_FIXED | MAP_POPULATE, 0);
    mm::set_fail_hook(nullptr);
    EXPECT_FALSE(r.is_error());
    EXPECT_FALSE(space->page_table().lookup(0x40000000 + 7 * P).has_value());
}

}  // namespace
}  // namespace kernel::mmtest
