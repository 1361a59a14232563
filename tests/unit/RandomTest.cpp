// Hosted tests of the kernel's random numbers (lib/Random.h): the ChaCha20 block function
// against RFC 8439's vectors, and the generator's output.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <thread>
#include <vector>

#include "lib/Random.h"

namespace kernel {
namespace {

std::array<uint8_t, 64> block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3]) {
    std::array<uint8_t, 64> out{};
    chacha20_block(key, counter, nonce, out.data());
    return out;
}

TEST(RandomTest, ChaCha20BlockMatchesRfc8439Section232) {
    // Key 00 01 02 ... 1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block counter 1.
    uint32_t key[8];
    for (uint32_t i = 0; i < 8; ++i)
        key[i] = (4 * i) | (4 * i + 1) << 8 | (4 * i + 2) << 16 | (4 * i + 3) << 24;
    const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0x00000000};
    const std::array<uint8_t, 64> expected = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
    EXPECT_EQ(block(key, 1, nonce), expected);
}

TEST(RandomTest, ChaCha20BlockMatchesRfc8439AppendixA1Vectors) {
    const uint32_t zero_key[8] = {};
    const uint32_t zero_nonce[3] = {};
    // Test vector #1: all zero, counter 0.
    const std::array<uint8_t, 64> first = {
        0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28,
        0xbd, 0xd2, 0x19, 0xb8, 0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36, 0xef, 0xcc, 0x8b, 0x77, 0x0d, 0xc7,
        0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48, 0x8d, 0x77, 0x24, 0xe0, 0x3f, 0xb8, 0xd8, 0x4a, 0x37,
        0x6a, 0x43, 0xb8, 0xf4, 0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69, 0xb2, 0xee, 0x65, 0x86};
    EXPECT_EQ(block(zero_key, 0, zero_nonce), first);
    // Test vector #2: all zero, counter 1.
    const std::array<uint8_t, 64> second = {
        0x9f, 0x07, 0xe7, 0xbe, 0x55, 0x51, 0x38, 0x7a, 0x98, 0xba, 0x97, 0x7c, 0x73, 0x2d, 0x08, 0x0d,
        0xcb, 0x0f, 0x29, 0xa0, 0x48, 0xe3, 0x65, 0x69, 0x12, 0xc6, 0x53, 0x3e, 0x32, 0xee, 0x7a, 0xed,
        0x29, 0xb7, 0x21, 0x76, 0x9c, 0xe6, 0x4e, 0x43, 0xd5, 0x71, 0x33, 0xb0, 0x74, 0xd8, 0x39, 0xd5,
        0x31, 0xed, 0x1f, 0x28, 0x51, 0x0a, 0xfb, 0x45, 0xac, 0xe1, 0x0a, 0x1f, 0x4b, 0x79, 0x4d, 0x6f};
    EXPECT_EQ(block(zero_key, 1, zero_nonce), second);
}

TEST(RandomTest, OutputsDifferAndAreNotConstant) {
    std::set<uint64_t> seen;
    for (int i = 0; i < 1000; ++i)
        seen.insert(get_random_u64());
    EXPECT_EQ(seen.size(), 1000u);  // a repeat among 1000 64-bit values would be a broken generator
}

TEST(RandomTest, EveryByteValueAppearsAndBitsAreBalanced) {
    std::vector<uint8_t> bytes(1 << 16);
    get_random_bytes(bytes.data(), bytes.size());
    std::array<size_t, 256> histogram{};
    size_t ones = 0;
    for (uint8_t b : bytes) {
        ++histogram[b];
        ones += __builtin_popcount(b);
    }
    for (size_t count : histogram) {
        EXPECT_GT(count, 150u);  // 256 expected; 150 is many standard deviations away
        EXPECT_LT(count, 380u);
    }
    double fraction = double(ones) / double(bytes.size() * 8);
    EXPECT_NEAR(fraction, 0.5, 0.01);
}

TEST(RandomTest, OddSizesAndPiecesFillEveryByte) {
    // A stream filled in uneven pieces hands out each byte exactly once and leaves no gap.
    for (size_t size : {0u, 1u, 7u, 63u, 64u, 65u, 1000u, 4097u}) {
        std::vector<uint8_t> a(size + 2, 0xAA);
        get_random_bytes(a.data() + 1, size);
        EXPECT_EQ(a.front(), 0xAA);
        EXPECT_EQ(a.back(), 0xAA);
    }
    RandomStream stream;
    std::vector<uint8_t> pieces(300, 0);
    size_t at = 0;
    for (size_t n : {1u, 2u, 61u, 64u, 100u, 72u}) {
        stream.fill(pieces.data() + at, n);
        at += n;
    }
    ASSERT_EQ(at, pieces.size());
    size_t zeros = 0;
    for (uint8_t b : pieces)
        zeros += b == 0;
    EXPECT_LT(zeros, 10u);
}

TEST(RandomTest, ConcurrentCallersGetDistinctStreams) {
    std::vector<uint64_t> results(8 * 200);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 200; ++i)
                results[size_t(t) * 200 + size_t(i)] = get_random_u64();
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(std::set<uint64_t>(results.begin(), results.end()).size(), results.size());
}

}  // namespace
}  // namespace kernel
