#include "fs/ProcFs.h"

#include <arch/Time.h>
#include <asm-generic/fcntl.h>
#include <linux/capability.h>
#include <linux/resource.h>
#include <linux/time.h>

#include "fs/FileSystemType.h"
#include "fs/PageMap.h"
#include "fs/ProcPidFiles.h"
#include "fs/ProcSysFiles.h"
#include "fs/PseudoFs.h"
#include "fs/Tty.h"
#include "debug/Watchdog.h"
#include "lib/OwnPtr.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "mm/PageAllocator.h"
#include "mm/Slab.h"
#include "task/NsFs.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/TaskCred.h"

namespace kernel {

namespace {

using CreateError = PseudoDirectory::CreateError;
using Style = PseudoFile::Style;

// Inode numbers. The root is 1 (Linux's PROC_ROOT_INO) and its fixed entries follow; a task's
// directories and files are numbered from the pid they were reached by, the thread id for
// task/<tid>, and what they are, so a name keeps its number between lookups.
constexpr uint64_t ROOT_INO = 1;
enum class TaskNode : uint64_t {
    Dir, Threads, Comm, FailNth, UidMap, GidMap, Setgroups, Ns, NsUts, NsPid, NsPidForChildren, NsUser, NsMnt, Stat, Cmdline,
    NsIpc, NsTime, NsTimeForChildren, TimensOffsets,
    Status, Maps, Environ, Fd, FdLink, Cwd, Root, Exe, Mounts, FdInfo, FdInfoFile, Statm, Limits,
};
uint64_t task_ino(int pid, int tid, TaskNode node) {
    return (uint64_t(pid) << 32) | (uint64_t(tid) << 8) | uint64_t(node);
}

template <typename T, typename... Args>
ErrorOr<NonnullRefPtr<PseudoInode>> make(Args&&... args) {
    return NonnullRefPtr<PseudoInode>(TRY(try_make_ref_counted<T>(std::forward<Args>(args)...)));
}

// name_to_int: a pid in canonical decimal (no sign, no leading zero); -1 for anything else.
int parse_pid(StringView name) {
    if (name.empty() || name.size() > 10 || (name.size() > 1 && name[0] == '0'))
        return -1;
    uint64_t value = 0;
    for (char c : name) {
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + uint64_t(c - '0');
    }
    return value < uint64_t(PID_MAX_LIMIT) ? int(value) : -1;
}

// The pid `number` names in `ns`, while it names a task (tasklist lock taken inside).
RefPtr<Pid> find_live_pid(int number, const PidNamespace& ns) {
    SpinlockGuard guard(tasklist_lock());
    Task* task = number > 0 ? find_task_by_pid_ns(number, ns) : nullptr;
    return task ? task->m_pid : nullptr;
}

// comm: the name and a newline (comm_show); a write sets the name of a thread of the writer's
// own process, else EINVAL (comm_write). The written bytes are taken as they are, newline
// included, up to 15.
class CommFile final : public TaskFile {
public:
    CommFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "comm", Style::Seq, std::move(pid)) {}

    ErrorOr<void> show(FormatSink& out) override {
        char comm[sizeof(Task::m_comm)];
        TRY(with_task(*m_pid, [&](Task& task) { __builtin_memcpy(comm, task.m_comm, sizeof(comm)); }));
        format_to(out, "{}\n", comm);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t&) override {
        char name[sizeof(Task::m_comm)];
        StringView text = TRY(copy_written_text(buffer, size, name, sizeof(name)));
        int writer = current()->m_tgid;
        SpinlockGuard guard(tasklist_lock());
        Task* task = m_pid->task();
        if (!task)
            return Error::from_errno(ESRCH);
        if (task->m_tgid != writer)
            return Error::from_errno(EINVAL);
        set_task_comm(*task, text);
        return size;
    }
};

// fail-nth (proc_fail_nth_read/write): reads the counter and a newline; a write of N (any
// base kstrtouint takes) sets it. No lseek, as Linux's has none.
class FailNthFile final : public TaskFile {
public:
    FailNthFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "fail-nth", Style::SimpleNoSeek, std::move(pid)) {}

    ErrorOr<void> show(FormatSink& out) override {
        unsigned n = TRY(with_task(*m_pid, [](Task& task) { return task.m_fail_nth.load(std::memory_order_relaxed); }));
        format_to(out, "{}\n", n);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t&) override {
        char text[1 + 32 + 1 + 1];  // KSTRTOX_FROM_USER's buffer for an unsigned int
        StringView written = TRY(copy_written_text(buffer, size, text, sizeof(text)));
        auto n = uint32_t(TRY(parse_unsigned(written, 0, std::numeric_limits<uint32_t>::max())));
        // The last thing this write does: from here on every allocation of the task counts.
        TRY(with_task(*m_pid, [&](Task& task) { task.m_fail_nth.store(n, std::memory_order_relaxed); }));
        return size;
    }
};

// The user namespace of a task's credentials (task_cred_xxx(task, user_ns)).
ErrorOr<NonnullRefPtr<UserNamespace>> task_user_ns(const Pid& pid) {
    return with_task(pid, [](Task& task) { return NonnullRefPtr<UserNamespace>(*task.m_cred->user_ns); });
}

