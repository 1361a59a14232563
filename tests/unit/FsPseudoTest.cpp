// Hosted tests of the pseudo file system machinery (fs/PseudoFs.h) and of mount(2) finding a
// registered type (fs/FileSystemType.h): a small test file system with a fixed directory, a
// dynamic one, seq and simple files, a write-taking file and a symlink, mounted on /mnt.
#include <gtest/gtest.h>

#include <string>

#include "FsTestSupport.h"
#include "fs/FileSystemType.h"
#include "fs/PseudoFs.h"
#include "lib/OwnPtr.h"

namespace kernel::fstest {
namespace {

using Style = PseudoFile::Style;

// What the test file system's files do, inspected by the tests.
struct State {
    int shows = 0;
    size_t big_size = 0;
    uint64_t stored = 0;
    int opened_with_trunc = 0;
    int releases = 0;
    int entries = 3;  // the dynamic directory lists 10, 11, ... this many
};
State g_state;

template <typename T, typename... Args>
ErrorOr<NonnullRefPtr<PseudoInode>> make(Args&&... args) {
    return NonnullRefPtr<PseudoInode>(TRY(try_make_ref_counted<T>(std::forward<Args>(args)...)));
}

// "shows": counts its shows, so a test sees when the text was made.
class ShowsFile final : public PseudoFile {
public:
    ShowsFile(FileSystem& fs, PseudoInode& parent) : PseudoFile(fs, 10, 0444, parent, "shows", Style::Seq) {}
    ErrorOr<void> show(FormatSink& out) override {
        format_to(out, "show {}\n", ++g_state.shows);
        return {};
    }
};

// "big": g_state.big_size bytes of a repeating pattern (the text buffer must grow).
class BigFile final : public PseudoFile {
public:
    BigFile(FileSystem& fs, PseudoInode& parent) : PseudoFile(fs, 11, 0444, parent, "big", Style::Seq) {}
    ErrorOr<void> show(FormatSink& out) override {
        for (size_t i = 0; i < g_state.big_size; ++i) {
            char c = char('a' + i % 26);
            out.write(&c, 1);
        }
        return {};
    }
};

// "number": a simple file holding a number; writes set it (base 0) and act on O_TRUNC.
class NumberFile final : public PseudoFile {
public:
    NumberFile(FileSystem& fs, PseudoInode& parent, StringView name, Style style)
        : PseudoFile(fs, 12, 0644, parent, name, style) {}
    ErrorOr<void> show(FormatSink& out) override {
        format_to(out, "{}\n", g_state.stored);
        return {};
    }
    ErrorOr<size_t> store(IoBuffer buffer, size_t size, uint64_t&) override {
        char text[32];
        StringView written = TRY(copy_written_text(buffer, size, text, sizeof(text)));
        g_state.stored = TRY(parse_unsigned(written, 0, 1000));
        return size;
    }
    ErrorOr<void> opened(int flags) override {
        g_state.opened_with_trunc += (flags & TRUNC) != 0;
        return {};
    }
    void released(int) override { ++g_state.releases; }
};

// "numbers/": entries 10, 11, ... (g_state.entries of them), each a directory, positions 2 + n.
class NumbersDir final : public PseudoDirectory {
public:
    NumbersDir(FileSystem& fs, PseudoInode& parent, StringView name, uint64_t ino)
        : PseudoDirectory(fs, ino, 0555, &parent, name, CreateError::NoEntry) {}
    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        for (int n = 10; n < 10 + g_state.entries; ++n)
            if (name == std::to_string(n))
                return make<NumbersDir>(fs(), *this, name, 1000 + uint64_t(n));
        return Error::from_errno(ENOENT);
    }
    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        for (int n = position > 12 ? int(position - 2) : 10; n < 10 + g_state.entries; ++n) {
            std::string name = std::to_string(n);
            if (!out.emit(name, 1000 + uint64_t(n), S_TYPE_DIR, 2 + uint64_t(n) + 1))
                return;
        }
    }
};

