// Address spaces and the mmap family (Linux's mm/mmap.c, mm/mprotect.c, mm/madvise.c and
// dup_mmap from kernel/fork.c). The fault half is in mm/VmaFault.cpp; the design in
// mm/AddressSpace.h and docs/memory.md.
#include "mm/AddressSpace.h"

#include <arch/Memory.h>
#include <linux/capability.h>

#include "fs/Inode.h"
#include "lib/OwnPtr.h"
#include "lib/ScopeGuard.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"
#include "task/Cred.h"

namespace kernel {

namespace {

// Linux's LEGACY_MAP_MASK: the flags mmap has always accepted, and ignored when unknown. Only
// MAP_SHARED_VALIDATE refuses anything outside them (and what the file supports: nothing yet).
constexpr uint64_t LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE |
                                     MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED |
                                     MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB |
                                     MAP_32BIT | MAP_HUGE_2MB | MAP_HUGE_1GB;

// What brk's heap area gets (x86-64's VM_DATA_DEFAULT_FLAGS without READ_IMPLIES_EXEC).
constexpr uint32_t VM_DATA_DEFAULT_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

// Linux's PAGE_ALIGN, wrapping to 0 for lengths in the last page of the 64-bit space (callers
// check for that, as Linux's do).
constexpr uint64_t page_align(uint64_t len) { return (len + PAGE_SIZE - 1) & ~uint64_t(PAGE_SIZE - 1); }

uint32_t calc_vm_prot_bits(uint64_t prot) { return uint32_t(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)); }
uint32_t calc_vm_flag_bits(uint64_t flags) { return (flags & MAP_GROWSDOWN) ? uint32_t(VM_GROWSDOWN) : 0; }

// Linux's overcommit heuristic (vm.overcommit_memory = 0, OVERCOMMIT_GUESS): one request for
// more than all of memory fails; anything less is allowed, and the fault finds out later.
bool vm_enough_memory(uint64_t pages) { return pages <= page_allocator().total_pages(); }

// Linux's accountable_mapping: private writable memory is what the heuristic counts.
bool is_accountable(uint32_t vm_flags) { return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE; }

// Linux's security_mmap_addr (cap_mmap_addr): mapping below vm.mmap_min_addr needs
// CAP_SYS_RAWIO.
bool capable_sys_rawio() { return capable(CAP_SYS_RAWIO); }

// Page-table range walks with a lambda (the contract takes a function pointer and a context).
template <typename F>
uint64_t unmap_pages(arch::UserPageTable& table, VirtAddr start, VirtAddr end, F&& visit) {
    using Fn = std::remove_reference_t<F>;
    return table.unmap_range(
        start, end, [](void* context, VirtAddr virt, PhysAddr frame) { (*static_cast<Fn*>(context))(virt, frame); },
        &visit);
}

template <typename F>
ErrorOr<void> update_pages(arch::UserPageTable& table, VirtAddr start, VirtAddr end, F&& visit) {
    using Fn = std::remove_reference_t<F>;
    return table.update_range(
        start, end,
        [](void* context, VirtAddr virt, arch::PageMapping mapping) -> ErrorOr<arch::PageProt> {
            return (*static_cast<Fn*>(context))(virt, mapping);
        },
        &visit);
}

}  // namespace

// Vmas allocated before a commit that may split areas, so that the commit cannot fail. The
// ones not taken are freed with the reserve.
class MmStruct::VmaReserve {
public:
    ErrorOr<void> fill(size_t count) {
        VERIFY(count <= CAPACITY);
        while (m_count < count)
            m_vmas[m_count++] = TRY(Vma::create());
        return {};
    }
    Vma& take() {
        VERIFY(m_count > 0);
        return *m_vmas[--m_count].leak_ptr();
    }

private:
    static constexpr size_t CAPACITY = 3;
    OwnPtr<Vma> m_vmas[CAPACITY];
    size_t m_count{0};
};

// ---- Life cycle ----

namespace {
constinit SlabCache s_mm_cache{"mm_struct", sizeof(MmStruct), alignof(MmStruct)};
constinit std::atomic<size_t> s_oom_victims{0};
}

void MmStruct::operator delete(void* mm) noexcept {
    if (mm)
        s_mm_cache.free(mm);
}

ErrorOr<NonnullRefPtr<MmStruct>> MmStruct::create() {
    void* memory = s_mm_cache.allocate();
    if (!memory)
        return Error::from_errno(ENOMEM);
    auto* mm = new (memory) MmStruct;
    auto ref = adopt_ref(*mm);
    TRY(mm->m_page_table.create());
    return ref;
}

// Linux's exit_mmap: every area goes, with its pages and tables, then the root.
// Page tables shared by on-demand fork lie wholly inside one area each, so they are dropped
// whole (no leaf touched), which is most of what exit saves.
MmStruct::~MmStruct() {
    ScopeGuard victim_gone([this] {
        if (m_oom_victim)
            s_oom_victims.fetch_sub(1, std::memory_order_release);
    });
    SpinlockGuard guard(m_lock);
    while (Vma* vma = m_vmas.first()) {
        zap_range_locked(vma->m_start, vma->m_end);
        remove_vma_locked(*vma);
    }
    // Linux's check_mm ("Bad rss-counter state"): every page counted in was counted out.
    VERIFY(rss_locked() == 0);
    m_page_table.destroy();
}

