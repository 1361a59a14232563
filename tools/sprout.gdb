# gdb setup for Sprout: symbols, the QEMU stub, a first breakpoint. Used by `make debug`.
set architecture i386:x86-64
set pagination off
set confirm off
file build/sprout.elf
target remote localhost:1234
# A hardware breakpoint: QEMU's PVH loader copies the kernel into memory after gdb attaches,
# which would overwrite a software breakpoint's int3.
hbreak kernel::kernel_main
echo \nSprout is halted before the firmware ran. `continue` boots to kernel_main.\n
echo Try: continue, bt, break kernel::schedule, next, print *kernel::current()\n\n
