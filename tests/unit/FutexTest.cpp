// Hosted tests of the generic half of task/Futex.h: FUTEX_WAKE_OP's encoding, operations and
// comparisons (the values Linux 6.1 gives, as tests/user/futex-basic checks end to end), and
// the keys' equality and hash. Also the host fake of the futex user-word accesses.
#include <gtest/gtest.h>

#include <arch/UserAccess.h>

#include <set>

#include "task/Futex.h"

namespace kernel {
namespace {

constexpr uint32_t encode(uint32_t op, uint32_t oparg, uint32_t cmp, uint32_t cmparg) {
    return ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff);
}

TEST(FutexTest, DecodeWakeOpFields) {
    FutexWakeOp op = decode_futex_wake_op(encode(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_GT, 7));
    EXPECT_EQ(op.op, uint32_t(FUTEX_OP_ADD));
    EXPECT_EQ(op.cmp, uint32_t(FUTEX_OP_CMP_GT));
    EXPECT_EQ(op.oparg, 5);
    EXPECT_EQ(op.cmparg, 7);
}

TEST(FutexTest, DecodeWakeOpSignExtendsTwelveBits) {
    FutexWakeOp op = decode_futex_wake_op(encode(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_LT, 0x800));
    EXPECT_EQ(op.oparg, -1);
    EXPECT_EQ(op.cmparg, -2048);
    op = decode_futex_wake_op(encode(FUTEX_OP_ADD, 0x7ff, FUTEX_OP_CMP_LT, 0x7ff));
    EXPECT_EQ(op.oparg, 2047);
    EXPECT_EQ(op.cmparg, 2047);
}

TEST(FutexTest, DecodeWakeOpShift) {
    EXPECT_EQ(decode_futex_wake_op(encode(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 20, 0, 0)).oparg, 1 << 20);
    EXPECT_EQ(decode_futex_wake_op(encode(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 31, 0, 0)).oparg, INT32_MIN);
    // Out of range (40, or a negative shift) is masked to 0..31, as Linux does after its warning.
    EXPECT_EQ(decode_futex_wake_op(encode(FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT, 40, 0, 0)).oparg, 1 << 8);
    EXPECT_EQ(decode_futex_wake_op(encode(FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT, 0xfff, 0, 0)).oparg, INT32_MIN);
    // The shift bit is not part of the op number.
    EXPECT_EQ(decode_futex_wake_op(encode(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 1, 0, 0)).op, uint32_t(FUTEX_OP_OR));
}

TEST(FutexTest, ApplyEachOperation) {
    uint32_t v = 0;
    ASSERT_TRUE(futex_op_apply(FUTEX_OP_SET, 7, 1, v));
    EXPECT_EQ(v, 7u);
    ASSERT_TRUE(futex_op_apply(FUTEX_OP_ADD, 5, 10, v));
    EXPECT_EQ(v, 15u);
    ASSERT_TRUE(futex_op_apply(FUTEX_OP_ADD, -1, 0, v));
    EXPECT_EQ(v, 0xffffffffu);  // wraps as the CPU's xadd does
    ASSERT_TRUE(futex_op_apply(FUTEX_OP_OR, 0x30, 0x0f, v));
    EXPECT_EQ(v, 0x3fu);
    ASSERT_TRUE(futex_op_apply(FUTEX_OP_ANDN, 0x0c, 0x0f, v));
    EXPECT_EQ(v, 0x03u);
    ASSERT_TRUE(futex_op_apply(FUTEX_OP_XOR, 0xff, 0x0f, v));
    EXPECT_EQ(v, 0xf0u);
    for (uint32_t op = 5; op < 8; ++op)
        EXPECT_FALSE(futex_op_apply(op, 1, 9, v)) << op;
}

TEST(FutexTest, CompareIsSigned) {
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_EQ, 5, 5), 1);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_EQ, 6, 5), 0);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_NE, 6, 5), 1);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_LT, 4, 5), 1);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_LT, 5, 5), 0);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_LE, 5, 5), 1);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_GT, 6, 5), 1);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_GE, 4, 5), 0);
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_LT, 0xfffffffeu, -1), 1);  // -2 < -1
    EXPECT_EQ(futex_op_compare(FUTEX_OP_CMP_GT, 0x80000000u, 1), 0);   // INT_MIN > 1: no
    for (uint32_t cmp = 6; cmp < 16; ++cmp)
        EXPECT_EQ(futex_op_compare(cmp, 0, 0), -ENOSYS) << cmp;
}

TEST(FutexTest, KeysDifferByKind) {
    FutexKey priv{FutexKeyKind::Private, 0x1000, 0x7000};
    FutexKey shared{FutexKeyKind::MmShared, 0x1000, 0x7000};
    EXPECT_EQ(priv, priv);
    EXPECT_NE(priv, shared);
    EXPECT_NE(priv, (FutexKey{FutexKeyKind::Private, 0x1000, 0x7004}));
    EXPECT_NE(priv, (FutexKey{FutexKeyKind::Private, 0x2000, 0x7000}));
}

TEST(FutexTest, HashStaysInTableAndSpreadsNeighbours) {
    constexpr uint32_t buckets = 256;
    std::set<uint32_t> used;
    // The words of one page of one mm: they should not crowd into a few buckets.
    for (uint64_t offset = 0; offset < 4096; offset += 4) {
        uint32_t h = futex_hash(FutexKey{FutexKeyKind::Private, 0xffff888001234000, 0x7fff0000 + offset}, buckets);
        ASSERT_LT(h, buckets);
        used.insert(h);
    }
    EXPECT_GT(used.size(), buckets * 9 / 10);
    // The same word in different objects.
    used.clear();
    for (uint64_t object = 0; object < 1024; ++object)
        used.insert(futex_hash(FutexKey{FutexKeyKind::Shmem, 0xffff888000000000 + object * 64, 8}, buckets));
    EXPECT_GT(used.size(), buckets * 9 / 10);
    // Equal keys, equal buckets.
    FutexKey key{FutexKeyKind::Inode, 0xffff888012345678, (3 << 12) | 8};
    EXPECT_EQ(futex_hash(key, buckets), futex_hash(FutexKey(key), buckets));
}

uint32_t g_user_word;
bool only_the_word(uint64_t address, size_t size) {
    return address == reinterpret_cast<uint64_t>(&g_user_word) && size == sizeof(g_user_word);
}

TEST(FutexTest, HostUserWordAccess) {
    arch::host_user_valid = only_the_word;
    g_user_word = 5;
    uint32_t value = 0;
    ASSERT_TRUE(arch::user_load_u32(&g_user_word, value));
    EXPECT_EQ(value, 5u);
    uint32_t expected = 4;
    ASSERT_TRUE(arch::user_cmpxchg_u32(&g_user_word, expected, 9));
    EXPECT_EQ(expected, 5u);  // mismatch: the value found, nothing stored
    EXPECT_EQ(g_user_word, 5u);
    ASSERT_TRUE(arch::user_cmpxchg_u32(&g_user_word, expected, 9));
    EXPECT_EQ(g_user_word, 9u);
    uint32_t other = 0;
    EXPECT_FALSE(arch::user_load_u32(&other, value));
    EXPECT_FALSE(arch::user_cmpxchg_u32(&other, expected, 1));
    arch::host_user_valid = nullptr;
}

}  // namespace
}  // namespace kernel