void MmStruct::mark_oom_victim() {
    SpinlockGuard guard(m_lock);
    if (m_oom_victim)
        return;
    m_oom_victim = true;
    s_oom_victims.fetch_add(1, std::memory_order_relaxed);
}

size_t MmStruct::oom_victims_alive() { return s_oom_victims.load(std::memory_order_acquire); }

uint64_t MmStruct::rss_counter(MmCounter counter) const {
    SpinlockGuard guard(m_lock);
    return m_rss[size_t(counter)];
}

uint64_t MmStruct::rss() const {
    SpinlockGuard guard(m_lock);
    return rss_locked();
}

uint64_t MmStruct::hiwater_rss() const {
    SpinlockGuard guard(m_lock);
    uint64_t rss = rss_locked();
    return m_hiwater_rss > rss ? m_hiwater_rss : rss;
}

uint64_t MmStruct::rss_locked() const {
    uint64_t total = 0;
    for (uint64_t count : m_rss)
        total += count;
    return total;
}

void MmStruct::update_hiwater_rss_locked() {
    uint64_t rss = rss_locked();
    if (m_hiwater_rss < rss)
        m_hiwater_rss = rss;
}

void setmax_mm_hiwater_rss(uint64_t& maxrss, const MmStruct& mm) {
    uint64_t hiwater = mm.hiwater_rss();
    if (maxrss < hiwater)
        maxrss = hiwater;
}

void MmStruct::set_brk_start(VirtAddr start) {
    SpinlockGuard guard(m_lock);
    m_start_brk = m_brk = page_align(start);
}

void MmStruct::set_mmap_base(VirtAddr base) {
    SpinlockGuard guard(m_lock);
    m_mmap_base = align_down(base, PAGE_SIZE);
}

void MmStruct::set_stack_limit(uint64_t bytes) {
    SpinlockGuard guard(m_lock);
    m_stack_limit = bytes;
}

// Linux's dup_mmap + copy_page_range, with on-demand fork (ARCHITECTURE.md, "Lazy page-table
// copy at fork"): the last-level page tables (2 MiB each) lying wholly inside a private area are
// shared with the child, read-only for both, and copied only when either side changes a page
// under them (unshare_range, called by the fault handler and by every operation that edits part
// of one). Everything else -- shared areas, and the partly covered tables at the ends of a
// private area -- is copied now, page by page, as Linux does: private pages read-only in both
// (copy-on-write), frames shared by reference count. As in Linux, a VM_DONTCOPY area
// (MADV_DONTFORK) is left out and a VM_WIPEONFORK one is copied without its pages, so the child
// faults in zeroes there; a table is shared only when it lies wholly inside one area that is
// copied with its pages, so no shared table ever covers a page the child must not see.
//
// The child is built privately and only returned whole; if anything fails, dropping it releases
// exactly what it took (its destructor is the unwind). Its RSS counters count what it maps,
// shared tables included (Linux's copy_page_range does the same with add_mm_rss_vec).
size_t MmStruct::read_present(VirtAddr addr, void* out, size_t size) const {
    SpinlockGuard guard(m_lock);  // the frames stay mapped while it is held
    size_t done = 0;
    while (done < size) {
        VirtAddr at = addr + done;
        if (at >= TASK_SIZE)
            break;
        auto mapping = m_page_table.lookup(align_down(at, PAGE_SIZE));
        if (!mapping)
            break;
        size_t offset = at % PAGE_SIZE;
        size_t n = PAGE_SIZE - offset < size - done ? PAGE_SIZE - offset : size - done;
        __builtin_memcpy(static_cast<uint8_t*>(out) + done,
                         static_cast<const uint8_t*>(arch::phys_to_virt(mapping->frame)) + offset, n);
        done += n;
    }
    return done;
}

