// /proc/<pid>/{status,maps,environ,fd/}: see fs/ProcPidFiles.h.
#include "fs/ProcPidFiles.h"

#include <asm-generic/fcntl.h>
#include <linux/capability.h>
#include <linux/resource.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/KernelBuffer.h"
#include "fs/Mount.h"
#include "fs/Vfs.h"
#include "lib/OwnPtr.h"
#include "mm/AddressSpace.h"
#include "mm/Heap.h"
#include "task/Cred.h"
#include "task/NsFs.h"
#include "task/Signal.h"
#include "task/TaskCred.h"

namespace kernel {

namespace {

template <typename T, typename... Args>
ErrorOr<NonnullRefPtr<PseudoInode>> make(Args&&... args) {
    return NonnullRefPtr<PseudoInode>(TRY(try_make_ref_counted<T>(std::forward<Args>(args)...)));
}

// get_task_state's words (task_state_array).
StringView task_state_text(const Task& task) {
    if (task.m_exit_state == Task::ExitState::Zombie)
        return "Z (zombie)";
    if (task.m_exit_state == Task::ExitState::Dead)
        return "X (dead)";
    switch (task.m_state) {
    case TaskState::Running: return "R (running)";
    case TaskState::Interruptible: return "S (sleeping)";
    case TaskState::Uninterruptible: return "D (disk sleep)";
    case TaskState::Stopped: return "T (stopped)";
    case TaskState::Dead: return "X (dead)";
    }
    return "R (running)";
}

// The number a process group or session id (kept as an initial-namespace number) has in
// `ns`: the pid of that number, seen from there; 0 when there is none (task_pgrp_nr_ns).
// Tasklist lock held.
int group_nr_in(int number, const PidNamespace& ns) {
    Pid* pid = number > 0 ? find_pid_ns(number, PidNamespace::initial()) : nullptr;
    return pid ? pid->nr_in(ns) : 0;
}

// status (proc_pid_status): the task's state, ids, memory, signals and capabilities, one
// "Name:\tvalue" line each, in Linux 6.1's order and format. Values Sprout has no concept for
// are what Linux prints for the same state (no NUMA: Ngid 0; no ptrace: TracerPid 0; no
// seccomp, no no_new_privs, no huge pages, no locked memory: zeros; one CPU and one memory
// node: their masks).
class StatusFile final : public TaskFile {
public:
    StatusFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid, PidNamespace& ns)
        : TaskFile(fs, ino, parent, "status", Style::Seq, std::move(pid), 0444), m_ns(ns) {}

