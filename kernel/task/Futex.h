#pragma once
// Futexes (Linux's kernel/futex/): a hash of wait queues keyed by "which 32-bit word of which
// object", the operations on them (wait, wake, requeue, wake_op), the robust-list walk and the
// CLONE_CHILD_CLEARTID wake-up at exit. docs/futex.md maps Linux's files onto this one.
//
// The first half of this header is generic (keys, their hash, FUTEX_WAKE_OP's encoding): it
// builds hosted too, and tests/unit/FutexTest.cpp checks it. The second half is the kernel's
// interface, implemented in task/Futex.cpp; the syscalls are in syscalls/FutexSyscalls.cpp.
#include <linux/futex.h>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

struct Task;

// ---- Keys (Linux's union futex_key) ---------------------------------------------------------

// What a futex word is identified by. Two operations meet on a futex exactly when their keys
// are equal, so the kind is part of the key: as in Linux (FUT_OFF_MMSHARED, FUT_OFF_INODE), a
// FUTEX_PRIVATE_FLAG operation never meets a shared one on the same private page.
enum class FutexKeyKind : uint8_t {
    Private,   // FUTEX_PRIVATE_FLAG: (mm, address)
    MmShared,  // shared flag, private anonymous page: (mm, address) too
    Shmem,     // MAP_SHARED anonymous memory: (SharedMemory, page offset)
    Inode,     // file pages: (inode, page offset)
};

struct FutexKey {
    FutexKeyKind kind{FutexKeyKind::Private};
    uintptr_t object{0};  // the MmStruct, SharedMemory or Inode
    // Private, MmShared: the user address. Shmem, Inode: the page offset in the object,
    // shifted by PAGE_SHIFT, plus the offset of the word in its page.
    uint64_t offset{0};

    constexpr bool operator==(const FutexKey&) const = default;
};

// The bucket index of a key in a table of `buckets` (a power of two) entries. Linux hashes the
// key words with jhash2; any mixing that spreads pointers and nearby offsets does.
constexpr uint32_t futex_hash(const FutexKey& key, uint32_t buckets) {
    uint64_t h = key.object ^ (uint64_t(key.kind) << 62);
    h ^= key.offset * 0x9e3779b97f4a7c15ull;
    // splitmix64's finaliser: every input bit reaches the low bits kept below.
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    h ^= h >> 31;
    return uint32_t(h) & (buckets - 1);
}

// ---- FUTEX_WAKE_OP's encoded operation (futex_atomic_op_inuser) -----------------------------

// The fourth word of FUTEX_WAKE_OP, decoded: what to do to *uaddr2 and when to wake its waiters.
// Layout (FUTEX_OP in <linux/futex.h>): op in bits 28-30, FUTEX_OP_OPARG_SHIFT in bit 31, cmp in
// bits 24-27, oparg in bits 12-23 and cmparg in bits 0-11, both sign-extended from 12 bits.
struct FutexWakeOp {
    uint32_t op;
    uint32_t cmp;
    int32_t oparg;  // after FUTEX_OP_OPARG_SHIFT: 1 << oparg
    int32_t cmparg;
};

constexpr int32_t sign_extend_12(uint32_t value) { return int32_t(value << 20) >> 20; }

constexpr FutexWakeOp decode_futex_wake_op(uint32_t encoded) {
    FutexWakeOp result{(encoded & 0x70000000u) >> 28, (encoded & 0x0f000000u) >> 24,
                       sign_extend_12((encoded & 0x00fff000u) >> 12), sign_extend_12(encoded & 0x00000fffu)};
    // A shift outside 0..31 is masked: Linux logs "fix this program" and carries on.
    if (encoded & (uint32_t(FUTEX_OP_OPARG_SHIFT) << 28))
        result.oparg = int32_t(1u << (result.oparg & 31));
    return result;
}

// The new value of the word for `op` (FUTEX_OP_SET ... FUTEX_OP_XOR); false for an unknown op,
// which Linux refuses with ENOSYS before touching the word.
constexpr bool futex_op_apply(uint32_t op, int32_t oparg, uint32_t old_value, uint32_t& new_value) {
    switch (op) {
    case FUTEX_OP_SET:
        new_value = uint32_t(oparg);
        return true;
    case FUTEX_OP_ADD:
        new_value = old_value + uint32_t(oparg);
        return true;
    case FUTEX_OP_OR:
        new_value = old_value | uint32_t(oparg);
        return true;
    case FUTEX_OP_ANDN:
        new_value = old_value & ~uint32_t(oparg);
        return true;
    case FUTEX_OP_XOR:
        new_value = old_value ^ uint32_t(oparg);
        return true;
    default:
        return false;
    }
}

// The comparison of the old value against cmparg, as signed ints: 1 (wake the second futex's
// waiters), 0, or -ENOSYS for an unknown cmp, which Linux reports after the word has changed.
constexpr int futex_op_compare(uint32_t cmp, uint32_t old_value, int32_t cmparg) {
    int32_t old = int32_t(old_value);
    switch (cmp) {
    case FUTEX_OP_CMP_EQ:
        return old == cmparg;
    case FUTEX_OP_CMP_NE:
        return old != cmparg;
    case FUTEX_OP_CMP_LT:
        return old < cmparg;
    case FUTEX_OP_CMP_GE:
        return old >= cmparg;
    case FUTEX_OP_CMP_LE:
        return old <= cmparg;
    case FUTEX_OP_CMP_GT:
        return old > cmparg;
    default:
        return -ENOSYS;
    }
}

// ---- The kernel's interface (task/Futex.cpp) -------------------------------------------------

// do_futex's flags (Linux's FLAGS_SHARED, FLAGS_CLOCKRT).
inline constexpr unsigned FUTEX_FLAG_SHARED = 1;
inline constexpr unsigned FUTEX_FLAG_CLOCKRT = 2;

// The operations after sys_futex has decoded its arguments. `deadline_ns` is an absolute
// time on the monotonic clock (a realtime deadline converted once), or null for none.
ErrorOr<long> futex_wait(uint64_t uaddr, unsigned flags, uint32_t val, const uint64_t* deadline_ns, uint32_t bitset);
ErrorOr<long> futex_wake(uint64_t uaddr, unsigned flags, int nr_wake, uint32_t bitset);
ErrorOr<long> futex_requeue(uint64_t uaddr1, unsigned flags, uint64_t uaddr2, int nr_wake, int nr_requeue,
                            const uint32_t* cmpval);
ErrorOr<long> futex_wake_op(uint64_t uaddr1, unsigned flags, uint64_t uaddr2, int nr_wake, int nr_wake2,
                            uint32_t encoded_op);

// At exit and exec, before the address space goes (Linux's futex_exit_release and
// futex_exec_release): walks the robust list, marking every futex the task still holds
// FUTEX_OWNER_DIED and waking one waiter of each; then forgets the list.
void futex_cleanup(Task& task);

}  // namespace kernel
