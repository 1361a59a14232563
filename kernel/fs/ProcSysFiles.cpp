// /proc/cpuinfo and /proc/sys/kernel/: see fs/ProcSysFiles.h.
#include "fs/ProcSysFiles.h"

#include <arch/CpuInfo.h>
#include <asm-generic/fcntl.h>
#include <linux/capability.h>

#include "lib/OwnPtr.h"
#include "task/Cred.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/Signal.h"
#include "task/Task.h"

namespace kernel {

namespace {

using CreateError = PseudoDirectory::CreateError;
using Style = PseudoFile::Style;

template <typename T, typename... Args>
ErrorOr<NonnullRefPtr<PseudoInode>> make(Args&&... args) {
    return NonnullRefPtr<PseudoInode>(TRY(try_make_ref_counted<T>(std::forward<Args>(args)...)));
}

// cpuinfo (arch/x86/kernel/cpu/proc.c): the arch's text.
class CpuinfoFile final : public PseudoFile {
public:
    CpuinfoFile(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoFile(fs, ino, 0444, parent, "cpuinfo", Style::Seq, EIO) {}

    ErrorOr<void> show(FormatSink& out) override {
        arch::show_cpuinfo(out);
        return {};
    }
};

// tainted's bits (add_taint); nothing taints Sprout, but root may set bits, as in Linux.
constinit std::atomic<uint64_t> g_tainted{0};

// A sysctl file (fs/proc/proc_sysctl.c): its text is made at each read from offset 0; a write
// goes to `store`. sysctl_perm judges the mode bits alone, so no capability opens a read-only
// one for writing (EACCES).
class SysctlFile : public PseudoFile {
public:
    SysctlFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, uint32_t permissions)
        : PseudoFile(fs, ino, permissions, parent, name, Style::Seq, EIO) {}

    ErrorOr<void> opened(int flags) override {
        if ((flags & O_ACCMODE) != O_RDONLY && !(mode() & 0222))
            return Error::from_errno(EACCES);
        return {};
    }
};

enum class SysctlKind : uint8_t { PidMax, ThreadsMax, Tainted, Hostname, Domainname, Ostype, Osrelease };

// The integer sysctls (proc_dointvec_minmax, proc_taint): one number and a newline; a write
// of a number in range sets it (EINVAL outside, and for anything but a number). A write after
// offset 0 is ignored, as with Linux's default sysctl_writes_strict.
class IntSysctlFile final : public SysctlFile {
public:
    IntSysctlFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, SysctlKind kind)
        : SysctlFile(fs, ino, parent, name, 0644), m_kind(kind) {}