    ErrorOr<void> show(FormatSink& out) override {
        static constexpr size_t MAX_GROUPS_SHOWN = 64;
        static constexpr unsigned MAX_LEVELS = MAX_PID_NS_LEVEL + 1;
        struct Facts {
            char comm[sizeof(Task::m_comm)];
            StringView state;
            int tgid, pid, ppid;
            bool has_fs;
            unsigned umask;
            uint32_t uid[4], gid[4];
            int fd_size;
            uint32_t groups[MAX_GROUPS_SHOWN];
            size_t group_count;
            unsigned levels;
            int ns_tgid[MAX_LEVELS], ns_pid[MAX_LEVELS], ns_pgid[MAX_LEVELS], ns_sid[MAX_LEVELS];
            int threads;
            uint64_t sigpending_limit;
            SigSet pending, shared_pending, blocked, ignored, caught;
            KernelCap cap_inheritable, cap_permitted, cap_effective, cap_bset, cap_ambient;
            uint64_t nvcsw, nivcsw;
        } f{};
        RefPtr<MmStruct> mm;
        RefPtr<FilesStruct> files;
        RefPtr<FsStruct> fs_struct;
        const UserNamespace& reader_ns = current_user_ns();
        TRY(with_task(*m_pid, [&](Task& task) {
            __builtin_memcpy(f.comm, task.m_comm, sizeof(f.comm));
            f.state = task_state_text(task);
            f.tgid = task_tgid_nr_ns(task, *m_ns);
            f.pid = task_pid_nr_ns(task, *m_ns);
            Task* parent = task.m_real_parent;
            f.ppid = parent && task.m_pid ? task_tgid_nr_ns(*parent, *m_ns) : 0;
            const Cred& cred = *task.m_cred;
            uint32_t uids[4] = {cred.uid, cred.euid, cred.suid, cred.fsuid};
            uint32_t gids[4] = {cred.gid, cred.egid, cred.sgid, cred.fsgid};
            for (int i = 0; i < 4; ++i) {
                f.uid[i] = from_kuid_munged(reader_ns, uids[i]);
                f.gid[i] = from_kgid_munged(reader_ns, gids[i]);
            }
            f.group_count = cred.group_count() < MAX_GROUPS_SHOWN ? cred.group_count() : MAX_GROUPS_SHOWN;
            for (size_t i = 0; i < f.group_count; ++i)
                f.groups[i] = from_kgid_munged(reader_ns, cred.groups->data()[i]);
            f.cap_inheritable = cred.cap_inheritable;
            f.cap_permitted = cred.cap_permitted;
            f.cap_effective = cred.cap_effective;
            f.cap_bset = cred.cap_bset;
            f.cap_ambient = cred.cap_ambient;
            // One number per pid namespace level from the reader's mount's down to the task's.
            const Pid& pid = *m_pid;
            SignalStruct& sig = *task.m_signal;
            for (unsigned level = m_ns->level(); level <= pid.level() && f.levels < MAX_LEVELS; ++level) {
                const PidNamespace& ns = *pid.upid(level).ns;
                f.ns_tgid[f.levels] = task_tgid_nr_ns(task, ns);
                f.ns_pid[f.levels] = task_pid_nr_ns(task, ns);
                f.ns_pgid[f.levels] = group_nr_in(sig.pgrp, ns);
                f.ns_sid[f.levels] = group_nr_in(sig.session, ns);
                ++f.levels;
            }
            f.threads = sig.nr_threads;
            f.sigpending_limit = sig.rlim[RLIMIT_SIGPENDING].cur;
            f.pending = task.m_pending.signal;
            f.shared_pending = sig.shared_pending.signal;
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
            f.nvcsw = task.m_nvcsw;
            f.nivcsw = task.m_nivcsw;
            mm = task.m_mm;
            files = task.m_files;
            fs_struct = task.m_fs;
        }));
        if (fs_struct) {
            f.has_fs = true;
            f.umask = fs_struct->umask();
        }
        // FDSize: the table's room (fdt->max_fds), 0 for a task without one.
        f.fd_size = files ? files->max_fds() : 0;

        // task_name: the name, with a newline or backslash escaped.
        format_to(out, "Name:\t");
        for (char c : StringView(f.comm, __builtin_strlen(f.comm))) {
            if (c == '\n')
                format_to(out, "\\n");
            else if (c == '\\')
                format_to(out, "\\\\");
            else
                out.write(&c, 1);
        }
        format_to(out, "\n");
        if (f.has_fs)
            format_to(out, "Umask:\t0{:03o}\n", f.umask);
        // task_state. Ngid is the NUMA group leader (no NUMA balancing here: 0, as Linux without
        // it); TracerPid 0: nothing is traced (no ptrace attach).
        format_to(out, "State:\t{}\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n", f.state, f.tgid, f.pid,
                  f.ppid);
        format_to(out, "Uid:\t{}\t{}\t{}\t{}\n", f.uid[0], f.uid[1], f.uid[2], f.uid[3]);
        format_to(out, "Gid:\t{}\t{}\t{}\t{}\n", f.gid[0], f.gid[1], f.gid[2], f.gid[3]);
        format_to(out, "FDSize:\t{}\nGroups:\t", f.fd_size);
        for (size_t i = 0; i < f.group_count; ++i)
            format_to(out, "{}{}", i ? " " : "", f.groups[i]);
        // Linux ends the list with a space, even an empty one.
        format_to(out, " \n");
        auto levels = [&](StringView label, const int* numbers) {
            format_to(out, "{}", label);
            for (unsigned i = 0; i < f.levels; ++i)
                format_to(out, "\t{}", numbers[i]);
            format_to(out, "\n");
        };
        levels("NStgid:", f.ns_tgid);
        levels("NSpid:", f.ns_pid);
        levels("NSpgid:", f.ns_pgid);
        levels("NSsid:", f.ns_sid);
        if (mm)
            show_task_mem(out, *mm);
        // task_sig
        format_to(out, "Threads:\t{}\nSigQ:\t{}/{}\n", f.threads, nr_queued_signals(), f.sigpending_limit);
        auto sigset = [&](StringView label, SigSet set) { format_to(out, "{}\t{:016x}\n", label, set); };
        sigset("SigPnd:", f.pending);
        sigset("ShdPnd:", f.shared_pending);
        sigset("SigBlk:", f.blocked);
        sigset("SigIgn:", f.ignored);
        sigset("SigCgt:", f.caught);
        // task_cap
        sigset("CapInh:", f.cap_inheritable);
        sigset("CapPrm:", f.cap_permitted);
        sigset("CapEff:", f.cap_effective);
        sigset("CapBnd:", f.cap_bset);
        sigset("CapAmb:", f.cap_ambient);
        // task_seccomp: no PR_SET_NO_NEW_PRIVS and no seccomp filters here, which reads as a task
        // that never asked for them. The speculation controls are those of a CPU Linux finds
        // not vulnerable to store bypass, with indirect branch speculation on (QEMU's).
        format_to(out, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
        format_to(out, "Speculation_Store_Bypass:\tnot vulnerable\nSpeculationIndirectBranch:\talways enabled\n");
        // task_cpus_allowed and cpuset's memory nodes: one CPU, one node.
        format_to(out, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t");
        for (int i = 0; i < 31; ++i)
            format_to(out, "00000000,");
        format_to(out, "00000001\nMems_allowed_list:\t0\n");
        format_to(out, "voluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t{}\n", f.nvcsw, f.nivcsw);
        return {};
    }

private:
    // task_mem (fs/proc/task_mmu.c): sizes in kB, each in 8 columns.
    static void show_task_mem(FormatSink& out, const MmStruct& mm) {
        uint64_t total = 0, data = 0, stack = 0, exec = 0;
        mm.for_each_vma([&](const Vma& vma) {
            uint64_t size = vma.size();
            total += size;
            uint32_t flags = vma.m_flags;
            // is_data_mapping, is_stack_mapping, is_exec_mapping (VM_STACK is VM_GROWSDOWN).
            if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE)
                data += size;
            if (flags & VM_GROWSDOWN)
                stack += size;
            if ((flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC)
                exec += size;
        });
        const MmStruct::ExecLayout& layout = mm.exec_layout();
        uint64_t text = 0;
        if (layout.end_code > layout.start_code)
            text = ((layout.end_code + PAGE_SIZE - 1) & ~uint64_t(PAGE_SIZE - 1)) - (layout.start_code & ~uint64_t(PAGE_SIZE - 1));
        text = text < exec ? text : exec;
        uint64_t lib = exec - text;
        constexpr uint64_t KB = PAGE_SIZE / 1024;
        uint64_t anon = mm.rss_counter(MmCounter::AnonPages) * KB;
        uint64_t file = mm.rss_counter(MmCounter::FilePages) * KB;
        uint64_t shmem = mm.rss_counter(MmCounter::ShmemPages) * KB;
        uint64_t hiwater = mm.hiwater_rss() * KB;
        auto line = [&](StringView label, uint64_t kb) { format_to(out, "{}\t{:>8} kB\n", label, kb); };
        // No record of the largest size the space had: VmPeak is the size now.
        line("VmPeak:", total / 1024);
        line("VmSize:", total / 1024);
        line("VmLck:", 0);  // no mlock
        line("VmPin:", 0);
        line("VmHWM:", hiwater);
        line("VmRSS:", anon + file + shmem);
        line("RssAnon:", anon);
        line("RssFile:", file);
        line("RssShmem:", shmem);
        line("VmData:", data / 1024);
        line("VmStk:", stack / 1024);
        line("VmExe:", text / 1024);
        line("VmLib:", lib / 1024);
        // The page-table pages are not counted per address space here.
        line("VmPTE:", 0);
        line("VmSwap:", 0);
        line("HugetlbPages:", 0);
        // task_core_dumping; task_thp_status (THP allowed, as Linux says for a task that did
        // not turn it off, though Sprout maps no huge pages).
        format_to(out, "CoreDumping:\t0\nTHP_enabled:\t1\n");
    }

    NonnullRefPtr<PidNamespace> m_ns;
};

// statm (proc_pid_statm, task_statm): sizes in pages: the whole space, resident, resident
// file and shmem pages, text, 0 (lib), data and stack, 0 (dirty). Zeros without a space.
class StatmFile final : public TaskFile {
public:
    StatmFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "statm", Style::Seq, std::move(pid), 0444) {}

    ErrorOr<void> show(FormatSink& out) override {
        RefPtr<MmStruct> mm = TRY(with_task(*m_pid, [](Task& task) { return task.m_mm; }));
        if (!mm) {
            format_to(out, "0 0 0 0 0 0 0\n");
            return {};
        }
        uint64_t total = 0, data = 0;
        mm->for_each_vma([&](const Vma& vma) {
            total += vma.size();
            // data_vm (is_data_mapping) and stack_vm (is_stack_mapping).
            if ((vma.m_flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE || (vma.m_flags & VM_GROWSDOWN))
                data += vma.size();
        });
        const MmStruct::ExecLayout& layout = mm->exec_layout();
        uint64_t text = 0;
        if (layout.end_code > layout.start_code)
            text = (((layout.end_code + PAGE_SIZE - 1) & ~uint64_t(PAGE_SIZE - 1)) - (layout.start_code & ~uint64_t(PAGE_SIZE - 1))) >>
                   PAGE_SHIFT;
        uint64_t shared = mm->rss_counter(MmCounter::FilePages) + mm->rss_counter(MmCounter::ShmemPages);
        uint64_t resident = shared + mm->rss_counter(MmCounter::AnonPages);
        format_to(out, "{} {} {} {} 0 {} 0\n", total >> PAGE_SHIFT, resident, shared, text, data >> PAGE_SHIFT);
        return {};
    }
};

// limits (proc_pid_limits): the process's resource limits as a table, Linux's names and units.
class LimitsFile final : public TaskFile {
public:
    LimitsFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "limits", Style::Seq, std::move(pid), 0444) {}

    ErrorOr<void> show(FormatSink& out) override {
        RLimit limits[RLIMIT_COUNT];
        TRY(with_task(*m_pid, [&](Task& task) {
            for (int i = 0; i < RLIMIT_COUNT; ++i)
                limits[i] = task.m_signal->rlim[i];
        }));
        static constexpr const char* NAMES[RLIMIT_COUNT][2] = {
            {"Max cpu time", "seconds"},        {"Max file size", "bytes"},     {"Max data size", "bytes"},
            {"Max stack size", "bytes"},        {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
            {"Max processes", "processes"},     {"Max open files", "files"},    {"Max locked memory", "bytes"},
            {"Max address space", "bytes"},     {"Max file locks", "locks"},    {"Max pending signals", "signals"},
            {"Max msgqueue size", "bytes"},     {"Max nice priority", nullptr}, {"Max realtime priority", nullptr},
            {"Max realtime timeout", "us"},
        };
        format_to(out, "{:<25} {:<20} {:<20} {:<10}\n", "Limit", "Soft Limit", "Hard Limit", "Units");
        for (int i = 0; i < RLIMIT_COUNT; ++i) {
            format_to(out, "{:<25} ", NAMES[i][0]);
            for (uint64_t value : {limits[i].cur, limits[i].max}) {
                if (value == RLIM_INFINITY)
                    format_to(out, "{:<20} ", "unlimited");
                else
                    format_to(out, "{:<20} ", value);
            }
            if (NAMES[i][1])
                format_to(out, "{:<10}\n", NAMES[i][1]);
            else
                format_to(out, "\n");
        }
        return {};
    }
};

// maps (show_map_vma): one line per area, "start-end perms offset major:minor inode", then,
// padded to column 73, the file's name or what the area is: [heap] (it holds the program
// break's range), [stack] (it holds the stack exec made), the name Linux gives shared
// anonymous memory. There is no vDSO, so no [vvar] or [vdso].
class MapsFile final : public TaskFile {
public:
    MapsFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "maps", Style::Seq, std::move(pid), 0444) {}

    ErrorOr<void> opened(int) override {
        // proc_maps_open's proc_mem_open: the reader must be allowed to read the task.
        return check_may_read();
    }

    ErrorOr<void> show(FormatSink& out) override {
        RefPtr<MmStruct> mm = TRY(with_task(*m_pid, [](Task& task) { return task.m_mm; }));
        if (!mm)
            return {};
        Path root = current()->m_fs->root();
        auto name_buffer = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
        // The areas are copied out a few at a time: the file names need the namespace lock,
        // which is not taken under the address space's.
        struct Area {
            uint64_t start, end, pgoff;
            uint32_t flags;
            RefPtr<File> file;
            uint64_t shared_ino;  // shared anonymous memory: its object's number, else 0
        };
        constexpr size_t BATCH = 16;
        Area areas[BATCH];
        VirtAddr brk = mm->brk(), start_brk = mm->start_brk(), start_stack = mm->exec_layout().start_stack;
        for (VirtAddr from = 0;;) {
            size_t count = 0;
            bool more = false;
            mm->for_each_vma([&](const Vma& vma) {
                if (vma.m_start < from)
                    return;
                if (count == BATCH) {
                    more = true;
                    return;
                }
                areas[count++] = Area{vma.m_start, vma.m_end, vma.m_pgoff, vma.m_flags, vma.m_file,
                                      vma.m_shared ? vma.m_shared->ino() : 0};
            });
            for (size_t i = 0; i < count; ++i)
                show_area(out, areas[i].start, areas[i].end, areas[i].pgoff, areas[i].flags, areas[i].file.ptr(),
                          areas[i].shared_ino, brk, start_brk, start_stack, root, name_buffer);
            if (!more || count == 0)
                return {};
            from = areas[count - 1].end;
            for (auto& area : areas)
                area.file = nullptr;
        }
    }

private:
    static void show_area(FormatSink& out, uint64_t start, uint64_t end, uint64_t pgoff, uint32_t flags, File* file,
                          uint64_t shared_ino, VirtAddr brk, VirtAddr start_brk, VirtAddr start_stack,
                          const Path& root, KernelBuffer& buffer) {
        uint32_t dev = 0;
        uint64_t ino = 0;
        uint64_t offset = 0;
        if (file) {
            dev = file->inode()->fs().dev();
            ino = file->inode()->ino();
            offset = pgoff << PAGE_SHIFT;
        } else if (shared_ino) {
            // The shmem mount's device, 0:1 as the first anonymous device of a boot.
            dev = make_dev(0, 1);
            ino = shared_ino;
            offset = pgoff << PAGE_SHIFT;
        }
        char line[128];
        size_t length = format_buffer(line, sizeof(line), "{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ", start, end,
                                      flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
                                      flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p', offset,
                                      dev_major(dev), dev_minor(dev), ino);
        out.write(line, length);
        StringView name;
        if (file) {
            SpinlockGuard guard(vfs_namespace_lock());
            auto path = d_path_locked(file->path(), root, buffer.data(), buffer.size());
            if (!path.is_error())
                name = path.value();
        } else if (shared_ino) {
            // Linux backs shared anonymous memory with an unlinked shmem file of this name.
            name = "/dev/zero (deleted)";
        } else if (start <= brk && end >= start_brk) {
            name = "[heap]";
        } else if (start <= start_stack && end >= start_stack) {
            name = "[stack]";
        }
        if (!name.empty()) {
            // seq_pad: the name starts after column 72, one space after the padding.
            constexpr size_t NAME_COLUMN = 25 + sizeof(void*) * 6 - 1;
            for (size_t column = length; column < NAME_COLUMN; ++column)
                out.write(" ", 1);
            out.write(" ", 1);
            // seq_file_path escapes newlines in a file's name.
            for (char c : name) {
                if (c == '\n')
                    out.write("\\012", 4);
                else
                    out.write(&c, 1);
            }
        }
        out.write("\n", 1);
    }
};

// mounts (fs/proc_namespace.c show_vfsmnt): the mounts of the task's mount namespace that its
// root reaches, parents before children: "source mountpoint type options 0 0", with space,
// tab, newline and backslash in names written in octal (mangle). The options are rw or ro, then
// what Linux adds by default: relatime for every mount but the initial root, then the file
// system's own (FileSystem::show_options: tmpfs's size, nr_inodes, mode, inode64). Sprout keeps
// no other mount flags (nosuid, nodev, noexec...).
class MountsFile final : public TaskFile {
public:
    MountsFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "mounts", Style::Seq, std::move(pid), 0444) {}

