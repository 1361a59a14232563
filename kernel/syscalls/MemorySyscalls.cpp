// Memory syscalls: brk, mmap, munmap, mprotect, madvise, mincore. Each decodes its arguments as
// Linux's entry point does and hands the work to the current task's MmStruct (mm/AddressSpace.h).
#include "fs/Devices.h"
#include "fs/File.h"
#include "fs/FilesStruct.h"
#include "lib/ScopeGuard.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "syscalls/Syscall.h"
#include "task/Scheduler.h"

namespace kernel {

namespace {

MmStruct& current_mm() { return *current()->m_mm; }

// Linux's fget: the open file at `fd`; EBADF when there is none, or when it is an O_PATH
// handle (fget refuses those: they cannot be read, written or mapped).
ErrorOr<NonnullRefPtr<File>> fget(int fd) {
    auto file = TRY(current()->m_files->get(fd));
    if (file->is_path_only())
        return Error::from_errno(EBADF);
    return file;
}

// What the file's f_op->mmap would be: regular files with a page cache map their pages,
// /dev/zero anonymous memory; nothing else has one (procfs and tracefs files included).
MappedFile::Kind mmap_kind(File& file) {
    Inode* inode = file.inode();
    if (inode && inode->is_regular() && inode->mmap_error() != ENODEV)
        return MappedFile::Kind::Pages;
    if (inode && inode->is_char_device() && inode->rdev() == DEV_ZERO)
        return MappedFile::Kind::Zero;
    return MappedFile::Kind::None;
}

}  // namespace

ErrorOr<uint64_t> sys_brk(uint64_t brk) { return current_mm().do_brk(brk); }

// x86-64's sys_mmap + ksys_mmap_pgoff: the offset must be page aligned; the descriptor is
// looked up first (EBADF) unless MAP_ANONYMOUS, whose descriptor is ignored.
ErrorOr<uint64_t> sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t offset) {
    if (offset & (PAGE_SIZE - 1))
        return Error::from_errno(EINVAL);
    MappedFile mapped;
    const MappedFile* file = nullptr;
    if (!(flags & MAP_ANONYMOUS)) {
        mapped.file = TRY(fget(int(fd)));
        // No hugetlbfs: no file can take MAP_HUGETLB.
        if (flags & MAP_HUGETLB)
            return Error::from_errno(EINVAL);
        mapped.readable = mapped.file->is_readable();
        mapped.writable = mapped.file->is_writable();
        mapped.kind = mmap_kind(*mapped.file);
        if (mapped.kind == MappedFile::Kind::Pages)
            mapped.mmap_errno = mapped.file->inode()->mmap_error();
        file = &mapped;
    } else if (flags & MAP_HUGETLB) {
        // No huge pages are reserved (vm.nr_hugepages = 0, Debian's default): Linux fails the
        // same way.
        return Error::from_errno(ENOMEM);
    }
    return current_mm().do_mmap(file, addr, len, prot, flags, offset >> PAGE_SHIFT);
}

ErrorOr<void> sys_munmap(uint64_t addr, uint64_t len) {
    return current_mm().do_munmap(addr, len);
}

ErrorOr<void> sys_mprotect(uint64_t start, uint64_t len, uint64_t prot) {
    return current_mm().do_mprotect(start, len, prot);
}

ErrorOr<void> sys_madvise(uint64_t start, uint64_t len, int advice) {
    return current_mm().do_madvise(start, len, advice);
}

// Linux's sys_mincore: the checks in its order, then the answer a page of bytes at a time
// (do_mincore takes the lock, which copy_to_user must not hold), so a range running into a hole
// or a bad vector fails after the bytes before it were written.
ErrorOr<long> sys_mincore(uint64_t start, uint64_t len, uint64_t vec) {
    if (start & (PAGE_SIZE - 1))
        return Error::from_errno(EINVAL);
    if (!is_user_range(start, len))
        return Error::from_errno(ENOMEM);
    uint64_t pages = (len >> PAGE_SHIFT) + ((len & (PAGE_SIZE - 1)) != 0);
    if (!is_user_range(vec, pages))
        return Error::from_errno(EFAULT);
    auto* buffer = static_cast<uint8_t*>(kmalloc(PAGE_SIZE));
    if (!buffer)
        return Error::from_errno(EAGAIN);
    ScopeGuard free_buffer([&] { kfree(buffer); });
    while (pages) {
        size_t done = TRY(current_mm().do_mincore(start, pages < PAGE_SIZE ? pages : PAGE_SIZE, buffer));
        TRY(copy_to_user(vec, buffer, done));
        pages -= done;
        vec += done;
        start += done << PAGE_SHIFT;
    }
    return 0;
}

void register_memory_syscalls(SyscallTable& table) {
    table.add<sys_brk>(__NR_brk);
    table.add<sys_mmap>(__NR_mmap);
    table.add<sys_munmap>(__NR_munmap);
    table.add<sys_mprotect>(__NR_mprotect);
    table.add<sys_madvise>(__NR_madvise);
    table.add<sys_mincore>(__NR_mincore);
}

// Here rather than in mm/ because it needs Task, which the hosted build does not have.
void exit_mm(Task* task) {
    activate_mm(nullptr);
    task->m_mm = nullptr;
}

}  // namespace kernel