ErrorOr<NonnullRefPtr<MmStruct>> MmStruct::dup() {
    auto child = TRY(create());
    SpinlockGuard guard(m_lock);
    child->m_mmap_base = m_mmap_base;
    child->m_start_brk = m_start_brk;
    child->m_brk = m_brk;
    child->m_stack_limit = m_stack_limit;
    child->m_dumpable = m_dumpable;
    child->m_exec_layout = m_exec_layout;
    child->m_exe_file = m_exe_file;
    for (auto& vma : m_vmas) {
        if (vma.m_flags & VM_DONTCOPY)
            continue;
        Vma& copy = *TRY(Vma::create()).leak_ptr();
        copy.m_start = vma.m_start;
        copy.m_end = vma.m_end;
        copy.copy_backing_from(vma);
        child->m_vmas.push_back(copy);
        ++child->m_map_count;
        if (vma.m_flags & VM_WIPEONFORK)
            continue;
        uint64_t& child_rss = child->m_rss[size_t(vma.rss_counter())];
        bool cow = !vma.is_shared();
        auto copy_pages = [&](VirtAddr start, VirtAddr end) -> ErrorOr<void> {
            if (start >= end)
                return {};
            // A table shared from an earlier fork is never partly covered by a private area
            // (whatever cut it unshared it first), so this finds nothing to do; it keeps the
            // walk below honest if that ever changes.
            TRY(m_page_table.unshare_range(start, end));
            return update_pages(m_page_table, start, end,
                                [&](VirtAddr virt, arch::PageMapping mapping) -> ErrorOr<arch::PageProt> {
                                    arch::PageProt prot = mapping.prot;
                                    if (cow)
                                        prot &= ~arch::PAGE_PROT_WRITE;
                                    get_user_frame(mapping.frame);
                                    auto mapped = child->m_page_table.map(virt, mapping.frame, prot);
                                    if (mapped.is_error()) {
                                        put_user_frame(mapping.frame);
                                        return mapped.release_error();
                                    }
                                    ++child_rss;
                                    return prot;
                                });
        };
        VirtAddr shared_start = align_up(vma.m_start, arch::PAGE_TABLE_SPAN);
        VirtAddr shared_end = align_down(vma.m_end, arch::PAGE_TABLE_SPAN);
        if (!cow || shared_start >= shared_end) {
            TRY(copy_pages(vma.m_start, vma.m_end));
            continue;
        }
        TRY(copy_pages(vma.m_start, shared_start));
        TRY(child->m_page_table.share_from(m_page_table, shared_start, shared_end, child_rss));
        TRY(copy_pages(shared_end, vma.m_end));
    }
    // Linux's dup_mm: the child's high-water mark starts at what it maps.
    child->m_hiwater_rss = child->rss_locked();
    return child;
}

// ---- Finding areas and gaps ----

Vma* MmStruct::find_vma_locked(VirtAddr addr) const {
    for (auto& vma : const_cast<VmaList&>(m_vmas))
        if (vma.m_end > addr)
            return &vma;
    return nullptr;
}

Vma* MmStruct::find_vma_intersection_locked(VirtAddr start, VirtAddr end) const {
    Vma* vma = find_vma_locked(start);
    return vma && vma->m_start < end ? vma : nullptr;
}

Vma* MmStruct::prev_vma_locked(const Vma& vma) const {
    Vma* prev = nullptr;
    for (auto& other : const_cast<VmaList&>(m_vmas)) {
        if (&other == &vma)
            return prev;
        prev = &other;
    }
    VERIFY_NOT_REACHED();
}

// The highest `len` bytes of free space inside [low, high), or 0 when there is none (0 is
// never an answer: low is at least a page). Gaps end at an area's start_gap, so a stack keeps
// its guard gap (Linux's unmapped_area_topdown).
VirtAddr MmStruct::unmapped_area_topdown_locked(uint64_t len, VirtAddr low, VirtAddr high) const {
    VirtAddr found = 0;
    VirtAddr gap_start = 0;
    auto consider = [&](VirtAddr start, VirtAddr end) {
        start = start < low ? low : start;
        end = end > high ? high : end;
        if (end > start && end - start >= len)
            found = end - len;  // gaps come in rising order: the last that fits is the highest
    };
    for (auto& vma : const_cast<VmaList&>(m_vmas)) {
        consider(gap_start, vma.start_gap());
        gap_start = vma.m_end;
    }
    consider(gap_start, TASK_SIZE);
    return found;
}

// The lowest fit instead (Linux's unmapped_area); 0 when none.
VirtAddr MmStruct::unmapped_area_bottomup_locked(uint64_t len, VirtAddr low, VirtAddr high) const {
    VirtAddr gap_start = 0;
    auto fits = [&](VirtAddr start, VirtAddr end) -> VirtAddr {
        start = start < low ? low : start;
        end = end > high ? high : end;
        return end > start && end - start >= len ? start : 0;
    };
    for (auto& vma : const_cast<VmaList&>(m_vmas)) {
        if (VirtAddr found = fits(gap_start, vma.start_gap()))
            return found;
        gap_start = vma.m_end;
    }
    return fits(gap_start, TASK_SIZE);
}

