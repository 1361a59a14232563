// Core dumps (Linux's fs/coredump.c do_coredump and fs/binfmt_elf.c elf_core_dump, reduced):
// a process killed by a core-dumping signal (SIGQUIT, SIGSEGV, SIGABRT...) leaves an ELF
// ET_CORE file named "core" in its working directory (core_pattern's default) when
// RLIMIT_CORE allows at least one page (binfmt_elf's min_coredump). Only a dump written whole,
// within the limit, sets the core bit (0x80) of the wait status: with the default RLIMIT_CORE
// of 0 there is no file and no bit, exactly as on Linux.
//
// The file: ELF header, program headers (one PT_NOTE, then one PT_LOAD per memory area), the
// notes (NT_PRSTATUS with the registers, NT_PRPSINFO, NT_SIGINFO, NT_PRFPREG, NT_X86_XSTATE),
// then, page aligned, the contents of each area Linux's default coredump_filter (0x33) keeps:
// anonymous memory, private file mappings that may have been written, and the first page of
// a file mapping that starts with an ELF header. Pages never touched stay holes in the file.
#include <arch/Context.h>
#include <arch/SignalFrame.h>
#include <asm-generic/fcntl.h>
#include <linux/elf.h>
#include <linux/resource.h>

#include "fs/File.h"
#include "fs/FsStruct.h"
#include "fs/Inode.h"
#include "fs/IoBuffer.h"
#include "fs/Vfs.h"
#include "lib/ScopeGuard.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "mm/Vma.h"
#include "task/Cred.h"
#include "task/Process.h"
#include "task/SignalDelivery.h"

namespace kernel {

namespace {

constexpr uint64_t ELF_MIN_COREDUMP = PAGE_SIZE;  // binfmt_elf's min_coredump (ELF_EXEC_PAGESIZE)

// struct elf_prstatus (x86-64), with its pr_reg = user_regs_struct.
struct ElfPrstatus {
    int32_t si_signo, si_code, si_errno;  // pr_info
    int16_t pr_cursig;
    int16_t pad0;
    uint64_t pr_sigpend;
    uint64_t pr_sighold;
    int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
    int64_t times[8];  // pr_utime, pr_stime, pr_cutime, pr_cstime (timevals)
    uint64_t pr_reg[arch::CORE_REG_WORDS];
    int32_t pr_fpvalid;
    int32_t pad1;
};
static_assert(sizeof(ElfPrstatus) == 336);

// struct elf_prpsinfo.
struct ElfPrpsinfo {
    char pr_state, pr_sname, pr_zomb, pr_nice;
    uint32_t pad0;
    uint64_t pr_flag;
    uint32_t pr_uid, pr_gid;
    int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
    char pr_fname[16];
    char pr_psargs[80];
};
static_assert(sizeof(ElfPrpsinfo) == 136);

constexpr size_t FXSAVE_SIZE = 512;

// One memory area as the dump sees it.
struct DumpArea {
    uint64_t start, end;
    uint32_t flags;
    uint64_t dump_size;  // bytes of content written (from start); the rest reads as zeros
    bool anonymous;      // holes (pages never touched) are skipped rather than read
    bool header_only;    // the first page of a file mapping, kept if it is an ELF header
};

// Linux's vma_dump_size under coredump_filter 0x33 (anonymous private and shared, ELF headers).
DumpArea dump_area_of(const Vma& vma) {
    DumpArea area{vma.m_start, vma.m_end, vma.m_flags, 0, vma.is_anonymous() || bool(vma.m_shared), false};
    if (vma.is_shared()) {
        // Shared anonymous memory is dumped; a shared file mapping is in its file already.
        area.dump_size = vma.m_file ? 0 : vma.size();
    } else if (vma.is_anonymous()) {
        area.dump_size = (vma.m_flags & VM_READ) ? vma.size() : 0;
    } else if ((vma.m_flags & VM_WRITE) && (vma.m_flags & VM_READ)) {
        area.dump_size = vma.size();  // a private file mapping that may have been written
    } else if (vma.m_pgoff == 0 && (vma.m_flags & VM_READ)) {
        area.dump_size = PAGE_SIZE;  // kept only if it starts with the ELF magic
        area.header_only = true;
    }
    return area;
}

// The dump's file and where it stands (Linux's struct coredump_params, reduced).
struct DumpFile {
    File& file;
    uint64_t limit;
    uint64_t written{0};  // bytes emitted (what RLIMIT_CORE counts)
    uint64_t pos{0};      // where the next bytes go; may run ahead of the data (a hole)
    uint64_t end{0};      // the file's length so far