    ErrorOr<void> show(FormatSink& out) override {
        RefPtr<FsStruct> fs_struct = TRY(with_task(*m_pid, [](Task& task) { return task.m_fs; }));
        if (!fs_struct)
            return {};
        Path root = fs_struct->root();
        auto buffer = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
        SpinlockGuard guard(vfs_namespace_lock());
        Mount* top = root.mount.ptr();
        while (top->parent_locked())
            top = top->parent_locked();
        // A walk of the tree, parents first, without recursion.
        for (Mount* mount = top; mount;) {
            show_mount(out, *mount, root, buffer);
            if (Mount* child = mount->first_child_locked()) {
                mount = child;
                continue;
            }
            while (mount != top) {
                Mount* parent = mount->parent_locked();
                if (Mount* next = parent->next_child_locked(*mount)) {
                    mount = next;
                    break;
                }
                mount = parent;
            }
            if (mount == top)
                break;
        }
        return {};
    }

private:
    static void mangle(FormatSink& out, StringView text) {
        for (char c : text) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
                format_to(out, "\\{:03o}", unsigned(uint8_t(c)));
            else
                out.write(&c, 1);
        }
    }

    static void show_mount(FormatSink& out, Mount& mount, const Path& root, KernelBuffer& buffer) {
        bool reachable = false;
        auto path = d_path_locked(Path{&mount, &mount.root()}, root, buffer.data(), buffer.size(), &reachable);
        if (path.is_error() || !reachable)
            return;  // outside the task's root (seq_path_root's SEQ_SKIP)
        StringView type = mount.root().fs().name();
        bool initial_root = !mount.parent_locked() && mount.source() == "rootfs";
        mangle(out, mount.source().empty() ? StringView("none") : mount.source());
        out.write(" ", 1);
        mangle(out, path.value());
        out.write(" ", 1);
        mangle(out, initial_root ? StringView("rootfs") : type);
        format_to(out, " {}{}", mount.is_read_only() ? "ro" : "rw", initial_root ? "" : ",relatime");
        mount.root().fs().show_options(out);
        out.write(" 0 0\n", 5);
    }
};