// uid_map, gid_map (proc_id_map_operations): the task's user namespace's map, one extent a
// line; the lower ids are the reader's (its parent's when the reader is in that namespace).
// A write sets the map once (map_write's rules, in task/UserNamespace.cpp). The lower ids of
// the lines are the writer's, and the writer's credentials are judged: Linux judges the
// opener's and reads in the opener's namespace, which differ only for a descriptor passed on.
class IdMapFile final : public TaskFile {
public:
    IdMapFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid, bool uids)
        : TaskFile(fs, ino, parent, uids ? "uid_map" : "gid_map", Style::Seq, std::move(pid)), m_uids(uids) {}

    ErrorOr<void> show(FormatSink& out) override {
        auto ns = TRY(task_user_ns(*m_pid));
        const UserNamespace* lower = &current_user_ns();
        if (lower == ns.ptr() && lower->parent())
            lower = lower->parent();
        const UidGidMap& map = m_uids ? ns->uid_map() : ns->gid_map();
        for (size_t i = 0; i < map.size(); ++i) {
            uint32_t lower_id = m_uids ? from_kuid(*lower, map[i].lower_first) : from_kgid(*lower, map[i].lower_first);
            format_to(out, "{:>10} {:>10} {:>10}\n", map[i].first, lower_id, map[i].count);
        }
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        // Only a write of less than a page, at the beginning of the file.
        if (offset != 0 || size >= PAGE_SIZE)
            return Error::from_errno(EINVAL);
        auto ns = TRY(task_user_ns(*m_pid));
        auto* text = static_cast<char*>(kmalloc(size + 1));
        if (!text)
            return Error::from_errno(ENOMEM);
        auto result = [&]() -> ErrorOr<void> {
            TRY(buffer.copy_from(text, 0, size));
            text[size] = 0;
            StringView written(text, __builtin_strlen(text));
            const Cred& cred = *current_cred();
            return m_uids ? ns->write_uid_map(written, cred) : ns->write_gid_map(written, cred);
        }();
        kfree(text);
        TRY(std::move(result));
        offset = size;
        return size;
    }

private:
    bool m_uids;
};

// setgroups (proc_setgroups_operations): "allow" or "deny" for the task's user namespace;
// opening it for writing needs CAP_SYS_ADMIN there (EACCES).
class SetgroupsFile final : public TaskFile {
public:
    SetgroupsFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "setgroups", Style::Seq, std::move(pid)) {}

    ErrorOr<void> opened(int flags) override {
        auto ns = TRY(task_user_ns(*m_pid));
        if ((flags & O_ACCMODE) != O_RDONLY && !ns_capable(*ns, CAP_SYS_ADMIN))
            return Error::from_errno(EACCES);
        return {};
    }

    ErrorOr<void> show(FormatSink& out) override {
        auto ns = TRY(task_user_ns(*m_pid));
        format_to(out, "{}\n", ns->setgroups_allowed() ? "allow" : "deny");
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        char text[8];
        if (offset != 0 || size >= sizeof(text))
            return Error::from_errno(EINVAL);
        StringView written = TRY(copy_written_text(buffer, size, text, sizeof(text)));
        auto ns = TRY(task_user_ns(*m_pid));
        TRY(ns->write_setgroups(written));
        offset = size;
        return size;
    }
};

// timens_offsets (proc_timens_offsets_operations): the offsets of the task's
// time_ns_for_children, "<clock> <seconds> <nanoseconds>" a line. A write sets one or both
// offsets until a task has entered the namespace: lines "monotonic|1|boottime|7 S N" (EINVAL
// for anything else or nanoseconds from 1e9), CAP_SYS_TIME over the namespace's owner (EPERM),
// clocks kept within [0, KTIME_SEC_MAX / 2] seconds (ERANGE), then EACCES once frozen.
class TimensOffsetsFile final : public TaskFile {
public:
    TimensOffsetsFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "timens_offsets", Style::Seq, std::move(pid)) {}

    ErrorOr<void> show(FormatSink& out) override {
        auto ns = TRY(timens_for_children(*m_pid));
        auto offsets = ns->offsets();
        format_to(out, "{:<10} {:>10} {:>9}\n", "monotonic", offsets.monotonic.tv_sec, offsets.monotonic.tv_nsec);
        format_to(out, "{:<10} {:>10} {:>9}\n", "boottime", offsets.boottime.tv_sec, offsets.boottime.tv_nsec);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        if (offset != 0 || size >= PAGE_SIZE)
            return Error::from_errno(EINVAL);
        auto* text = static_cast<char*>(kmalloc(size + 1));
        if (!text)
            return Error::from_errno(ENOMEM);
        auto result = [&]() -> ErrorOr<size_t> {
            TRY(buffer.copy_from(text, 0, size));
            text[size] = 0;
            return write_offsets(text, size);
        }();
        kfree(text);
        size_t written = TRY(std::move(result));
        offset = written;
        return written;
    }