constexpr PseudoEntry ROOT_ENTRIES[] = {
    {"big", S_TYPE_REG | 0444},    {"link", S_TYPE_LNK | 0777},           {"number", S_TYPE_REG | 0644},
    {"numbers", S_TYPE_DIR | 0555}, {"seqnumber", S_TYPE_REG | 0644}, {"shows", S_TYPE_REG | 0444},
    {"unseekable", S_TYPE_REG | 0644},
};

class TestRoot final : public PseudoDirectory {
public:
    explicit TestRoot(FileSystem& fs) : PseudoDirectory(fs, 1, 0755, nullptr, "", CreateError::NoOperation, 1) {}
    ErrorOr<NonnullRefPtr<PseudoInode>> lookup_entry(StringView name) override {
        switch (find_pseudo_entry(ROOT_ENTRIES, name)) {
        case 0:
            return make<BigFile>(fs(), *this);
        case 1:
            return PseudoSymlink::create(fs(), 3, *this, name, "numbers/11");
        case 2:
            return make<NumberFile>(fs(), *this, name, Style::Simple);
        case 3:
            return make<NumbersDir>(fs(), *this, name, 5);
        case 4:
            return make<NumberFile>(fs(), *this, name, Style::Seq);
        case 5:
            return make<ShowsFile>(fs(), *this);
        case 6:
            return make<NumberFile>(fs(), *this, name, Style::SimpleNoSeek);
        default:
            return Error::from_errno(ENOENT);
        }
    }
    void list_entries(uint64_t position, DirectoryEmitter& out) override {
        list_pseudo_entries(ROOT_ENTRIES, position, 2, 2, out);
    }
};

ErrorOr<NonnullRefPtr<Inode>> test_mount(StringView, StringView data) {
    if (data == "bad")
        return Error::from_errno(EINVAL);
    auto fs = TRY(PseudoFs::create("pseudotest"));
    return NonnullRefPtr<Inode>(TRY(try_make_ref_counted<TestRoot>(*fs)));
}

FileSystemType g_type{"pseudotest", test_mount};

class FsPseudoTest : public FsTest {
protected:
    void SetUp() override {
        FsTest::SetUp();
        if (HasFatalFailure())
            return;
        static bool registered = false;
        if (!registered) {
            register_filesystem(g_type);
            registered = true;
        }
        g_state = State{};
        mkdir("/mnt");
        ASSERT_FALSE(vfs_mount(fs(), "none", "/mnt", "pseudotest", 0, "").is_error());
    }

    NonnullRefPtr<File> open(const char* path, int flags) {
        auto file = vfs_open(fs(), nullptr, path, flags, 0);
        EXPECT_FALSE(file.is_error()) << path << ": " << errno_of(file);
        return file.release_value();
    }
    std::string read_at(File& file, uint64_t offset, size_t size) {
        std::string text(size, '\0');
        auto n = file.read(IoBuffer::kernel(text.data()), size, offset);
        if (n.is_error())
            return "<error " + std::to_string(n.error().code()) + ">";
        text.resize(n.value());
        return text;
    }
    ErrorOr<size_t> write(File& file, const std::string& text) {
        uint64_t offset = file.position();
        return file.write(IoBuffer::kernel(text.data()), text.size(), offset);
    }
    // "name:d_off " for each record of a getdents batch.
    static std::string records(const uint8_t* batch, size_t size) {
        std::string result;
        for (size_t at = 0; at < size;) {
            const uint8_t* record = batch + at;
            uint64_t next;
            uint16_t reclen;
            std::memcpy(&next, record + 8, 8);
            std::memcpy(&reclen, record + 16, 2);
            result += std::string(reinterpret_cast<const char*>(record + 19)) + ":" + std::to_string(next) + " ";
            at += reclen;
        }
        return result;
    }
    // The records of a whole listing, read `batch` bytes at a time.
    std::string list(const char* path, size_t batch = 4096) {
        auto dir = open(path, RDONLY | DIRECTORY);
        std::string result;
        std::vector<uint8_t> buffer(batch);
        while (true) {
            auto n = dir->read_directory(IoBuffer::kernel(buffer.data()), buffer.size());
            if (n.is_error())
                return result + "<error " + std::to_string(n.error().code()) + ">";
            if (!n.value())
                return result;
            result += records(buffer.data(), n.value());
        }
    }
};

