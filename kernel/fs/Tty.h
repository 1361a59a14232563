#pragma once
// The terminal (Linux's drivers/tty/tty_io.c, tty_jobctrl.c and n_tty.c, reduced to the one
// tty Sprout has: the serial console, COM1). /dev/console (5:1), /dev/ttyS0 (4:64) and, for a
// process whose controlling terminal it is, /dev/tty (5:0) all open it.
//
// Input moves from the UART through the line discipline at every timer tick (the UART raises
// no interrupt): termios input translations, canonical line editing with echo, the signal
// characters to the foreground process group. Output goes through OPOST processing.
#include "fs/File.h"

namespace kernel {

struct Task;
struct Tty;

// Opens the tty behind a console, ttyS0 or /dev/tty node (tty_open): /dev/tty is ENXIO without
// a controlling terminal; a session leader without one acquires this tty by opening ttyS0
// without O_NOCTTY (never through /dev/console, as in Linux).
ErrorOr<NonnullRefPtr<File>> open_tty_device(const Path& path, int flags);

// The timer tick's share: moves what was typed from the UART through the line discipline.
void tty_tick();

// Linux's disassociate_ctty for a session leader: the foreground group gets SIGHUP (and SIGCONT
// unless `on_exit`), and nobody in the session keeps the terminal. Does nothing for others.
void disassociate_ctty(bool on_exit);

// The foreground process group of `tty` (tty_get_pgrp), 0 when none: /proc/<pid>/stat.
int tty_foreground_pgrp(Tty& tty);

}  // namespace kernel
