#pragma once
// Test support for the file-system code (kernel/fs).
//
//  - FsTest: MmTest's fake RAM plus a fresh ramfs root mount and an FsStruct on it (umask 022).
//    TearDown drops them, unmounts whatever the test mounted and releases a published rootfs,
//    then MmTest checks that every page and kmalloc object came back.
//  - CpioWriter: builds "newc" archives in memory, including broken ones.
//  - gzip(): compresses with the host's gzip, so the inflater is tested against real output.
//  - HostUserMemory: marks a host buffer as "user memory" for the fake user-access contract.
#include <gtest/gtest.h>

#include <arch/UserAccess.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "MmTestSupport.h"
#include "fs/FsStruct.h"
#include "fs/Initramfs.h"
#include "fs/Mount.h"
#include "fs/Ramfs.h"
#include "fs/Vfs.h"

namespace kernel::fstest {

using mmtest::MmTest;

// open(2) flags and friends, spelled out: the kernel headers' <asm-generic/fcntl.h> and glibc's
// <fcntl.h> disagree on spelling, and the tests include neither.
inline constexpr int RDONLY = 0, WRONLY = 1, RDWR = 2;
inline constexpr int CREAT = 0100, EXCL = 0200, TRUNC = 01000, APPEND = 02000, NONBLOCK = 04000;
inline constexpr int DIRECTORY = 0200000, NOFOLLOW = 0400000, CLOEXEC = 02000000, PATH = 010000000;
inline constexpr int LARGEFILE = 0100000;
inline constexpr int SEEK_SET_ = 0, SEEK_CUR_ = 1, SEEK_END_ = 2, SEEK_DATA_ = 3, SEEK_HOLE_ = 4;

// A test-owned buffer that the fake user-access layer treats as mapped user memory. They nest:
// every live one is mapped.
class HostUserMemory {
public:
    explicit HostUserMemory(size_t size) : m_bytes(size), m_previous(s_current) {
        s_current = this;
        arch::host_user_valid = [](uint64_t address, size_t length) {
            for (auto* m = s_current; m; m = m->m_previous) {
                auto base = reinterpret_cast<uint64_t>(m->m_bytes.data());
                if (address >= base && length <= m->m_bytes.size() && address - base <= m->m_bytes.size() - length)
                    return true;
            }
            return false;
        };
    }
    ~HostUserMemory() {
        s_current = m_previous;
        if (!s_current)
            arch::host_user_valid = nullptr;
    }
    uint8_t* data() { return m_bytes.data(); }
    uint64_t address(size_t offset = 0) { return reinterpret_cast<uint64_t>(m_bytes.data() + offset); }
    size_t size() const { return m_bytes.size(); }

private:
    static inline HostUserMemory* s_current = nullptr;
    std::vector<uint8_t> m_bytes;
    HostUserMemory* m_previous;
};

class FsTest : public MmTest {
protected:
    void SetUp() override {
        MmTest::SetUp();
        if (HasFatalFailure())
            return;
        auto root = MUST(ramfs_create(0755));
        auto mount = MUST(Mount::create(root, 0));
        m_root = Path{mount, root};
        m_fs = MUST(FsStruct::create(m_root, m_root)).leak_ref();
    }

    void TearDown() override {
        if (m_fs) {
            m_fs->unref();
            m_fs = nullptr;
        }
        if (m_root.mount) {
            Mount::Graveyard graveyard;
            {
                SpinlockGuard guard(vfs_namespace_lock());
                m_root.mount->detach_all_below_locked(graveyard);
            }
        }
        m_root = Path{};
        rootfs_release();
        MmTest::TearDown();
    }

    FsStruct& fs() { return *m_fs; }

    // Shorthands that fail the test on error, for building trees.
    void mkdir(const char* path, uint32_t mode = 0755) { ASSERT_FALSE(vfs_mkdir(fs(), nullptr, path, mode).is_error()) << path; }
    void write_file(const char* path, const std::string& contents, uint32_t mode = 0644) {
        auto file = vfs_open(fs(), nullptr, path, WRONLY | CREAT | TRUNC, mode);
        ASSERT_FALSE(file.is_error()) << path << ": " << file.error().code();
        uint64_t offset = 0;
        auto written = file.value()->write(IoBuffer::kernel(contents.data()), contents.size(), offset);
        ASSERT_FALSE(written.is_error());
        ASSERT_EQ(written.value(), contents.size());
    }
    std::string read_file(const char* path) {
        auto file = vfs_open(fs(), nullptr, path, RDONLY, 0);
        if (file.is_error())
            return "<error " + std::to_string(file.error().code()) + ">";
        std::string result;
        char buffer[1000];
        uint64_t offset = 0;
        while (true) {
            auto n = file.value()->read(IoBuffer::kernel(buffer), sizeof(buffer), offset);
            if (n.is_error())
                return "<read error " + std::to_string(n.error().code()) + ">";
            if (!n.value())
                return result;
            result.append(buffer, n.value());
        }
    }
    // The errno of an ErrorOr (0 for success), for EXPECT_EQ(errno_of(...), ENOENT).
    template <typename T>
    static int errno_of(const ErrorOr<T>& result) {
        return result.is_error() ? result.error().code() : 0;
    }
    Kstat stat(const char* path, bool follow = true) {
        auto where = vfs_lookup(fs(), nullptr, path, follow ? LOOKUP_FOLLOW : 0);
        EXPECT_FALSE(where.is_error()) << path;
        return where.is_error() ? Kstat{} : where.value().inode->stat();
    }
    int lookup_errno(const char* path, unsigned flags = LOOKUP_FOLLOW) { return errno_of(vfs_lookup(fs(), nullptr, path, flags)); }