private:
    struct Parsed {
        int clock;
        TimensOffset value;
    };

    static ErrorOr<NonnullRefPtr<TimeNamespace>> timens_for_children(const Pid& pid) {
        return with_task(pid, [](Task& task) {
            return NonnullRefPtr<TimeNamespace>(*task.m_nsproxy->time_ns_for_children);
        });
    }

    static bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
    static const char* skip_spaces(const char* p) {
        while (is_space(*p))
            ++p;
        return p;
    }
    // The kernel's sscanf integer: spaces, a '-' when signed, decimal digits (wrapping).
    static const char* scan_integer(const char* p, bool is_signed, uint64_t& value) {
        p = skip_spaces(p);
        bool negative = is_signed && *p == '-';
        if (negative)
            ++p;
        if (*p < '0' || *p > '9')
            return nullptr;
        value = 0;
        while (*p >= '0' && *p <= '9')
            value = value * 10 + uint64_t(*p++ - '0');
        if (negative)
            value = 0 - value;
        return p;
    }
    // sscanf(line, "%9s %lld %lu", ...) and the clock's name: false for anything else.
    static bool parse_line(const char* line, Parsed& out) {
        const char* p = skip_spaces(line);
        char clock[10];
        size_t n = 0;
        while (*p && !is_space(*p) && n < 9)
            clock[n++] = *p++;
        if (!n)
            return false;
        clock[n] = 0;
        uint64_t sec, nsec;
        p = scan_integer(p, true, sec);
        if (!p || !scan_integer(p, false, nsec) || nsec >= 1'000'000'000)
            return false;
        StringView name(clock, n);
        if (name == "monotonic" || name == "1")
            out.clock = CLOCK_MONOTONIC;
        else if (name == "boottime" || name == "7")
            out.clock = CLOCK_BOOTTIME;
        else
            return false;
        out.value = {int64_t(sec), int64_t(nsec)};
        return true;
    }

    ErrorOr<size_t> write_offsets(char* text, size_t count) {
        Parsed offsets[2];
        size_t parsed = 0;
        for (char* pos = text; pos;) {
            char* next_line = nullptr;
            for (char* c = pos; *c; ++c) {
                if (*c == '\n') {
                    *c = 0;
                    next_line = c + 1;
                    if (!*next_line)
                        next_line = nullptr;
                    break;
                }
            }
            if (!parse_line(pos, offsets[parsed]))
                return Error::from_errno(EINVAL);
            if (++parsed == 2) {
                if (next_line)
                    count = size_t(next_line - text);  // the rest is left unwritten
                break;
            }
            pos = next_line;
        }
        auto ns = TRY(timens_for_children(*m_pid));
        if (!current_cred()->capable_in(*ns->user_ns, CAP_SYS_TIME))
            return Error::from_errno(EPERM);
        constexpr int64_t KTIME_SEC_MAX = INT64_MAX / 1'000'000'000;
        const TimensOffset* monotonic = nullptr;
        const TimensOffset* boottime = nullptr;
        for (size_t i = 0; i < parsed; ++i) {
            const TimensOffset& value = offsets[i].value;
            if (value.tv_sec > KTIME_SEC_MAX || value.tv_sec < -KTIME_SEC_MAX)
                return Error::from_errno(ERANGE);
            // The clock with the offset (timespec64_add), within [0, KTIME_SEC_MAX / 2].
            uint64_t now = arch::monotonic_ns();  // monotonic and boot time are one clock here
            int64_t sec = int64_t(now / 1'000'000'000) + value.tv_sec;
            if (int64_t(now % 1'000'000'000) + value.tv_nsec >= 1'000'000'000)
                ++sec;
            if (sec < 0 || sec > KTIME_SEC_MAX / 2)
                return Error::from_errno(ERANGE);
            (offsets[i].clock == CLOCK_MONOTONIC ? monotonic : boottime) = &value;
        }
        TRY(ns->set_offsets(monotonic, boottime));
        return count;
    }
};

// Linux's nsec_to_clock_t: USER_HZ is 100.
uint64_t to_clock_ticks(uint64_t ns) { return ns / 10'000'000; }

// get_task_state's letter (fs/proc/array.c task_state_array).
char task_state_letter(const Task& task) {
    if (task.m_exit_state == Task::ExitState::Zombie)
        return 'Z';
    if (task.m_exit_state == Task::ExitState::Dead)
        return 'X';
    switch (task.m_state) {
    case TaskState::Running: return 'R';
    case TaskState::Interruptible: return 'S';
    case TaskState::Uninterruptible: return 'D';
    case TaskState::Stopped: return 'T';
    case TaskState::Dead: return 'X';
    }
    return 'R';
}

// stat (do_task_stat): the 52 fields. /proc/<pid>/stat sums the whole process (faults and
// CPU time of all its threads, the dead ones' included); task/<tid>/stat is the thread's.
// All CPU time counts as user time, as getrusage reports it. Fields for features Sprout lacks
// (major faults, real-time policy, delay accounting, guest time) are Linux's zeros.
class StatFile final : public TaskFile {
public:
    StatFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid, bool whole, PidNamespace& ns)
        : TaskFile(fs, ino, parent, "stat", Style::Seq, std::move(pid), 0444), m_whole(whole), m_ns(ns) {}

    ErrorOr<void> show(FormatSink& out) override {
        struct Facts {
            int pid, ppid, pgrp, session, tty_nr, tty_pgrp, nice, threads, exit_signal, exit_code;
            char state;
            char comm[sizeof(Task::m_comm)];
            uint64_t flags, min_flt, cmin_flt, runtime_ns, cruntime_ns, start_ns, rsslim;
            SigSet pending, blocked, ignored, caught;
            bool running;
        } f{};
        RefPtr<MmStruct> mm;
        TRY(with_task(*m_pid, [&](Task& task) {
            SignalStruct& sig = *task.m_signal;
            f.pid = task_pid_nr_ns(task, *m_ns);
            __builtin_memcpy(f.comm, task.m_comm, sizeof(f.comm));
            f.state = task_state_letter(task);
            f.running = task.m_state == TaskState::Running;
            Task* parent = task.m_real_parent;
            f.ppid = parent && task.m_pid ? task_tgid_nr_ns(*parent, *m_ns) : 0;
            f.pgrp = sig.pgrp;
            f.session = sig.session;
            f.tty_pgrp = -1;
            if (sig.tty) {
                // new_encode_dev(4:64): the minor's low byte, the major above it.
                f.tty_nr = (4 << 8) | 64;
                f.tty_pgrp = tty_foreground_pgrp(*sig.tty);
            }
            // PF_RANDOMIZE, and PF_FORKNOEXEC until the task execs.
            f.flags = 0x00400000 | (task.m_did_exec ? 0 : 0x40);
            if (task.m_exiting)
                f.flags |= 0x4;  // PF_EXITING
            f.nice = task.m_nice;
            f.threads = sig.nr_threads;
            f.start_ns = timens_add_boottime(task.m_start_time_ns);  // the reader's boot time
            f.rsslim = sig.rlim[RLIMIT_RSS].cur;
            f.pending = task.m_pending.signal;
            f.blocked = task.m_blocked;
            if (task.m_sighand) {
                SpinlockGuard guard(task.m_sighand->siglock);
                for (int i = 1; i <= NSIG_COUNT; ++i) {
                    uint64_t handler = task.m_sighand->action[i - 1].handler;
                    if (handler == 1)
                        f.ignored |= sigmask(i);
                    else if (handler != 0)
                        f.caught |= sigmask(i);
                }
            }
            f.exit_signal = task.m_exit_signal;
            f.exit_code = task.m_exit_code;
            if (m_whole) {
                f.min_flt = sig.dead_threads_min_flt;
                f.runtime_ns = sig.dead_threads_runtime_ns;
                for (Task& thread : sig.thread_head) {
                    f.min_flt += thread.m_min_flt;
                    f.runtime_ns += task_runtime_ns(thread);
                }
                f.cmin_flt = sig.children_min_flt;
                f.cruntime_ns = sig.children_runtime_ns;
            } else {
                f.min_flt = task.m_min_flt;
                f.runtime_ns = task_runtime_ns(task);
            }
            mm = task.m_mm;
        }));
        // The address space is read after the tasklist lock is dropped: it has its own lock.
        uint64_t vsize = 0;
        uint64_t rss = 0;
        MmStruct::ExecLayout layout{};
        if (mm) {
            mm->for_each_vma([&](const Vma& vma) { vsize += vma.m_end - vma.m_start; });
            rss = mm->rss();
            layout = mm->exec_layout();
        }
        format_to(out, "{} ({}) {} {} {} {} {} {} {} {} {} 0 0 {} 0 {} 0 {} {} {} 0 {} {} {} {} {} {} {} 0 0",
                  f.pid, f.comm, f.state, f.ppid, f.pgrp, f.session, f.tty_nr, f.tty_pgrp, f.flags, f.min_flt,
                  f.cmin_flt, to_clock_ticks(f.runtime_ns), to_clock_ticks(f.cruntime_ns), 20 + f.nice, f.nice,
                  f.threads, to_clock_ticks(f.start_ns), vsize, rss, f.rsslim,
                  mm ? layout.start_code : 0, mm ? layout.end_code : 0, mm ? layout.start_stack : 0);
        // The obsolete signal fields, 31 bits each; whether the task sleeps (its "wchan").
        constexpr SigSet LOW31 = 0x7fffffff;
        format_to(out, " {} {} {} {} {} 0 0 {} 0 0 0 0 0 0", f.pending & LOW31, f.blocked & LOW31,
                  f.ignored & LOW31, f.caught & LOW31, f.running ? 0 : 1, f.exit_signal);
        if (mm)
            format_to(out, " {} {} {} {} {} {} {}", layout.start_data, layout.end_data, mm->start_brk(),
                      layout.arg_start, layout.arg_end, layout.env_start, layout.env_end);
        else
            format_to(out, " 0 0 0 0 0 0 0");
        format_to(out, " {}\n", f.exit_code);
        return {};
    }

private:
    bool m_whole;
    NonnullRefPtr<PidNamespace> m_ns;
};

// cmdline (get_mm_cmdline): the argument strings as exec laid them out, NULs included. When
// the last byte of that area is no longer a NUL, the program has rewritten its title
// (setproctitle), which may run on into the environment: then the text up to its first NUL,
// at most a page (get_mm_proctitle). Nothing for a task without an address space.
class CmdlineFile final : public TaskFile {
public:
    CmdlineFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "cmdline", Style::Seq, std::move(pid), 0444) {}

    ErrorOr<void> show(FormatSink& out) override {
        RefPtr<MmStruct> mm = TRY(with_task(*m_pid, [](Task& task) { return task.m_mm; }));
        if (!mm)
            return {};
        MmStruct::ExecLayout layout = mm->exec_layout();
        if (layout.arg_end <= layout.arg_start)
            return {};
        char last = 0;
        bool retitled = mm->read_present(layout.arg_end - 1, &last, 1) == 1 && last;
        uint64_t end = layout.arg_end;
        if (retitled) {
            uint64_t env_end = layout.env_start == layout.arg_end ? layout.env_end : layout.arg_end;
            end = env_end - layout.arg_start > PAGE_SIZE ? layout.arg_start + PAGE_SIZE : env_end;
        }
        char chunk[256];
        for (uint64_t at = layout.arg_start; at < end;) {
            size_t want = end - at < sizeof(chunk) ? size_t(end - at) : sizeof(chunk);
            size_t got = mm->read_present(at, chunk, want);
            if (retitled) {
                size_t length = 0;
                while (length < got && chunk[length])
                    ++length;
                out.write(chunk, length);
                if (length < got)
                    break;
            } else {
                out.write(chunk, got);
            }
            if (got < want)
                break;
            at += got;
        }
        return {};
    }
};