TEST_F(FsPseudoTest, MountFindsRegisteredTypesOnly) {
    EXPECT_EQ(errno_of(vfs_mount(fs(), "none", "/mnt", "nosuchfs", 0, "")), ENODEV);
    EXPECT_EQ(errno_of(vfs_mount(fs(), "none", "/mnt", "pseudotest", 0, "bad")), EINVAL);
    write_file("/file", "x");
    EXPECT_EQ(errno_of(vfs_mount(fs(), "none", "/file", "pseudotest", 0, "")), ENOTDIR);
    EXPECT_EQ(stat("/mnt").mode, S_TYPE_DIR | 0755);
    EXPECT_EQ(stat("/mnt").nlink, 3u);
    EXPECT_EQ(stat("/mnt/shows").mode, S_TYPE_REG | 0444);
    EXPECT_EQ(stat("/mnt/shows").ino, 10u);
    EXPECT_EQ(stat("/mnt/shows").size, 0u);
    EXPECT_EQ(lookup_errno("/mnt/nothing"), ENOENT);
    EXPECT_FALSE(vfs_umount(fs(), "/mnt", 0).is_error());
}

TEST_F(FsPseudoTest, ListingsResumeWhereTheyStopped) {
    EXPECT_EQ(list("/mnt"), ".:1 ..:2 big:3 link:4 number:5 numbers:6 seqnumber:7 shows:8 unseekable:9 ");
    EXPECT_EQ(list("/mnt", 32), ".:1 ..:2 big:3 link:4 number:5 numbers:6 seqnumber:7 shows:8 unseekable:9 ");
    EXPECT_EQ(list("/mnt/numbers"), ".:1 ..:2 10:13 11:14 12:15 ");
    // An entry added while a listing is under way shows up after the ones already read.
    auto dir = open("/mnt/numbers", RDONLY | DIRECTORY);
    uint8_t buffer[48];
    ASSERT_EQ(dir->read_directory(IoBuffer::kernel(buffer), sizeof(buffer)).value(), 48u);  // "." and ".."
    g_state.entries = 4;
    std::string rest;
    while (size_t n = dir->read_directory(IoBuffer::kernel(buffer), sizeof(buffer)).value())
        rest += records(buffer, n);
    EXPECT_EQ(rest, "10:13 11:14 12:15 13:16 ");
    uint8_t tiny[8];
    EXPECT_EQ(errno_of(open("/mnt", RDONLY | DIRECTORY)->read_directory(IoBuffer::kernel(tiny), sizeof(tiny))), EINVAL);
}

TEST_F(FsPseudoTest, SeqTextIsMadeAtOffsetZeroAndKeptForTheRest) {
    auto file = open("/mnt/shows", RDONLY);
    EXPECT_EQ(read_at(*file, 0, 3), "sho");
    EXPECT_EQ(read_at(*file, 3, 100), "w 1\n");  // the same text, not a new one
    EXPECT_EQ(read_at(*file, 0, 100), "show 2\n");
    EXPECT_EQ(read_at(*file, 7, 100), "");
    auto other = open("/mnt/shows", RDONLY);
    EXPECT_EQ(read_at(*other, 5, 100), "3\n");  // a first read anywhere makes the text
    EXPECT_EQ(file->seek(4, 0).value(), 4u);
    EXPECT_EQ(file->seek(-1, 1).value(), 3u);
    EXPECT_EQ(errno_of(file->seek(0, SEEK_END_)), EINVAL);
    EXPECT_EQ(errno_of(file->seek(-10, SEEK_SET_)), EINVAL);
    EXPECT_EQ(errno_of(write(*file, "x")), EINVAL);
}