// environ (environ_read): the environment strings exec laid out, NULs included, read from the
// process's memory; opening it needs the right to read the task (mm_access: EACCES), and a
// task without an address space reads as empty.
class EnvironFile final : public TaskFile {
public:
    EnvironFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid)
        : TaskFile(fs, ino, parent, "environ", Style::Seq, std::move(pid), 0400) {}

    ErrorOr<void> opened(int) override {
        return check_may_read();
    }

    ErrorOr<void> show(FormatSink& out) override {
        RefPtr<MmStruct> mm = TRY(with_task(*m_pid, [](Task& task) { return task.m_mm; }));
        if (!mm)
            return {};
        MmStruct::ExecLayout layout = mm->exec_layout();
        char chunk[256];
        for (uint64_t at = layout.env_start; at < layout.env_end;) {
            size_t want = layout.env_end - at < sizeof(chunk) ? size_t(layout.env_end - at) : sizeof(chunk);
            size_t got = mm->read_present(at, chunk, want);
            out.write(chunk, got);
            if (got < want)
                break;
            at += got;
        }
        return {};
    }
};

// fd/<n> (proc_fd_instantiate): a link that reads as the open file's name and leads to the
// open file itself (proc_fd_link), whatever its name now. Its mode shows how the file was
// opened: read and write bits for the owner (and x with either).
class FdLink final : public PseudoInode {
public:
    FdLink(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, uint32_t mode, Path target,
           KernelBuffer text, size_t text_length)
        : PseudoInode(fs, ino, S_TYPE_LNK | mode, &parent, name),
          m_target(std::move(target)),
          m_text(std::move(text)),
          m_text_length(text_length) {}