// meminfo: the lines Sprout can fill truly, in Linux's order and format (show_val_kb: the
// label in 16 columns, the value in kB in 8). No swap and no block devices (no buffers); the
// page cache is the in-memory files' pages and shared anonymous memory, all of it shmem as
// Linux counts tmpfs, and like slab memory never reclaimable here, so what is available is
// what is free.
class MeminfoFile final : public PseudoFile {
public:
    MeminfoFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0444, parent, "meminfo", Style::Seq, EIO) {}

    ErrorOr<void> show(FormatSink& out) override {
        size_t slab_pages = 0;
        for_each_slab_cache([&](const SlabCache& cache) { slab_pages += cache.pages_in_use(); });
        size_t free_pages = page_allocator().free_pages();
        constexpr size_t KB = PAGE_SIZE / 1024;
        auto line = [&](StringView label, size_t pages) { format_to(out, "{:<16}{:>8} kB\n", label, pages * KB); };
        line("MemTotal:", page_allocator().total_pages());
        line("MemFree:", free_pages);
        size_t shmem = PageMap::total_pages() + SharedMemory::total_resident_pages();
        line("MemAvailable:", free_pages);
        line("Buffers:", 0);
        line("Cached:", shmem);
        line("SwapCached:", 0);
        line("SwapTotal:", 0);
        line("SwapFree:", 0);
        line("Shmem:", shmem);
        line("Slab:", slab_pages);
        line("SReclaimable:", 0);
        line("SUnreclaim:", slab_pages);
        return {};
    }
};

// sprout-counters (Sprout's own, for the fuzzer: docs/reliability.md): the invariant counters,
// one "name value" line each. Root may write "check" (the scheduler's consistency check:
// EUCLEAN when it finds a problem, which it prints on the console), "dump" (every task's
// state and kernel stack on the console), "watchdog N" (arm the hang watchdog for N
// seconds; 0 disarms it) or "beat" (a heartbeat: from the first one on, the watchdog wants
// one every N seconds rather than any system call).
class SproutCountersFile final : public PseudoFile {
public:
    SproutCountersFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0644, parent, "sprout-counters", Style::Seq, EIO) {}

    ErrorOr<void> show(FormatSink& out) override {
        format_invariant_counters(out);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t&) override {
        char text[32];
        StringView written = TRY(copy_written_text(buffer, size, text, sizeof(text)));
        if (written.size() && written[written.size() - 1] == '\n')
            written = written.substr(0, written.size() - 1);
        if (written == "check") {
            if (sched_check_consistency())
                return Error::from_errno(EUCLEAN);
        } else if (written == "beat") {
            watchdog_beat();
        } else if (written == "dump") {
            show_state();
        } else if (written.starts_with("watchdog ")) {
            watchdog_set(unsigned(TRY(parse_unsigned(written.substr(9), 10, 3600))));
        } else {
            return Error::from_errno(EINVAL);
        }
        return size;
    }
};