TEST_F(FsPseudoTest, SeqTextGrowsPastAPage) {
    g_state.big_size = 10000;
    auto file = open("/mnt/big", RDONLY);
    std::string text = read_at(*file, 0, 20000);
    ASSERT_EQ(text.size(), 10000u);
    EXPECT_EQ(text.substr(9990), "ghijklmnop");  // 9990 % 26 == 6
}

TEST_F(FsPseudoTest, WritesAndTheirErrors) {
    auto file = open("/mnt/number", RDWR);
    EXPECT_EQ(write(*file, "0x2a").value(), 4u);
    EXPECT_EQ(g_state.stored, 42u);
    EXPECT_EQ(read_at(*file, 0, 100), "42\n");
    EXPECT_EQ(read_at(*file, 1, 100), "2\n");
    EXPECT_EQ(read_at(*file, 5, 100), "");
    EXPECT_EQ(errno_of(write(*file, "1001")), ERANGE);
    EXPECT_EQ(errno_of(write(*file, "12x")), EINVAL);
    EXPECT_EQ(g_state.stored, 42u);
    // Simple files seek as a file of size 0 does; SimpleNoSeek ones do not seek.
    EXPECT_EQ(file->seek(0, SEEK_END_).value(), 0u);
    EXPECT_EQ(errno_of(file->seek(0, SEEK_DATA_)), ENXIO);
    EXPECT_EQ(errno_of(open("/mnt/unseekable", RDONLY)->seek(0, SEEK_SET_)), ESPIPE);
}

TEST_F(FsPseudoTest, OpenAndReleaseHooksSeeTheFlags) {
    {
        auto file = open("/mnt/number", WRONLY | TRUNC);
        EXPECT_EQ(g_state.opened_with_trunc, 1);
        EXPECT_EQ(g_state.releases, 0);
    }
    EXPECT_EQ(g_state.releases, 1);
    open("/mnt/number", RDONLY);
    EXPECT_EQ(g_state.opened_with_trunc, 1);
    // truncate(2) succeeds and the size stays 0, as on procfs.
    auto where = vfs_lookup(fs(), nullptr, "/mnt/number", LOOKUP_FOLLOW).release_value();
    EXPECT_FALSE(vfs_truncate(where, 100).is_error());
    EXPECT_EQ(stat("/mnt/number").size, 0u);
}

TEST_F(FsPseudoTest, NothingCanBeCreatedOrRemoved) {
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/mnt/new", 0755)), EPERM);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/mnt/new", WRONLY | CREAT, 0644)), EACCES);
    EXPECT_EQ(errno_of(vfs_mknod(fs(), nullptr, "/mnt/new", S_TYPE_FIFO | 0644, 0)), EPERM);
    EXPECT_EQ(errno_of(vfs_symlink(fs(), "x", nullptr, "/mnt/new")), EPERM);
    EXPECT_EQ(errno_of(vfs_unlink(fs(), nullptr, "/mnt/shows")), EPERM);
    EXPECT_EQ(errno_of(vfs_rmdir(fs(), nullptr, "/mnt/numbers")), EPERM);
    EXPECT_EQ(errno_of(vfs_rename(fs(), nullptr, "/mnt/shows", nullptr, "/mnt/moved", 0)), EPERM);
    // A directory whose lookups fail first says ENOENT, as procfs does.
    EXPECT_EQ(errno_of(vfs_mkdir(fs(), nullptr, "/mnt/numbers/new", 0755)), ENOENT);
    EXPECT_EQ(errno_of(vfs_open(fs(), nullptr, "/mnt/numbers/new", WRONLY | CREAT, 0644)), ENOENT);
}