    StringView symlink_target() const override { return StringView(m_text.data(), m_text_length); }
    ErrorOr<Path> jump_link() const override { return m_target; }

private:
    Path m_target;
    KernelBuffer m_text;
    size_t m_text_length;
};

// The name part of a file's link, for files of internal file systems (their d_dname).
ErrorOr<size_t> internal_file_name(const File& file, char* buffer, size_t size) {
    Inode& inode = *file.inode();
    StringView fs_name = inode.fs().name();
    if (fs_name == "pipefs")
        return format_buffer(buffer, size, "pipe:[{}]", inode.ino());
    if (fs_name == "anon_inodefs")
        return format_buffer(buffer, size, "anon_inode:{}", file.pidfd_pid() ? "[pidfd]" : "[anon]");
    if (fs_name == "nsfs") {
        if (const NsRef* ns = ns_of_inode(inode))
            return format_buffer(buffer, size, "{}:[{}]", ns->name(), ns->inum());
    }
    return Error::from_errno(ENOENT);
}

// Fills `text` with the link text for `path` (d_path from the caller's root, or an internal
// file's name when `file` is one); returns its length. Namespace lock held.
ErrorOr<size_t> link_text_locked(const Path& path, const File* file, KernelBuffer& text) {
    if (file) {
        auto internal = internal_file_name(*file, text.data(), text.size());
        if (!internal.is_error())
            return internal.value();
    }
    Path root = current()->m_fs->root();
    auto name = d_path_locked(path, root, text.data(), text.size());
    if (name.is_error()) {
        // A file whose every name is gone: without dentries its last name is not known.
        constexpr StringView deleted = "(deleted)";
        __builtin_memcpy(text.data(), deleted.data(), deleted.size());
        return deleted.size();
    }
    __builtin_memmove(text.data(), name.value().data(), name.value().size());
    return name.value().size();
}