// uptime (fs/proc/uptime.c): seconds since boot and seconds the CPU idled, to the hundredth.
class UptimeFile final : public PseudoFile {
public:
    UptimeFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0444, parent, "uptime", Style::Seq, EIO) {}

    ErrorOr<void> show(FormatSink& out) override {
        uint64_t up = timens_add_boottime(arch::monotonic_ns());  // the reader's time namespace's
        uint64_t idle = idle_time_ns();
        constexpr uint64_t NS = 1'000'000'000;
        format_to(out, "{}.{:02} {}.{:02}\n", up / NS, up % NS / (NS / 100), idle / NS, idle % NS / (NS / 100));
        return {};
    }
};

// loadavg (fs/proc/loadavg.c): the three averages rounded as get_avenrun's offset rounds them,
// running/all threads, and the last pid the reader's namespace handed out.
class LoadavgFile final : public PseudoFile {
public:
    LoadavgFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0444, parent, "loadavg", Style::Seq, EIO) {}

    ErrorOr<void> show(FormatSink& out) override {
        uint64_t avenrun[3];
        load_averages(avenrun);
        constexpr uint64_t FSHIFT = 11;
        constexpr uint64_t FIXED_1 = 1 << FSHIFT;
        for (auto& load : avenrun) {
            load += FIXED_1 / 200;
            format_to(out, "{}.{:02} ", load >> FSHIFT, ((load & (FIXED_1 - 1)) * 100) >> FSHIFT);
        }
        int last_pid;
        {
            SpinlockGuard guard(tasklist_lock());
            last_pid = task_active_pid_ns(*current()).last_pid;
        }
        format_to(out, "{}/{} {}\n", nr_running(), nr_threads(), last_pid);
        return {};
    }
};

// stat (fs/proc/stat.c show_stat): the CPU's time in USER_HZ ticks, all of it user time or
// idle as Sprout accounts it, then the boot time and the process counts. No interrupt or
// softirq counts are kept, so their lines are left out. Nothing waits for I/O, so no task is
// counted as blocked.
class KernelStatFile final : public PseudoFile {
public:
    KernelStatFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0444, parent, "stat", Style::Seq, EIO) {}

    ErrorOr<void> show(FormatSink& out) override {
        uint64_t up = arch::monotonic_ns();
        uint64_t idle = idle_time_ns();
        uint64_t busy = up > idle ? up - idle : 0;
        // The boot moment as the reader's time namespace has it (timens_sub_boottime): seconds,
        // rounded down, printed unsigned as Linux does (a boot time before 1970 wraps).
        int64_t boot_ns = int64_t(arch::realtime_ns()) - int64_t(timens_add_boottime(up));
        int64_t boot_floor = boot_ns >= 0 ? boot_ns / 1'000'000'000 : -((-boot_ns + 999'999'999) / 1'000'000'000);
        uint64_t boot_seconds = uint64_t(boot_floor);
        for (StringView label : {StringView("cpu "), StringView("cpu0")})
            format_to(out, "{} {} 0 0 {} 0 0 0 0 0 0\n", label, to_clock_ticks(busy), to_clock_ticks(idle));
        format_to(out, "ctxt {}\nbtime {}\nprocesses {}\nprocs_running {}\nprocs_blocked 0\n", nr_context_switches(),
                  boot_seconds, total_forks(), nr_running());
        return {};
    }
};

// task/: the threads of one process, listed by thread id (proc_task_readdir).
class ThreadsDir final : public PseudoDirectory {
public:
    ThreadsDir(FileSystem& fs, uint64_t ino, PseudoInode& parent, int tgid, int pid, PidNamespace& ns)
        : PseudoDirectory(fs, ino, 0555, &parent, "task", CreateError::NoEntry), m_tgid(tgid), m_pid(pid), m_ns(ns) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override;

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        for (int from = position > 2 ? int(position - 2) : 1;;) {
            int tid;
            {
                SpinlockGuard guard(tasklist_lock());
                Task* task = next_task_by_pid_locked(*m_ns, from, [&](Task& t) { return t.m_tgid == m_tgid; });
                tid = task ? task_pid_nr_ns(*task, *m_ns) : 0;
            }
            if (!tid)
                return;
            char name[12];
            size_t length = format_buffer(name, sizeof(name), "{}", tid);
            if (!out.emit(StringView(name, length), task_ino(m_pid, tid, TaskNode::Dir), S_TYPE_DIR, 2 + uint64_t(tid) + 1))
                return;
            from = tid + 1;
        }
    }

private:
    int m_tgid;  // the process whose threads these are
    int m_pid;   // the number /proc/<pid> was reached by
    NonnullRefPtr<PidNamespace> m_ns;  // the mount's (its numbers)
};

// ns/ (fs/proc/namespaces.c): a link per namespace kind, in Linux's order, reading
// "<kind>:[<inode>]" and leading to the namespace's nsfs inode.
class NsLink final : public PseudoInode {
public:
    NsLink(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, NsRef ns)
        : PseudoInode(fs, ino, S_TYPE_LNK | 0777, &parent, name), m_ns(std::move(ns)) {
        if (m_ns.type)
            m_target_length = format_buffer(m_target, sizeof(m_target), "{}:[{}]", m_ns.name(), m_ns.inum());
    }

    StringView symlink_target() const override { return StringView(m_target, m_target_length); }
    // Nothing to lead to (pid_for_children before the namespace has its init): ENOENT.
    ErrorOr<Path> jump_link() const override {
        if (!m_ns.type)
            return Error::from_errno(ENOENT);
        return ns_get_path(m_ns);
    }

private:
    NsRef m_ns;
    char m_target[32];
    size_t m_target_length{0};
};

