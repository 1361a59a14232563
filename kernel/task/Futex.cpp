// Futexes (Linux's kernel/futex/core.c, waitwake.c, requeue.c): keys, the hashed wait queues,
// FUTEX_WAIT/WAKE/REQUEUE/WAKE_OP and the robust-list walk at exit. docs/futex.md is the map.
//
// The protocol is Linux's. A waiter locks its bucket, reads the word, and queues itself only if
// the word still holds the expected value; a waker changes the word first, then locks the
// bucket and takes waiters off. So a waiter either sees the new value (EAGAIN) or is on the
// queue when the waker looks. A waiter knows it was woken when its FutexQ no longer names a
// bucket (Linux's q->lock_ptr == NULL), which the waker writes last.
//
// The word is read and changed with the bucket lock held. A fault there is resolved by the
// page-fault handler on the spot (it never takes a bucket lock, and like everything run under
// a spinlock here it never sleeps), so Linux's "drop the locks, fault the page in, retry" dance
// is not needed: what the handler cannot resolve is EFAULT.
#include "task/Futex.h"

#include <arch/Time.h>
#include <arch/UserAccess.h>

#include "fs/File.h"
#include "fs/Inode.h"
#include "lib/Spinlock.h"
#include "mm/AddressSpace.h"
#include "mm/UserAccess.h"
#include "mm/Vma.h"
#include "task/Process.h"
#include "task/Scheduler.h"
#include "task/Signal.h"
#include "task/SignalDelivery.h"
#include "task/Task.h"

