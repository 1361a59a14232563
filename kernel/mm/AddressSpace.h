#pragma once
// A user address space (Linux's mm_struct): its page tables, its sorted list of Vmas, the
// program break, and the mmap family that edits them (Linux's mm/mmap.c and mm/mprotect.c), plus
// the page-fault handler that fills them in on demand (mm/memory.c). docs/memory.md walks
// through it for a reader of Linux.
//
// Nothing is allocated when a range is mapped: pages arrive one by one, on the first access
// (handle_page_fault). Every operation either succeeds or changes nothing — allocations come
// first, then an infallible commit — except where Linux itself stops half way on purpose
// (mprotect over a hole applies to what comes before the hole, then fails).
//
// Locking: m_lock (Linux's mmap_lock) serialises every operation and fault. It is a spinlock
// until the kernel has sleeping locks: nothing done under it sleeps (File::read_at on the
// in-memory filesystem copies memory). User memory is never touched with it held, so a fault
// taken inside copy_from_user/copy_to_user can take it. Consequence for callers: do not call
// copy_*_user while holding a lock that File::read_at takes.
#include <linux/mman.h>

#include <arch/PageTable.h>

#include "lib/ErrorOr.h"
#include "lib/IntrusiveList.h"
#include "lib/RefPtr.h"
#include "lib/Spinlock.h"
#include "lib/kstd.h"
#include "mm/UserAccess.h"
#include "mm/Vma.h"

namespace kernel {

struct Task;

// The arch page-table contract (mm/VmaPageTable.h), checked.
static_assert(UserPageTableContract<arch::UserPageTable>);

// The layout, as Linux 6.1 x86-64 lays out a process without address randomisation.
inline constexpr VirtAddr TASK_SIZE = USER_SPACE_END;
inline constexpr VirtAddr STACK_TOP = TASK_SIZE;
inline constexpr uint64_t DEFAULT_STACK_LIMIT = 8 << 20;  // RLIMIT_STACK's default
// The top of the mmap area: below the stack with a gap of at least 128 MiB (arch/x86/mm/mmap.c).
inline constexpr VirtAddr DEFAULT_MMAP_BASE = TASK_SIZE - (128ull << 20);
// Where bottom-up searches start (the legacy layout, and the fallback when top-down fails).
inline constexpr VirtAddr TASK_UNMAPPED_BASE = (TASK_SIZE / 3 + PAGE_SIZE - 1) & ~uint64_t(PAGE_SIZE - 1);
inline constexpr VirtAddr MMAP_MIN_ADDR = 65536;      // vm.mmap_min_addr (Debian's default)
inline constexpr size_t MAX_MAP_COUNT = 65530;         // vm.max_map_count

// The file of a file mapping, as mmap sees it: how it was opened (Linux's FMODE_READ /
// FMODE_WRITE), checked against the requested sharing and rights, and what its f_op->mmap
// would do.
struct MappedFile {
    enum class Kind : uint8_t {
        Pages,  // a regular file: its pages, read at fault time
        Zero,   // /dev/zero: anonymous memory (Linux's mmap_zero)
        None,   // no mmap (directories, most devices, pipes): ENODEV
    };
    RefPtr<File> file;
    bool readable{true};
    bool writable{false};
    Kind kind{Kind::Pages};
    // Non-zero: the file's mmap operation refuses with this errno, after every other check
    // (procfs's EIO), as Linux's call_mmap fails at the end of mmap_region.
    int mmap_errno{0};
};

// The access that faulted, as the trap handler decodes it from the error code.
struct FaultAccess {
    enum class Kind : uint8_t { Read, Write, Exec };
    Kind kind{Kind::Read};
    bool user{true};  // false: the kernel touching user memory (copy_from_user and friends)
};

class MmStruct : public RefCounted<MmStruct> {
public:
    // An empty address space: page-table root allocated, no Vmas, the default layout. ENOMEM.
    static ErrorOr<NonnullRefPtr<MmStruct>> create();
    // From the "mm_struct" slab cache (Linux's mm_cachep): only create() makes them.
    static void* operator new(size_t, void* where) noexcept { return where; }
    static void* operator new(size_t, const std::nothrow_t&) = delete;
    static void operator delete(void* mm) noexcept;
    // Unmaps everything (every frame and page-table page goes back) and frees the root. The
    // last reference must not be the loaded address space (activate_mm(nullptr) first).
    ~MmStruct();

    // Linux's dup_mm / dup_mmap, for fork: a copy with the same Vmas, sharing every frame.
    // Private pages become read-only in both (copy-on-write, resolved by the write fault);
    // shared ones stay writable. On-demand fork: the page tables wholly inside private areas
    // are not copied but shared, read-only, until either side changes a page under one (see
    // dup() and docs/memory.md). Areas marked MADV_DONTFORK are left out, and those marked
    // MADV_WIPEONFORK come without their pages. ENOMEM with nothing changed but some private
    // pages or page tables of this space having become read-only (their next write fault
    // takes them back, uncopied).
    ErrorOr<NonnullRefPtr<MmStruct>> dup();