constexpr PseudoEntry NS_ENTRIES[] = {
    {"uts", S_TYPE_LNK | 0777},
    {"ipc", S_TYPE_LNK | 0777},
    {"pid", S_TYPE_LNK | 0777},
    {"pid_for_children", S_TYPE_LNK | 0777},
    {"user", S_TYPE_LNK | 0777},
    {"mnt", S_TYPE_LNK | 0777},
    {"time", S_TYPE_LNK | 0777},
    {"time_for_children", S_TYPE_LNK | 0777},
};
constexpr TaskNode NS_NODES[] = {
    TaskNode::NsUts,  TaskNode::NsIpc, TaskNode::NsPid,  TaskNode::NsPidForChildren,
    TaskNode::NsUser, TaskNode::NsMnt, TaskNode::NsTime, TaskNode::NsTimeForChildren,
};

class NsDir final : public PseudoDirectory {
public:
    NsDir(FileSystem& fs, PseudoInode& parent, NonnullRefPtr<Pid> task_pid, int pid, int tid)
        : PseudoDirectory(fs, task_ino(pid, tid, TaskNode::Ns), 0511, &parent, "ns", CreateError::NoEntry),
          m_task_pid(std::move(task_pid)),
          m_pid(pid),
          m_tid(tid) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        int index = find_pseudo_entry(NS_ENTRIES, name);
        if (index < 0)
            return Error::from_errno(ENOENT);
        TaskNode node = NS_NODES[index];
        NsRef ns = TRY(with_task(*m_task_pid, [&](Task& task) {
            NsRef ref;
            const NsProxy& proxy = *task.m_nsproxy;
            switch (node) {
            case TaskNode::NsUts:
                ref.type = CLONE_NEWUTS;
                ref.uts = proxy.uts_ns;
                break;
            case TaskNode::NsIpc:
                ref.type = CLONE_NEWIPC;
                ref.ipc = proxy.ipc_ns;
                break;
            case TaskNode::NsPid:
                ref.type = CLONE_NEWPID;
                ref.pid = task_active_pid_ns(task);
                break;
            case TaskNode::NsPidForChildren:
                // pidns_for_children_get: nothing until the namespace has its init.
                if (proxy.pid_ns_for_children->child_reaper) {
                    ref.type = CLONE_NEWPID;
                    ref.pid = proxy.pid_ns_for_children;
                }
                break;
            case TaskNode::NsUser:
                ref.type = CLONE_NEWUSER;
                ref.user = task.m_cred->user_ns;
                break;
            case TaskNode::NsTime:
            case TaskNode::NsTimeForChildren:
                ref.type = CLONE_NEWTIME;
                ref.time = node == TaskNode::NsTime ? proxy.time_ns : proxy.time_ns_for_children;
                break;
            default:
                ref.type = CLONE_NEWNS;
                ref.mnt = proxy.mnt_ns;
                break;
            }
            return ref;
        }));
        return make<NsLink>(fs(), task_ino(m_pid, m_tid, node), *this, name, std::move(ns));
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        for (size_t i = position > 2 ? size_t(position - 2) : 0; i < std::size(NS_ENTRIES); ++i) {
            if (!out.emit(NS_ENTRIES[i].name, task_ino(m_pid, m_tid, NS_NODES[i]), NS_ENTRIES[i].mode & S_TYPE_MASK,
                          2 + i + 1))
                return;
        }
    }

private:
    NonnullRefPtr<Pid> m_task_pid;
    int m_pid;
    int m_tid;
};

// /proc/<pid>/ and /proc/<pid>/task/<tid>/ (tgid_base_stuff and tid_base_stuff, in that order).
constexpr PseudoEntry PROCESS_ENTRIES[] = {
    {"task", S_TYPE_DIR | 0555},
    {"fd", S_TYPE_DIR | 0500},
    {"fdinfo", S_TYPE_DIR | 0555},
    {"ns", S_TYPE_DIR | 0511},
    {"environ", S_TYPE_REG | 0400},
    {"status", S_TYPE_REG | 0444},
    {"limits", S_TYPE_REG | 0444},
    {"comm", S_TYPE_REG | 0644},
    {"fail-nth", S_TYPE_REG | 0644},
    {"stat", S_TYPE_REG | 0444},
    {"cmdline", S_TYPE_REG | 0444},
    {"statm", S_TYPE_REG | 0444},
    {"maps", S_TYPE_REG | 0444},
    {"cwd", S_TYPE_LNK | 0777},
    {"root", S_TYPE_LNK | 0777},
    {"exe", S_TYPE_LNK | 0777},
    {"mounts", S_TYPE_REG | 0444},
    {"uid_map", S_TYPE_REG | 0644},
    {"gid_map", S_TYPE_REG | 0644},
    {"setgroups", S_TYPE_REG | 0644},
    {"timens_offsets", S_TYPE_REG | 0644},
};
constexpr TaskNode PROCESS_NODES[] = {
    TaskNode::Threads, TaskNode::Fd,     TaskNode::FdInfo,  TaskNode::Ns,      TaskNode::Environ, TaskNode::Status,  TaskNode::Limits,
    TaskNode::Comm,    TaskNode::FailNth, TaskNode::Stat,   TaskNode::Cmdline, TaskNode::Statm,  TaskNode::Maps,
    TaskNode::Cwd,     TaskNode::Root,   TaskNode::Exe,     TaskNode::Mounts,  TaskNode::UidMap,
    TaskNode::GidMap,  TaskNode::Setgroups, TaskNode::TimensOffsets,
};
static_assert(sizeof(PROCESS_ENTRIES) / sizeof(PROCESS_ENTRIES[0]) == sizeof(PROCESS_NODES) / sizeof(PROCESS_NODES[0]));
constexpr PseudoEntry THREAD_ENTRIES[] = {
    {"fd", S_TYPE_DIR | 0500},
    {"fdinfo", S_TYPE_DIR | 0555},
    {"ns", S_TYPE_DIR | 0511},
    {"environ", S_TYPE_REG | 0400},
    {"status", S_TYPE_REG | 0444},
    {"limits", S_TYPE_REG | 0444},
    {"comm", S_TYPE_REG | 0644},
    {"fail-nth", S_TYPE_REG | 0644},
    {"stat", S_TYPE_REG | 0444},
    {"cmdline", S_TYPE_REG | 0444},
    {"statm", S_TYPE_REG | 0444},
    {"maps", S_TYPE_REG | 0444},
    {"cwd", S_TYPE_LNK | 0777},
    {"root", S_TYPE_LNK | 0777},
    {"exe", S_TYPE_LNK | 0777},
    {"mounts", S_TYPE_REG | 0444},
    {"uid_map", S_TYPE_REG | 0644},
    {"gid_map", S_TYPE_REG | 0644},
    {"setgroups", S_TYPE_REG | 0644},
};
constexpr TaskNode THREAD_NODES[] = {
    TaskNode::Fd,      TaskNode::FdInfo,  TaskNode::Ns,     TaskNode::Environ, TaskNode::Status,  TaskNode::Limits, TaskNode::Comm,     TaskNode::FailNth,
    TaskNode::Stat,    TaskNode::Cmdline, TaskNode::Statm,  TaskNode::Maps,   TaskNode::Cwd,    TaskNode::Root,     TaskNode::Exe,
    TaskNode::Mounts,  TaskNode::UidMap,  TaskNode::GidMap,  TaskNode::Setgroups,
};
static_assert(sizeof(THREAD_ENTRIES) / sizeof(THREAD_ENTRIES[0]) == sizeof(THREAD_NODES) / sizeof(THREAD_NODES[0]));

