// Hosted tests of the cpio "newc" parser (fs/Cpio.h) and of unpacking an initramfs into the
// root file system (fs/Initramfs.h), plain and gzip-compressed.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "FsTestSupport.h"
#include "fs/Cpio.h"
#include "fs/Devices.h"

namespace kernel::fstest {
namespace {

struct SeenEntry {
    std::string name;
    uint32_t mode;
    uint32_t uid, gid, mtime, nlink, ino;
    uint32_t rdev_major, rdev_minor;
    std::string data;
    bool ended;
};

class RecordingVisitor final : public CpioVisitor {
public:
    ErrorOr<void> begin_entry(const CpioEntry& e) override {
        entries.push_back(SeenEntry{std::string(e.name), e.mode, e.uid, e.gid, e.mtime, e.nlink, e.ino, e.rdev_major,
                                    e.rdev_minor, "", false});
        return {};
    }
    ErrorOr<void> entry_data(const uint8_t* data, size_t size) override {
        entries.back().data.append(reinterpret_cast<const char*>(data), size);
        return {};
    }
    ErrorOr<void> end_entry() override {
        entries.back().ended = true;
        return {};
    }
    std::vector<SeenEntry> entries;
};

using CpioTest = MmTest;

// Parses `bytes` fed in pieces of `piece` bytes; returns the error code (0 for success).
int parse(const std::vector<uint8_t>& bytes, RecordingVisitor& visitor, size_t piece = SIZE_MAX) {
    auto parser = MUST(CpioParser::create(visitor));
    size_t at = 0;
    while (at < bytes.size()) {
        size_t n = std::min(piece, bytes.size() - at);
        auto used = parser->feed(bytes.data() + at, n);
        if (used.is_error())
            return used.error().code();
        if (used.value() != n)
            return -1;  // stopped at something that is not an archive
        at += n;
    }
    auto finished = parser->finish();
    return finished.is_error() ? finished.error().code() : 0;
}

std::vector<uint8_t> sample_archive(bool checksums = false) {
    CpioWriter w(checksums);
    w.dir("bin", 0755, 1000)
        .file("bin/hello", "#!/bin/sh\necho hello\n", 0755, 2000)
        .symlink("bin/sh", "busybox")
        .node("dev/null", 0020666, 1, 3)
        .file("empty", "", 0600)
        .file("odd", std::string(4097, 'x'))
        .trailer();
    return w.bytes();
}

TEST_F(CpioTest, ParsesEntriesWithTheirFieldsAndData) {
    RecordingVisitor v;
    EXPECT_EQ(parse(sample_archive(), v), 0);
    ASSERT_EQ(v.entries.size(), 6u);
    EXPECT_EQ(v.entries[0].name, "bin");
    EXPECT_EQ(v.entries[0].mode, 0040755u);
    EXPECT_EQ(v.entries[0].mtime, 1000u);
    EXPECT_EQ(v.entries[1].name, "bin/hello");
    EXPECT_EQ(v.entries[1].data, "#!/bin/sh\necho hello\n");
    EXPECT_EQ(v.entries[2].mode, 0120777u);
    EXPECT_EQ(v.entries[2].data, "busybox");
    EXPECT_EQ(v.entries[3].rdev_major, 1u);
    EXPECT_EQ(v.entries[3].rdev_minor, 3u);
    EXPECT_EQ(v.entries[4].data, "");
    EXPECT_EQ(v.entries[5].data.size(), 4097u);
    for (auto& e : v.entries)
        EXPECT_TRUE(e.ended) << e.name;
}

TEST_F(CpioTest, PieceSizeDoesNotMatter) {
    RecordingVisitor whole;
    ASSERT_EQ(parse(sample_archive(), whole), 0);
    for (size_t piece : {1u, 3u, 7u, 110u, 111u, 4096u}) {
        RecordingVisitor v;
        ASSERT_EQ(parse(sample_archive(), v, piece), 0) << piece;
        ASSERT_EQ(v.entries.size(), whole.entries.size());
        for (size_t i = 0; i < v.entries.size(); ++i) {
            EXPECT_EQ(v.entries[i].name, whole.entries[i].name);
            EXPECT_EQ(v.entries[i].data, whole.entries[i].data);
        }
    }
}

TEST_F(CpioTest, ChecksumsOf070702AreVerified) {
    RecordingVisitor good;
    EXPECT_EQ(parse(sample_archive(true), good), 0);
    EXPECT_EQ(good.entries.size(), 6u);
    auto bad = sample_archive(true);
    // Corrupt one byte of "bin/hello"'s data: its checksum no longer matches.
    std::string needle = "echo hello";
    auto it = std::search(bad.begin(), bad.end(), needle.begin(), needle.end());
    ASSERT_NE(it, bad.end());
    *it = 'E';
    RecordingVisitor v;
    EXPECT_EQ(parse(bad, v), EINVAL);
}

TEST_F(CpioTest, SeveralArchivesWithZeroPaddingBetween) {
    CpioWriter first;
    first.file("a", "1").trailer();
    CpioWriter second;
    second.file("b", "2").trailer();
    auto bytes = first.bytes();
    bytes.insert(bytes.end(), 512, 0);
    bytes.insert(bytes.end(), second.bytes().begin(), second.bytes().end());
    bytes.insert(bytes.end(), 100, 0);
    RecordingVisitor v;
    EXPECT_EQ(parse(bytes, v), 0);
    ASSERT_EQ(v.entries.size(), 2u);
    EXPECT_EQ(v.entries[1].name, "b");
}

TEST_F(CpioTest, StopsBetweenArchivesAtForeignBytes) {
    CpioWriter w;
    w.file("a", "1").trailer().zeros(8).raw({0x1f, 0x8b, 0x08});
    RecordingVisitor v;
    auto parser = MUST(CpioParser::create(v));
    auto used = parser->feed(w.bytes().data(), w.bytes().size());
    ASSERT_FALSE(used.is_error());
    EXPECT_EQ(used.value(), w.bytes().size() - 3);
    EXPECT_TRUE(parser->between_archives());
    // As a ByteSink (decompressed data), anything but archives is EINVAL.
    RecordingVisitor v2;
    auto sink = MUST(CpioParser::create(v2));
    EXPECT_EQ(sink->write(w.bytes().data(), w.bytes().size()).error().code(), EINVAL);
}

TEST_F(CpioTest, MalformedHeadersAreInvalid) {
    auto with_header_byte = [](size_t offset, char value) {
        CpioWriter w;
        w.file("name", "data").trailer();
        w.bytes()[offset] = uint8_t(value);
        return w.bytes();
    };
    RecordingVisitor v;
    EXPECT_EQ(parse(with_header_byte(5, '3'), v), EINVAL);    // magic 070703
    EXPECT_EQ(parse(with_header_byte(0, '0'), v), 0);         // unchanged
    EXPECT_EQ(parse(with_header_byte(14, 'g'), v), EINVAL);   // not hex (in the mode field)
    EXPECT_EQ(parse(with_header_byte(14, ' '), v), EINVAL);
    // namesize 0
    CpioWriter zero_name;
    zero_name.file("x", "");
    std::string header(zero_name.bytes().begin(), zero_name.bytes().begin() + 110);
    header.replace(94, 8, "00000000");
    std::vector<uint8_t> bytes(header.begin(), header.end());
    bytes.insert(bytes.end(), 16, 0);
    EXPECT_EQ(parse(bytes, v), EINVAL);
    // A name without its NUL: namesize says 4 for "name" (no room for the NUL).
    CpioWriter no_nul;
    no_nul.file("name", "");
    no_nul.bytes()[94 + 7] = '4';
    EXPECT_EQ(parse(no_nul.bytes(), v), EINVAL);
}

TEST_F(CpioTest, EveryTruncationIsInvalidOrAnEarlierEnd) {
    auto full = sample_archive(true);
    for (size_t length = 1; length < full.size(); ++length) {
        RecordingVisitor v;
        std::vector<uint8_t> cut(full.begin(), full.begin() + length);
        int result = parse(cut, v);
        // Cut exactly between two entries is a (trailer-less) archive that ends early, which
        // Linux accepts too; everything else is EINVAL.
        if (result == 0) {
            EXPECT_EQ(length % 4, 0u) << length;
            for (auto& e : v.entries)
                EXPECT_TRUE(e.ended);
        } else {
            EXPECT_EQ(result, EINVAL) << length;
        }
    }
}

TEST_F(CpioTest, GarbageNeverCrashes) {
    std::mt19937 rng(11);
    auto good = sample_archive(true);
    for (int round = 0; round < 2000; ++round) {
        auto bad = good;
        for (int f = 0; f < 3; ++f)
            bad[rng() % bad.size()] = uint8_t(rng());
        RecordingVisitor v;
        int result = parse(bad, v, 1 + rng() % 64);
        EXPECT_TRUE(result == 0 || result == EINVAL || result == -1) << result;
    }
}

TEST_F(CpioTest, OverlongNamesAreSkipped) {
    CpioWriter w;
    w.file(std::string(5000, 'n'), "skipped data").file("kept", "yes").trailer();
    RecordingVisitor v;
    EXPECT_EQ(parse(w.bytes(), v), 0);
    ASSERT_EQ(v.entries.size(), 1u);
    EXPECT_EQ(v.entries[0].name, "kept");
}

// ---- unpacking into the root file system ----

class InitramfsTest : public FsTest {
protected:
    // The published root as the test's FsStruct (instead of the fixture's private root).
    void use_rootfs() {
        auto root = MUST(rootfs_root());
        m_fs->set_root(root);
        m_fs->set_cwd(root);
    }
};

TEST_F(InitramfsTest, PopulatesTheRootWithEveryKindOfEntry) {
    CpioWriter w;
    w.entry(".", "", CpioWriter::Fields{.mode = 0040700, .nlink = 2})
        .dir("bin", 0711, 1234)
        .entry("bin/prog", "binary", CpioWriter::Fields{.mode = 0104755, .uid = 7, .gid = 8, .mtime = 5678})
        .symlink("bin/sh", "prog")
        .node("dev/console", 0020600, 5, 1)
        .dir("etc")
        .file("etc/motd", "welcome\n", 0644)
        .trailer();
    ASSERT_FALSE(populate_rootfs(w.bytes().data(), w.bytes().size()).is_error());
    use_rootfs();

    EXPECT_EQ(stat("/").mode, 0040700u);
    EXPECT_EQ(stat("/bin").mode, 0040711u);
    EXPECT_EQ(stat("/bin").mtime.sec, 1234);  // set after its children were made
    Kstat prog = stat("/bin/prog");
    EXPECT_EQ(prog.mode, 0104755u);  // setuid kept: the archive's mode, not the umask's
    EXPECT_EQ(prog.uid, 7u);
    EXPECT_EQ(prog.gid, 8u);
    EXPECT_EQ(prog.mtime.sec, 5678);
    EXPECT_EQ(prog.size, 6u);
    EXPECT_EQ(read_file("/bin/sh"), "binary");
    EXPECT_EQ(stat("/bin/sh", false).mode, 0120777u);
    EXPECT_EQ(read_file("/etc/motd"), "welcome\n");
    Kstat console = stat("/dev/console");
    EXPECT_EQ(console.mode, 0020600u);
    EXPECT_EQ(console.rdev, DEV_CONSOLE);
}

TEST_F(InitramfsTest, AddsDevNodesAndMountsATmpfsOnTmp) {
    ASSERT_FALSE(populate_rootfs(nullptr, 0).is_error());
    use_rootfs();
    EXPECT_EQ(stat("/").mode, 0041777u);
    EXPECT_EQ(stat("/dev").mode, 0040755u);
    EXPECT_EQ(stat("/dev/console").mode, 0020600u);
    EXPECT_EQ(stat("/dev/null").mode, 0020666u);
    EXPECT_EQ(stat("/dev/null").rdev, DEV_NULL);
    EXPECT_EQ(stat("/dev/zero").rdev, DEV_ZERO);
    EXPECT_EQ(stat("/dev/urandom").rdev, DEV_URANDOM);
    EXPECT_EQ(stat("/dev/random").rdev, DEV_RANDOM);
    EXPECT_EQ(stat("/dev/tty").rdev, DEV_TTY);
    Kstat tmp = stat("/tmp");
    EXPECT_EQ(tmp.mode, 0041777u);
    EXPECT_NE(tmp.dev, stat("/").dev);  // a file system of its own
    EXPECT_EQ(tmp.ino, 1u);
    write_file("/tmp/x", "in tmpfs");
    EXPECT_EQ(read_file("/tmp/x"), "in tmpfs");
    EXPECT_EQ(errno_of(populate_rootfs(nullptr, 0)), EBUSY);
}

TEST_F(InitramfsTest, ArchiveNodesWinOverTheDefaults) {
    CpioWriter w;
    w.dir("dev", 0700).node("dev/null", 0020600, 1, 3).trailer();
    ASSERT_FALSE(populate_rootfs(w.bytes().data(), w.bytes().size()).is_error());
    use_rootfs();
    EXPECT_EQ(stat("/dev").mode, 0040700u);
    EXPECT_EQ(stat("/dev/null").mode, 0020600u);
    EXPECT_EQ(stat("/dev/zero").mode, 0020666u);  // missing ones are added
}

TEST_F(InitramfsTest, GzipAndPlainArchivesMayFollowEachOther) {
    CpioWriter plain;
    plain.dir("a").file("a/one", "1").trailer();
    CpioWriter compressed;
    compressed.file("a/two", std::string(100000, '2')).trailer();
    CpioWriter last;
    last.file("a/three", "3").trailer();
    auto image = plain.bytes();
    auto gz = gzip(compressed.bytes());
    image.insert(image.end(), gz.begin(), gz.end());
    while (image.size() % 4)
        image.push_back(0);
    image.insert(image.end(), last.bytes().begin(), last.bytes().end());
    ASSERT_FALSE(populate_rootfs(image.data(), image.size()).is_error());
    use_rootfs();
    EXPECT_EQ(read_file("/a/one"), "1");
    EXPECT_EQ(read_file("/a/two"), std::string(100000, '2'));
    EXPECT_EQ(read_file("/a/three"), "3");
}

TEST_F(InitramfsTest, WholeImageCompressedAsLinuxBuildsIt) {
    CpioWriter w;
    w.dir("bin");
    for (int i = 0; i < 50; ++i)
        w.file("bin/f" + std::to_string(i), std::string(size_t(i) * 1000, char('a' + i % 26)));
    w.trailer();
    auto gz = gzip(w.bytes(), "-9");
    ASSERT_FALSE(populate_rootfs(gz.data(), gz.size()).is_error());
    use_rootfs();
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(stat(("/bin/f" + std::to_string(i)).c_str()).size, uint64_t(i) * 1000);
}

TEST_F(InitramfsTest, HardLinksShareTheirInode) {
    CpioWriter w;
    // As GNU cpio writes them: every name with nlink 2, the data with the last one.
    w.entry("first", "", CpioWriter::Fields{.ino = 77, .mode = 0100644, .nlink = 2})
        .entry("second", "shared", CpioWriter::Fields{.ino = 77, .mode = 0100644, .nlink = 2})
        .trailer();
    ASSERT_FALSE(populate_rootfs(w.bytes().data(), w.bytes().size()).is_error());
    use_rootfs();
    EXPECT_EQ(read_file("/first"), "shared");
    EXPECT_EQ(stat("/first").ino, stat("/second").ino);
    EXPECT_EQ(stat("/first").nlink, 2u);
}

TEST_F(InitramfsTest, ReplacesWhatIsInTheWayAndSkipsWhatCannotBeMade) {
    CpioWriter w;
    w.file("thing", "a file first")
        .dir("thing")                       // replaces the file
        .file("missing/parent/file", "x")   // skipped, like Linux
        .file("after", "still unpacked")
        .trailer();
    ASSERT_FALSE(populate_rootfs(w.bytes().data(), w.bytes().size()).is_error());
    use_rootfs();
    EXPECT_EQ(stat("/thing").mode & S_TYPE_MASK, S_TYPE_DIR);
    EXPECT_EQ(lookup_errno("/missing"), ENOENT);
    EXPECT_EQ(read_file("/after"), "still unpacked");
}

TEST_F(InitramfsTest, MalformedImagesAreInvalidButTheRootStillComesUp) {
    CpioWriter w;
    w.file("kept", "before the damage").raw(bytes_of("070701nothex!"));
    EXPECT_EQ(errno_of(populate_rootfs(w.bytes().data(), w.bytes().size())), EINVAL);
    use_rootfs();
    EXPECT_EQ(read_file("/kept"), "before the damage");
    EXPECT_EQ(stat("/dev/null").rdev, DEV_NULL);
    rootfs_release();

    std::vector<uint8_t> junk = bytes_of("this is no archive");
    EXPECT_EQ(errno_of(populate_rootfs(junk.data(), junk.size())), EINVAL);
    rootfs_release();

    auto gz = gzip(bytes_of("not a cpio archive either"));
    EXPECT_EQ(errno_of(populate_rootfs(gz.data(), gz.size())), EINVAL);
    rootfs_release();

    CpioWriter cut;
    cut.file("a", std::string(1000, 'a')).trailer();
    auto truncated_gz = gzip(cut.bytes());
    truncated_gz.resize(truncated_gz.size() / 2);
    EXPECT_EQ(errno_of(populate_rootfs(truncated_gz.data(), truncated_gz.size())), EINVAL);
}

TEST_F(InitramfsTest, AllocationFailuresLeakNothing) {
    CpioWriter w;
    w.dir("d").file("d/f", std::string(10000, 'f')).symlink("d/l", "f").node("d/n", 0020666, 1, 3);
    w.entry("h1", "", CpioWriter::Fields{.ino = 9, .mode = 0100644, .nlink = 2});
    w.entry("h2", "x", CpioWriter::Fields{.ino = 9, .mode = 0100644, .nlink = 2}).trailer();
    auto gz = gzip(w.bytes());
    HeapStats baseline = heap_stats();
    size_t baseline_pages = page_allocator().used_pages();
    for (int nth = 1; nth < 400; ++nth) {
        mmtest::FailNth::arm(nth);
        auto result = populate_rootfs(gz.data(), gz.size());
        mm::set_fail_hook(nullptr);
        rootfs_release();
        if (!result.is_error()) {
            if (mmtest::FailNth::calls < nth)
                break;  // the injected failure came after the last allocation
        } else {
            EXPECT_EQ(result.error().code(), ENOMEM) << nth;
        }
        ASSERT_EQ(heap_stats(), baseline) << "after failing allocation " << nth;
        ASSERT_EQ(page_allocator().used_pages(), baseline_pages) << "after failing allocation " << nth;
    }
}

}  // namespace
}  // namespace kernel::fstest
