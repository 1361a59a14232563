// Page faults on user addresses (Linux's arch/x86/mm/fault.c do_user_addr_fault for the policy,
// mm/memory.c handle_mm_fault for the work): find the area, check the access against its
// rights, then fill in the page the area says belongs there.
#include <arch/Memory.h>

#include "mm/AddressSpace.h"
#include "mm/PageAllocator.h"

namespace kernel {

namespace {

// Linux's access_error (x86): a write needs VM_WRITE, an instruction fetch VM_EXEC; a read is
// allowed by any right, since the MMU cannot have write- or execute-only pages. The kernel
// never executes user memory.
bool access_error(const Vma& vma, FaultAccess access) {
    switch (access.kind) {
    case FaultAccess::Kind::Write:
        return !(vma.m_flags & VM_WRITE);
    case FaultAccess::Kind::Exec:
        return !access.user || !(vma.m_flags & VM_EXEC);
    case FaultAccess::Kind::Read:
        return !(vma.m_flags & VM_ACCESS_FLAGS);
    }
    return true;
}

}  // namespace

// The one place a fault adds a page to the page table, so the one place it is counted in the
// RSS (Linux's inc_mm_counter in each fault function).
ErrorOr<void> MmStruct::map_new_frame_locked(Vma& vma, VirtAddr page, PhysAddr frame, arch::PageProt prot) {
    auto mapped = m_page_table.map(page, frame, prot);
    if (mapped.is_error()) {
        put_user_frame(frame);
        return mapped;
    }
    ++m_rss[size_t(vma.rss_counter())];
    return {};
}

ErrorOr<void> handle_page_fault(MmStruct& mm, uint64_t address, FaultAccess access) {
    if (address >= TASK_SIZE)
        return Error::from_errno(EFAULT);
    SpinlockGuard guard(mm.m_lock);
    Vma* vma = mm.find_vma_locked(address);
    if (!vma)
        return Error::from_errno(EFAULT);
    if (vma->m_start > address) {
        if (!(vma->m_flags & VM_GROWSDOWN) || mm.expand_stack_locked(*vma, address).is_error())
            return Error::from_errno(EFAULT);
    }
    if (access_error(*vma, access))
        return Error::from_errno(EFAULT);
    return mm.fault_locked(*vma, align_down(address, PAGE_SIZE), access);
}

// Linux's handle_pte_fault: what to do depends on what the page table has there.
ErrorOr<void> MmStruct::fault_locked(Vma& vma, VirtAddr page, FaultAccess access) {
    // On-demand fork: a page table shared with another address space is read-only for both,
    // whatever its leaves say; the first fault that needs to change it gets this space its own
    // copy (or the original back, if the others have let go). Nothing else below may change a
    // shared table. A read fault on a present page in a shared table is only a stale TLB entry.
    auto mapping = m_page_table.lookup(page);
    uint32_t sharers = m_page_table.table_sharers(page);
    if (sharers > 1 && mapping && access.kind != FaultAccess::Kind::Write && mapping->prot != arch::PAGE_PROT_NONE)
        return {};
    if (sharers > 1) {
        // (A table whose other users have gone needs no copy: map() and remap() take it back.)
        TRY(m_page_table.unshare_range(page, page + PAGE_SIZE));
        mapping = m_page_table.lookup(page);  // the rights may have changed with the table
    }
    if (!mapping) {
        if (vma.m_shared)
            return do_shared_page_locked(vma, page);
        if (vma.m_file)
            return do_file_page_locked(vma, page, access);
        return do_anonymous_page_locked(vma, page);
    }
    if (access.kind == FaultAccess::Kind::Write && !(mapping->prot & arch::PAGE_PROT_WRITE))
        return do_wp_page_locked(vma, page, *mapping);
    // The page is there with the rights the area allows: another CPU mapped it first, or a
    // stale TLB entry faulted. Rewriting the entry flushes it.
    m_page_table.remap(page, mapping->frame, vma.pte_prot(mapping->frame));
    return {};
}

// Linux's expand_downwards: the stack grows down to the faulting page, within RLIMIT_STACK and
// keeping the guard gap above whatever accessible area lies below.
ErrorOr<void> MmStruct::expand_stack_locked(Vma& vma, VirtAddr address) {
    VirtAddr new_start = align_down(address, PAGE_SIZE);
    if (new_start < MMAP_MIN_ADDR)
        return Error::from_errno(EPERM);
    if (vma.m_end - new_start > m_stack_limit)
        return Error::from_errno(ENOMEM);
    Vma* prev = prev_vma_locked(vma);
    if (prev && !(prev->m_flags & VM_GROWSDOWN) && (prev->m_flags & VM_ACCESS_FLAGS) &&
        new_start - prev->m_end < STACK_GUARD_GAP)
        return Error::from_errno(ENOMEM);
    uint64_t grow_pages = (vma.m_start - new_start) >> PAGE_SHIFT;
    if (!(vma.m_flags & VM_NORESERVE) && grow_pages > page_allocator().total_pages())
        return Error::from_errno(ENOMEM);
    vma.m_pgoff -= grow_pages;
    vma.m_start = new_start;
    return {};
}

// Private anonymous memory: a zeroed page of its own.
ErrorOr<void> MmStruct::do_anonymous_page_locked(Vma& vma, VirtAddr page) {
    PhysAddr frame = TRY(alloc_zeroed_user_frame());
    return map_new_frame_locked(vma, page, frame, vma.page_prot());
}

// A file mapping (Linux's do_read_fault / do_cow_fault / do_shared_fault over the page cache):
// the file's own frame (File::get_page), mapped as it is for a shared mapping and for reading a
// private one, where pte_prot leaves it read-only while the file holds it too, so a later write
// copies it. A write fault on a private mapping copies at once. A page wholly past the end of the
// file is SIGBUS (EIO), as on Linux; so is any error of the file's other than ENOMEM.
ErrorOr<void> MmStruct::do_file_page_locked(Vma& vma, VirtAddr page, FaultAccess access) {
    auto got = vma.m_file->get_page(vma.pgoff_at(page));
    if (got.is_error())
        return Error::from_errno(got.error().code() == ENOMEM ? ENOMEM : EIO);
    PhysAddr frame = got.value();
    if (vma.is_shared() || access.kind != FaultAccess::Kind::Write)
        return map_new_frame_locked(vma, page, frame, vma.pte_prot(frame));
    auto copy = alloc_user_frame();
    if (copy.is_error()) {
        put_user_frame(frame);
        return copy.release_error();
    }
    __builtin_memcpy(arch::phys_to_virt(copy.value()), arch::phys_to_virt(frame), PAGE_SIZE);
    put_user_frame(frame);
    return map_new_frame_locked(vma, page, copy.value(), vma.page_prot());
}

// Shared anonymous memory: the object's page, the same for every mapping of it.
ErrorOr<void> MmStruct::do_shared_page_locked(Vma& vma, VirtAddr page) {
    PhysAddr frame = TRY(vma.m_shared->get_frame(vma.pgoff_at(page)));
    return map_new_frame_locked(vma, page, frame, vma.page_prot());
}

// Linux's do_wp_page: a write to a page the area allows writing but the entry does not. For a
// private frame shared with another address space (after fork) that is copy-on-write: copy it,
// unless we turn out to be its last holder, who may simply write (wp_page_reuse).
ErrorOr<void> MmStruct::do_wp_page_locked(Vma& vma, VirtAddr page, arch::PageMapping mapping) {
    if (vma.is_shared() || user_frame_refcount(mapping.frame) == 1) {
        m_page_table.remap(page, mapping.frame, vma.page_prot());
        return {};
    }
    PhysAddr copy = TRY(alloc_user_frame());
    __builtin_memcpy(arch::phys_to_virt(copy), arch::phys_to_virt(mapping.frame), PAGE_SIZE);
    m_page_table.remap(page, copy, vma.page_prot());
    put_user_frame(mapping.frame);
    return {};
}

void activate_mm(MmStruct* mm) {
    if (mm)
        mm->page_table().activate();
    else
        arch::UserPageTable::activate_kernel();
}

}  // namespace kernel