// Linux's get_unmapped_area with x86-64's arch_get_unmapped_area_topdown: MAP_FIXED takes the
// address as given; a hint is taken when the range there is free; otherwise the highest fit
// below mmap_base, and failing that the lowest above TASK_UNMAPPED_BASE. MAP_32BIT searches
// the second GiB, bottom-up, as Linux does.
ErrorOr<VirtAddr> MmStruct::get_unmapped_area_locked(VirtAddr addr, uint64_t len, uint64_t flags) const {
    if (len > TASK_SIZE)
        return Error::from_errno(ENOMEM);
    if (!(flags & MAP_FIXED)) {
        VirtAddr low = PAGE_SIZE, high = m_mmap_base;
        bool bottom_up = false;
        if (flags & MAP_32BIT) {
            low = 1ull << 30;
            high = 2ull << 30;
            bottom_up = true;
        }
        VirtAddr hint = align_down(addr, PAGE_SIZE);
        VirtAddr hint_limit = bottom_up ? high : TASK_SIZE;
        Vma* next = find_vma_locked(hint);
        if (hint && len <= hint_limit && hint <= hint_limit - len && (!next || hint + len <= next->start_gap())) {
            addr = hint;
        } else {
            addr = bottom_up ? unmapped_area_bottomup_locked(len, low, high) : unmapped_area_topdown_locked(len, low, high);
            if (!addr && !bottom_up)
                addr = unmapped_area_bottomup_locked(len, TASK_UNMAPPED_BASE, TASK_SIZE);
            if (!addr)
                return Error::from_errno(ENOMEM);
        }
    }
    if (addr > TASK_SIZE - len)
        return Error::from_errno(ENOMEM);
    if (!is_aligned(addr, PAGE_SIZE))
        return Error::from_errno(EINVAL);
    if (addr < MMAP_MIN_ADDR && !capable_sys_rawio())
        return Error::from_errno(EPERM);
    return addr;
}

// ---- Editing the list (every `_locked` helper below is infallible) ----

void MmStruct::insert_vma_locked(Vma& vma) {
    Vma* next = find_vma_locked(vma.m_start);
    VERIFY(!next || next->m_start >= vma.m_end);  // callers have made room
    if (next)
        m_vmas.insert_before(*next, vma);
    else
        m_vmas.push_back(vma);
    ++m_map_count;
}

void MmStruct::remove_vma_locked(Vma& vma) {
    VmaList::remove(vma);
    --m_map_count;
    OwnPtr<Vma> owned(&vma);  // freed here, dropping its file and shared-memory references
}

// Linux's __split_vma: `vma` keeps [start, at), the returned new area gets [at, end).
Vma& MmStruct::split_vma_locked(Vma& vma, VirtAddr at, VmaReserve& reserve) {
    VERIFY(vma.m_start < at && at < vma.m_end && is_aligned(at, PAGE_SIZE));
    Vma& upper = reserve.take();
    upper.copy_backing_from(vma);
    upper.m_start = at;
    upper.m_end = vma.m_end;
    upper.m_pgoff = vma.pgoff_at(at);
    vma.m_end = at;
    if (Vma* next = next_vma_locked(vma))
        m_vmas.insert_before(*next, upper);
    else
        m_vmas.push_back(upper);
    ++m_map_count;
    return upper;
}

// Linux's vma_merge, done after the fact: joins every pair of neighbours that can be one area,
// from the area just below `start` to the one just above `end`.
void MmStruct::merge_range_locked(VirtAddr start, VirtAddr end) {
    Vma* vma = find_vma_locked(start ? start - 1 : 0);
    while (vma && vma->m_start <= end) {
        Vma* next = next_vma_locked(*vma);
        if (next && vma->can_merge_with(*next)) {
            vma->m_end = next->m_end;
            remove_vma_locked(*next);
            continue;
        }
        vma = next;
    }
}

// Drops every page of [start, end) (Linux's zap_page_range): the next access faults afresh.
// Area by area, for the RSS counter each page leaves (holes have no pages). The high-water mark
// is taken first, as Linux's unmap_region and zap_page_range do.
void MmStruct::zap_range_locked(VirtAddr start, VirtAddr end) {
    update_hiwater_rss_locked();
    for (Vma* vma = find_vma_locked(start); vma && vma->m_start < end; vma = next_vma_locked(*vma)) {
        VirtAddr from = vma->m_start > start ? vma->m_start : start;
        VirtAddr to = vma->m_end < end ? vma->m_end : end;
        uint64_t pages =
            unmap_pages(m_page_table, from, to, [](VirtAddr, PhysAddr frame) { put_user_frame(frame); });
        uint64_t& counter = m_rss[size_t(vma->rss_counter())];
        VERIFY(counter >= pages);
        counter -= pages;
    }
}

// On-demand fork: the (at most two) shared page tables that [start, end) covers only partly
// become this space's own, so that the range's pages can be dropped or changed without
// touching the other sharers. The fallible half of every operation that edits part of a
// table; unsharing changes nothing anyone can see, so a failure half way needs no undo.
ErrorOr<void> MmStruct::unshare_cut_locked(VirtAddr start, VirtAddr end) {
    if (start >= end)
        return {};
    if (!is_aligned(start, arch::PAGE_TABLE_SPAN))
        TRY(m_page_table.unshare_range(start, start + PAGE_SIZE));
    if (!is_aligned(end, arch::PAGE_TABLE_SPAN))
        TRY(m_page_table.unshare_range(end - PAGE_SIZE, end));
    return {};
}

size_t MmStruct::splits_to_unmap_locked(VirtAddr start, VirtAddr end) const {
    Vma* vma = find_vma_locked(start);
    return vma && vma->m_start < start && vma->m_end > end ? 1 : 0;
}