    bool emit(IoBuffer buffer, size_t size) {
        if (written + size > limit)
            return false;
        uint64_t offset = pos;
        auto result = file.write(buffer, size, offset);
        if (result.is_error() || result.value() != size)
            return false;
        written += size;
        pos += size;
        if (pos > end)
            end = pos;
        return true;
    }
    bool emit(const void* data, size_t size) { return emit(IoBuffer::kernel(data), size); }
    void skip(uint64_t bytes) { pos += bytes; }
    void align(uint64_t to) { pos = (pos + to - 1) & ~(to - 1); }
};

size_t note_size(size_t name_size, size_t desc_size) {
    return sizeof(Elf64_Nhdr) + ((name_size + 3) & ~size_t(3)) + ((desc_size + 3) & ~size_t(3));
}

// Appends one note ("CORE" as its owner) to `buffer` at `offset`.
size_t put_note(uint8_t* buffer, size_t offset, uint32_t type, const void* desc, size_t desc_size) {
    static constexpr char NAME[] = "CORE";
    Elf64_Nhdr header{sizeof(NAME), uint32_t(desc_size), type};
    __builtin_memset(buffer + offset, 0, note_size(sizeof(NAME), desc_size));
    __builtin_memcpy(buffer + offset, &header, sizeof(header));
    offset += sizeof(header);
    __builtin_memcpy(buffer + offset, NAME, sizeof(NAME));
    offset += (sizeof(NAME) + 3) & ~size_t(3);
    __builtin_memcpy(buffer + offset, desc, desc_size);
    offset += (desc_size + 3) & ~size_t(3);
    return offset;
}

// The area's pages into the dump: present pages from memory (a page that cannot be read
// becomes zeros), holes of anonymous memory skipped. Linux's dump_user_range.
bool dump_area(DumpFile& dump, MmStruct& mm, const DumpArea& area) {
    static constexpr uint8_t zeros[PAGE_SIZE] = {};
    for (uint64_t page = area.start; page < area.start + area.dump_size; page += PAGE_SIZE) {
        if (area.anonymous && !mm.page_table().lookup(page)) {
            dump.skip(PAGE_SIZE);
            continue;
        }
        uint64_t pos = dump.pos;
        if (dump.emit(IoBuffer::user(page), PAGE_SIZE))
            continue;
        if (dump.written + PAGE_SIZE > dump.limit)
            return false;
        dump.pos = pos;
        if (!dump.emit(zeros, PAGE_SIZE))
            return false;
    }
    return true;
}

}  // namespace

bool do_coredump(const siginfo_t& info, const arch::TrapFrame& frame) {
    Task& task = *current();
    if (!task.m_mm || !task.m_fs || !task.m_signal)
        return false;
    // A process that changed ids (or said PR_SET_DUMPABLE 0) writes no core: suid_dumpable = 0.
    if (!task.m_mm->dumpable())
        return false;
    uint64_t limit = task.m_signal->rlim[RLIMIT_CORE].cur;
    if (limit < ELF_MIN_COREDUMP)
        return false;
    MmStruct& mm = *task.m_mm;

    // The areas, counted then copied (the process is single-threaded and dying: they hold
    // still). Linux's dump_vma_snapshot.
    size_t count = 0;
    mm.for_each_vma([&](const Vma&) { ++count; });
    auto* areas = static_cast<DumpArea*>(kmalloc((count ? count : 1) * sizeof(DumpArea)));
    if (!areas)
        return false;
    ScopeGuard free_areas([&] { kfree(areas); });
    size_t n = 0;
    mm.for_each_vma([&](const Vma& vma) {
        if (n < count)
            areas[n++] = dump_area_of(vma);
    });
    count = n;
    // The first page of a file mapping is kept only if it is an ELF header.
    for (size_t i = 0; i < count; ++i) {
        if (!areas[i].header_only)
            continue;
        uint8_t magic[SELFMAG];
        if (copy_from_user(magic, areas[i].start, SELFMAG).is_error() || __builtin_memcmp(magic, ELFMAG, SELFMAG))
            areas[i].dump_size = 0;
    }

    // The notes.
    ElfPrstatus status{};
    status.si_signo = info.si_signo;
    status.si_code = info.si_code;
    status.si_errno = info.si_errno;
    status.pr_cursig = int16_t(info.si_signo);
    {
        SpinlockGuard guard(task.m_sighand->siglock);
        status.pr_sigpend = task.m_pending.signal | task.m_signal->shared_pending.signal;
        status.pr_sighold = task.m_blocked;
    }
    ElfPrpsinfo psinfo{};
    {
        SpinlockGuard guard(tasklist_lock());
        status.pr_pid = task_pid_vnr(task);
        status.pr_ppid = task.m_real_parent ? task_tgid_vnr(*task.m_real_parent) : 0;
        status.pr_pgrp = task.m_signal->pgrp;
        status.pr_sid = task.m_signal->session;
    }
    arch::core_registers(frame, task.m_context, status.pr_reg);
    status.pr_fpvalid = 1;
    psinfo.pr_state = 0;
    psinfo.pr_sname = 'R';
    psinfo.pr_uid = task.m_cred ? task.m_cred->uid : 0;
    psinfo.pr_gid = task.m_cred ? task.m_cred->gid : 0;
    psinfo.pr_pid = status.pr_pid;
    psinfo.pr_ppid = status.pr_ppid;
    psinfo.pr_pgrp = status.pr_pgrp;
    psinfo.pr_sid = status.pr_sid;
    __builtin_memcpy(psinfo.pr_fname, task.m_comm, sizeof(psinfo.pr_fname));
    __builtin_memcpy(psinfo.pr_psargs, task.m_comm, sizeof(task.m_comm));
    arch::FpuFormat fpu = arch::fpu_format();
    arch::fpu_save_live(task.m_context);
    const auto* fpu_area = static_cast<const uint8_t*>(task.m_context.fpu);

    size_t notes_size = note_size(5, sizeof(status)) + note_size(5, sizeof(psinfo)) + note_size(5, sizeof(siginfo_t)) +
                        note_size(5, FXSAVE_SIZE) + (fpu.xsave ? note_size(5, fpu.size) : 0);
    auto* notes = static_cast<uint8_t*>(kmalloc(notes_size));
    if (!notes)
        return false;
    ScopeGuard free_notes([&] { kfree(notes); });
    size_t at = put_note(notes, 0, NT_PRSTATUS, &status, sizeof(status));
    at = put_note(notes, at, NT_PRPSINFO, &psinfo, sizeof(psinfo));
    at = put_note(notes, at, NT_SIGINFO, &info, sizeof(info));
    at = put_note(notes, at, NT_PRFPREG, fpu_area, FXSAVE_SIZE);
    if (fpu.xsave)
        at = put_note(notes, at, NT_X86_XSTATE, fpu_area, fpu.size);
    VERIFY(at == notes_size);

    // The file: "core" in the working directory, replacing an old one, never following a
    // symlink, mode 0600 (Linux's flags: O_CREAT|O_WRONLY|O_NOFOLLOW|O_LARGEFILE|O_EXCL).
    (void)vfs_unlink(*task.m_fs, nullptr, "core");
    auto opened = vfs_open(*task.m_fs, nullptr, "core", O_CREAT | O_WRONLY | O_NOFOLLOW | O_EXCL | O_LARGEFILE, 0600);
    if (opened.is_error())
        return false;
    NonnullRefPtr<File> file = opened.release_value();
    if (!file->inode() || (file->inode()->mode() & S_TYPE_MASK) != S_TYPE_REG)
        return false;
    DumpFile dump{*file, limit};

    // Headers: where each area's content will be, page aligned after the notes.
    size_t phnum = 1 + count;
    Elf64_Ehdr eh{};
    __builtin_memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = uint16_t(phnum);
    if (!dump.emit(&eh, sizeof(eh)))
        return false;
    uint64_t notes_offset = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    Elf64_Phdr note{};
    note.p_type = PT_NOTE;
    note.p_offset = notes_offset;
    note.p_filesz = notes_size;
    if (!dump.emit(&note, sizeof(note)))
        return false;
    uint64_t data_offset = (notes_offset + notes_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    for (size_t i = 0; i < count; ++i) {
        const DumpArea& area = areas[i];
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_offset = data_offset;
        ph.p_vaddr = area.start;
        ph.p_filesz = area.dump_size;
        ph.p_memsz = area.end - area.start;
        ph.p_flags = ((area.flags & VM_READ) ? PF_R : 0) | ((area.flags & VM_WRITE) ? PF_W : 0) |
                     ((area.flags & VM_EXEC) ? PF_X : 0);
        ph.p_align = PAGE_SIZE;
        if (!dump.emit(&ph, sizeof(ph)))
            return false;
        data_offset += area.dump_size;
    }
    if (!dump.emit(notes, notes_size))
        return false;
    dump.align(PAGE_SIZE);
    for (size_t i = 0; i < count; ++i)
        if (!dump_area(dump, mm, areas[i]))
            return false;
    // Holes at the very end still count: the file must reach its last byte (Linux's
    // dump_truncate / the final dump_emit of one byte).
    if (dump.pos > dump.end) {
        dump.pos -= 1;
        uint8_t zero = 0;
        if (!dump.emit(&zero, 1))
            return false;
    }
    return true;
}

}  // namespace kernel
