#include "task/Exit.h"

#include <arch/Power.h>

#include "fs/FilesStruct.h"
#include "fs/FsStruct.h"
#include "lib/Printk.h"
#include "mm/AddressSpace.h"
#include "task/Scheduler.h"

namespace kernel {

[[noreturn]] void do_exit(int wait_status) {
    Task* self = current();
    // exit_mm: the kernel's own page tables first, then the address space may go.
    exit_mm(self);
    self->m_files = nullptr;
    self->m_fs = nullptr;
    // Until fork exists, the only user process is init (pid 1). Linux panics when init dies;
    // we report how it ended (the status a parent would see: the code, or 128 + the signal)
    // and power off, which is how tools/vmrun learns a program's exit status.
    if (self->m_tid == 1) {
        int status = (wait_status & 0x7f) ? 128 + (wait_status & 0x7f) : (wait_status >> 8) & 0xff;
        printk("sprout: init exited with status {}\n", status);
        arch::power_off(0);
    }
    kernel_thread_exit();
}

}  // namespace kernel