    Path m_root;
    FsStruct* m_fs{nullptr};
};

// Builds cpio "newc" archives (070701, or 070702 with checksums).
class CpioWriter {
public:
    explicit CpioWriter(bool with_checksums = false) : m_checksums(with_checksums) {}

    struct Fields {
        uint32_t ino = 0, mode = 0, uid = 0, gid = 0, nlink = 1, mtime = 0;
        uint32_t dev_major = 0, dev_minor = 0, rdev_major = 0, rdev_minor = 0;
    };
    CpioWriter& entry(const std::string& name, const std::string& data, Fields f) {
        if (!f.ino)
            f.ino = ++m_next_ino;
        uint32_t sum = 0;
        for (unsigned char c : data)
            sum += c;
        char header[111];
        std::snprintf(header, sizeof(header), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                      m_checksums ? "070702" : "070701", f.ino, f.mode, f.uid, f.gid, f.nlink, f.mtime,
                      unsigned(data.size()), f.dev_major, f.dev_minor, f.rdev_major, f.rdev_minor,
                      unsigned(name.size() + 1), m_checksums ? sum : 0u);
        m_bytes.insert(m_bytes.end(), header, header + 110);
        m_bytes.insert(m_bytes.end(), name.begin(), name.end());
        m_bytes.push_back(0);
        pad();
        m_bytes.insert(m_bytes.end(), data.begin(), data.end());
        pad();
        return *this;
    }
    CpioWriter& file(const std::string& name, const std::string& data, uint32_t mode = 0644, uint32_t mtime = 0) {
        return entry(name, data, Fields{.mode = 0100000 | mode, .mtime = mtime});
    }
    CpioWriter& dir(const std::string& name, uint32_t mode = 0755, uint32_t mtime = 0) {
        return entry(name, "", Fields{.mode = 0040000 | mode, .nlink = 2, .mtime = mtime});
    }
    CpioWriter& symlink(const std::string& name, const std::string& target) {
        return entry(name, target, Fields{.mode = 0120777});
    }
    CpioWriter& node(const std::string& name, uint32_t mode, uint32_t major, uint32_t minor) {
        return entry(name, "", Fields{.mode = mode, .rdev_major = major, .rdev_minor = minor});
    }
    CpioWriter& trailer() { return entry("TRAILER!!!", "", Fields{.ino = 0xffffffff, .nlink = 1}); }
    CpioWriter& raw(const std::vector<uint8_t>& bytes) {
        m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
        return *this;
    }
    CpioWriter& zeros(size_t n) {
        m_bytes.insert(m_bytes.end(), n, 0);
        return *this;
    }
    std::vector<uint8_t>& bytes() { return m_bytes; }

private:
    void pad() {
        while ((m_bytes.size() - m_start) % 4)
            m_bytes.push_back(0);
    }
    bool m_checksums;
    size_t m_start{0};
    uint32_t m_next_ino{100};
    std::vector<uint8_t> m_bytes;
};

// The host's gzip output for `data` (extra arguments such as "-1" or "-9" allowed).
inline std::vector<uint8_t> gzip(const std::vector<uint8_t>& data, const char* options = "") {
    char input_name[] = "/tmp/sprout-gzip-XXXXXX";
    int fd = mkstemp(input_name);
    EXPECT_GE(fd, 0);
    FILE* in = fdopen(fd, "wb");
    if (!data.empty())
        std::fwrite(data.data(), 1, data.size(), in);
    std::fclose(in);
    std::string command = std::string("gzip -c -n ") + options + " " + input_name;
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    std::vector<uint8_t> out;
    uint8_t buffer[65536];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
        out.insert(out.end(), buffer, buffer + n);
    EXPECT_EQ(pclose(pipe), 0);
    std::remove(input_name);
    return out;
}

inline std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace kernel::fstest