// exe, cwd, root (proc_exe_link, proc_cwd_link, proc_root_link): links to the program, the
// working directory and the root of the task, for readers allowed to look into it
// (proc_fd_access_allowed); for others, and when the task has none, they lead nowhere
// (EACCES, ENOENT).
class PlaceLink final : public PseudoInode {
public:
    PlaceLink(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, Path target, KernelBuffer text,
              size_t text_length, int error)
        : PseudoInode(fs, ino, S_TYPE_LNK | 0777, &parent, name),
          m_target(std::move(target)),
          m_text(std::move(text)),
          m_text_length(text_length),
          m_error(error) {}

    StringView symlink_target() const override { return StringView(m_text.data(), m_text_length); }
    ErrorOr<Path> jump_link() const override {
        if (m_error)
            return Error::from_errno(m_error);
        return m_target;
    }

private:
    Path m_target;
    KernelBuffer m_text;
    size_t m_text_length;
    int m_error;
};

// fdinfo/<n> (seq_show): the descriptor's position, flags (close-on-exec as O_CLOEXEC), mount
// id and inode number, then what the file adds (a pidfd: its process's pid and NSpid). ENOENT
// once the descriptor is closed.
class FdInfoFile final : public TaskFile {
public:
    FdInfoFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, NonnullRefPtr<Pid> pid, int fd,
               PidNamespace& ns)
        : TaskFile(fs, ino, parent, name, Style::Seq, std::move(pid), 0444), m_fd(fd), m_ns(ns) {}

    // proc_fdinfo_access_allowed: the reader must be allowed to read the task (EACCES).
    ErrorOr<void> opened(int) override {
        return check_may_read();
    }

    ErrorOr<void> show(FormatSink& out) override {
        RefPtr<FilesStruct> files = TRY(with_task(*m_pid, [](Task& task) { return task.m_files; }));
        if (!files)
            return Error::from_errno(ENOENT);
        auto file_or_error = files->get(m_fd);
        if (file_or_error.is_error())
            return Error::from_errno(ENOENT);
        NonnullRefPtr<File> file = file_or_error.release_value();
        auto close_on_exec = files->close_on_exec(m_fd);
        bool cloexec = !close_on_exec.is_error() && close_on_exec.value();
        unsigned flags = unsigned(file->flags()) | (cloexec ? unsigned(O_CLOEXEC) : 0u);
        format_to(out, "pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n", file->position(), flags,
                  file->path().mount->id(), file->inode()->ino());
        if (Pid* target = file->pidfd_pid()) {
            // pidfd_show_fdinfo: the pid in the reader's namespace, then one per level below.
            SpinlockGuard guard(tasklist_lock());
            int nr = target->task() ? target->nr_in(*m_ns) : -1;
            format_to(out, "Pid:\t{}\n", nr);
            format_to(out, "NSpid:");
            if (nr > 0) {
                for (unsigned level = m_ns->level(); level <= target->level(); ++level)
                    format_to(out, "\t{}", target->upid(level).nr);
            } else {
                format_to(out, "\t{}", nr);
            }
            format_to(out, "\n");
        }
        return {};
    }

