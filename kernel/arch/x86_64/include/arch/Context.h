#pragma once
// The arch context-switch contract: a kernel thread's saved state is just its stack pointer;
// the callee-saved registers live on its stack (see Entry.S: x86_switch_context).
#include "lib/kstd.h"

namespace kernel {
struct Task;
}

extern "C" kernel::Task* x86_switch_context(kernel::Task* prev, uint64_t* prev_rsp, uint64_t next_rsp);
extern "C" void x86_kernel_thread_start();
extern "C" void x86_ret_from_fork();

namespace kernel::arch {

struct TrapFrame;

// What a task keeps of the CPU while it is not running. Kernel threads use only `rsp`; user
// tasks also own an XSAVE area for FPU/SSE/AVX state and their FS/GS bases (TLS).
struct ThreadContext {
    uint64_t rsp{0};
    uint64_t fs_base{0};
    uint64_t gs_base{0};
    void* fpu{nullptr};  // XSAVE area, 64-byte aligned; null for kernel threads
    bool user{false};
};

// Every task's kernel stack keeps a TrapFrame-sized area at its very top: the user registers
// saved on entry from user mode (Linux's task_pt_regs).
TrapFrame* task_user_frame(uint64_t stack_top);

// Gives a task user-mode state (an FPU area in its initial state, zero FS/GS bases). Fails
// with ENOMEM; a task that already has it is reset to the initial state (execve).
[[nodiscard]] bool prepare_user_state(ThreadContext& ctx);
void release_thread_state(ThreadContext& ctx);
// copy_thread's CPU part: the child gets the parent's (the running task's) FPU state and TLS
// bases as they are this instant. ENOMEM-free once prepare_user_state succeeded for `child`.
[[nodiscard]] bool copy_thread_state(ThreadContext& child, const ThreadContext& parent);

// Called just before switching stacks from prev to next: saves prev's user-visible CPU state
// (FPU, FS/GS bases), installs next's, and points the CPU's entry stack at next's kernel stack.
void switch_task_state(ThreadContext& prev, ThreadContext& next, uint64_t next_stack_top);

// Fills a fresh user frame: all registers zero (as Linux's start_thread leaves them), user
// segments, interrupts enabled.
void init_user_frame(TrapFrame& frame, uint64_t entry, uint64_t stack_pointer);
// Leaves the kernel for user mode with the registers in `frame` (which must be the task's
// task_user_frame). Does not return.
[[noreturn]] void return_to_user(TrapFrame* frame);

// The user's TLS base (arch_prctl ARCH_SET_FS/ARCH_GET_FS and friends) of the running task.
void set_user_fs_base(ThreadContext& ctx, uint64_t base);
void set_user_gs_base(ThreadContext& ctx, uint64_t base);
uint64_t user_fs_base(const ThreadContext& ctx);
uint64_t user_gs_base(const ThreadContext& ctx);

using KernelThreadEntry = void (*)(void*);

// Plants the frame x86_switch_context pops on the first switch to a new thread: callee-saved
// registers (r12 = entry, r13 = argument) and a return into x86_kernel_thread_start.
inline constexpr size_t USER_FRAME_SIZE = 22 * 8;  // sizeof(TrapFrame)

inline void prepare_kernel_thread(ThreadContext& ctx, uint64_t stack_top, KernelThreadEntry entry, void* arg) {
    auto* sp = reinterpret_cast<uint64_t*>((stack_top - USER_FRAME_SIZE) & ~uint64_t(15));
    *--sp = reinterpret_cast<uint64_t>(&x86_kernel_thread_start);
    *--sp = 0;                                  // rbp: ends the backtrace
    *--sp = 0;                                  // rbx
    *--sp = reinterpret_cast<uint64_t>(entry);  // r12
    *--sp = reinterpret_cast<uint64_t>(arg);    // r13
    *--sp = 0;                                  // r14
    *--sp = 0;                                  // r15
    ctx.rsp = reinterpret_cast<uint64_t>(sp);
}

// A forked child's first switch lands in x86_ret_from_fork, which finishes the switch and
// leaves for user mode with the registers of its user frame (r12).
inline void prepare_fork_child(ThreadContext& ctx, uint64_t stack_top) {
    auto* sp = reinterpret_cast<uint64_t*>((stack_top - USER_FRAME_SIZE) & ~uint64_t(15));
    *--sp = reinterpret_cast<uint64_t>(&x86_ret_from_fork);
    *--sp = 0;                                                      // rbp
    *--sp = 0;                                                      // rbx
    *--sp = stack_top - USER_FRAME_SIZE;                            // r12: the user frame
    *--sp = 0;                                                      // r13
    *--sp = 0;                                                      // r14
    *--sp = 0;                                                      // r15
    ctx.rsp = reinterpret_cast<uint64_t>(sp);
}

// Switches to `next`; returns, on next's stack, the task that ran before it.
inline Task* switch_to(Task* prev, ThreadContext& prev_ctx, const ThreadContext& next_ctx) {
    return x86_switch_context(prev, &prev_ctx.rsp, next_ctx.rsp);
}

}  // namespace kernel::arch
