// kernel_main: where generic code takes over from the arch bring-up (arch/x86_64/Boot.cpp).
#include <arch/Cpu.h>
#include <arch/Power.h>
#include <arch/Time.h>

#include <arch/Context.h>
#include <arch/Memory.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "fs/Devices.h"
#include "fs/Initramfs.h"
#include "fs/ProcFs.h"
#include "init/Init.h"
#include "lib/Printk.h"
#include "mm/PageAllocator.h"
#include "selftest/SelfTest.h"
#include "syscalls/Syscall.h"
#include "task/Cred.h"
#include "task/Exec.h"
#include "task/Fork.h"
#include "task/NsProxy.h"
#include "task/Pid.h"
#include "task/Process.h"
#include "task/Signal.h"
#include "trace/Trace.h"
#include "trace/TraceFs.h"
#include "task/Scheduler.h"

namespace kernel {

namespace {

uint64_t ns_to_us(uint64_t ns) { return ns / 1000; }

// Unpacks the initramfs and gives the init thread what a user process has: a root and cwd,
// and descriptors 0, 1 and 2 on the console (Linux's kernel_init_freeable + console_on_rootfs).
ErrorOr<void> prepare_init_process(Task& task) {
    const BootInfo& info = boot_info();
    TRY(populate_rootfs(static_cast<const uint8_t*>(arch::phys_to_virt(info.initrd_base)), info.initrd_size));
    task.m_fs = TRY(FsStruct::create());
    auto files = TRY(FilesStruct::create());
    TRY(open_console_fds(*files));
    task.m_files = std::move(files);
    // The process-wide state every user process has (init's is the template fork copies).
    task.m_sighand = TRY(SighandStruct::create());
    task.m_signal = TRY(SignalStruct::create_for_init());
    task.m_cred = TRY(Cred::create_root());
    task.m_cred->inc_nproc();  // init is one of root's tasks, as if forked (copy_creds)
    task.m_nsproxy = TRY(NsProxy::create_initial());
    SpinlockGuard guard(tasklist_lock());
    task.m_tgid = task.m_tid;
    task.m_group_leader = &task;
    task.m_exit_signal = SIGCHLD;
    process_list().push_back(task);
    task.m_signal->thread_head.push_back(task);
    attach_pid(*task.m_pid, task);
    set_init_process(task);
    return {};
}

// Runs /init (or rdinit=) as the first user process, as Linux's run_init_process does, with
// Linux's initial environment.
[[noreturn]] void run_init_process(Task& task) {
    StringView path = boot_info().cmdline_option("rdinit");
    if (path.empty())
        path = "/init";
    ArgStrings argv, envp;
    auto* frame = arch::task_user_frame(task.stack_top());
    auto result = [&]() -> ErrorOr<void> {
        TRY(argv.append(path));
        TRY(envp.append("HOME=/"));
        TRY(envp.append("TERM=linux"));
        return do_execve(path, argv, envp, *frame);
    }();
    if (result.is_error()) {
        printk("sprout: cannot run {} (error {}): no working init found\n", path, result.error().code());
        arch::power_off(1);
    }
    arch::return_to_user(frame);
}

// The first kernel thread: pid 1 once it execs /init.
void init_thread(void*) {
    StringView selftests = boot_info().cmdline_option("selftest");
    if (!selftests.empty()) {
        bool ok = run_selftests(selftests);
        arch::power_off(ok ? 0 : 1);
    }
    if (!boot_info().initrd_size) {
        printk("No initramfs: nothing to run. Powering off.\n");
        arch::power_off(0);
    }
    Task& self = *current();
    if (auto prepared = prepare_init_process(self); prepared.is_error()) {
        printk("sprout: cannot unpack the initramfs (error {})\n", prepared.error().code());
        arch::power_off(1);
    }
    run_init_process(self);
}

}  // namespace

[[noreturn]] void kernel_main() {
    sched_init();
    syscalls_init();
    fault_injection_init();
    proc_fs_init();
    trace_fs_init();
    arch::irq_enable();

    const BootInfo& info = boot_info();
    uint64_t now = arch::monotonic_ns();
    uint64_t at_entry = arch::kernel_entry_ns();
    uint64_t total_ram = 0;
    for (size_t i = 0; i < info.region_count; ++i)
        if (info.regions[i].type == MemoryRegion::Type::Usable)
            total_ram += info.regions[i].size;
    printk("\nSprout 0.1 (x86_64): a small Linux-compatible kernel whose heart is fork\n");
    printk("  memory: {} MiB usable RAM in {} map entries, {} MiB free\n", total_ram >> 20, info.region_count,
           (page_allocator().free_pages() * PAGE_SIZE) >> 20);
    printk("  boot: {} us from reset to kernel entry (firmware), {} us from entry to this banner\n",
           ns_to_us(at_entry), ns_to_us(now - at_entry));
    printk("  command line: '{}'\n", info.cmdline());

    // fail_nth=N: the Nth allocation of the first fork fails (Linux's fail_nth, for trying the
    // unwinding by hand; the fork_fail_nth self-test sweeps every N).
    StringView fail_nth = info.cmdline_option("fail_nth");
    if (!fail_nth.empty()) {
        unsigned n = 0;
        for (char c : fail_nth)
            if (c >= '0' && c <= '9')
                n = n * 10 + unsigned(c - '0');
        set_fork_fail_nth(n);
    }

    trace::configure(info.cmdline_option("trace_event"), info.cmdline_has("tp_printk"));

    auto init = kthread_run(init_thread, nullptr, "init");
    if (init.is_error())
        PANIC("cannot create the init thread");
    cpu_idle_loop();
}

}  // namespace kernel