class TaskDir final : public PseudoDirectory {
public:
    // `pid` is the number the directory was reached by; `tid` the thread's for task/<tid>, 0
    // for /proc/<pid> itself.
    TaskDir(FileSystem& fs, PseudoInode& parent, StringView name, NonnullRefPtr<Pid> task_pid, int pid, int tid,
            PidNamespace& ns)
        : PseudoDirectory(fs, task_ino(pid, tid, TaskNode::Dir), 0555, &parent, name, CreateError::NoEntry,
                          tid ? 1 : 2),
          m_task_pid(std::move(task_pid)),
          m_pid(pid),
          m_tid(tid),
          m_ns(ns) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        // Names in the directory of a task that has been reaped are gone too.
        auto tgid = with_task(*m_task_pid, [](Task& task) { return task.m_tgid; });
        int index = find_pseudo_entry(entries(), name);
        if (tgid.is_error() || index < 0)
            return Error::from_errno(ENOENT);
        TaskNode node = nodes()[index];
        switch (node) {
        case TaskNode::Threads:
            return make<ThreadsDir>(fs(), task_ino(m_pid, 0, TaskNode::Threads), *this, tgid.value(), m_pid, *m_ns);
        case TaskNode::Ns:
            return make<NsDir>(fs(), *this, m_task_pid, m_pid, m_tid);
        case TaskNode::Comm:
            return make<CommFile>(fs(), task_ino(m_pid, m_tid, TaskNode::Comm), *this, m_task_pid);
        case TaskNode::FailNth:
            return make<FailNthFile>(fs(), task_ino(m_pid, m_tid, TaskNode::FailNth), *this, m_task_pid);
        case TaskNode::UidMap:
        case TaskNode::GidMap:
        case TaskNode::Setgroups:
        case TaskNode::TimensOffsets: {
            // The user namespace files belong to the task's euid and egid when it is dumpable,
            // else to root (task_dump_owner), so that a process may write its own maps unless
            // a change of ids made it undumpable.
            uint64_t ino = task_ino(m_pid, m_tid, node);
            NonnullRefPtr<PseudoInode> inode =
                node == TaskNode::Setgroups       ? TRY(make<SetgroupsFile>(fs(), ino, *this, m_task_pid))
                : node == TaskNode::TimensOffsets ? TRY(make<TimensOffsetsFile>(fs(), ino, *this, m_task_pid))
                                                  : TRY(make<IdMapFile>(fs(), ino, *this, m_task_pid, node == TaskNode::UidMap));
            auto owner = TRY(task_dump_owner(*m_task_pid));
            inode->set_owner(owner.uid, owner.gid);
            return inode;
        }
        case TaskNode::Stat:
            return make<StatFile>(fs(), task_ino(m_pid, m_tid, TaskNode::Stat), *this, m_task_pid, m_tid == 0, *m_ns);
        case TaskNode::Cmdline:
            return make<CmdlineFile>(fs(), task_ino(m_pid, m_tid, TaskNode::Cmdline), *this, m_task_pid);
        case TaskNode::Status:
            return make_proc_status(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid, *m_ns);
        case TaskNode::Maps:
            return make_proc_maps(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid);
        case TaskNode::Statm:
            return make_proc_statm(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid);
        case TaskNode::Limits:
            return make_proc_limits(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid);
        case TaskNode::Mounts:
            return make_proc_mounts(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid);
        case TaskNode::Environ:
            return make_proc_environ(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid);
        case TaskNode::Cwd:
        case TaskNode::Root:
        case TaskNode::Exe: {
            PlaceKind kind = node == TaskNode::Cwd ? PlaceKind::Cwd : node == TaskNode::Root ? PlaceKind::Root : PlaceKind::Exe;
            return make_proc_place_link(fs(), task_ino(m_pid, m_tid, node), *this, name, *m_task_pid, kind);
        }
        case TaskNode::FdInfo:
            return make_proc_fd_dir(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid,
                                    task_ino(m_pid, m_tid, TaskNode::FdInfoFile), m_ns.ptr());
        case TaskNode::Fd:
            return make_proc_fd_dir(fs(), task_ino(m_pid, m_tid, node), *this, m_task_pid,
                                    task_ino(m_pid, m_tid, TaskNode::FdLink));
        default:
            return Error::from_errno(ENOENT);
        }
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        // Numbered as lookup numbers them.
        for (size_t i = position > 2 ? size_t(position - 2) : 0; i < entries().size(); ++i) {
            TaskNode node = nodes()[i];
            int tid = node == TaskNode::Threads ? 0 : m_tid;
            if (!out.emit(entries()[i].name, task_ino(m_pid, tid, node), entries()[i].mode & S_TYPE_MASK, 2 + i + 1))
                return;
        }
    }