private:
    int m_fd;
    NonnullRefPtr<PidNamespace> m_ns;
};

// fd/ and fdinfo/ (proc_fd_operations, proc_fdinfo_operations): an entry per open descriptor.
class FdDir final : public PseudoDirectory {
public:
    FdDir(FileSystem& fs, uint64_t ino, PseudoInode& parent, NonnullRefPtr<Pid> pid, uint64_t link_ino_base,
          PidNamespace* info_ns)
        : PseudoDirectory(fs, ino, info_ns ? 0555 : 0500, &parent, info_ns ? "fdinfo" : "fd", CreateError::NoEntry),
          m_pid(std::move(pid)),
          m_link_ino_base(link_ino_base),
          m_info_ns(info_ns) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        int fd = parse_fd(name);
        if (fd < 0)
            return Error::from_errno(ENOENT);
        if (m_info_ns)
            return lookup_info(name, fd);
        RefPtr<FilesStruct> files;
        Inode::Ownership owner{};
        auto taken = with_task(*m_pid, [&](Task& task) {
            files = task.m_files;
            bool dumpable = !task.m_mm || task.m_mm->dumpable();
            owner = Inode::Ownership{0, dumpable ? task.m_cred->euid : 0, dumpable ? task.m_cred->egid : 0};
        });
        if (taken.is_error() || !files)
            return Error::from_errno(ENOENT);
        auto file_or_error = files->get(fd);
        if (file_or_error.is_error())
            return Error::from_errno(ENOENT);
        NonnullRefPtr<File> file = file_or_error.release_value();
        int access = file->flags() & O_ACCMODE;
        uint32_t mode = 0;
        if (file->is_path_only() || access == O_RDONLY || access == O_RDWR)
            mode |= 0500;
        if (!file->is_path_only() && (access == O_WRONLY || access == O_RDWR))
            mode |= 0300;
        if (file->is_path_only())
            mode = 0500;
        auto text = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
        // Namespace lock held (we are in a lookup): d_path's walk needs no more.
        size_t length = TRY(link_text_locked(file->path(), file.ptr(), text));
        auto link = TRY(make<FdLink>(fs(), m_link_ino_base + (uint64_t(fd) << 8), *this, name, mode, file->path(),
                                     std::move(text), length));
        link->set_owner(owner.uid, owner.gid);
        return link;
    }

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_info(StringView name, int fd) {
        RefPtr<FilesStruct> files;
        auto taken = with_task(*m_pid, [&](Task& task) { files = task.m_files; });
        if (taken.is_error() || !files || files->get(fd).is_error())
            return Error::from_errno(ENOENT);
        auto owner = TRY(task_dump_owner(*m_pid));
        auto inode = TRY(make<FdInfoFile>(fs(), m_link_ino_base + (uint64_t(fd) << 8), *this, name, m_pid, fd, *m_info_ns));
        inode->set_owner(owner.uid, owner.gid);
        return inode;
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        RefPtr<FilesStruct> files;
        if (with_task(*m_pid, [&](Task& task) { files = task.m_files; }).is_error() || !files)
            return;
        int max = files->max_fds();
        for (int fd = position > 2 ? int(position - 2) : 0; fd < max; ++fd) {
            if (files->get(fd).is_error())
                continue;
            char name[12];
            size_t length = format_buffer(name, sizeof(name), "{}", fd);
            if (!out.emit(StringView(name, length), m_link_ino_base + (uint64_t(fd) << 8), m_info_ns ? S_TYPE_REG : S_TYPE_LNK,
                          2 + uint64_t(fd) + 1))
                return;
        }
    }

