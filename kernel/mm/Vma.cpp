// Vmas, shared anonymous memory and user-frame reference counts: see mm/Vma.h.
#include "mm/Vma.h"

#include <arch/Memory.h>

#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"

namespace kernel {

// ---- User frames ----

ErrorOr<PhysAddr> alloc_user_frame() {
    PhysAddr frame = TRY(page_allocator().allocate(0));
    Page* page = page_allocator().page_for(frame);
    VERIFY(page->m_refcount.load(std::memory_order_relaxed) == 0);
    page->m_refcount.store(1, std::memory_order_relaxed);
    return frame;
}

ErrorOr<PhysAddr> alloc_zeroed_user_frame() {
    PhysAddr frame = TRY(alloc_user_frame());
    __builtin_memset(arch::phys_to_virt(frame), 0, PAGE_SIZE);
    return frame;
}

void get_user_frame(PhysAddr frame) {
    auto old = page_allocator().page_for(frame)->m_refcount.fetch_add(1, std::memory_order_relaxed);
    VERIFY(old > 0);  // only a frame somebody holds can gain a holder
}

void put_user_frame(PhysAddr frame) {
    auto old = page_allocator().page_for(frame)->m_refcount.fetch_sub(1, std::memory_order_acq_rel);
    VERIFY(old > 0);
    if (old == 1)
        page_allocator().free(frame, 0);
}

uint32_t user_frame_refcount(PhysAddr frame) {
    return page_allocator().page_for(frame)->m_refcount.load(std::memory_order_acquire);
}

// ---- SharedMemory ----

namespace {
constinit std::atomic<uint64_t> g_shared_resident{0};
}  // namespace

uint64_t SharedMemory::total_resident_pages() { return g_shared_resident.load(std::memory_order_relaxed); }

void SharedMemory::operator delete(void* object) noexcept { kfree(object); }

ErrorOr<NonnullRefPtr<SharedMemory>> SharedMemory::create(uint64_t page_count) {
    uint64_t directory_size = (page_count + FRAMES_PER_PAGE - 1) / FRAMES_PER_PAGE;
    // kmalloc caps one allocation at 4 MiB of directory, i.e. 1 TiB of shared memory; beyond
    // that (or when the memory is not there) the mapping fails as Linux's shmem accounting does.
    if (directory_size > MAX_BLOCK_SIZE / sizeof(PhysAddr))
        return Error::from_errno(ENOMEM);
    auto* directory = static_cast<PhysAddr*>(kzalloc(directory_size * sizeof(PhysAddr)));
    if (!directory)
        return Error::from_errno(ENOMEM);
    void* memory = kmalloc(sizeof(SharedMemory));
    if (!memory) {
        kfree(directory);
        return Error::from_errno(ENOMEM);
    }
    auto* shared = new (memory) SharedMemory(page_count, directory);
    static constinit std::atomic<uint64_t> next_ino{1};
    shared->m_ino = next_ino.fetch_add(1, std::memory_order_relaxed);
    return adopt_ref(*shared);
}

SharedMemory::~SharedMemory() {
    uint64_t directory_size = (m_page_count + FRAMES_PER_PAGE - 1) / FRAMES_PER_PAGE;
    for (uint64_t d = 0; d < directory_size; ++d) {
        if (!m_directory[d])
            continue;
        auto* frames = static_cast<PhysAddr*>(arch::phys_to_virt(m_directory[d]));
        for (uint64_t i = 0; i < FRAMES_PER_PAGE; ++i)
            if (frames[i])
                put_user_frame(frames[i]);
        page_allocator().free(m_directory[d], 0);
    }
    kfree(m_directory);
    g_shared_resident.fetch_sub(m_resident, std::memory_order_relaxed);
}

ErrorOr<PhysAddr> SharedMemory::get_frame(uint64_t index) {
    VERIFY(index < m_page_count);
    PhysAddr& slot_page = m_directory[index / FRAMES_PER_PAGE];
    if (!slot_page) {
        slot_page = TRY(page_allocator().allocate(0));
        __builtin_memset(arch::phys_to_virt(slot_page), 0, PAGE_SIZE);
    }
    PhysAddr& frame = static_cast<PhysAddr*>(arch::phys_to_virt(slot_page))[index % FRAMES_PER_PAGE];
    if (!frame) {
        // A directory page allocated just above stays even if this fails: it is empty, and
        // it goes with the object.
        frame = TRY(alloc_zeroed_user_frame());
        ++m_resident;
        g_shared_resident.fetch_add(1, std::memory_order_relaxed);
    }
    get_user_frame(frame);
    return frame;
}

bool SharedMemory::has_frame(uint64_t index) const {
    VERIFY(index < m_page_count);
    PhysAddr slot_page = m_directory[index / FRAMES_PER_PAGE];
    return slot_page && static_cast<const PhysAddr*>(arch::phys_to_virt(slot_page))[index % FRAMES_PER_PAGE];
}

// ---- Vma ----

namespace {
constinit SlabCache s_vma_cache{"vm_area_struct", sizeof(Vma), alignof(Vma)};
}

ErrorOr<OwnPtr<Vma>> Vma::create() {
    void* memory = s_vma_cache.allocate();
    if (!memory)
        return Error::from_errno(ENOMEM);
    return OwnPtr<Vma>(new (memory) Vma);
}
void Vma::operator delete(void* vma) noexcept {
    if (vma)
        s_vma_cache.free(vma);
}

VirtAddr Vma::start_gap() const {
    if (!(m_flags & VM_GROWSDOWN))
        return m_start;
    return m_start > STACK_GUARD_GAP ? m_start - STACK_GUARD_GAP : 0;
}

arch::PageProt Vma::pte_prot(PhysAddr frame) const {
    arch::PageProt prot = page_prot();
    // A shared frame in a private writable area is mapped for copy-on-write: read-only, even
    // in a write-only area (Linux's PAGE_COPY: every present page reads on x86). Dropping the
    // write right alone would leave PAGE_PROT_NONE, and a read would fault for ever.
    if (!is_shared() && (prot & arch::PAGE_PROT_WRITE) && user_frame_refcount(frame) > 1)
        prot = arch::PageProt((prot & ~arch::PAGE_PROT_WRITE) | arch::PAGE_PROT_READ);
    return prot;
}

bool Vma::can_merge_with(const Vma& next) const {
    return m_end == next.m_start && m_flags == next.m_flags && m_file == next.m_file &&
           m_shared == next.m_shared && m_pgoff + (size() >> PAGE_SHIFT) == next.m_pgoff;
}

MmCounter Vma::rss_counter() const {
    if (m_shared)
        return MmCounter::ShmemPages;
    return m_file ? MmCounter::FilePages : MmCounter::AnonPages;
}

void Vma::copy_backing_from(const Vma& other) {
    m_flags = other.m_flags;
    m_pgoff = other.m_pgoff;
    m_file = other.m_file;
    m_shared = other.m_shared;
}

}  // namespace kernel
