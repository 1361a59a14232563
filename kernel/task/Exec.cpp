// execve: the ELF loader and the initial stack. The order follows Linux's load_elf_binary:
// open and check the file, read its headers, build the new address space off to the side,
// then — at the point of no return — switch to it, close close-on-exec descriptors, reset the
// FPU and TLS, and point the user frame at the entry.
#include "task/Exec.h"

#include <arch/Context.h>
#include <asm-generic/mman-common.h>
#include <asm/mman.h>
#include <asm/signal.h>
#include <linux/auxvec.h>

#include "fs/File.h"
#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/Inode.h"
#include "fs/Vfs.h"
#include "lib/Random.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "mm/UserAccess.h"
#include "task/Elf.h"
#include "task/Exit.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Rseq.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "task/TaskCred.h"
#include "task/WaitQueue.h"
#include "trace/Trace.h"

namespace kernel {

namespace {

constexpr uint64_t INITIAL_STACK_SIZE = 128 << 10;

// The hardware capabilities Linux reports in AT_HWCAP: CPUID.1:EDX.
uint64_t elf_hwcap() {
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return d;
}

// A kernel buffer freed on every path out (the exec's scratch space).
class ScratchBuffer {
public:
    explicit ScratchBuffer(size_t size) : m_data(static_cast<uint8_t*>(kmalloc(size))), m_size(size) {}
    ~ScratchBuffer() { kfree(m_data); }
    ScratchBuffer(const ScratchBuffer&) = delete;
    ScratchBuffer& operator=(const ScratchBuffer&) = delete;
    uint8_t* data() const { return m_data; }
    size_t size() const { return m_size; }
    bool ok() const { return m_data != nullptr; }

private:
    uint8_t* m_data;
    size_t m_size;
};

ErrorOr<void> read_exactly(File& file, void* buffer, size_t size, uint64_t offset) {
    size_t n = TRY(file.read_at(buffer, size, offset));
    if (n != size)
        return Error::from_errno(ENOEXEC);
    return {};
}

// Maps one PT_LOAD segment (Linux's elf_map + the bss part of set_brk): the file bytes as a
// private file mapping, the rest as anonymous memory. The zeroing of the file page's tail is
// done after the switch, when the new address space is live (clear_bss_tails).
ErrorOr<void> map_segment(MmStruct& mm, const MappedFile& file, const ElfSegment& s) {
    uint64_t page_start = align_down(s.vaddr, PAGE_SIZE);
    uint64_t file_end = align_up(s.vaddr + s.filesz, PAGE_SIZE);
    uint64_t mem_end = align_up(s.vaddr + s.memsz, PAGE_SIZE);
    if (s.filesz) {
        TRY(mm.do_mmap(&file, page_start, file_end - page_start, s.prot, MAP_PRIVATE | MAP_FIXED,
                       align_down(s.offset, PAGE_SIZE) >> PAGE_SHIFT));
    } else {
        file_end = page_start;
    }
    if (mem_end > file_end)
        TRY(mm.do_mmap(nullptr, file_end, mem_end - file_end, s.prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, 0));
    return {};
}

}  // namespace

ArgStrings::~ArgStrings() {
    kfree(m_data);
    kfree(m_pointers);
}

ErrorOr<void> ArgStrings::reserve(size_t bytes) {
    if (m_used + bytes <= m_capacity)
        return {};
    if (m_used + bytes > ARG_MAX_TOTAL)
        return Error::from_errno(E2BIG);
    size_t capacity = m_capacity ? m_capacity : 4096;
    while (capacity < m_used + bytes)
        capacity *= 2;
    if (capacity > ARG_MAX_TOTAL)
        capacity = ARG_MAX_TOTAL;
    auto* data = static_cast<char*>(kmalloc(capacity));
    if (!data)
        return Error::from_errno(ENOMEM);
    if (m_data)
        __builtin_memcpy(data, m_data, m_used);
    kfree(m_data);
    m_data = data;
    m_capacity = capacity;
    return {};
}

ErrorOr<void> ArgStrings::append(StringView string) {
    if (string.size() + 1 > MAX_ARG_STRLEN)
        return Error::from_errno(E2BIG);
    TRY(reserve(string.size() + 1));
    __builtin_memcpy(m_data + m_used, string.data(), string.size());
    m_data[m_used + string.size()] = 0;
    m_used += string.size() + 1;
    ++m_count;
    return {};
}

ErrorOr<void> ArgStrings::append_from_user(uint64_t user_array) {
    if (!user_array)
        return {};
    for (size_t i = 0;; ++i) {
        uint64_t pointer;
        TRY(copy_from_user(&pointer, user_array + i * sizeof(uint64_t), sizeof(pointer)));
        if (!pointer)
            return {};
        // Copy straight into the buffer: grow until the string (and its NUL) fits.
        TRY(reserve(1));
        for (;;) {
            size_t room = m_capacity - m_used;
            if (room > MAX_ARG_STRLEN)
                room = MAX_ARG_STRLEN;
            auto length = strncpy_from_user(m_data + m_used, pointer, room);
            if (!length.is_error()) {
                m_used += length.value() + 1;
                ++m_count;
                break;
            }
            if (length.error().code() != ENAMETOOLONG)
                return length.release_error();
            if (room == MAX_ARG_STRLEN)
                return Error::from_errno(E2BIG);
            TRY(reserve(m_capacity - m_used + 1));
        }
    }
}

ErrorOr<const char* const*> ArgStrings::pointers() {
    kfree(m_pointers);
    m_pointers = static_cast<const char**>(kmalloc((m_count + 1) * sizeof(char*)));
    if (!m_pointers)
        return Error::from_errno(ENOMEM);
    size_t offset = 0;
    for (size_t i = 0; i < m_count; ++i) {
        m_pointers[i] = m_data + offset;
        while (m_data[offset])
            ++offset;
        ++offset;
    }
    m_pointers[m_count] = nullptr;
    return m_pointers;
}

namespace {

// binfmt_script: "#!interpreter [one argument]" in the first line (at most BINPRM_BUF_SIZE,
// 256 bytes). The new argv is interpreter, the optional argument, the script's path, then the
// original argv without its argv[0]. Returns false when the file is no script.
ErrorOr<bool> prepare_script(File& file, uint64_t file_size, StringView path, ArgStrings& argv, char* interpreter,
                             size_t interpreter_capacity) {
    constexpr size_t BINPRM_BUF_SIZE = 256;
    char buffer[BINPRM_BUF_SIZE + 1];
    size_t n = TRY(file.read_at(buffer, file_size < BINPRM_BUF_SIZE ? file_size : BINPRM_BUF_SIZE, 0));
    if (n < 2 || buffer[0] != '#' || buffer[1] != '!')
        return false;
    buffer[n] = 0;
    size_t end = 2;
    while (end < n && buffer[end] != '\n')
        ++end;
    // Linux refuses a first line that does not fit (no newline within the buffer) only when the
    // interpreter itself is cut; keep it simple: the line ends at the newline or the buffer.
    size_t i = 2;
    while (i < end && (buffer[i] == ' ' || buffer[i] == '\t'))
        ++i;
    size_t name_start = i;
    while (i < end && buffer[i] != ' ' && buffer[i] != '\t')
        ++i;
    if (i == name_start)
        return Error::from_errno(ENOEXEC);
    StringView name(buffer + name_start, i - name_start);
    while (i < end && (buffer[i] == ' ' || buffer[i] == '\t'))
        ++i;
    size_t arg_end = end;
    while (arg_end > i && (buffer[arg_end - 1] == ' ' || buffer[arg_end - 1] == '\t' || buffer[arg_end - 1] == '\r'))
        --arg_end;
    StringView argument(buffer + i, arg_end - i);
    if (name.size() + 1 > interpreter_capacity)
        return Error::from_errno(ENAMETOOLONG);

    const char* const* old = TRY(argv.pointers());
    size_t old_count = argv.count();
    ArgStrings replacement;
    TRY(replacement.append(name));
    if (!argument.empty())
        TRY(replacement.append(argument));
    TRY(replacement.append(path));
    for (size_t k = 1; k < old_count; ++k)
        TRY(replacement.append(StringView(old[k])));
    argv.swap(replacement);
    // Only now: `path` may be the previous interpreter's name, held in this same buffer.
    __builtin_memcpy(interpreter, name.data(), name.size());
    interpreter[name.size()] = 0;
    return true;
}

// Linux's de_thread: the exec'ing thread becomes the only thread of its process. The others are
// sent SIGKILL (they die quietly, status 0) and waited for; a thread that is not the leader then
// waits for the leader to be a zombie and takes over its pid and its place in the process tree,
// so the process keeps its pid across execve, and the old leader is released. EAGAIN when the
// process is being killed meanwhile (the caller dies of it on the way out).
ErrorOr<void> de_thread(Task& task) {
    SignalStruct& signal = *task.m_signal;
    SighandStruct& sighand = *task.m_sighand;
    {
        SpinlockGuard guard(sighand.siglock);
        if (thread_group_empty(task))
            return {};
        if (signal.group_exiting || signal.group_exec_task)
            return Error::from_errno(EAGAIN);
        signal.group_exec_task = &task;
        zap_other_threads(task);
    }
    auto alone = [&] {
        if (thread_group_leader(task))
            return thread_group_empty(task);
        // Only the leader is left beside us, and it has finished dying.
        Task& leader = *task.m_group_leader;
        Task* first = signal.thread_head.first();
        Task* second = first ? signal.thread_head.next(*first) : nullptr;
        bool pair = second && !signal.thread_head.next(*second) &&
                    ((first == &leader && second == &task) || (first == &task && second == &leader));
        return pair && leader.m_exit_state == Task::ExitState::Zombie;
    };
    for (;;) {
        set_current_state(TaskState::Interruptible);
        bool done;
        {
            SpinlockGuard guard(tasklist_lock());
            done = alone();
        }
        if (done || fatal_signal_pending(task))
            break;
        schedule();
    }
    set_current_state(TaskState::Running);
    Task* old_leader = nullptr;
    {
        SpinlockGuard guard(tasklist_lock());
        if (!alone()) {
            SpinlockGuard siglock(sighand.siglock);
            signal.group_exec_task = nullptr;
            return Error::from_errno(EAGAIN);  // killed while waiting
        }
        if (!thread_group_leader(task)) {
            // Become the leader: its pid (and so the process's pid for everyone), its parent,
            // its place among its parent's children and in the process list.
            Task& leader = *task.m_group_leader;
            detach_pid(*leader.m_pid);
            detach_pid(*task.m_pid);
            task.m_pid.swap(leader.m_pid);
            std::swap(task.m_tid, leader.m_tid);
            attach_pid(*task.m_pid, task);
            attach_pid(*leader.m_pid, leader);
            task.m_real_parent = leader.m_real_parent;
            task.m_parent = leader.m_parent;
            if (task.m_real_parent && leader.m_sibling_node.is_linked()) {
                task.m_real_parent->m_children.insert_before(leader, task);
                leader.m_sibling_node.unlink();
            }
            process_list().insert_before(leader, task);
            leader.m_tasks_node.unlink();
            {
                SpinlockGuard siglock(sighand.siglock);
                task.m_thread_node.unlink();
                signal.thread_head.push_front(task);
            }
            task.m_group_leader = &task;
            leader.m_group_leader = &task;
            task.m_exit_signal = SIGCHLD;
            leader.m_exit_signal = -1;
            // The old leader, now a plain dead thread, goes (release_task).
            leader.m_exit_state = Task::ExitState::Dead;
            unhash_task_locked(leader);
            old_leader = &leader;
        }
        SpinlockGuard siglock(sighand.siglock);
        signal.group_exec_task = nullptr;
    }
    if (old_leader)
        put_task_struct(*old_leader);  // the tree's reference
    return {};
}

}  // namespace

ErrorOr<void> do_execve(StringView path, ArgStrings& argv, ArgStrings& envp, arch::TrapFrame& frame) {
    Task* task = current();
    VERIFY(task->m_fs && task->m_files);
    // A set*uid that moved us to a user over RLIMIT_NPROC fails here instead.
    TRY(check_nproc_at_exec());

    // The file: it must be a regular file we may execute. A script names its interpreter;
    // Linux follows up to 4 of them (then ELOOP).
    char interpreter[256];
    StringView exec_path = path;
    NonnullRefPtr<File> file = TRY(vfs_open_exec(*task->m_fs, exec_path));
    for (int depth = 0;; ++depth) {
        bool script = TRY(prepare_script(*file, file->inode()->size(), exec_path, argv, interpreter, sizeof(interpreter)));
        if (!script)
            break;
        if (depth == 4)
            return Error::from_errno(ELOOP);
        exec_path = StringView(interpreter);
        file = TRY(vfs_open_exec(*task->m_fs, exec_path));
    }
    if (file->inode()->m_writers.load() > 0)
        return Error::from_errno(ETXTBSY);  // Linux's deny_write_access
    // The new credentials come from the program finally run (the interpreter of a script).
    // No mount here has nosuid, so set-id bits always count.
    Kstat file_stat = file->inode()->stat();
    ExecCreds creds = TRY(cred_for_exec(*task->m_cred, file_stat.mode, file_stat.uid, file_stat.gid, true));
    uint64_t file_size = file->inode()->size();

    // The headers: the ELF header, then the program header table it announces.
    uint8_t header[ELF_HEADER_SIZE];
    if (file_size < sizeof(header))
        return Error::from_errno(ENOEXEC);
    TRY(read_exactly(*file, header, sizeof(header), 0));
    size_t headers_size = TRY(elf_headers_size(header, sizeof(header)));
    ScratchBuffer headers(headers_size);
    if (!headers.ok())
        return Error::from_errno(ENOMEM);
    if (headers_size > file_size)
        return Error::from_errno(ENOEXEC);
    TRY(read_exactly(*file, headers.data(), headers_size, 0));
    ElfImage image = TRY(parse_elf(headers.data(), headers_size, file_size));

    // The new address space, built while the old one still runs.
    auto mm = TRY(MmStruct::create());
    MappedFile mapped{file, true, false};
    for (size_t i = 0; i < image.segment_count; ++i)
        TRY(map_segment(*mm, mapped, image.segments[i]));
    // The stack starts at 128 KiB and grows on faults up to RLIMIT_STACK, as Linux's does.
    int stack_prot = PROT_READ | PROT_WRITE | (image.executable_stack ? PROT_EXEC : 0);
    TRY(mm->do_mmap(nullptr, STACK_TOP - INITIAL_STACK_SIZE, INITIAL_STACK_SIZE, stack_prot,
                    MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN, 0));

    // The initial stack, laid out in the kernel first so that no failure can come after the
    // switch.
    uint8_t random_bytes[16];
    get_random_bytes(random_bytes, sizeof(random_bytes));
    AuxEntry aux[] = {
        {AT_HWCAP, elf_hwcap()},
        {AT_PAGESZ, PAGE_SIZE},
        {AT_CLKTCK, 100},  // USER_HZ
        {AT_PHDR, image.phdr},
        {AT_PHENT, image.phentsize},
        {AT_PHNUM, image.phnum},
        {AT_BASE, 0},  // no interpreter
        {AT_FLAGS, 0},
        {AT_ENTRY, image.entry},
        {AT_UID, from_kuid_munged(*creds.cred->user_ns, creds.cred->uid)},
        {AT_EUID, from_kuid_munged(*creds.cred->user_ns, creds.cred->euid)},
        {AT_GID, from_kgid_munged(*creds.cred->user_ns, creds.cred->gid)},
        {AT_EGID, from_kgid_munged(*creds.cred->user_ns, creds.cred->egid)},
        {AT_SECURE, creds.secureexec},
    };
    const char* const* argv_pointers = TRY(argv.pointers());
    const char* const* envp_pointers = TRY(envp.pointers());
    ScratchBuffer stack_image(align_up(argv.total_bytes() + envp.total_bytes() + 4096 +
                                           (argv.count() + envp.count()) * 8 + sizeof(aux) * 2,
                                       PAGE_SIZE));
    if (!stack_image.ok())
        return Error::from_errno(ENOMEM);
    // execfn: the path as given (Linux passes bprm->filename).
    char execfn[256];
    size_t execfn_length = path.size() < sizeof(execfn) - 1 ? path.size() : sizeof(execfn) - 1;
    __builtin_memcpy(execfn, path.data(), execfn_length);
    execfn[execfn_length] = 0;
    // No AT_SYSINFO_EHDR (there is no vDSO: the libcs fall back to real syscalls) and no
    // AT_MINSIGSTKSZ until signal frames exist.
    InitialStackSpec spec{STACK_TOP,    argv_pointers, argv.count(), envp_pointers, envp.count(),
                          execfn,       random_bytes,  aux,          sizeof(aux) / sizeof(aux[0])};
    InitialStack stack = TRY(build_initial_stack(spec, stack_image.data(), stack_image.size()));
    if (!arch::prepare_user_state(task->m_context))
        return Error::from_errno(ENOMEM);
    // unshare_files: a descriptor table shared with another process (CLONE_FILES) is copied
    // first, so closing close-on-exec descriptors does not close the other's.
    RefPtr<FilesStruct> files = task->m_files;
    if (files->ref_count() > 1)
        files = TRY(files->clone());
    // The other threads go, then handlers shared with another process (CLONE_SIGHAND without
    // CLONE_THREAD) are copied, so that resetting ours below leaves that process's alone
    // (de_thread's sighand unsharing).
    int old_tid = task->m_tid;
    TRY(de_thread(*task));
    if (task->m_sighand->ref_count() > 1) {
        auto sighand = TRY(task->m_sighand->copy());
        SpinlockGuard guard(tasklist_lock());
        task->m_sighand = std::move(sighand);
    }

    // ---- The point of no return (Linux's begin_new_exec). Nothing below may fail back to the
    // old program: it is gone.
    // exec_mmap: the old address space is released (the vfork parent may run again, a
    // CLONE_CHILD_CLEARTID word is cleared).
    mm_release(*task);
    RefPtr<MmStruct> old_mm = task->m_mm;
    // The old program's resident-set high-water mark stays the process's (getrusage, wait4).
    if (old_mm)
        setmax_mm_hiwater_rss(task->m_signal->maxrss, *old_mm);
    task->m_mm = mm;
    activate_mm(task->m_mm.ptr());
    old_mm = nullptr;  // the old program's memory goes now that its tables are not loaded
    task->m_did_exec = true;
    // The parent may not signal a program that became privileged (begin_new_exec), then the
    // new credentials take effect.
    if (creds.secureexec)
        task->m_pdeath_signal = 0;
    commit_creds(creds.cred);
    // Dumpability (begin_new_exec): a program running with ids other than the real ones is not.
    {
        const Cred& cred = *task->m_cred;
        mm->set_dumpable(cred.euid == cred.uid && cred.egid == cred.gid);
    }
    flush_signal_handlers(*task);
    rseq_execve(*task);
    mm->set_brk_start(align_up(image.end_of_data, PAGE_SIZE));
    {
        // load_elf_binary's bounds: code from the executable segments, "data" from the start
        // of the highest segment to the highest end of file bytes.
        MmStruct::ExecLayout layout{~0ull, 0, 0, 0, stack.stack_pointer,
                                    stack.arg_start, stack.arg_end, stack.env_start, stack.env_end};
        for (size_t i = 0; i < image.segment_count; ++i) {
            const auto& s = image.segments[i];
            uint64_t file_end = s.vaddr + s.filesz;
            if ((s.prot & PROT_EXEC) && s.vaddr < layout.start_code)
                layout.start_code = s.vaddr;
            if ((s.prot & PROT_EXEC) && file_end > layout.end_code)
                layout.end_code = file_end;
            layout.start_data = s.vaddr > layout.start_data ? s.vaddr : layout.start_data;
            layout.end_data = file_end > layout.end_data ? file_end : layout.end_data;
        }
        if (layout.start_code == ~0ull)
            layout.start_code = 0;
        mm->set_exec_layout(layout);
    }
    mm->set_exe_file(file);
    task->m_files = files;
    task->m_files->close_on_exec();
    size_t base = path.rfind('/');
    StringView name = base == StringView::npos ? path : StringView(path.data() + base + 1, path.size() - base - 1);
    set_task_comm(*task, name);

    // Fill what is now live: the stack image, and zeros after each segment's file bytes in its
    // last file page (the "bss tail": the file page holds unrelated bytes there).
    bool ok = !copy_to_user(STACK_TOP - stack.size, stack_image.data() + stack_image.size() - stack.size, stack.size)
                   .is_error();
    for (size_t i = 0; ok && i < image.segment_count; ++i) {
        const auto& s = image.segments[i];
        uint64_t file_end = s.vaddr + s.filesz;
        uint64_t page_end = align_up(file_end, PAGE_SIZE);
        if (s.memsz > s.filesz && s.filesz && page_end > file_end && (s.prot & PROT_WRITE))
            ok = !clear_user(file_end, page_end - file_end).is_error();
    }
    if (!ok) {
        // Out of memory while populating the new image: like Linux, the process cannot go on.
        // It dies of SIGSEGV on its way back to user mode (Linux's force_fatal_sig), once this
        // function's buffers and references (the new address space among them) are released:
        // do_exit from here would never run their destructors, and leaked them.
        force_sigsegv(SIGSEGV);
        return {};
    }
    arch::init_user_frame(frame, image.entry, stack.stack_pointer);
    trace::emit(trace::Event::SchedProcessExec, "filename={} pid={} old_pid={}", path, task->m_tid, old_tid);
    return {};
}

}  // namespace kernel