    // mmap(2) after the file descriptor was looked up (Linux's do_mmap). `file` null means
    // anonymous. Returns the address mapped.
    ErrorOr<VirtAddr> do_mmap(const MappedFile* file, VirtAddr addr, uint64_t len, uint64_t prot, uint64_t flags,
                              uint64_t pgoff);
    ErrorOr<void> do_munmap(VirtAddr start, uint64_t len);
    ErrorOr<void> do_mprotect(VirtAddr start, uint64_t len, uint64_t prot);
    ErrorOr<void> do_madvise(VirtAddr start, uint64_t len, int advice);
    // mincore(2) for at most `pages` pages from `start` (page aligned), within the one area
    // holding `start` (Linux's do_mincore): one byte per page in `vec`, 1 when resident, 0 when
    // not. Returns how many it filled (it stops at the area's end); ENOMEM when no area holds
    // `start`.
    ErrorOr<size_t> do_mincore(VirtAddr start, size_t pages, uint8_t* vec) const;
    // brk(2): the new break on success, the old one on failure (Linux's contract).
    VirtAddr do_brk(VirtAddr brk);

    // Where exec put the program and its strings (Linux's mm start_code..env_end), for
    // /proc/<pid>/stat and cmdline; fork copies it.
    struct ExecLayout {
        uint64_t start_code, end_code, start_data, end_data, start_stack;
        uint64_t arg_start, arg_end, env_start, env_end;
    };
    const ExecLayout& exec_layout() const { return m_exec_layout; }
    // Copies up to `size` bytes at `addr` of this address space into `out`, from pages present
    // now; returns how many it copied (it stops at the first page not there). For procfs, which
    // reads another process's strings (Linux's access_remote_vm, without faulting pages in).
    size_t read_present(VirtAddr addr, void* out, size_t size) const;
    void set_exec_layout(const ExecLayout& layout) { m_exec_layout = layout; }
    // Linux's mm->exe_file: the program exec loaded (a script's interpreter), for
    // /proc/<pid>/exe; fork copies it. Set once, before the address space is in use.
    const RefPtr<File>& exe_file() const { return m_exe_file; }
    void set_exe_file(RefPtr<File> file) { m_exe_file = std::move(file); }

    // Layout, set by exec before the program runs. The heap starts empty at `start`.
    void set_brk_start(VirtAddr start);
    void set_mmap_base(VirtAddr base);
    void set_stack_limit(uint64_t bytes);
    VirtAddr start_brk() const { return m_start_brk; }
    VirtAddr brk() const { return m_brk; }
    VirtAddr mmap_base() const { return m_mmap_base; }
    // Linux's MMF_DUMPABLE (get_dumpable/set_dumpable, with fs.suid_dumpable = 0): cleared when
    // the task's effective or fs ids change or it gains capabilities, and by PR_SET_DUMPABLE; a
    // process that is not dumpable writes no core and cannot be attached to (pidfd_getfd) by
    // anyone without CAP_SYS_PTRACE. Fork copies it; exec sets it anew.
    bool dumpable() const { return m_dumpable; }
    void set_dumpable(bool dumpable) { m_dumpable = dumpable; }
    // The OOM killer chose this address space's owners (Linux's mark_oom_victim): until it is
    // torn down, and its memory with it, the killer waits instead of choosing again.
    void mark_oom_victim();
    bool is_oom_victim() const { return m_oom_victim; }
    // Address spaces marked and not yet destroyed.
    static size_t oom_victims_alive();

    // Resident pages (Linux's get_mm_counter and get_mm_rss: pages mapped by this address
    // space's page tables, shared tables included) and the most there have been (Linux's
    // get_mm_hiwater_rss: the high-water mark recorded before each unmap, or the current RSS
    // when higher).
    uint64_t rss_counter(MmCounter counter) const;
    uint64_t rss() const;
    uint64_t hiwater_rss() const;

    // The page-table root, for diagnostics; loaded by activate_mm.
    const arch::UserPageTable& page_table() const { return m_page_table; }
    size_t map_count() const { return m_map_count; }

    // Calls fn(const Vma&) for each area in address order, under the lock (fn must not call
    // back into this MmStruct). For /proc/<pid>/maps and tests.
    template <typename F>
    void for_each_vma(F&& fn) const {
        SpinlockGuard guard(m_lock);
        for (auto& vma : const_cast<VmaList&>(m_vmas))
            fn(static_cast<const Vma&>(vma));
    }

private:
    friend ErrorOr<void> handle_page_fault(MmStruct&, uint64_t, FaultAccess);
    using VmaList = IntrusiveList<Vma, &Vma::m_node>;
    class VmaReserve;

    MmStruct() = default;