private:
    // A descriptor number in canonical decimal, or -1.
    static int parse_fd(StringView name) {
        if (name.empty() || name.size() > 9 || (name.size() > 1 && name[0] == '0'))
            return -1;
        int value = 0;
        for (char c : name) {
            if (c < '0' || c > '9')
                return -1;
            value = value * 10 + (c - '0');
        }
        return value;
    }

    NonnullRefPtr<Pid> m_pid;
    uint64_t m_link_ino_base;
    RefPtr<PidNamespace> m_info_ns;  // fdinfo/: the mount's namespace; null for fd/
};

}  // namespace

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_place_link(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                         StringView name, const Pid& pid, PlaceKind kind) {
    RefPtr<MmStruct> mm;
    RefPtr<FsStruct> fs_struct;
    auto allowed = with_task(pid, [&](Task& task) {
        mm = task.m_mm;
        fs_struct = task.m_fs;
        return ptrace_may_access(task);
    });
    if (allowed.is_error())
        return Error::from_errno(ENOENT);
    Path target;
    RefPtr<File> file;
    if (kind == PlaceKind::Exe && mm && mm->exe_file()) {
        file = mm->exe_file();
        target = file->path();
    } else if (kind == PlaceKind::Cwd && fs_struct) {
        target = fs_struct->cwd();
    } else if (kind == PlaceKind::Root && fs_struct) {
        target = fs_struct->root();
    }
    int error = !allowed.value() ? EACCES : target.is_valid() ? 0 : ENOENT;
    auto text = TRY(KernelBuffer::allocate(PATH_MAX_LEN));
    size_t length = 0;
    if (!error)
        length = TRY(link_text_locked(target, file.ptr(), text));
    auto owner = TRY(task_dump_owner(pid));
    auto link = TRY(make<PlaceLink>(fs, ino, parent, name, std::move(target), std::move(text), length, error));
    link->set_owner(owner.uid, owner.gid);
    return link;
}

ErrorOr<void> TaskFile::check_may_read() const {
    bool allowed = TRY(with_task(*m_pid, [](Task& task) { return ptrace_may_access(task); }));
    if (!allowed)
        return Error::from_errno(EACCES);
    return {};
}

ErrorOr<Inode::Ownership> task_dump_owner(const Pid& pid) {
    auto owner = with_task(pid, [](Task& task) {
        if (task.m_mm && !task.m_mm->dumpable())
            return Inode::Ownership{0, 0, 0};
        return Inode::Ownership{0, task.m_cred->euid, task.m_cred->egid};
    });
    if (owner.is_error())
        return Error::from_errno(ENOENT);
    return owner.release_value();
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_status(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid, PidNamespace& ns) {
    return make<StatusFile>(fs, ino, parent, std::move(pid), ns);
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_mounts(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid) {
    return make<MountsFile>(fs, ino, parent, std::move(pid));
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_statm(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                    NonnullRefPtr<Pid> pid) {
    return make<StatmFile>(fs, ino, parent, std::move(pid));
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_limits(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid) {
    return make<LimitsFile>(fs, ino, parent, std::move(pid));
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_maps(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                   NonnullRefPtr<Pid> pid) {
    return make<MapsFile>(fs, ino, parent, std::move(pid));
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_environ(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                      NonnullRefPtr<Pid> pid) {
    auto owner = TRY(task_dump_owner(*pid));
    auto inode = TRY(make<EnvironFile>(fs, ino, parent, std::move(pid)));
    inode->set_owner(owner.uid, owner.gid);
    return inode;
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_fd_dir(FileSystem& fs, uint64_t ino, PseudoInode& parent,
                                                     NonnullRefPtr<Pid> pid, uint64_t link_ino_base,
                                                     PidNamespace* info_ns) {
    auto owner = TRY(task_dump_owner(*pid));
    auto inode = TRY(make<FdDir>(fs, ino, parent, std::move(pid), link_ino_base, info_ns));
    inode->set_owner(owner.uid, owner.gid);
    return inode;
}

}  // namespace kernel
