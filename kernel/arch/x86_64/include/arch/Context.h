#pragma once
// The arch context-switch contract: a kernel thread's saved state is just its stack pointer;
// the callee-saved registers live on its stack (see Entry.S: x86_switch_context).
#include "lib/kstd.h"

namespace kernel {
struct Task;
}

extern "C" kernel::Task* x86_switch_context(kernel::Task* prev, uint64_t* prev_rsp, uint64_t next_rsp);
extern "C" void x86_kernel_thread_start();

namespace kernel::arch {

struct ThreadContext {
    uint64_t rsp{0};
};

using KernelThreadEntry = void (*)(void*);

// Plants the frame x86_switch_context pops on the first switch to a new thread: callee-saved
// registers (r12 = entry, r13 = argument) and a return into x86_kernel_thread_start.
inline void prepare_kernel_thread(ThreadContext& ctx, uint64_t stack_top, KernelThreadEntry entry, void* arg) {
    auto* sp = reinterpret_cast<uint64_t*>(stack_top & ~uint64_t(15));
    *--sp = reinterpret_cast<uint64_t>(&x86_kernel_thread_start);
    *--sp = 0;                                  // rbp: ends the backtrace
    *--sp = 0;                                  // rbx
    *--sp = reinterpret_cast<uint64_t>(entry);  // r12
    *--sp = reinterpret_cast<uint64_t>(arg);    // r13
    *--sp = 0;                                  // r14
    *--sp = 0;                                  // r15
    ctx.rsp = reinterpret_cast<uint64_t>(sp);
}

// Switches to `next`; returns, on next's stack, the task that ran before it.
inline Task* switch_to(Task* prev, ThreadContext& prev_ctx, const ThreadContext& next_ctx) {
    return x86_switch_context(prev, &prev_ctx.rsp, next_ctx.rsp);
}

}  // namespace kernel::arch