// Linux's do_vmi_align_munmap: trims, splits and removes the areas overlapping [start, end)
// and drops their pages. Takes at most splits_to_unmap_locked() Vmas from `reserve`.
// The page tables [start, end) cuts must not be shared (unshare_cut_locked, in the
// fallible phase): a shared one wholly inside is dropped whole.
void MmStruct::unmap_region_locked(VirtAddr start, VirtAddr end, VmaReserve& reserve) {
    zap_range_locked(start, end);  // holes have no pages: one walk for the whole range
    Vma* vma = find_vma_locked(start);
    while (vma && vma->m_start < end) {
        Vma* next = next_vma_locked(*vma);
        if (vma->m_start < start) {
            if (vma->m_end > end)
                split_vma_locked(*vma, end, reserve);
            vma->m_end = start;
        } else if (vma->m_end > end) {
            vma->m_pgoff = vma->pgoff_at(end);
            vma->m_start = end;
        } else {
            remove_vma_locked(*vma);
        }
        vma = next;
    }
}

// Brings the page-table rights of `vma`'s pages in line with its flags (Linux's
// change_protection).
void MmStruct::change_protection_locked(Vma& vma) {
    MUST(update_pages(m_page_table, vma.m_start, vma.m_end,
                      [&](VirtAddr, arch::PageMapping mapping) -> ErrorOr<arch::PageProt> {
                          return vma.pte_prot(mapping.frame);
                      }));
}

