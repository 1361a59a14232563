#pragma once
// The out-of-memory killer (Linux's mm/oom_kill.c): when a user page fault finds no free page,
// one process dies so that the others can go on.
namespace kernel {

enum class OomOutcome {
    // Memory is coming back (a victim was killed, or one is still on its way out): the faulting
    // task retries the access, or dies first if it was the one chosen.
    Retry,
    // Nothing can be killed (only the global init and kernel threads hold memory).
    NoVictim,
};

// Linux's out_of_memory for a machine without swap, cgroups or oom_score_adj, called where a
// user fault found no page (Linux calls it inside the page allocator). When free pages are
// not actually exhausted (an injected failure, or memory freed meanwhile) it only retries.
// Otherwise the process with the most resident pages is chosen, never the global init or
// a kernel thread, and it and every process sharing its address space get SIGKILL. While a
// chosen address space has not been torn down, no second victim is chosen; the caller sleeps a
// tick and lets the victim run to its exit.
OomOutcome out_of_memory();

}  // namespace kernel