namespace kernel {

namespace {

constexpr uint32_t FUTEX_HASH_SIZE = 256;  // Linux: roundup_pow_of_two(256 * possible CPUs)

// The object a shared key names, pinned while the key is in use: a waiter sleeping on a
// MAP_SHARED page keeps its SharedMemory or inode alive even if the area is unmapped meanwhile,
// so the object's address cannot be reused by another and match by mistake. Private keys name
// the mm, which the tasks using it keep alive.
struct FutexPin {
    RefPtr<SharedMemory> shmem;
    RefPtr<Inode> inode;
};

struct FutexBucket;

// One sleeping waiter (Linux's futex_q); lives on the waiter's kernel stack.
struct FutexQ {
    IntrusiveListNode node;  // the bucket's chain, under the bucket lock
    Task* task{nullptr};
    FutexKey key;
    FutexPin pin;
    uint32_t bitset{0};
    // The bucket it is queued on; null once a waker has taken it off. Read without the lock by
    // the waiter; written under the bucket lock (requeue moves it to another bucket).
    std::atomic<FutexBucket*> bucket{nullptr};
};

struct FutexBucket {
    Spinlock lock;
    IntrusiveList<FutexQ, &FutexQ::node> chain;  // FIFO: waiters are woken in arrival order
};

// `= {}` because the elements hold lists (see lib/IntrusiveList.h on constinit arrays).
constinit FutexBucket g_futex_queues[FUTEX_HASH_SIZE] = {};

FutexBucket& hash_bucket(const FutexKey& key) { return g_futex_queues[futex_hash(key, FUTEX_HASH_SIZE)]; }

// Locks two buckets in address order (one lock when they are the same), as double_lock_hb.
class BucketPairGuard {
public:
    BucketPairGuard(FutexBucket& a, FutexBucket& b)
        : m_first(&a < &b ? &a : &b), m_second(&a == &b ? nullptr : (&a < &b ? &b : &a)) {
        m_flags = m_first->lock.lock();
        if (m_second)
            m_second->lock.lock_no_irq();
    }
    ~BucketPairGuard() {
        if (m_second)
            m_second->lock.unlock_no_irq();
        m_first->lock.unlock(m_flags);
    }
    BucketPairGuard(const BucketPairGuard&) = delete;
    BucketPairGuard& operator=(const BucketPairGuard&) = delete;

private:
    FutexBucket* m_first;
    FutexBucket* m_second;
    arch::IrqFlags m_flags;
};

// ---- User words ------------------------------------------------------------------------------

ErrorOr<uint32_t> get_futex_value(uint64_t uaddr) {
    uint32_t value = 0;
    if (!is_user_range(uaddr, sizeof(value)) || !arch::user_load_u32(reinterpret_cast<const void*>(uaddr), value))
        return Error::from_errno(EFAULT);
    return value;
}

// Stores `desired` if the word holds `expected`; returns the value found either way.
ErrorOr<uint32_t> cmpxchg_futex_value(uint64_t uaddr, uint32_t expected, uint32_t desired) {
    if (!is_user_range(uaddr, sizeof(expected)) ||
        !arch::user_cmpxchg_u32(reinterpret_cast<void*>(uaddr), expected, desired))
        return Error::from_errno(EFAULT);
    return expected;
}

// ---- Keys (get_futex_key) --------------------------------------------------------------------

// What get_user_pages must be able to do to the page: FUTEX_WAKE_OP writes its second word;
// everything else only needs to read.
enum class FutexAccess : uint8_t { Read, Write };

// Linux looks the page up with get_user_pages (asking for write access, then read access when
// reading is enough) and keys on what it finds: an anonymous page by (mm, address), a shmem or
// page-cache page by (inode, index). The area says the same here without touching the page: a
// MAP_SHARED anonymous area's pages belong to its SharedMemory, a file area's to its inode,
// except in a writable private file area, where the write access breaks copy-on-write first
// and the page becomes anonymous. A read-only anonymous page "will never change and thus
// doesn't make sense for futex operations": EFAULT.
ErrorOr<FutexKey> get_futex_key(uint64_t uaddr, bool shared, FutexAccess access, FutexPin& pin) {
    if (uaddr % sizeof(uint32_t))
        return Error::from_errno(EINVAL);
    if (!is_user_range(uaddr, sizeof(uint32_t)))
        return Error::from_errno(EFAULT);
    MmStruct* mm = current()->m_mm.ptr();
    // Private futexes need no lookup at all: the address in this mm is the key.
    if (!shared)
        return FutexKey{FutexKeyKind::Private, uintptr_t(mm), uaddr};
    if (!mm)
        return Error::from_errno(EFAULT);

    struct {
        bool found;
        uint32_t flags;
        uint64_t pgoff;
        RefPtr<SharedMemory> shmem;
        RefPtr<Inode> inode;
    } area{};
    mm->for_each_vma([&](const Vma& vma) {
        if (area.found || !vma.contains(uaddr))
            return;
        area.found = true;
        area.flags = vma.m_flags;
        area.pgoff = vma.pgoff_at(uaddr);
        area.shmem = vma.m_shared;
        if (vma.m_file)
            area.inode = vma.m_file->inode();
    });
    if (!area.found)
        return Error::from_errno(EFAULT);
    bool writable = area.flags & VM_WRITE;
    // x86 has no write-only or execute-only pages: any right reads (as the fault handler has it).
    bool readable = area.flags & VM_ACCESS_FLAGS;
    if (!writable && !(access == FutexAccess::Read && readable))
        return Error::from_errno(EFAULT);

    uint64_t object_offset = (area.pgoff << PAGE_SHIFT) | (uaddr & (PAGE_SIZE - 1));
    if (area.shmem) {
        pin.shmem = area.shmem;
        return FutexKey{FutexKeyKind::Shmem, uintptr_t(area.shmem.ptr()), object_offset};
    }
    bool private_area = !(area.flags & VM_MAYSHARE);
    if (area.inode && !(private_area && writable)) {
        pin.inode = area.inode;
        return FutexKey{FutexKeyKind::Inode, uintptr_t(area.inode.ptr()), object_offset};
    }
    if (!writable)
        return Error::from_errno(EFAULT);
    return FutexKey{FutexKeyKind::MmShared, uintptr_t(mm), uaddr};
}

// ---- Queueing and waking ---------------------------------------------------------------------

// Takes `q` off its bucket and wakes its task (futex_wake_mark + wake_up_q). Bucket lock held.
// The waiter may return and free `q` as soon as q->bucket is null, so that store comes last,
// with a reference on the task held across the wake-up.
void wake_futex_locked(FutexQ& q) {
    Task* task = q.task;
    get_task_struct(*task);
    q.node.unlink();
    q.bucket.store(nullptr, std::memory_order_release);
    wake_up_process(task);
    put_task_struct(*task);
}

// Moves `q` to key2 (requeue_futex). Both buckets locked; the caller holds a pin on key2's
// object, so replacing q's pin never drops the last reference of anything.
void requeue_futex_locked(FutexQ& q, FutexBucket& hb1, FutexBucket& hb2, const FutexKey& key2, const FutexPin& pin2) {
    if (&hb1 != &hb2) {
        q.node.unlink();
        hb2.chain.push_back(q);
        q.bucket.store(&hb2, std::memory_order_release);
    }
    q.key = key2;
    q.pin = pin2;
}

// Takes `q` off its bucket unless a waker did (futex_unqueue): true if it was still queued.
// A requeue may move it between reading the bucket and locking it; then the lock taken is the
// wrong one and the loop tries again.
bool unqueue(FutexQ& q) {
    for (;;) {
        FutexBucket* hb = q.bucket.load(std::memory_order_acquire);
        if (!hb)
            return false;
        SpinlockGuard guard(hb->lock);
        if (q.bucket.load(std::memory_order_relaxed) != hb)
            continue;
        q.node.unlink();
        q.bucket.store(nullptr, std::memory_order_relaxed);
        return true;
    }
}

ErrorOr<long> futex_wait_restart(Task::RestartBlock& restart) {
    restart.fn = nullptr;
    uint64_t deadline = restart.futex.deadline_ns;
    return futex_wait(restart.futex.uaddr, restart.futex.flags, restart.futex.val, &deadline, restart.futex.bitset);
}

// FUTEX_WAKE_OP's change to the second word (futex_atomic_op_inuser): returns whether the
// comparison says to wake its waiters. ENOSYS for an unknown op (nothing written) or an
// unknown comparison (after the write, as Linux).
ErrorOr<int> futex_atomic_op_inuser(uint32_t encoded_op, uint64_t uaddr) {
    FutexWakeOp op = decode_futex_wake_op(encoded_op);
    uint32_t new_value = 0;
    if (!futex_op_apply(op.op, op.oparg, 0, new_value))
        return Error::from_errno(ENOSYS);
    // Linux uses xchg, xadd or a cmpxchg loop; a cmpxchg loop does them all.
    uint32_t old_value = TRY(get_futex_value(uaddr));
    for (;;) {
        futex_op_apply(op.op, op.oparg, old_value, new_value);
        uint32_t found = TRY(cmpxchg_futex_value(uaddr, old_value, new_value));
        if (found == old_value)
            break;
        old_value = found;
    }
    int wake = futex_op_compare(op.cmp, old_value, op.cmparg);
    if (wake < 0)
        return Error::from_errno(-wake);
    return wake;
}

// ---- The robust list (exit_robust_list, handle_futex_death) ----------------------------------

// A robust-list pointer: bit 0 marks a PI futex.
bool fetch_robust_entry(uint64_t user_slot, uint64_t& entry, bool& pi) {
    uint64_t raw = 0;
    if (copy_from_user(&raw, user_slot, sizeof(raw)).is_error())
        return false;
    entry = raw & ~uint64_t(1);
    pi = raw & 1;
    return true;
}

// One futex of a dying owner: if the task still holds it, mark it FUTEX_OWNER_DIED and wake a
// waiter. False means "stop walking" (a fault or a misaligned word).
bool handle_futex_death(uint64_t uaddr, Task& task, bool pi, bool pending_op) {
    if (uaddr % sizeof(uint32_t))
        return false;
    for (;;) {
        auto value = get_futex_value(uaddr);
        if (value.is_error())
            return false;
        uint32_t uval = value.value();
        // The owner released the lock in user space and died before the wake-up, or a woken
        // waiter died before taking it: no owner to mark, but a waiter may need the wake-up.
        if (pending_op && !pi && !uval) {
            (void)futex_wake(uaddr, FUTEX_FLAG_SHARED, 1, FUTEX_BITSET_MATCH_ANY);
            return true;
        }
        if ((uval & FUTEX_TID_MASK) != uint32_t(task_pid_nr_ns(task, task_active_pid_ns(task))))
            return true;
        uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        auto found = cmpxchg_futex_value(uaddr, uval, mval);
        if (found.is_error())
            return false;
        if (found.value() != uval)
            continue;
        // PI futexes are woken by the PI code, which Sprout does not have.
        // The waiters of a robust futex wait shared (glibc's robust mutexes do): wake shared.
        if (!pi && (uval & FUTEX_WAITERS))
            (void)futex_wake(uaddr, FUTEX_FLAG_SHARED, 1, FUTEX_BITSET_MATCH_ANY);
        return true;
    }
}

// Walks the user-space list very carefully: any sign of trouble ends the walk silently, and
// ROBUST_LIST_LIMIT bounds a circular one.
void exit_robust_list(Task& task) {
    uint64_t head = task.m_robust_list_head;
    uint64_t entry = 0, pending = 0;
    bool pi = false, pending_pi = false;
    int64_t futex_offset = 0;
    if (!fetch_robust_entry(head + offsetof(robust_list_head, list.next), entry, pi))
        return;
    if (copy_from_user(&futex_offset, head + offsetof(robust_list_head, futex_offset), sizeof(futex_offset)).is_error())
        return;
    // A lock being taken or released when the task died; handled last, and only once.
    if (!fetch_robust_entry(head + offsetof(robust_list_head, list_op_pending), pending, pending_pi))
        return;
    unsigned limit = ROBUST_LIST_LIMIT;
    uint64_t list_head = head + offsetof(robust_list_head, list);
    while (entry != list_head) {
        // The next entry is fetched first: the owner-died store may let a waiter free this one.
        uint64_t next_entry = 0;
        bool next_pi = false;
        bool fetched = fetch_robust_entry(entry + offsetof(robust_list, next), next_entry, next_pi);
        if (entry != pending && !handle_futex_death(entry + uint64_t(futex_offset), task, pi, false))
            return;
        if (!fetched)
            return;
        entry = next_entry;
        pi = next_pi;
        if (!--limit)
            break;
    }
    if (pending)
        (void)handle_futex_death(pending + uint64_t(futex_offset), task, pending_pi, true);
}

}  // namespace

// ---- Operations ----------------------------------------------------------------------------

ErrorOr<long> futex_wait(uint64_t uaddr, unsigned flags, uint32_t val, const uint64_t* deadline_ns, uint32_t bitset) {
    if (!bitset)
        return Error::from_errno(EINVAL);
    Task* self = current();
    FutexQ q;
    q.task = self;
    q.bitset = bitset;
    uint64_t deadline = deadline_ns ? *deadline_ns : ~uint64_t(0);
    for (;;) {
        // futex_wait_setup: queue only if the word still holds `val`, under the bucket lock.
        FutexPin pin;
        FutexKey key = TRY(get_futex_key(uaddr, flags & FUTEX_FLAG_SHARED, FutexAccess::Read, pin));
        FutexBucket& hb = hash_bucket(key);
        {
            SpinlockGuard guard(hb.lock);
            uint32_t uval = TRY(get_futex_value(uaddr));
            if (uval != val)
                return Error::from_errno(EAGAIN);
            q.key = key;
            q.pin = std::move(pin);
            q.bucket.store(&hb, std::memory_order_relaxed);
            hb.chain.push_back(q);
        }
        // futex_wait_queue: sleeps until a waker takes q off, the deadline, or a signal. Wake-ups
        // for anything else (a blocked signal) go back to sleep inside.
        sleep_interruptible_until(deadline, [&] { return q.bucket.load(std::memory_order_acquire) == nullptr; });

        // Woken (and unqueued): success, whatever else happened meanwhile.
        if (!unqueue(q))
            return 0;
        if (deadline_ns && arch::monotonic_ns() >= deadline)
            return Error::from_errno(ETIMEDOUT);
        if (!signal_pending(*self))
            continue;  // spurious: wait again, re-checking the word
        // Without a timeout the wait restarts like any syscall (SA_RESTART decides); with one it
        // resumes through restart_syscall with the same absolute deadline, or ends in EINTR
        // when a handler runs.
        if (!deadline_ns)
            return Error::from_errno(ERESTARTSYS);
        auto& restart = self->m_restart_block;
        restart.futex = {uaddr, deadline, val, bitset, flags};
        restart.fn = futex_wait_restart;
        return Error::from_errno(ERESTART_RESTARTBLOCK);
    }
}

ErrorOr<long> futex_wake(uint64_t uaddr, unsigned flags, int nr_wake, uint32_t bitset) {
    if (!bitset)
        return Error::from_errno(EINVAL);
    FutexPin pin;
    FutexKey key = TRY(get_futex_key(uaddr, flags & FUTEX_FLAG_SHARED, FutexAccess::Read, pin));
    FutexBucket& hb = hash_bucket(key);
    SpinlockGuard guard(hb.lock);
    long woken = 0;
    for (auto& q : hb.chain) {
        if (!(q.key == key) || !(q.bitset & bitset))
            continue;
        wake_futex_locked(q);
        // Counted after the first wake-up: nr_wake 0 (or negative) still wakes one, as Linux.
        if (++woken >= nr_wake)
            break;
    }
    return woken;
}

ErrorOr<long> futex_requeue(uint64_t uaddr1, unsigned flags, uint64_t uaddr2, int nr_wake, int nr_requeue,
                            const uint32_t* cmpval) {
    if (nr_wake < 0 || nr_requeue < 0)
        return Error::from_errno(EINVAL);
    FutexPin pin1, pin2;
    FutexKey key1 = TRY(get_futex_key(uaddr1, flags & FUTEX_FLAG_SHARED, FutexAccess::Read, pin1));
    FutexKey key2 = TRY(get_futex_key(uaddr2, flags & FUTEX_FLAG_SHARED, FutexAccess::Read, pin2));
    FutexBucket& hb1 = hash_bucket(key1);
    FutexBucket& hb2 = hash_bucket(key2);
    BucketPairGuard guard(hb1, hb2);
    if (cmpval) {
        uint32_t current_value = TRY(get_futex_value(uaddr1));
        if (current_value != *cmpval)
            return Error::from_errno(EAGAIN);
    }
    long task_count = 0;
    for (auto& q : hb1.chain) {
        if (task_count - nr_wake >= nr_requeue)
            break;
        if (!(q.key == key1))
            continue;
        if (++task_count <= nr_wake)
            wake_futex_locked(q);
        else
            requeue_futex_locked(q, hb1, hb2, key2, pin2);
    }
    return task_count;
}

ErrorOr<long> futex_wake_op(uint64_t uaddr1, unsigned flags, uint64_t uaddr2, int nr_wake, int nr_wake2,
                            uint32_t encoded_op) {
    FutexPin pin1, pin2;
    FutexKey key1 = TRY(get_futex_key(uaddr1, flags & FUTEX_FLAG_SHARED, FutexAccess::Read, pin1));
    FutexKey key2 = TRY(get_futex_key(uaddr2, flags & FUTEX_FLAG_SHARED, FutexAccess::Write, pin2));
    FutexBucket& hb1 = hash_bucket(key1);
    FutexBucket& hb2 = hash_bucket(key2);
    BucketPairGuard guard(hb1, hb2);
    int wake_second = TRY(futex_atomic_op_inuser(encoded_op, uaddr2));
    long woken = 0;
    for (auto& q : hb1.chain) {
        if (!(q.key == key1))
            continue;
        wake_futex_locked(q);
        if (++woken >= nr_wake)
            break;
    }
    if (wake_second) {
        long woken2 = 0;
        for (auto& q : hb2.chain) {
            if (!(q.key == key2))
                continue;
            wake_futex_locked(q);
            if (++woken2 >= nr_wake2)
                break;
        }
        woken += woken2;
    }
    return woken;
}

void futex_cleanup(Task& task) {
    if (!task.m_robust_list_head)
        return;
    // The list lives in the task's own address space: only the task itself walks it.
    VERIFY(&task == current());
    if (task.m_mm)
        exit_robust_list(task);
    task.m_robust_list_head = 0;
}

}  // namespace kernel