// MAP_POPULATE: faults every page in now, as a first touch would (a write for private writable
// areas, so they get their own pages). Like Linux's mm_populate it stops quietly at the first
// failure: the mapping itself has succeeded.
void MmStruct::populate_locked(VirtAddr start, VirtAddr end) {
    for (VirtAddr page = start; page < end; page += PAGE_SIZE) {
        Vma* vma = find_vma_locked(page);
        if (!vma || vma->m_start > page)
            return;
        if (!(vma->m_flags & VM_ACCESS_FLAGS))
            continue;
        FaultAccess access{(vma->m_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE ? FaultAccess::Kind::Write
                                                                                : FaultAccess::Kind::Read,
                           false};
        if (fault_locked(*vma, page, access).is_error())
            return;
    }
}

// ---- mmap ----

ErrorOr<VirtAddr> MmStruct::do_mmap(const MappedFile* file, VirtAddr addr, uint64_t len, uint64_t prot,
                                    uint64_t flags, uint64_t pgoff) {
    if (!len)
        return Error::from_errno(EINVAL);
    if (flags & MAP_FIXED_NOREPLACE)
        flags |= MAP_FIXED;
    // round_hint_to_min: a hint below mmap_min_addr is moved up to it.
    if (!(flags & MAP_FIXED)) {
        addr = align_down(addr, PAGE_SIZE);
        if (addr && addr < MMAP_MIN_ADDR)
            addr = MMAP_MIN_ADDR;
    }
    len = page_align(len);
    if (!len)
        return Error::from_errno(ENOMEM);
    if (pgoff + (len >> PAGE_SHIFT) < pgoff)
        return Error::from_errno(EOVERFLOW);

    SpinlockGuard guard(m_lock);
    if (m_map_count > MAX_MAP_COUNT)
        return Error::from_errno(ENOMEM);
    addr = TRY(get_unmapped_area_locked(addr, len, flags));
    if ((flags & MAP_FIXED_NOREPLACE) && find_vma_intersection_locked(addr, addr + len))
        return Error::from_errno(EEXIST);

    uint32_t vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (file) {
        // file_mmap_ok: the range must fit in a file offset (MAX_LFS_FILESIZE).
        constexpr uint64_t MAX_FILE_SIZE = uint64_t(std::numeric_limits<int64_t>::max());
        if (pgoff > (MAX_FILE_SIZE - len) >> PAGE_SHIFT)
            return Error::from_errno(EOVERFLOW);
        switch (flags & MAP_TYPE) {
        case MAP_SHARED:
            // Unknown flags are ignored with MAP_SHARED, for compatibility...
            flags &= LEGACY_MAP_MASK;
            [[fallthrough]];
        case MAP_SHARED_VALIDATE:
            // ...and refused with MAP_SHARED_VALIDATE, which exists to say "check them".
            if (flags & ~LEGACY_MAP_MASK)
                return Error::from_errno(EOPNOTSUPP);
            if ((prot & PROT_WRITE) && !file->writable)
                return Error::from_errno(EACCES);
            vm_flags |= VM_SHARED | VM_MAYSHARE;
            if (!file->writable)
                vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
            [[fallthrough]];
        case MAP_PRIVATE:
            if (!file->readable)
                return Error::from_errno(EACCES);
            if (file->kind == MappedFile::Kind::None)
                return Error::from_errno(ENODEV);
            if (vm_flags & VM_GROWSDOWN)
                return Error::from_errno(EINVAL);
            // /dev/zero's mmap turns the mapping into plain anonymous memory.
            if (file->kind == MappedFile::Kind::Zero) {
                pgoff = (vm_flags & VM_SHARED) ? 0 : addr >> PAGE_SHIFT;
                file = nullptr;
            }
            break;
        default:
            return Error::from_errno(EINVAL);
        }
    } else {
        switch (flags & MAP_TYPE) {
        case MAP_SHARED:
            if (vm_flags & VM_GROWSDOWN)
                return Error::from_errno(EINVAL);
            pgoff = 0;
            vm_flags |= VM_SHARED | VM_MAYSHARE;
            break;
        case MAP_PRIVATE:
            pgoff = addr >> PAGE_SHIFT;
            break;
        default:
            // Including MAP_SHARED_VALIDATE: Linux 6.1 validates it for files only.
            return Error::from_errno(EINVAL);
        }
    }
    if (flags & MAP_NORESERVE)
        vm_flags |= VM_NORESERVE;
    // Shared anonymous memory is counted as its shmem object would be (shmem_acct_size).
    bool counted = is_accountable(vm_flags) || (!file && (vm_flags & VM_SHARED) && !(vm_flags & VM_NORESERVE));
    if (counted && !vm_enough_memory(len >> PAGE_SHIFT))
        return Error::from_errno(ENOMEM);

    if (file && file->mmap_errno)
        return Error::from_errno(file->mmap_errno);

    // Linux's mmap_region. Everything that can fail comes first: the new area, the one a
    // MAP_FIXED replacement may need to split an old area, the shared-memory object.
    VirtAddr end = addr + len;
    VmaReserve reserve;
    TRY(reserve.fill(1 + splits_to_unmap_locked(addr, end)));
    RefPtr<SharedMemory> shared;
    if (!file && (vm_flags & VM_SHARED))
        shared = TRY(SharedMemory::create(len >> PAGE_SHIFT));
    TRY(unshare_cut_locked(addr, end));

    // No more failure paths after this point.
    unmap_region_locked(addr, end, reserve);
    Vma& vma = reserve.take();
    vma.m_start = addr;
    vma.m_end = end;
    vma.m_flags = vm_flags;
    vma.m_pgoff = pgoff;
    if (file)
        vma.m_file = file->file;
    vma.m_shared = std::move(shared);
    insert_vma_locked(vma);
    merge_range_locked(addr, end);
    if (flags & (MAP_POPULATE | MAP_LOCKED))
        populate_locked(addr, end);
    return addr;
}

// ---- munmap ----

ErrorOr<void> MmStruct::do_munmap(VirtAddr start, uint64_t len) {
    if (!is_aligned(start, PAGE_SIZE) || start > TASK_SIZE || len > TASK_SIZE - start)
        return Error::from_errno(EINVAL);
    VirtAddr end = start + page_align(len);
    if (end == start)
        return Error::from_errno(EINVAL);
    SpinlockGuard guard(m_lock);
    size_t splits = splits_to_unmap_locked(start, end);
    // One more area than the limit is refused, though freeing memory is what munmap is for.
    if (splits && m_map_count >= MAX_MAP_COUNT)
        return Error::from_errno(ENOMEM);
    VmaReserve reserve;
    TRY(reserve.fill(splits));
    TRY(unshare_cut_locked(start, end));
    unmap_region_locked(start, end, reserve);
    return {};
}

// ---- mprotect ----

namespace {
uint32_t mprotect_flags(const Vma& vma, uint64_t prot) { return calc_vm_prot_bits(prot) | (vma.m_flags & ~VM_ACCESS_FLAGS); }
}  // namespace

ErrorOr<void> MmStruct::do_mprotect(VirtAddr start, uint64_t len, uint64_t prot) {
    uint64_t grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    prot &= ~grows;
    if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
        return Error::from_errno(EINVAL);
    if (!is_aligned(start, PAGE_SIZE))
        return Error::from_errno(EINVAL);
    if (!len)
        return {};
    VirtAddr end = start + page_align(len);
    if (end <= start)
        return Error::from_errno(ENOMEM);
    if (prot & ~uint64_t(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
        return Error::from_errno(EINVAL);

    SpinlockGuard guard(m_lock);
    Vma* vma = find_vma_locked(start);
    if (!vma)
        return Error::from_errno(ENOMEM);
    if (grows & PROT_GROWSDOWN) {
        // Applies down to the start of the stack, wherever `start` is in it.
        if (vma->m_start >= end)
            return Error::from_errno(ENOMEM);
        start = vma->m_start;
        if (!(vma->m_flags & VM_GROWSDOWN))
            return Error::from_errno(EINVAL);
    } else {
        if (vma->m_start > start)
            return Error::from_errno(ENOMEM);
        if (grows & PROT_GROWSUP)
            return Error::from_errno(EINVAL);  // x86 has no grows-up areas
    }

    // Decode. Linux changes the areas one by one and stops at the first it may not change
    // (EACCES: a right its VM_MAY* bits forbid, or no memory to make it writable) or at the
    // first hole (ENOMEM), keeping the changes made before it. Find that point: [start, stop)
    // is what changes, `error` what is returned after.
    int error = 0;
    VirtAddr stop = start;
    for (Vma* v = vma;;) {
        uint32_t new_flags = mprotect_flags(*v, prot);
        if ((new_flags & ~(new_flags >> 4)) & VM_ACCESS_FLAGS) {
            error = EACCES;
            break;
        }
        VirtAddr piece_end = v->m_end < end ? v->m_end : end;
        bool newly_counted = (new_flags & VM_WRITE) && !(v->m_flags & (VM_WRITE | VM_SHARED | VM_NORESERVE));
        if (newly_counted && !vm_enough_memory((piece_end - stop) >> PAGE_SHIFT)) {
            error = ENOMEM;
            break;
        }
        stop = piece_end;
        if (stop >= end)
            break;
        v = next_vma_locked(*v);
        if (!v || v->m_start != stop) {
            error = ENOMEM;
            break;
        }
    }

    // Invoke: split where [start, stop) cuts an area whose flags change, change them, merge.
    if (stop > start) {
        size_t splits = 0;
        if (vma->m_start < start && mprotect_flags(*vma, prot) != vma->m_flags)
            ++splits;
        Vma* last = find_vma_locked(stop - 1);
        if (last->m_end > stop && mprotect_flags(*last, prot) != last->m_flags)
            ++splits;
        if (splits && m_map_count >= MAX_MAP_COUNT)
            return Error::from_errno(ENOMEM);
        VmaReserve reserve;
        TRY(reserve.fill(splits));
        // Every page whose rights change must be in a table of this space's own.
        TRY(m_page_table.unshare_range(start, stop));
        // No more failure paths after this point.
        for (Vma* v = vma; v && v->m_start < stop;) {
            uint32_t new_flags = mprotect_flags(*v, prot);
            if (new_flags != v->m_flags) {
                if (v->m_start < start)
                    v = &split_vma_locked(*v, start, reserve);
                if (v->m_end > stop)
                    split_vma_locked(*v, stop, reserve);
                v->m_flags = new_flags;
                change_protection_locked(*v);
            }
            v = next_vma_locked(*v);
        }
        merge_range_locked(start, stop);
    }
    if (error)
        return Error::from_errno(error);
    return {};
}

// ---- madvise ----

ErrorOr<void> MmStruct::do_madvise(VirtAddr start, uint64_t len, int advice) {
    switch (advice) {
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_DONTFORK:
    case MADV_DOFORK:
    case MADV_WIPEONFORK:
    case MADV_KEEPONFORK:
        break;
    default:
        // Everything else (MADV_HUGEPAGE, MADV_REMOVE, MADV_DONTDUMP...) is not implemented:
        // Linux's answer when the kernel is built without it.
        return Error::from_errno(EINVAL);
    }
    if (!is_aligned(start, PAGE_SIZE))
        return Error::from_errno(EINVAL);
    uint64_t aligned_len = page_align(len);
    if (len && !aligned_len)
        return Error::from_errno(EINVAL);
    VirtAddr end = start + aligned_len;
    if (end < start)
        return Error::from_errno(EINVAL);
    if (end == start)
        return {};

    // Linux's madvise_walk_vmas: advice applies to the mapped parts, area by area; an area that
    // refuses it stops the walk with its error (what came before keeps the advice), and holes
    // make it ENOMEM after doing the rest. Areas whose flags changed are merged back with
    // their neighbours at the end, whatever happened (Linux's vma_merge, piece by piece).
    SpinlockGuard guard(m_lock);
    VirtAddr first = start;
    bool changes_flags = advice == MADV_DONTFORK || advice == MADV_DOFORK || advice == MADV_WIPEONFORK ||
                         advice == MADV_KEEPONFORK;
    ScopeGuard merge([&] {
        if (changes_flags)
            merge_range_locked(first, start);
    });
    int unmapped_error = 0;
    Vma* vma = find_vma_locked(start);
    for (;;) {
        if (!vma)
            return Error::from_errno(ENOMEM);
        if (start < vma->m_start) {
            unmapped_error = ENOMEM;
            start = vma->m_start;
            if (start >= end)
                break;
        }
        VirtAddr piece_end = vma->m_end < end ? vma->m_end : end;
        TRY(madvise_vma_locked(vma, start, piece_end, advice));
        start = piece_end;
        if (start >= end)
            break;
        vma = next_vma_locked(*vma);
    }
    if (unmapped_error)
        return Error::from_errno(unmapped_error);
    return {};
}

ErrorOr<void> MmStruct::madvise_vma_locked(Vma*& vma, VirtAddr start, VirtAddr end, int advice) {
    uint32_t new_flags = vma->m_flags;
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE:
        // DONTNEED drops the pages: anonymous private memory reads back as zeroes, file pages
        // are read again, shared memory keeps its contents. FREE may either keep or drop them;
        // dropping now is the simple choice.
        if (advice == MADV_FREE && !vma->is_anonymous())
            return Error::from_errno(EINVAL);
        TRY(unshare_cut_locked(start, end));
        zap_range_locked(start, end);
        return {};
    case MADV_DONTFORK:
        new_flags |= VM_DONTCOPY;
        break;
    case MADV_DOFORK:
        // (Linux refuses this on VM_IO areas, device memory; there are none here.)
        new_flags &= ~VM_DONTCOPY;
        break;
    case MADV_WIPEONFORK:
        // Only private anonymous memory can be given to the child empty.
        if (vma->m_file || vma->m_shared || vma->is_shared())
            return Error::from_errno(EINVAL);
        new_flags |= VM_WIPEONFORK;
        break;
    case MADV_KEEPONFORK:
        new_flags &= ~VM_WIPEONFORK;
        break;
    default:
        // The remaining hints change nothing here.
        return {};
    }
    if (new_flags == vma->m_flags)
        return {};

    // Linux's madvise_update_vma: split off exactly [start, end). Failing here is EAGAIN, as
    // madvise reports any ENOMEM of its own: the map-count limit, no memory for the new areas,
    // or for the page tables the splits cut (a shared one must not straddle two areas).
    size_t splits = (start != vma->m_start) + (end != vma->m_end);
    if (m_map_count + splits > MAX_MAP_COUNT)  // Linux checks before each split
        return Error::from_errno(EAGAIN);
    VmaReserve reserve;
    if (reserve.fill(splits).is_error() || unshare_cut_locked(start, end).is_error())
        return Error::from_errno(EAGAIN);
    // No more failure paths after this point.
    if (start != vma->m_start)
        vma = &split_vma_locked(*vma, start, reserve);
    if (end != vma->m_end)
        split_vma_locked(*vma, end, reserve);
    vma->m_flags = new_flags;
    return {};
}

// ---- mincore ----

// Linux's do_mincore and mincore_pte_range: a page is resident when this address space maps it;
// otherwise, for shared memory and files, when the object holds the page (mincore_page on the
// page cache or the shmem object), whoever mapped it.
ErrorOr<size_t> MmStruct::do_mincore(VirtAddr start, size_t pages, uint8_t* vec) const {
    SpinlockGuard guard(m_lock);
    Vma* vma = find_vma_locked(start);
    if (!vma || vma->m_start > start)
        return Error::from_errno(ENOMEM);
    VirtAddr end = vma->m_end;
    if (pages < (end - start) >> PAGE_SHIFT)
        end = start + (pages << PAGE_SHIFT);
    Inode* inode = vma->m_file ? vma->m_file->inode() : nullptr;
    size_t count = 0;
    for (VirtAddr page = start; page < end; page += PAGE_SIZE, ++count) {
        bool resident = m_page_table.lookup(page).has_value();
        if (!resident && vma->m_shared)
            resident = vma->m_shared->has_frame(vma->pgoff_at(page));
        else if (!resident && inode)
            resident = inode->is_page_cached(vma->pgoff_at(page));
        vec[count] = resident;
    }
    return count;
}

// ---- brk ----

VirtAddr MmStruct::do_brk(VirtAddr brk) {
    SpinlockGuard guard(m_lock);
    VirtAddr old_break = m_brk;
    // Never below the start (the heap would eat the program's data); never out of user space.
    if (brk < m_start_brk || brk > TASK_SIZE)
        return old_break;
    VirtAddr new_end = page_align(brk);
    VirtAddr old_end = page_align(m_brk);
    if (new_end == old_end) {
        m_brk = brk;
        return brk;
    }

    if (brk <= m_brk) {
        // Shrinking always works, as long as there is heap left to unmap (Linux 6.1 fails
        // when the program has unmapped it itself).
        Vma* vma = find_vma_intersection_locked(new_end, old_end);
        if (!vma)
            return old_break;
        VmaReserve reserve;
        if (reserve.fill(splits_to_unmap_locked(new_end, old_end)).is_error() ||
            unshare_cut_locked(new_end, old_end).is_error())
            return old_break;
        unmap_region_locked(new_end, old_end, reserve);
        m_brk = brk;
        return brk;
    }

    // Growing: one free page must stay between the heap and the next mapping (and a stack's
    // guard gap, if the next mapping is a stack).
    Vma* next = find_vma_locked(old_end);
    if (next && new_end + PAGE_SIZE > next->start_gap())
        return old_break;
    if (m_map_count > MAX_MAP_COUNT || !vm_enough_memory((new_end - old_end) >> PAGE_SHIFT))
        return old_break;
    // Linux's do_brk_flags: extend the heap area when it ends at the old break, else start it.
    Vma* heap = old_end > m_start_brk ? find_vma_locked(old_end - 1) : nullptr;
    if (heap && heap->m_end == old_end && heap->m_start >= m_start_brk && heap->is_anonymous() &&
        heap->m_flags == VM_DATA_DEFAULT_FLAGS) {
        heap->m_end = new_end;
    } else {
        auto vma = Vma::create();
        if (vma.is_error())
            return old_break;
        Vma& area = *vma.release_value().leak_ptr();
        area.m_start = old_end;
        area.m_end = new_end;
        area.m_flags = VM_DATA_DEFAULT_FLAGS;
        area.m_pgoff = old_end >> PAGE_SHIFT;
        insert_vma_locked(area);
    }
    m_brk = brk;
    return brk;
}

}  // namespace kernel