private:
    std::span<const PseudoEntry> entries() const {
        return m_tid ? std::span<const PseudoEntry>(THREAD_ENTRIES) : std::span<const PseudoEntry>(PROCESS_ENTRIES);
    }
    std::span<const TaskNode> nodes() const {
        return m_tid ? std::span<const TaskNode>(THREAD_NODES) : std::span<const TaskNode>(PROCESS_NODES);
    }

    NonnullRefPtr<Pid> m_task_pid;  // the task the files are about
    int m_pid;
    int m_tid;
    NonnullRefPtr<PidNamespace> m_ns;
};

ErrorOr<NonnullRefPtr<PseudoInode>> ThreadsDir::lookup_entry(StringView name) {
    int tid = parse_pid(name);
    RefPtr<Pid> pid;
    {
        SpinlockGuard guard(tasklist_lock());
        Task* task = tid > 0 ? find_task_by_pid_ns(tid, *m_ns) : nullptr;
        if (task && task->m_tgid == m_tgid)
            pid = task->m_pid;
    }
    if (!pid)
        return Error::from_errno(ENOENT);
    auto dir = TRY(make<TaskDir>(fs(), *this, name, *pid, m_pid, tid, *m_ns));
    // The directory belongs to the task's owner (task_dump_owner), which ps shows as USER.
    auto owner = TRY(task_dump_owner(*pid));
    dir->set_owner(owner.uid, owner.gid);
    return dir;
}

constexpr PseudoEntry ROOT_ENTRIES[] = {
    {"meminfo", S_TYPE_REG | 0444},
    {"self", S_TYPE_LNK | 0777},
    {"thread-self", S_TYPE_LNK | 0777},
    {"uptime", S_TYPE_REG | 0444},
    {"loadavg", S_TYPE_REG | 0444},
    {"stat", S_TYPE_REG | 0444},
    {"cpuinfo", S_TYPE_REG | 0444},
    {"sys", S_TYPE_DIR | 0555},
    {"mounts", S_TYPE_LNK | 0777},
    {"sprout-counters", S_TYPE_REG | 0644},
};
constexpr uint64_t ROOT_ENTRIES_INO = ROOT_INO + 1;
// The root lists its fixed entries from position 2 on and then each process at this base
// plus its pid, as Linux's proc_pid_readdir places them after its own entries.
constexpr uint64_t PID_POSITION_BASE = 2 + sizeof(ROOT_ENTRIES) / sizeof(ROOT_ENTRIES[0]);

// procfs is per pid namespace (Linux's proc_fs_info.pid_ns): a mount shows the processes of
// its mounter's namespace, by their numbers there.
class RootDir final : public PseudoDirectory {
public:
    RootDir(FileSystem& fs, PidNamespace& ns)
        : PseudoDirectory(fs, ROOT_INO, 0555, nullptr, "", CreateError::NoEntry), m_ns(ns) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        int index = find_pseudo_entry(ROOT_ENTRIES, name);
        uint64_t ino = ROOT_ENTRIES_INO + uint64_t(index);
        if (index == 0)
            return make<MeminfoFile>(fs(), ino, *this);
        if (index == 3)
            return make<UptimeFile>(fs(), ino, *this);
        if (index == 4)
            return make<LoadavgFile>(fs(), ino, *this);
        if (index == 5)
            return make<KernelStatFile>(fs(), ino, *this);
        if (index == 6)
            return make_proc_cpuinfo(fs(), ino, *this);
        if (index == 7)
            return make_proc_sys_dir(fs(), ino, *this);
        if (index == 8)
            return PseudoSymlink::create(fs(), ino, *this, name, "self/mounts");
        if (index == 9)
            return make<SproutCountersFile>(fs(), ino, *this);
        if (index > 0) {
            // proc_self_get_link / proc_thread_self_get_link: the caller's own ids, as the mount's
            // namespace numbers them; nothing for a caller outside it.
            Task& self = *current();
            int tgid = self.m_tgid ? task_tgid_nr_ns(self, *m_ns) : 0;
            if (!tgid)
                return Error::from_errno(ENOENT);
            int tid = task_pid_nr_ns(self, *m_ns);
            char target[PseudoSymlink::TARGET_CAPACITY];
            size_t length = index == 1 ? format_buffer(target, sizeof(target), "{}", tgid)
                                       : format_buffer(target, sizeof(target), "{}/task/{}", tgid, tid);
            return PseudoSymlink::create(fs(), ino, *this, name, StringView(target, length));
        }
        int number = parse_pid(name);
        RefPtr<Pid> pid = find_live_pid(number, *m_ns);
        if (!pid)
            return Error::from_errno(ENOENT);
        auto dir = TRY(make<TaskDir>(fs(), *this, name, *pid, number, 0, *m_ns));
        auto owner = TRY(task_dump_owner(*pid));
        dir->set_owner(owner.uid, owner.gid);
        return dir;
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        if (!list_pseudo_entries(ROOT_ENTRIES, position, 2, ROOT_ENTRIES_INO, out))
            return;
        for (int from = position > PID_POSITION_BASE ? int(position - PID_POSITION_BASE) : 1;;) {
            int tgid;
            {
                SpinlockGuard guard(tasklist_lock());
                Task* task = next_task_by_pid_locked(*m_ns, from, [](Task& t) { return t.m_group_leader == &t; });
                tgid = task ? task_pid_nr_ns(*task, *m_ns) : 0;
            }
            if (!tgid)
                return;
            char name[12];
            size_t length = format_buffer(name, sizeof(name), "{}", tgid);
            if (!out.emit(StringView(name, length), task_ino(tgid, 0, TaskNode::Dir), S_TYPE_DIR,
                          PID_POSITION_BASE + uint64_t(tgid) + 1))
                return;
            from = tgid + 1;
        }
    }

private:
    NonnullRefPtr<PidNamespace> m_ns;
};

ErrorOr<NonnullRefPtr<Inode>> proc_mount(StringView, StringView data) {
    if (!data.empty())
        return Error::from_errno(EINVAL);  // hidepid=, gid=, subset=: not supported
    auto fs = TRY(PseudoFs::create("proc"));
    return NonnullRefPtr<Inode>(TRY(try_make_ref_counted<RootDir>(*fs, task_active_pid_ns(*current()))));
}

constinit FileSystemType g_proc_type{"proc", proc_mount};

}  // namespace

void proc_fs_init() { register_filesystem(g_proc_type); }

}  // namespace kernel