    // All `_locked` functions need m_lock held.
    Vma* find_vma_locked(VirtAddr addr) const;  // the first area ending above addr
    Vma* find_vma_intersection_locked(VirtAddr start, VirtAddr end) const;
    Vma* next_vma_locked(Vma& vma) const { return m_vmas.next(vma); }
    Vma* prev_vma_locked(const Vma& vma) const;
    ErrorOr<VirtAddr> get_unmapped_area_locked(VirtAddr addr, uint64_t len, uint64_t flags) const;
    VirtAddr unmapped_area_topdown_locked(uint64_t len, VirtAddr low, VirtAddr high) const;
    VirtAddr unmapped_area_bottomup_locked(uint64_t len, VirtAddr low, VirtAddr high) const;
    // How many new Vmas unmapping [start, end) takes (1 when it falls strictly inside one).
    size_t splits_to_unmap_locked(VirtAddr start, VirtAddr end) const;
    ErrorOr<void> unshare_cut_locked(VirtAddr start, VirtAddr end);
    void unmap_region_locked(VirtAddr start, VirtAddr end, VmaReserve& reserve);
    void insert_vma_locked(Vma& vma);
    void remove_vma_locked(Vma& vma);
    Vma& split_vma_locked(Vma& vma, VirtAddr at, VmaReserve& reserve);  // returns the upper half
    void merge_range_locked(VirtAddr start, VirtAddr end);
    void zap_range_locked(VirtAddr start, VirtAddr end);
    uint64_t rss_locked() const;
    // Linux's update_hiwater_rss: before pages go, the high-water mark takes the RSS.
    void update_hiwater_rss_locked();
    // madvise's work on [start, end), which lies inside `vma` (Linux's madvise_vma_behavior).
    // A change of flags splits the area so that exactly the range changes; `vma` is then the
    // area covering the range.
    ErrorOr<void> madvise_vma_locked(Vma*& vma, VirtAddr start, VirtAddr end, int advice);
    void change_protection_locked(Vma& vma);
    void populate_locked(VirtAddr start, VirtAddr end);

    ErrorOr<void> fault_locked(Vma& vma, VirtAddr page, FaultAccess access);
    ErrorOr<void> expand_stack_locked(Vma& vma, VirtAddr address);
    // Maps a frame the caller holds one reference on and counts it in the RSS; the reference
    // passes to the page table, or is dropped if the page table has no memory for it.
    ErrorOr<void> map_new_frame_locked(Vma& vma, VirtAddr page, PhysAddr frame, arch::PageProt prot);
    ErrorOr<void> do_anonymous_page_locked(Vma& vma, VirtAddr page);
    ErrorOr<void> do_file_page_locked(Vma& vma, VirtAddr page, FaultAccess access);
    ErrorOr<void> do_shared_page_locked(Vma& vma, VirtAddr page);
    ErrorOr<void> do_wp_page_locked(Vma& vma, VirtAddr page, arch::PageMapping mapping);

    mutable Spinlock m_lock;
    arch::UserPageTable m_page_table;
    VmaList m_vmas;  // sorted by address, never overlapping; each owned by this list
    size_t m_map_count{0};
    VirtAddr m_mmap_base{DEFAULT_MMAP_BASE};
    VirtAddr m_start_brk{0};
    VirtAddr m_brk{0};
    uint64_t m_stack_limit{DEFAULT_STACK_LIMIT};
    bool m_dumpable{true};
    bool m_oom_victim{false};
    ExecLayout m_exec_layout{};
    RefPtr<File> m_exe_file;
    // Linux's rss_stat and hiwater_rss, in pages: every frame mapped into m_page_table is
    // counted in the counter of the area mapping it (map_new_frame_locked, dup) and uncounted
    // when unmapped (zap_range_locked), which are the only places leaves appear and go.
    uint64_t m_rss[MM_COUNTER_COUNT]{};
    uint64_t m_hiwater_rss{0};
};

// Linux's setmax_mm_hiwater_rss: raises `maxrss` (pages; a process's signal->maxrss) to mm's
// high-water mark. At exit and exec, when an address space is left.
void setmax_mm_hiwater_rss(uint64_t& maxrss, const MmStruct& mm);

// Resolves a page fault at `address` in `mm`: maps what the Vma there says belongs there
// (Linux's do_user_addr_fault + handle_mm_fault). Errors, each ending the access:
//   EFAULT  nothing is mapped there, or the access is not allowed: SIGSEGV for user mode;
//   EIO     the page lies wholly past the end of its file: SIGBUS (Linux's VM_FAULT_SIGBUS);
//   ENOMEM  no memory for the page (where Linux would run the OOM killer).
// For kernel-mode faults on user addresses (inside copy_*_user) the trap handler calls this
// first and takes the exception fix-up only when it fails. Takes mm's lock.
ErrorOr<void> handle_page_fault(MmStruct& mm, uint64_t address, FaultAccess access);

// Loads `mm`'s page tables on this CPU (nullptr: the kernel's own), for the context switch.
void activate_mm(MmStruct* mm);

// Linux's exit_mm: `task` (the current task) stops using its address space, loading the
// kernel's tables first so dropping the last reference never frees the loaded tables.
// Defined with the memory syscalls (it needs Task, which the hosted build does not have).
void exit_mm(Task* task);

}  // namespace kernel
