#pragma once
// Character devices: the memory devices (Linux's drivers/char/mem.c: /dev/null 1:3, /dev/zero
// 1:5; random.c: /dev/random 1:8, /dev/urandom 1:9) and the terminals: /dev/tty (5:0),
// /dev/console (5:1) and /dev/ttyS0 (4:64), which fs/Tty.h serves (the serial console).
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
inline constexpr uint32_t DEV_TTYS0 = make_dev(4, 64);

// Opens the character device node at `path` (chrdev_open): ENXIO when no driver has its number.
// `flags` may hold O_NOCTTY, which only the terminals look at (and no file keeps).
ErrorOr<NonnullRefPtr<File>> open_char_device(const Path& path, int flags);

// The first user task's stdin, stdout and stderr: /dev/console of the root file system opened
// once, read-write, installed at descriptors 0, 1 and 2 (Linux's console_on_rootfs).
ErrorOr<void> open_console_fds(FilesStruct& files);

// The terminals' open (fs/Tty.cpp, kernel-only: the hosted unit tests supply their own).
// O_NOCTTY in `flags` keeps a session leader from acquiring the terminal.
ErrorOr<NonnullRefPtr<File>> open_tty_device(const Path& path, int flags);

}  // namespace kernel
