#pragma once
// Virtual memory areas (Linux's vm_area_struct), the objects behind their pages, and the
// reference counts of user frames.
//
// A Vma is one contiguous range of an address space with one set of rights and one backing:
//  - anonymous private: zero-filled pages of its own (heap, stack, bss, MAP_ANONYMOUS);
//  - anonymous shared: pages owned by a SharedMemory object that every Vma mapping it refers
//    to (Linux gives each such mapping a shmem file, "/dev/zero (deleted)");
//  - file: the file's own frames (Inode::get_page, the page cache), shared by every mapping of
//    the file and by read(2)/write(2); a private mapping maps them read-only and copies a page
//    on its first write (copy-on-write against the file).
// MmStruct (mm/AddressSpace.h) keeps an address space's Vmas sorted and non-overlapping, and
// splits and merges them as mmap/munmap/mprotect carve ranges.
#include <arch/PageTable.h>

#include "fs/File.h"
#include "lib/ErrorOr.h"
#include "lib/IntrusiveList.h"
#include "lib/OwnPtr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

// Vma flags, with Linux's values (include/linux/mm.h). The VM_MAY* bits sit 4 above the
// rights they allow, so "asks for a right it may not have" is (f & ~(f >> 4)) & VM_ACCESS.
enum : uint32_t {
    VM_READ = 0x1,
    VM_WRITE = 0x2,
    VM_EXEC = 0x4,
    VM_SHARED = 0x8,
    VM_MAYREAD = 0x10,
    VM_MAYWRITE = 0x20,
    VM_MAYEXEC = 0x40,
    VM_MAYSHARE = 0x80,
    VM_GROWSDOWN = 0x100,       // a stack: faults just below it extend it
    VM_DONTCOPY = 0x20000,      // MADV_DONTFORK: fork leaves the area out of the child
    VM_NORESERVE = 0x200000,    // MAP_NORESERVE: not counted against memory (overcommit)
    VM_WIPEONFORK = 0x2000000,  // MADV_WIPEONFORK: the child gets the area without its pages
};
inline constexpr uint32_t VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

// The pages of a MAP_SHARED | MAP_ANONYMOUS mapping, by page index: every Vma mapping it (both
// halves of a split one now, parent and child after fork later) finds the same frames here, so
// writes through one are seen through all. Frames are allocated zeroed on first touch; the
// object holds one reference on each and drops them all when the last Vma lets go.
class SharedMemory : public RefCounted<SharedMemory> {
public:
    static ErrorOr<NonnullRefPtr<SharedMemory>> create(uint64_t page_count);
    static void operator delete(void* object) noexcept;  // kfree: create() kmallocs
    ~SharedMemory();

    uint64_t page_count() const { return m_page_count; }
    // The inode number of the unlinked shmem file Linux would back it with ("/dev/zero
    // (deleted)" in /proc/<pid>/maps): one per object, from a counter.
    uint64_t ino() const { return m_ino; }
    // The frame at `index` (< page_count), allocated on first use, with a new reference for the
    // caller (who will map it). ENOMEM.
    ErrorOr<PhysAddr> get_frame(uint64_t index);
    // How many frames have been allocated (for tests and accounting).
    uint64_t resident_pages() const { return m_resident; }
    // Frames held by every SharedMemory (/proc/meminfo's Shmem).
    static uint64_t total_resident_pages();
    // Whether page `index` has a frame yet (mincore: in the object even where no page table
    // maps it).
    bool has_frame(uint64_t index) const;

private:
    // A two-level table: a kmalloc'd directory of page addresses, each page holding the
    // frames of 512 consecutive indices (0: not allocated yet).
    static constexpr uint64_t FRAMES_PER_PAGE = PAGE_SIZE / sizeof(PhysAddr);
    SharedMemory(uint64_t page_count, PhysAddr* directory) : m_page_count(page_count), m_directory(directory) {}
    uint64_t m_page_count;
    PhysAddr* m_directory;
    uint64_t m_resident{0};
    uint64_t m_ino{0};
};

// The resident-set counters of an address space (Linux's rss_stat: MM_FILEPAGES, MM_ANONPAGES,
// MM_SHMEMPAGES; no swap, so no MM_SWAPENTS). Linux sorts each page by what it is (PageAnon,
// PageSwapBacked); we sort it by the area mapping it, which differs only for the pages a
// private file mapping has copied on write: Linux counts those as anonymous.
enum class MmCounter : uint8_t { FilePages, AnonPages, ShmemPages };
inline constexpr size_t MM_COUNTER_COUNT = 3;

struct Vma {
    // From the "vm_area_struct" slab cache (Linux's vm_area_cachep), in the hosted build too,
    // so tests count them and fault injection reaches them. Only create() makes Vmas.
    static ErrorOr<OwnPtr<Vma>> create();
    static void* operator new(size_t, void* where) noexcept { return where; }
    static void* operator new(size_t, const std::nothrow_t&) = delete;
    static void operator delete(void* vma) noexcept;

    IntrusiveListNode m_node;  // MmStruct's list, by address
    VirtAddr m_start{0};
    VirtAddr m_end{0};  // exclusive; both page aligned
    uint32_t m_flags{0};
    // The page offset of m_start in the backing: the file (file mappings), the SharedMemory
    // (shared anonymous), or m_start >> PAGE_SHIFT (private anonymous, as Linux does), so in
    // every case two neighbours can merge only when their offsets run on.
    uint64_t m_pgoff{0};
    RefPtr<File> m_file;
    RefPtr<SharedMemory> m_shared;

    uint64_t size() const { return m_end - m_start; }
    uint64_t pgoff_at(VirtAddr virt) const { return m_pgoff + ((virt - m_start) >> PAGE_SHIFT); }
    bool is_shared() const { return m_flags & VM_SHARED; }
    bool is_anonymous() const { return !m_file && !m_shared; }
    bool contains(VirtAddr virt) const { return m_start <= virt && virt < m_end; }

    // The rights a page of this area gets in the page table.
    arch::PageProt page_prot() const { return arch::PageProt(m_flags & VM_ACCESS_FLAGS); }
    // The same for a page already holding `frame`: minus write while a private frame is shared
    // with another address space (copy-on-write: the write fault copies it).
    arch::PageProt pte_prot(PhysAddr frame) const;
    // Where a neighbour below must end: a stack keeps a guard gap under it (Linux's
    // vm_start_gap and stack_guard_gap) so that it can still grow.
    VirtAddr start_gap() const;

    // Linux's can_vma_merge_after: `next` may join this area into one (same flags, same
    // backing, offsets that run on, no gap).
    bool can_merge_with(const Vma& next) const;
    // Copies everything but the range and the list link (for splits and fork).
    void copy_backing_from(const Vma& other);
    // Which RSS counter this area's mapped pages count in (see MmCounter).
    MmCounter rss_counter() const;
};

// Linux's stack_guard_gap: 256 pages.
inline constexpr uint64_t STACK_GUARD_GAP = 256 * PAGE_SIZE;

// User frames: a page with one reference, and Page::m_refcount's get/put (Linux's get_page /
// put_page). The last put frees the frame. ENOMEM.
ErrorOr<PhysAddr> alloc_user_frame();  // contents undefined: the caller fills the whole page
ErrorOr<PhysAddr> alloc_zeroed_user_frame();
void get_user_frame(PhysAddr frame);
void put_user_frame(PhysAddr frame);
uint32_t user_frame_refcount(PhysAddr frame);

}  // namespace kernel
