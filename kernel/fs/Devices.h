#pragma once
// Character devices: the memory devices (Linux's drivers/char/mem.c: /dev/null 1:3, /dev/zero
// 1:5; random.c: /dev/random 1:8, /dev/urandom 1:9) and the console (5:1), plus /dev/tty (5:0),
// which says ENXIO because no task has a controlling terminal yet.
//
// The console is COM1 through arch/Console.h. It reports the termios Linux's serial console
// reports (9600 baud, canonical mode, echo: asm-generic/termbits.h) and applies what matters
// for a raw serial line: ICRNL turns the Enter key's CR into NL, ECHO echoes what is read. It
// does no line editing: a read returns as soon as at least one byte was typed (up to a newline).
#include "fs/File.h"

namespace kernel {

class FilesStruct;

// The devices' numbers (make_dev form).
inline constexpr uint32_t DEV_NULL = make_dev(1, 3);
inline constexpr uint32_t DEV_ZERO = make_dev(1, 5);
inline constexpr uint32_t DEV_RANDOM = make_dev(1, 8);
inline constexpr uint32_t DEV_URANDOM = make_dev(1, 9);
inline constexpr uint32_t DEV_TTY = make_dev(5, 0);
inline constexpr uint32_t DEV_CONSOLE = make_dev(5, 1);

// Opens the character device node at `path` (chrdev_open): ENXIO when no driver has its number.
ErrorOr<NonnullRefPtr<File>> open_char_device(const Path& path, int flags);

// The first user task's stdin, stdout and stderr: /dev/console of the root file system opened
// once, read-write, installed at descriptors 0, 1 and 2 (Linux's console_on_rootfs).
ErrorOr<void> open_console_fds(FilesStruct& files);

// Called while a console read waits for a key: gives the CPU away (yield) in the kernel
// (fs/ConsoleWait.cpp); the hosted unit tests supply their own.
void console_wait_for_input();

}  // namespace kernel
