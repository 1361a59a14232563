// User memory on the real page tables: demand faults through copy_to_user/copy_from_user, the
// exception fix-up for what may not be touched (read-only, PROT_NONE, unmapped, past the end of
// a file), copy-on-write after dup(), stack growth — and every page back afterwards.
#include <arch/Memory.h>

#include "lib/OwnPtr.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "selftest/SelfTest.h"
#include "task/Scheduler.h"

namespace kernel {
namespace {
// A 6000-byte file of letters, mapped through get_page as a page cache would map it: one frame
// per page, filled on first use and kept until the file goes.
class MemFile final : public File {
public:
    static constexpr uint64_t SIZE = 6000;
    ~MemFile() override {
        for (PhysAddr frame : m_frames)
            if (frame)
                put_user_frame(frame);
    }
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }
    ErrorOr<PhysAddr> get_page(uint64_t index) override {
        if (index * PAGE_SIZE >= SIZE)
            return Error::from_errno(EIO);
        if (!m_frames[index]) {
            PhysAddr frame = TRY(alloc_zeroed_user_frame());
            auto* bytes = static_cast<uint8_t*>(arch::phys_to_virt(frame));
            for (uint64_t i = 0; i < PAGE_SIZE && index * PAGE_SIZE + i < SIZE; ++i)
                bytes[i] = uint8_t('A' + (index * PAGE_SIZE + i) % 26);
            m_frames[index] = frame;
        }
        get_user_frame(m_frames[index]);
        return m_frames[index];
    }

private:
    PhysAddr m_frames[2]{};
};
}  // namespace

void selftest_user_memory(SelfTestContext& ctx) {
    size_t base_pages = page_allocator().used_pages();
    HeapStats base_heap = heap_stats();
    {
        auto mm = MUST(MmStruct::create());
        current()->m_mm = mm;
        activate_mm(mm.ptr());
        constexpr uint64_t P = 4096;
        VirtAddr a = MUST(mm->do_mmap(nullptr, 0, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0));
        uint64_t v = 0x1122334455667788, r = 0;
        ST_CHECK(ctx, !copy_to_user(a + 5 * P + 8, &v, 8).is_error());
        ST_CHECK(ctx, !copy_from_user(&r, a + 5 * P + 8, 8).is_error());
        ST_CHECK_EQ(ctx, r, v);
        // A copy straddling pages: the second page faults in the middle of rep movsb.
        char buf[64];
        for (int i = 0; i < 64; ++i)
            buf[i] = char(i);
        ST_CHECK(ctx, !copy_to_user(a + 8 * P - 32, buf, 64).is_error());
        char back[64] = {};
        ST_CHECK(ctx, !copy_from_user(back, a + 8 * P - 32, 64).is_error());
        ST_CHECK(ctx, __builtin_memcmp(buf, back, 64) == 0);
        // Read-only: kernel write is refused (CR0.WP), read works.
        MUST(mm->do_mprotect(a + 5 * P, P, PROT_READ));
        ST_CHECK(ctx, copy_to_user(a + 5 * P + 8, &v, 8).is_error());
        r = 0;
        ST_CHECK(ctx, !copy_from_user(&r, a + 5 * P + 8, 8).is_error());
        ST_CHECK_EQ(ctx, r, v);
        // PROT_NONE keeps the page.
        MUST(mm->do_mprotect(a + 5 * P, P, PROT_NONE));
        ST_CHECK(ctx, copy_from_user(&r, a + 5 * P + 8, 8).is_error());
        MUST(mm->do_mprotect(a + 5 * P, P, PROT_READ | PROT_WRITE));
        r = 0;
        ST_CHECK(ctx, !copy_from_user(&r, a + 5 * P + 8, 8).is_error());
        ST_CHECK_EQ(ctx, r, v);
        ST_CHECK_EQ(ctx, mm->map_count(), size_t(1));
        // munmap: gone.
        MUST(mm->do_munmap(a + 5 * P, P));
        ST_CHECK(ctx, copy_from_user(&r, a + 5 * P + 8, 8).is_error());
        // Big mapping across several page tables.
        VirtAddr big = MUST(mm->do_mmap(nullptr, 0x40000000, 8u << 20, PROT_READ | PROT_WRITE,
                                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0));
        for (VirtAddr p = big; p < big + (8u << 20); p += P) {
            ST_CHECK(ctx, !copy_to_user(p, &p, 8).is_error());
        }
        bool all_ok = true;
        for (VirtAddr p = big; p < big + (8u << 20); p += P) {
            uint64_t x = 0;
            if (copy_from_user(&x, p, 8).is_error() || x != p)
                all_ok = false;
        }
        ST_CHECK(ctx, all_ok);
        // COW via dup.
        auto child = MUST(mm->dup());
        current()->m_mm = child;
        activate_mm(child.ptr());
        uint64_t w = 99;
        ST_CHECK(ctx, !copy_to_user(big, &w, 8).is_error());
        r = 0;
        ST_CHECK(ctx, !copy_from_user(&r, big, 8).is_error());
        ST_CHECK_EQ(ctx, r, uint64_t(99));
        current()->m_mm = mm;
        activate_mm(mm.ptr());
        ST_CHECK(ctx, !copy_from_user(&r, big, 8).is_error());
        ST_CHECK_EQ(ctx, r, uint64_t(big));
        ST_CHECK(ctx, !copy_to_user(big + P, &w, 8).is_error());
        MUST(mm->do_munmap(big, 4u << 20));
        // File mapping + clear_user (exec's bss).
        auto file = MUST(try_make_ref_counted<MemFile>());
        MappedFile mf{RefPtr<File>(file.ptr()), true, false};
        VirtAddr f = MUST(mm->do_mmap(&mf, 0x400000, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, 0));
        ST_CHECK(ctx, !clear_user(f + 6000, 2 * P - 6000).is_error());
        char c = 0;
        ST_CHECK(ctx, !copy_from_user(&c, f + 5999, 1).is_error());
        ST_CHECK_EQ(ctx, c, char('A' + 5999 % 26));
        ST_CHECK(ctx, !copy_from_user(&c, f + 6000, 1).is_error());
        ST_CHECK_EQ(ctx, c, char(0));
        ST_CHECK(ctx, copy_from_user(&c, f + 2 * P, 1).is_error());  // SIGBUS page
        // Stack.
        VirtAddr st = MUST(mm->do_mmap(nullptr, STACK_TOP - 4 * P, 4 * P, PROT_READ | PROT_WRITE,
                                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0));
        ST_CHECK(ctx, !copy_to_user(st - 100 * P, &w, 8).is_error());
        activate_mm(nullptr);
        current()->m_mm = nullptr;
        child = MUST(MmStruct::create());
    }
    ST_CHECK_EQ(ctx, page_allocator().used_pages(), base_pages);
    ST_CHECK(ctx, heap_stats() == base_heap);
}
}  // namespace kernel
