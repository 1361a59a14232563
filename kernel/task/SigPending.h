#pragma once
// The signal vocabulary every task carries (Linux's sigset_t, struct sigpending, the kernel's
// struct sigaction). Kept apart from task/Signal.h so Task.h can hold these by value.
#include <asm-generic/siginfo.h>
#include <asm/signal.h>

#include "lib/IntrusiveList.h"
#include "lib/kstd.h"

namespace kernel {

inline constexpr int NSIG_COUNT = 64;  // _NSIG: signals 1..64
using SigSet = uint64_t;               // bit (sig - 1), as the kernel's sigset_t on x86-64

constexpr SigSet sigmask(int sig) { return SigSet(1) << (sig - 1); }
constexpr bool valid_signal(int sig) { return sig >= 0 && sig <= NSIG_COUNT; }

// Signals that cannot be caught, blocked or ignored.
inline constexpr SigSet UNBLOCKABLE = sigmask(SIGKILL) | sigmask(SIGSTOP);

// rt_sigaction's struct (the kernel ABI: handler, flags, restorer, mask).
// Packed to 28 bytes (every SA_* flag fits in 32 bits): the 64 of a SighandStruct then take
// under 2 KiB, half the kmalloc size class they would need at 32 bytes each; one per process.
struct __attribute__((packed, aligned(4))) KSigAction {
    uint64_t handler{0};  // SIG_DFL (0), SIG_IGN (1) or a user address
    uint64_t restorer{0};
    SigSet mask{0};
    uint32_t flags{0};
};
static_assert(sizeof(KSigAction) == 28);

// A queued signal and its siginfo (Linux's struct sigqueue).
struct SigQueueEntry {
    siginfo_t info;
    IntrusiveListNode node;
};

struct SigPending {
    SigSet signal{0};
    IntrusiveList<SigQueueEntry, &SigQueueEntry::node> queue;
};

}  // namespace kernel
