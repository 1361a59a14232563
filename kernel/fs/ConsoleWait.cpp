// Kernel-only half of fs/Devices.h: a console read that finds nothing typed lets other tasks
// run before it polls the UART again. (Serial input raises no interrupt yet, so polling is
// all there is; the hosted unit tests define their own version.)
#include "fs/Devices.h"
#include "task/Scheduler.h"

namespace kernel {

void console_wait_for_input() { yield(); }

}  // namespace kernel