TEST_F(FsPseudoTest, SymlinksDotDotAndGetcwd) {
    char target[64];
    auto link = vfs_lookup(fs(), nullptr, "/mnt/link", 0).release_value();
    EXPECT_EQ(std::string(target, vfs_readlink(link, target, sizeof(target)).value()), "numbers/11");
    EXPECT_EQ(stat("/mnt/link").ino, 1011u);
    EXPECT_EQ(stat("/mnt/numbers/11/../12").ino, 1012u);
    EXPECT_EQ(stat("/mnt/numbers/..").ino, 1u);
    EXPECT_EQ(stat("/mnt/numbers/../..").ino, stat("/").ino);
    ASSERT_FALSE(vfs_chdir(fs(), vfs_lookup(fs(), nullptr, "/mnt/link/10", LOOKUP_FOLLOW).release_value()).is_error());
    char cwd[64];
    size_t length = vfs_getcwd(fs(), cwd, sizeof(cwd)).value();
    EXPECT_EQ(std::string(cwd, length - 1), "/mnt/numbers/11/10");
    ASSERT_FALSE(vfs_chdir(fs(), m_root).is_error());
}

TEST_F(FsPseudoTest, AllocationFailuresAreEnomemAndLeakNothing) {
    auto baseline = heap_stats();
    for (int nth = 1;; ++nth) {
        ASSERT_LT(nth, 50);
        mmtest::FailNth::arm(nth);
        bool done;
        {
            auto file = vfs_open(fs(), nullptr, "/mnt/link/12/../../../shows", RDONLY, 0);
            std::string text = file.is_error() ? "" : read_at(*file.value(), 0, 100);
            mm::set_fail_hook(nullptr);
            done = !file.is_error() && text == "show " + std::to_string(g_state.shows) + "\n";
            if (file.is_error()) {
                EXPECT_EQ(file.error().code(), ENOMEM) << nth;
            } else if (!done) {
                EXPECT_EQ(text, "<error 12>") << nth;
            }
        }
        ASSERT_EQ(heap_stats(), baseline) << nth;
        if (done)
            break;
    }
}

TEST(FsParseUnsigned, AsKstrtoull) {
    auto parse = [](const char* text, unsigned base, uint64_t max = UINT64_MAX) -> int64_t {
        auto value = parse_unsigned(text, base, max);
        return value.is_error() ? -int64_t(value.error().code()) : int64_t(value.value());
    };
    EXPECT_EQ(parse("1", 10), 1);
    EXPECT_EQ(parse("+7\n", 10), 7);
    EXPECT_EQ(parse("01", 10), 1);
    EXPECT_EQ(parse("0x1f", 0), 31);
    EXPECT_EQ(parse("0X1F", 16), 31);
    EXPECT_EQ(parse("1f", 16), 31);
    EXPECT_EQ(parse("010", 0), 8);
    EXPECT_EQ(parse("0", 0), 0);
    EXPECT_EQ(parse("0x", 0), -EINVAL);
    EXPECT_EQ(parse("0x1", 10), -EINVAL);
    EXPECT_EQ(parse("", 10), -EINVAL);
    EXPECT_EQ(parse("\n", 10), -EINVAL);
    EXPECT_EQ(parse(" 1", 10), -EINVAL);
    EXPECT_EQ(parse("1 ", 10), -EINVAL);
    EXPECT_EQ(parse("1\n\n", 10), -EINVAL);
    EXPECT_EQ(parse("-1", 10), -EINVAL);
    EXPECT_EQ(parse("18446744073709551615", 10), -1);  // UINT64_MAX, as int64_t
    EXPECT_EQ(parse("18446744073709551616", 10), -ERANGE);
    EXPECT_EQ(parse("4294967296", 0, UINT32_MAX), -ERANGE);
}

}  // namespace
}  // namespace kernel::fstest