    ErrorOr<void> show(FormatSink& out) override {
        uint64_t value = 0;
        switch (m_kind) {
        case SysctlKind::PidMax: value = uint64_t(pid_max()); break;
        case SysctlKind::ThreadsMax: value = max_threads(); break;
        default: value = g_tainted.load(std::memory_order_relaxed); break;
        }
        format_to(out, "{}\n", value);
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        // proc_taint: setting taint bits is for CAP_SYS_ADMIN only.
        if (m_kind == SysctlKind::Tainted && !current_cred()->capable(CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        // proc_first_pos_non_zero_ignore: a write not at the start is taken whole and ignored.
        if (offset != 0) {
            offset += size;
            return size;
        }
        char text[32];
        StringView written = TRY(copy_written_text(buffer, size, text, sizeof(text)));
        while (!written.empty() && (written[0] == ' ' || written[0] == '\t'))
            written.remove_prefix(1);
        switch (m_kind) {
        case SysctlKind::PidMax: {
            uint64_t value = TRY(parse_number(written));
            if (value < uint64_t(RESERVED_PIDS) + 1 || value > uint64_t(PID_MAX_LIMIT))
                return Error::from_errno(EINVAL);
            set_pid_max(int(value));
            break;
        }
        case SysctlKind::ThreadsMax: {
            // sysctl_max_threads: 1 to FUTEX_TID_MASK.
            uint64_t value = TRY(parse_number(written));
            if (value < 1 || value > 0x3fffffff)
                return Error::from_errno(EINVAL);
            set_max_threads(value);
            break;
        }
        default: {
            uint64_t value = TRY(parse_unsigned(written, 10, ~uint64_t(0)));
            g_tainted.fetch_or(value, std::memory_order_relaxed);
            break;
        }
        }
        offset += size;
        return size;
    }

private:
    // proc_get_long's number: decimal digits, then nothing but a newline (EINVAL otherwise,
    // and for a number too large, as the range checks say).
    static ErrorOr<uint64_t> parse_number(StringView text) {
        auto value = parse_unsigned(text, 10, ~uint64_t(0));
        if (value.is_error())
            return Error::from_errno(EINVAL);
        return value.value();
    }

    SysctlKind m_kind;
};

// The uts strings (proc_do_uts_string): the caller's uts namespace's hostname and domainname,
// writable (as the mode bits allow: root of the initial user namespace); ostype and osrelease
// read only. A write at offset 0 replaces the string, a later one continues it; either stops
// at a newline or NUL, and the string keeps at most 64 bytes.
class UtsSysctlFile final : public SysctlFile {
public:
    UtsSysctlFile(FileSystem& fs, uint64_t ino, PseudoInode& parent, StringView name, SysctlKind kind)
        : SysctlFile(fs, ino, parent, name, kind == SysctlKind::Hostname || kind == SysctlKind::Domainname ? 0644 : 0444),
          m_kind(kind) {}

    ErrorOr<void> show(FormatSink& out) override {
        char text[__NEW_UTS_LEN + 1];
        UtsNamespace& uts = *current()->m_nsproxy->uts_ns;
        {
            SpinlockGuard guard(uts.lock);
            __builtin_memcpy(text, field(uts), sizeof(text));
        }
        text[__NEW_UTS_LEN] = 0;
        format_to(out, "{}\n", static_cast<const char*>(text));
        return {};
    }

    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t& offset) override {
        if (m_kind != SysctlKind::Hostname && m_kind != SysctlKind::Domainname)
            return Error::from_errno(EIO);
        char written[__NEW_UTS_LEN];
        size_t take = size < sizeof(written) ? size : sizeof(written);
        TRY(buffer.copy_from(written, 0, take));
        UtsNamespace& uts = *current()->m_nsproxy->uts_ns;
        SpinlockGuard guard(uts.lock);
        char* data = field(uts);
        size_t length = __builtin_strlen(data);
        // sysctl_writes_strict: a write beyond the string's end is ignored.
        if (offset <= length) {
            length = size_t(offset);
            for (size_t i = 0; i < take && length < __NEW_UTS_LEN; ++i) {
                if (written[i] == 0 || written[i] == '\n')
                    break;
                data[length++] = written[i];
            }
            __builtin_memset(data + length, 0, __NEW_UTS_LEN + 1 - length);
        }
        offset += size;
        return size;
    }

private:
    char* field(UtsNamespace& uts) const {
        switch (m_kind) {
        case SysctlKind::Hostname: return uts.name.nodename;
        case SysctlKind::Domainname: return uts.name.domainname;
        case SysctlKind::Ostype: return uts.name.sysname;
        default: return uts.name.release;
        }
    }

    SysctlKind m_kind;
};

// Inode numbers: the sys tree's from a base well away from the root's fixed entries.
constexpr uint64_t SYS_INO_BASE = 0x100;

constexpr PseudoEntry KERNEL_ENTRIES[] = {
    {"domainname", S_TYPE_REG | 0644}, {"hostname", S_TYPE_REG | 0644},  {"osrelease", S_TYPE_REG | 0444},
    {"ostype", S_TYPE_REG | 0444},     {"pid_max", S_TYPE_REG | 0644},   {"tainted", S_TYPE_REG | 0644},
    {"threads-max", S_TYPE_REG | 0644},
};
constexpr SysctlKind KERNEL_KINDS[] = {
    SysctlKind::Domainname, SysctlKind::Hostname, SysctlKind::Osrelease,  SysctlKind::Ostype,
    SysctlKind::PidMax,     SysctlKind::Tainted,  SysctlKind::ThreadsMax,
};

// /proc/sys/kernel: the sysctls above, in alphabetical order as Linux lists them.
class SysKernelDir final : public PseudoDirectory {
public:
    SysKernelDir(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoDirectory(fs, ino, 0555, &parent, "kernel", CreateError::NoEntry) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        int index = find_pseudo_entry(KERNEL_ENTRIES, name);
        if (index < 0)
            return Error::from_errno(ENOENT);
        uint64_t ino = SYS_INO_BASE + 2 + uint64_t(index);
        SysctlKind kind = KERNEL_KINDS[index];
        switch (kind) {
        case SysctlKind::PidMax:
        case SysctlKind::ThreadsMax:
        case SysctlKind::Tainted: return make<IntSysctlFile>(fs(), ino, *this, name, kind);
        default: return make<UtsSysctlFile>(fs(), ino, *this, name, kind);
        }
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        (void)list_pseudo_entries(KERNEL_ENTRIES, position, 2, SYS_INO_BASE + 2, out);
    }
};

constexpr PseudoEntry SYS_ENTRIES[] = {
    {"kernel", S_TYPE_DIR | 0555},
};

// /proc/sys: only kernel/ so far.
class SysDir final : public PseudoDirectory {
public:
    SysDir(FileSystem& fs, uint64_t ino, PseudoInode& parent)
        : PseudoDirectory(fs, ino, 0555, &parent, "sys", CreateError::NoEntry, 1) {}

    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        if (find_pseudo_entry(SYS_ENTRIES, name) != 0)
            return Error::from_errno(ENOENT);
        return make<SysKernelDir>(fs(), SYS_INO_BASE + 1, *this);
    }

    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        (void)list_pseudo_entries(SYS_ENTRIES, position, 2, SYS_INO_BASE + 1, out);
    }
};

}  // namespace

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_cpuinfo(FileSystem& fs, uint64_t ino, PseudoInode& parent) {
    return make<CpuinfoFile>(fs, ino, parent);
}

ErrorOr<NonnullRefPtr<PseudoInode>> make_proc_sys_dir(FileSystem& fs, uint64_t ino, PseudoInode& parent) {
    return make<SysDir>(fs, ino, parent);
}

}  // namespace kernel
