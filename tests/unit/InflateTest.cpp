// Hosted tests of DEFLATE/gzip decompression (fs/Inflate.h) against the host's gzip, and its
// behaviour on damaged input: EINVAL, never a crash (ASan and UBSan watch).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "FsTestSupport.h"
#include "fs/Inflate.h"

namespace kernel::fstest {
namespace {

class CollectSink final : public ByteSink {
public:
    ErrorOr<void> write(const uint8_t* data, size_t size) override {
        if (fail_after && out.size() + size > fail_after)
            return Error::from_errno(ENOSPC);
        out.insert(out.end(), data, data + size);
        return {};
    }
    std::vector<uint8_t> out;
    size_t fail_after{0};
};

using InflateTest = MmTest;

std::vector<uint8_t> text(size_t size, unsigned seed = 1) {
    static const char* words[] = {"fork ", "exec ", "clone ", "the ", "kernel ", "page ", "table ", "\n", "sprout ", "42 "};
    std::mt19937 rng(seed);
    std::vector<uint8_t> out;
    while (out.size() < size) {
        const char* w = words[rng() % 10];
        out.insert(out.end(), w, w + strlen(w));
    }
    out.resize(size);
    return out;
}

std::vector<uint8_t> random_bytes(size_t size, unsigned seed = 2) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> out(size);
    for (auto& b : out)
        b = uint8_t(rng());
    return out;
}

// Decompresses one member and checks it used all of `compressed`.
std::vector<uint8_t> gunzip_all(const std::vector<uint8_t>& compressed) {
    CollectSink sink;
    auto used = gunzip_member(compressed.data(), compressed.size(), sink);
    EXPECT_FALSE(used.is_error()) << (used.is_error() ? used.error().code() : 0);
    if (!used.is_error()) {
        EXPECT_EQ(used.value(), compressed.size());
    }
    return sink.out;
}

TEST_F(InflateTest, Crc32MatchesKnownValues) {
    EXPECT_EQ(crc32(0, nullptr, 0), 0u);
    const char* check = "123456789";
    EXPECT_EQ(crc32(0, reinterpret_cast<const uint8_t*>(check), 9), 0xCBF43926u);  // the CRC-32 check value
    // Continuing a CRC over pieces equals one pass.
    uint32_t pieces = crc32(crc32(0, reinterpret_cast<const uint8_t*>(check), 4), reinterpret_cast<const uint8_t*>(check) + 4, 5);
    EXPECT_EQ(pieces, 0xCBF43926u);
}

TEST_F(InflateTest, RoundTripsTheHostsGzipAtEveryLevel) {
    struct Case {
        const char* name;
        std::vector<uint8_t> data;
    };
    std::vector<Case> cases = {
        {"empty", {}},
        {"one byte", {'x'}},
        {"short text (fixed Huffman)", bytes_of("hello, hello, hello world\n")},
        {"text 200 KiB (dynamic Huffman, window wraps)", text(200 * 1024)},
        {"random 100 KiB (stored blocks)", random_bytes(100 * 1024)},
        {"zeros 1 MiB (long matches)", std::vector<uint8_t>(1 << 20, 0)},
        {"mixed", [] {
             auto a = text(50000, 3);
             auto b = random_bytes(70000, 4);
             a.insert(a.end(), b.begin(), b.end());
             auto c = text(90000, 5);
             a.insert(a.end(), c.begin(), c.end());
             return a;
         }()},
    };
    for (const char* level : {"-1", "-6", "-9"}) {
        for (const auto& c : cases) {
            auto compressed = gzip(c.data, level);
            EXPECT_EQ(gunzip_all(compressed), c.data) << c.name << " " << level;
        }
    }
}

TEST_F(InflateTest, RawDeflateReportsWhereTheStreamEnds) {
    auto data = text(5000);
    auto compressed = gzip(data);
    ASSERT_GT(compressed.size(), 18u);
    // Strip the 10-byte header (gzip -n writes no name) and append junk after the stream.
    std::vector<uint8_t> raw(compressed.begin() + 10, compressed.end() - 8);
    size_t stream_size = raw.size();
    raw.insert(raw.end(), {0xde, 0xad, 0xbe, 0xef});
    CollectSink sink;
    auto used = inflate(raw.data(), raw.size(), sink);
    ASSERT_FALSE(used.is_error());
    EXPECT_EQ(used.value(), stream_size);
    EXPECT_EQ(sink.out, data);
}

TEST_F(InflateTest, MembersAreConsumedOneAtATime) {
    auto first = gzip(bytes_of("first member\n"));
    auto second = gzip(text(10000));
    std::vector<uint8_t> both = first;
    both.insert(both.end(), second.begin(), second.end());
    CollectSink sink;
    auto used = gunzip_member(both.data(), both.size(), sink);
    ASSERT_FALSE(used.is_error());
    EXPECT_EQ(used.value(), first.size());
    auto used2 = gunzip_member(both.data() + used.value(), both.size() - used.value(), sink);
    ASSERT_FALSE(used2.is_error());
    EXPECT_EQ(used.value() + used2.value(), both.size());
    auto expected = bytes_of("first member\n");
    auto t = text(10000);
    expected.insert(expected.end(), t.begin(), t.end());
    EXPECT_EQ(sink.out, expected);
}

TEST_F(InflateTest, OptionalHeaderFieldsAreSkippedAndTheHeaderCrcChecked) {
    auto data = text(3000);
    auto plain = gzip(data);
    // Rebuild the member with FEXTRA, FNAME, FCOMMENT and FHCRC around the same deflate data.
    std::vector<uint8_t> member(plain.begin(), plain.begin() + 10);
    member[3] = 2 | 4 | 8 | 16;
    member.insert(member.end(), {3, 0, 'a', 'b', 'c'});                // FEXTRA: xlen 3
    member.insert(member.end(), {'n', 'a', 'm', 'e', 0});              // FNAME
    member.insert(member.end(), {'c', 'o', 'm', 'm', 'e', 'n', 't', 0});  // FCOMMENT
    uint32_t header_crc = crc32(0, member.data(), member.size());
    member.push_back(uint8_t(header_crc));
    member.push_back(uint8_t(header_crc >> 8));
    member.insert(member.end(), plain.begin() + 10, plain.end());
    EXPECT_EQ(gunzip_all(member), data);

    auto broken = member;
    broken[10 + 5 + 5 + 8] ^= 1;  // the header CRC
    CollectSink sink;
    EXPECT_EQ(gunzip_member(broken.data(), broken.size(), sink).error().code(), EINVAL);
}

TEST_F(InflateTest, BadHeadersAndTrailersAreInvalid) {
    auto good = gzip(text(2000));
    auto expect_invalid = [](std::vector<uint8_t> bytes, const char* what) {
        CollectSink sink;
        auto result = gunzip_member(bytes.data(), bytes.size(), sink);
        ASSERT_TRUE(result.is_error()) << what;
        EXPECT_EQ(result.error().code(), EINVAL) << what;
    };
    auto bad = good;
    bad[0] = 0x1e;
    expect_invalid(bad, "magic");
    bad = good;
    bad[2] = 7;
    expect_invalid(bad, "method");
    bad = good;
    bad[3] = 0x20;
    expect_invalid(bad, "reserved flag");
    bad = good;
    bad[bad.size() - 8] ^= 0xff;
    expect_invalid(bad, "CRC-32");
    bad = good;
    bad[bad.size() - 1] ^= 0x01;
    expect_invalid(bad, "ISIZE");
    expect_invalid({}, "empty");
    expect_invalid({0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3, 'n', 'o', 'n', 'u', 'l'}, "unterminated name");
}

TEST_F(InflateTest, EveryTruncationIsInvalid) {
    auto good = gzip(text(4000));
    for (size_t length = 0; length < good.size(); ++length) {
        CollectSink sink;
        auto result = gunzip_member(good.data(), length, sink);
        ASSERT_TRUE(result.is_error()) << "length " << length;
        EXPECT_EQ(result.error().code(), EINVAL) << "length " << length;
    }
}

TEST_F(InflateTest, CorruptedStreamsNeverCrash) {
    // Flip bits all over a dynamic-Huffman stream: each result is either an error or some
    // output; ASan/UBSan check that decoding never reads or writes out of bounds.
    auto data = text(20000);
    auto good = gzip(data, "-9");
    std::mt19937 rng(7);
    int errors = 0;
    for (int round = 0; round < 1500; ++round) {
        auto bad = good;
        int flips = 1 + int(rng() % 4);
        for (int f = 0; f < flips; ++f)
            bad[10 + rng() % (bad.size() - 18)] ^= uint8_t(1u << (rng() % 8));
        CollectSink sink;
        auto result = gunzip_member(bad.data(), bad.size(), sink);
        if (result.is_error()) {
            EXPECT_EQ(result.error().code(), EINVAL);
            ++errors;
        }
    }
    EXPECT_GT(errors, 1400);  // the CRC catches what decoding does not
}

TEST_F(InflateTest, HandMadeInvalidStreams) {
    auto expect_invalid = [](std::vector<uint8_t> raw, const char* what) {
        CollectSink sink;
        auto result = inflate(raw.data(), raw.size(), sink);
        ASSERT_TRUE(result.is_error()) << what;
        EXPECT_EQ(result.error().code(), EINVAL) << what;
    };
    expect_invalid({0x07}, "block type 3");                       // BFINAL=1, BTYPE=11
    expect_invalid({0x01, 0x05, 0x00, 0xfa, 0xfe}, "stored LEN/NLEN mismatch");
    expect_invalid({0x01, 0x05, 0x00, 0xfa, 0xff, 'a'}, "stored block cut short");
    // Fixed block whose first symbol is a match: distance 1 with nothing output yet.
    // BFINAL=1, BTYPE=01, then length code 257 (0000001, 7 bits) and distance code 0 (00000).
    expect_invalid({0x03, 0x02, 0x00}, "distance beyond the output");
    expect_invalid({}, "empty");
}

TEST_F(InflateTest, StoredAndFixedBlocksByHand) {
    // A stored block "abc" (final), then the same as a fixed block "a" + end-of-block.
    std::vector<uint8_t> stored = {0x01, 0x03, 0x00, 0xfc, 0xff, 'a', 'b', 'c'};
    CollectSink sink;
    auto used = inflate(stored.data(), stored.size(), sink);
    ASSERT_FALSE(used.is_error());
    EXPECT_EQ(used.value(), stored.size());
    EXPECT_EQ(std::string(sink.out.begin(), sink.out.end()), "abc");
}

TEST_F(InflateTest, SinkErrorsStopDecompression) {
    auto compressed = gzip(std::vector<uint8_t>(200000, 'z'));
    CollectSink sink;
    sink.fail_after = 40000;
    auto result = gunzip_member(compressed.data(), compressed.size(), sink);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOSPC);
}

}  // namespace
}  // namespace kernel::fstest
