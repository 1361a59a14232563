// The serial console's tty: tty_io.c (open, ioctls, the controlling terminal), tty_jobctrl.c
// (SIGTTIN/SIGTTOU, TIOCSPGRP) and n_tty.c (input processing, line editing, echo, reads with
// VMIN/VTIME, output post-processing), following Linux 6.1's rules with one tty and no
// separate echo buffer: echoes are written as they are made.
#include "fs/Tty.h"

#include <arch/Console.h>
#include <arch/Time.h>
#include <asm-generic/fcntl.h>
#include <asm-generic/ioctls.h>
#include <asm-generic/termbits.h>

#include "fs/Devices.h"
#include "fs/KernelBuffer.h"
#include "fs/Poll.h"
#include "lib/OwnPtr.h"
#include "lib/ScopeGuard.h"
#include "task/Cred.h"
#include "task/Exit.h"
#include "task/Process.h"
#include "task/SignalDelivery.h"
#include "task/WaitQueue.h"

namespace kernel {

namespace {

constexpr size_t N_TTY_BUF_SIZE = 4096;
// Per-byte flags of the read buffer: the byte ends a canonical line; it is an EOF mark (the
// line ends there and the byte itself is never returned, as n_tty's __DISABLED_CHAR).
constexpr uint8_t FLAG_LINE_END = 1;
constexpr uint8_t FLAG_EOF = 2;

struct WindowSize {  // struct winsize
    uint16_t rows, columns, x_pixels, y_pixels;
};

constexpr bool is_cntrl(uint8_t c) { return c < 32 || c == 0177; }
constexpr bool is_alnum(uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Output bytes gathered under the tty lock, written to the UART in pieces.
struct Output {
    char bytes[64];
    size_t count{0};
    void put(char c) {
        if (count == sizeof(bytes))
            flush();
        bytes[count++] = c;
    }
    void flush() {
        if (count)
            arch::console_write_raw(bytes, count);
        count = 0;
    }
    ~Output() { flush(); }
};

struct TtyState {
    termios settings;
    WindowSize window;  // 0 x 0, as Linux reports for a serial line
    uint8_t buf[N_TTY_BUF_SIZE];
    uint8_t flags[N_TTY_BUF_SIZE];
    // Positions that only grow (mod N_TTY_BUF_SIZE in the arrays): read_tail..canon_head holds
    // complete lines, canon_head..read_head the line being edited (in raw mode everything up
    // to read_head is readable).
    size_t read_tail, canon_head, read_head;
    size_t column;        // the output column, for tabs and erasing (tty->column)
    size_t canon_column;  // the column where the line being edited starts
    bool lnext;           // the previous byte was VLNEXT: take the next one literally
    // The controlling session and foreground process group (initial-namespace numbers, 0:
    // none), written under the tasklist lock and this lock, read under either.
    int session, pgrp;

    size_t read_count() const { return read_head - read_tail; }
    uint8_t& at(size_t position) { return buf[position % N_TTY_BUF_SIZE]; }
    uint8_t& flag_at(size_t position) { return flags[position % N_TTY_BUF_SIZE]; }
    bool lflag(unsigned bit) const { return settings.c_lflag & bit; }
    bool iflag(unsigned bit) const { return settings.c_iflag & bit; }
    bool oflag(unsigned bit) const { return settings.c_oflag & bit; }
    uint8_t cc(int index) const { return settings.c_cc[index]; }
};

}  // namespace

struct Tty {
    Spinlock lock;
    TtyState state;
    WaitQueue read_wait;
};

namespace {

// Linux's tty_std_termios as the 8250 console sets it up (console=ttyS0: 9600 baud, CS8, CREAD,
// HUPCL, CLOCAL), with INIT_C_CC.
Tty g_tty{{}, TtyState{
    .settings = {.c_iflag = ICRNL | IXON,
                 .c_oflag = OPOST | ONLCR,
                 .c_cflag = B9600 | CS8 | CREAD | HUPCL | CLOCAL,
                 .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
                 .c_line = 0,
                 .c_cc = {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0}},
    .window = {},
    .buf = {},
    .flags = {},
    .read_tail = 0,
    .canon_head = 0,
    .read_head = 0,
    .column = 0,
    .canon_column = 0,
    .lnext = false,
    .session = 0,
    .pgrp = 0,
}, {}};

template <typename F>
decltype(auto) with_tty_lock(F callback) {
    SpinlockGuard guard(g_tty.lock);
    return callback();
}

// ---- Output (n_tty's do_output_char) ---------------------------------------------------------

void opost_char(TtyState& s, uint8_t c, Output& out) {
    if (!s.oflag(OPOST)) {
        out.put(char(c));
        return;
    }
    switch (c) {
    case '\n':
        if (s.oflag(ONLRET))
            s.column = 0;
        if (s.oflag(ONLCR)) {
            s.column = s.canon_column = 0;
            out.put('\r');
            out.put('\n');
            return;
        }
        s.canon_column = s.column;
        break;
    case '\r':
        if (s.oflag(ONOCR) && s.column == 0)
            return;
        if (s.oflag(OCRNL)) {
            c = '\n';
            if (s.oflag(ONLRET))
                s.canon_column = s.column = 0;
            break;
        }
        s.canon_column = s.column = 0;
        break;
    case '\t':
        s.column = (s.column | 7) + 1;
        break;
    case '\b':
        if (s.column > 0)
            s.column--;
        break;
    default:
        if (!is_cntrl(c)) {
            if (s.oflag(OLCUC) && c >= 'a' && c <= 'z')
                c = uint8_t(c - 'a' + 'A');
            if ((c & 0xc0) != 0x80)  // a UTF-8 continuation byte takes no column
                s.column++;
        }
        break;
    }
    out.put(char(c));
}

// ---- Echo (n_tty's echo_char, echo_char_raw and process_echoes) ------------------------------

void echo_char_raw(TtyState& s, uint8_t c, Output& out) { opost_char(s, c, out); }

// A control character shows as ^X with ECHOCTL (but a tab); anything else as itself.
void echo_char(TtyState& s, uint8_t c, Output& out) {
    if (s.lflag(ECHOCTL) && is_cntrl(c) && c != '\t') {
        out.put('^');
        out.put(char(c ^ 0100));
        s.column += 2;
        return;
    }
    opost_char(s, c, out);
}

void echo_erase_one(TtyState& s, Output& out) {
    out.put('\b');
    out.put(' ');
    out.put('\b');
    if (s.column > 0)
        s.column--;
}

// The column where the line being edited would end if it held only canon_head..end.
size_t line_column(TtyState& s, size_t end) {
    size_t column = s.canon_column;
    for (size_t p = s.canon_head; p < end; ++p) {
        uint8_t c = s.at(p);
        if (c == '\t')
            column = (column | 7) + 1;
        else if (is_cntrl(c))
            column += s.lflag(ECHOCTL) ? 2 : 0;
        else if ((c & 0xc0) != 0x80)
            column++;
    }
    return column;
}

// ---- Input (n_tty_receive_char and friends) ---------------------------------------------------

void reset_input(TtyState& s) {
    s.read_tail = s.canon_head = s.read_head;
    s.lnext = false;
}

void put_input(TtyState& s, uint8_t c, uint8_t flag = 0) {
    s.at(s.read_head) = c;
    s.flag_at(s.read_head) = flag;
    s.read_head++;
}

enum class EraseKind { Erase, WordErase, Kill };

// n_tty's eraser: ERASE takes a character, WERASE a word (trailing non-word characters, then
// letters, digits and '_'), KILL the whole line being edited.
void eraser(TtyState& s, EraseKind kind, uint8_t c, Output& out) {
    if (s.read_head == s.canon_head)
        return;
    if (kind == EraseKind::Kill) {
        if (!s.lflag(ECHO)) {
            s.read_head = s.canon_head;
            return;
        }
        if (!s.lflag(ECHOK) || !s.lflag(ECHOKE) || !s.lflag(ECHOE)) {
            s.read_head = s.canon_head;
            echo_char(s, c, out);
            if (s.lflag(ECHOK))
                echo_char_raw(s, '\n', out);
            return;
        }
    }
    size_t seen_alnums = 0;
    while (s.read_head != s.canon_head) {
        uint8_t last = s.at(s.read_head - 1);
        if (kind == EraseKind::WordErase) {
            if (is_alnum(last) || last == '_')
                seen_alnums++;
            else if (seen_alnums)
                break;
        }
        s.read_head--;
        if (s.lflag(ECHO)) {
            if (kind == EraseKind::Erase && !s.lflag(ECHOE)) {
                echo_char(s, s.cc(VERASE), out);
            } else if (last == '\t') {
                size_t target = line_column(s, s.read_head);
                while (s.column > target) {
                    out.put('\b');
                    s.column--;
                }
            } else {
                if (is_cntrl(last) && s.lflag(ECHOCTL))
                    echo_erase_one(s, out);
                if (!is_cntrl(last) || s.lflag(ECHOCTL))
                    echo_erase_one(s, out);
            }
        }
        if (kind == EraseKind::Erase)
            break;
    }
}

// What a byte asks of the caller once the tty lock is dropped.
struct Deferred {
    int signals[8];
    size_t signal_count{0};
    bool wake{false};
};

void receive_char(TtyState& s, uint8_t c, Deferred& deferred, Output& out) {
    if (s.iflag(ISTRIP))
        c &= 0x7f;
    if (s.lnext) {
        s.lnext = false;
        if (s.read_count() < N_TTY_BUF_SIZE - 1) {
            if (s.lflag(ECHO))
                echo_char(s, c, out);  // over the ^ that VLNEXT showed
            put_input(s, c);
            deferred.wake |= !s.lflag(ICANON);
        }
        return;
    }
    // Flow control characters are taken by the tty and never read; output is not actually
    // held back (Sprout writes synchronously).
    if (s.iflag(IXON) && c && (c == s.cc(VSTART) || c == s.cc(VSTOP)))
        return;
    if (s.lflag(ISIG) && c) {
        int sig = c == s.cc(VINTR) ? SIGINT : c == s.cc(VQUIT) ? SIGQUIT : c == s.cc(VSUSP) ? SIGTSTP : 0;
        if (sig) {
            // n_tty_receive_signal_char: signal the foreground group, flush, then echo.
            if (deferred.signal_count < 8)
                deferred.signals[deferred.signal_count++] = sig;
            if (!s.lflag(NOFLSH))
                reset_input(s);
            if (s.lflag(ECHO))
                echo_char(s, c, out);
            return;
        }
    }
    if (c == '\r') {
        if (s.iflag(IGNCR))
            return;
        if (s.iflag(ICRNL))
            c = '\n';
    } else if (c == '\n' && s.iflag(INLCR)) {
        c = '\r';
    }
    if (s.lflag(ICANON) && c) {
        if (c == s.cc(VERASE)) {
            eraser(s, EraseKind::Erase, c, out);
            return;
        }
        if (c == s.cc(VKILL)) {
            eraser(s, EraseKind::Kill, c, out);
            return;
        }
        if (s.lflag(IEXTEN) && c == s.cc(VWERASE)) {
            eraser(s, EraseKind::WordErase, c, out);
            return;
        }
        if (s.lflag(IEXTEN) && c == s.cc(VLNEXT)) {
            s.lnext = true;
            if (s.lflag(ECHO) && s.lflag(ECHOCTL)) {
                out.put('^');
                out.put('\b');
            }
            return;
        }
        if (s.lflag(IEXTEN) && s.lflag(ECHO) && c == s.cc(VREPRINT)) {
            echo_char(s, c, out);
            echo_char_raw(s, '\n', out);
            s.canon_column = s.column;
            for (size_t p = s.canon_head; p < s.read_head; ++p)
                echo_char(s, s.at(p), out);
            return;
        }
        bool line_end = c == '\n' || c == s.cc(VEOF) || c == s.cc(VEOL) || (s.lflag(IEXTEN) && c == s.cc(VEOL2));
        if (line_end) {
            if (s.read_count() >= N_TTY_BUF_SIZE)
                return;
            if (c == s.cc(VEOF)) {
                put_input(s, 0, FLAG_LINE_END | FLAG_EOF);
            } else {
                if (c == '\n' ? s.lflag(ECHO) || s.lflag(ECHONL) : s.lflag(ECHO)) {
                    if (c == '\n')
                        echo_char_raw(s, c, out);
                    else
                        echo_char(s, c, out);
                }
                put_input(s, c, FLAG_LINE_END);
            }
            s.canon_head = s.read_head;
            deferred.wake = true;
            return;
        }
        // Room is kept for the line's end (n_tty keeps one byte in canonical mode).
        if (s.read_count() >= N_TTY_BUF_SIZE - 1)
            return;
    } else if (s.read_count() >= N_TTY_BUF_SIZE) {
        return;
    }
    if (s.lflag(ECHO)) {
        if (s.canon_head == s.read_head)
            s.canon_column = s.column;
        echo_char(s, c, out);
    }
    put_input(s, c);
    if (!s.lflag(ICANON))
        deferred.wake = true;
}

// Linux's kill_pgrp(pgrp, sig, 1): every process of the group, as the kernel (SI_KERNEL).
void kill_pgrp_nr(int pgrp, int sig) {
    if (!pgrp)
        return;
    siginfo_t info = make_kernel_info(sig);
    SpinlockGuard guard(tasklist_lock());
    for_each_process([&](Task& p) {
        if (p.m_signal && p.m_signal->pgrp == pgrp)
            (void)send_signal(p, sig, info, true);
        return false;
    });
}

// Takes what the UART holds through the line discipline, then signals and wakes.
void receive_pending_input() {
    Deferred deferred;
    int pgrp = 0;
    {
        SpinlockGuard guard(g_tty.lock);
        TtyState& s = g_tty.state;
        Output out;
        // A full buffer leaves the rest in the UART, which holds QEMU's sender back.
        while (s.read_count() < N_TTY_BUF_SIZE) {
            int c = arch::console_read_nonblocking();
            if (c < 0)
                break;
            if (!(s.settings.c_cflag & CREAD))
                continue;
            receive_char(s, uint8_t(c), deferred, out);
        }
        pgrp = s.pgrp;
        if (deferred.signal_count)
            deferred.wake = true;
    }
    for (size_t i = 0; i < deferred.signal_count; ++i)
        kill_pgrp_nr(pgrp, deferred.signals[i]);
    if (deferred.wake)
        g_tty.read_wait.wake_all();
}

// n_tty's input_available_p: a whole line in canonical mode, else at least VMIN bytes (one
// when VMIN is 0, as a read with VTIME set waits for one).
bool input_available(TtyState& s) {
    if (s.lflag(ICANON))
        return s.canon_head != s.read_tail;
    size_t wanted = s.cc(VMIN) ? s.cc(VMIN) : 1;
    return s.read_count() >= wanted;
}

// ---- Job control (tty_jobctrl.c) -------------------------------------------------------------

bool is_ignored(int sig) {
    Task* self = current();
    return (self->m_blocked & sigmask(sig)) || self->m_sighand->action[sig - 1].handler == 1 /* SIG_IGN */;
}

// __tty_check_change: a process of a background group that touches its controlling terminal
// stops its group with `sig`. EIO when it cannot be stopped (orphaned group, or SIGTTIN
// ignored); an ignored or blocked SIGTTOU lets it through.
ErrorOr<void> tty_check_change(int sig) {
    Task* self = current();
    int my_pgrp = 0;
    int tty_pgrp = 0;
    {
        SpinlockGuard guard(tasklist_lock());
        if (self->m_signal->tty != &g_tty)
            return {};
        my_pgrp = self->m_signal->pgrp;
        tty_pgrp = g_tty.state.pgrp;
    }
    if (!tty_pgrp || tty_pgrp == my_pgrp)
        return {};
    if (is_ignored(sig)) {
        if (sig == SIGTTIN)
            return Error::from_errno(EIO);
        return {};
    }
    if (is_current_pgrp_orphaned())
        return Error::from_errno(EIO);
    kill_pgrp_nr(my_pgrp, sig);
    return Error::from_errno(ERESTARTSYS);
}

bool is_session_leader(Task& task) { return task.m_signal->leader; }

// __proc_set_tty: the caller's session takes the tty, its group in the foreground. Tasklist lock
// held.
void proc_set_tty_locked(Task& self) {
    SpinlockGuard guard(g_tty.lock);
    g_tty.state.session = self.m_signal->session;
    g_tty.state.pgrp = self.m_signal->pgrp;
    self.m_signal->tty = &g_tty;
}

// session_clear_tty: no process of `session` keeps the tty as its controlling terminal.
void session_clear_tty_locked(int session) {
    for_each_process([&](Task& p) {
        if (p.m_signal && p.m_signal->session == session)
            p.m_signal->tty = nullptr;
        return false;
    });
}

// ---- The open file ---------------------------------------------------------------------------

class TtyFile final : public File {
public:
    ErrorOr<size_t> read_at(void*, size_t, uint64_t) override { return Error::from_errno(EINVAL); }

    // n_tty's job_control and its TOSTOP check leave /dev/console's files alone (Linux's
    // redirected_tty_write test): only ttyS0 and /dev/tty readers and writers are stopped.
    bool is_console() const { return inode()->rdev() == DEV_CONSOLE; }

    ErrorOr<size_t> read(IoBuffer buffer, size_t size, uint64_t&) override {
        if (!is_console())
            TRY(tty_check_change(SIGTTIN));
        if (!size)
            return 0;
        size_t want = size < N_TTY_BUF_SIZE ? size : N_TTY_BUF_SIZE;
        auto chunk = TRY(KernelBuffer::allocate(want));
        size_t done = 0;
        uint64_t deadline = ~uint64_t(0);
        bool first_wait = true;
        WaitQueueEntry entry{current(), {}};
        g_tty.read_wait.add(entry);
        ScopeGuard remove([&] { g_tty.read_wait.remove(entry); });
        for (;;) {
            receive_pending_input();
            bool finished = false;
            bool interbyte_reset = false;
            {
                SpinlockGuard guard(g_tty.lock);
                TtyState& s = g_tty.state;
                if (s.lflag(ICANON)) {
                    while (done < want && s.read_tail != s.canon_head) {
                        size_t p = s.read_tail++;
                        uint8_t flag = s.flag_at(p);
                        if (flag & FLAG_EOF) {
                            finished = true;
                            break;
                        }
                        chunk.data()[done++] = s.at(p);
                        if (flag & FLAG_LINE_END) {
                            finished = true;
                            break;
                        }
                    }
                    finished = finished || done == want;
                } else {
                    size_t before = done;
                    while (done < want && s.read_tail != s.read_head)
                        chunk.data()[done++] = s.at(s.read_tail++);
                    interbyte_reset = done > before;
                    size_t vmin = s.cc(VMIN);
                    uint64_t vtime_ns = uint64_t(s.cc(VTIME)) * 100'000'000;
                    if (done == want)
                        finished = true;
                    else if (vmin == 0)
                        finished = done > 0 || vtime_ns == 0 || arch::monotonic_ns() >= deadline;
                    else
                        finished = done >= vmin || (done > 0 && vtime_ns && arch::monotonic_ns() >= deadline);
                    // VTIME: with VMIN 0 a deadline for the whole read, else the time allowed
                    // between bytes once the first one came.
                    if (vtime_ns && ((vmin == 0 && first_wait) || (vmin && interbyte_reset)))
                        deadline = arch::monotonic_ns() + vtime_ns;
                }
            }
            first_wait = false;
            if (finished)
                break;
            if (flags() & O_NONBLOCK) {
                if (done)
                    break;
                return Error::from_errno(EAGAIN);
            }
            bool woke = sleep_interruptible_until(deadline, [] {
                SpinlockGuard guard(g_tty.lock);
                return g_tty.state.lflag(ICANON) ? g_tty.state.canon_head != g_tty.state.read_tail
                                                 : g_tty.state.read_count() != 0;
            });
            if (!woke) {
                if (done)
                    break;
                return Error::from_errno(ERESTARTSYS);
            }
        }
        if (done)
            TRY(buffer.copy_to(0, chunk.data(), done));
        return done;
    }

    ErrorOr<size_t> write(IoBuffer buffer, size_t size, uint64_t&) override {
        bool tostop = with_tty_lock([] { return g_tty.state.lflag(TOSTOP); });
        if (tostop && !is_console())
            TRY(tty_check_change(SIGTTOU));
        // As the tty layer: through a buffer of up to 2048 bytes, each piece copied in whole
        // before any of it is written, so a fault in the first piece writes nothing (EFAULT).
        constexpr size_t CHUNK = 2048;
        if (!size)
            return 0;
        auto chunk = TRY(KernelBuffer::allocate(size < CHUNK ? size : CHUNK));
        size_t done = 0;
        while (done < size) {
            size_t n = size - done < chunk.size() ? size - done : chunk.size();
            if (buffer.copy_from(chunk.data(), done, n).is_error())
                break;
            // Pieces of 256 bytes under the lock keep interrupts off briefly.
            for (size_t i = 0; i < n; i += 256) {
                SpinlockGuard guard(g_tty.lock);
                Output out;
                for (size_t j = i; j < n && j < i + 256; ++j)
                    opost_char(g_tty.state, uint8_t(chunk.data()[j]), out);
            }
            done += n;
        }
        if (!done)
            return Error::from_errno(EFAULT);
        return done;
    }

    ErrorOr<long> ioctl(unsigned request, uint64_t argument) override;

    // n_tty_poll: readable when a read would not wait, always writable (output is synchronous).
    unsigned poll(PollTable* table) override {
        poll_wait(*this, g_tty.read_wait, table);
        receive_pending_input();
        bool readable = with_tty_lock([] { return input_available(g_tty.state); });
        return POLLOUT | POLLWRNORM | (readable ? POLLIN | POLLRDNORM : 0u);
    }
};

// n_tty_set_termios's part for a change of ICANON: to raw mode everything typed is readable;
// to canonical mode what was typed becomes one line.
void set_termios_locked(TtyState& s, const termios& settings) {
    bool canon_changed = (s.settings.c_lflag ^ settings.c_lflag) & ICANON;
    s.settings = settings;
    if (!canon_changed)
        return;
    for (size_t p = s.read_tail; p < s.read_head; ++p)
        s.flag_at(p) &= uint8_t(~FLAG_LINE_END);
    if (!s.lflag(ICANON) || !s.read_count()) {
        s.canon_head = s.read_tail;
    } else {
        s.flag_at(s.read_head - 1) |= FLAG_LINE_END;
        s.canon_head = s.read_head;
    }
    s.lnext = false;
}

// termios2 (TCGETS2): termios with the speeds apart.
struct Termios2 {
    termios settings;
    uint32_t ispeed, ospeed;
};

ErrorOr<long> TtyFile::ioctl(unsigned request, uint64_t argument) {
    Task* self = current();
    switch (request) {
    case TCGETS: {
        termios settings = with_tty_lock([] { return g_tty.state.settings; });
        TRY(copy_to_user(argument, &settings, sizeof(settings)));
        return 0;
    }
    case TCGETS2: {
        Termios2 settings{with_tty_lock([] { return g_tty.state.settings; }), 9600, 9600};
        TRY(copy_to_user(argument, &settings, sizeof(settings)));
        return 0;
    }
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
    case TCSETS2:
    case TCSETSW2:
    case TCSETSF2: {
        TRY(tty_check_change(SIGTTOU));
        termios settings;
        TRY(copy_from_user(&settings, argument, sizeof(settings)));
        with_tty_lock([&] {
            if (request == TCSETSF || request == TCSETSF2) {
                while (arch::console_read_nonblocking() >= 0) {
                }
                reset_input(g_tty.state);
            }
            // The line settings of a UART we do not reprogram stay as they are.
            settings.c_cflag = g_tty.state.settings.c_cflag;
            set_termios_locked(g_tty.state, settings);
        });
        g_tty.read_wait.wake_all();
        return 0;
    }
    case TIOCGWINSZ: {
        WindowSize window = with_tty_lock([] { return g_tty.state.window; });
        TRY(copy_to_user(argument, &window, sizeof(window)));
        return 0;
    }
    case TIOCSWINSZ: {
        WindowSize window;
        TRY(copy_from_user(&window, argument, sizeof(window)));
        int pgrp = 0;
        with_tty_lock([&] {
            TtyState& s = g_tty.state;
            if (__builtin_memcmp(&s.window, &window, sizeof(window)))
                pgrp = s.pgrp;
            s.window = window;
        });
        kill_pgrp_nr(pgrp, SIGWINCH);  // tty_do_resize: only when it changed
        return 0;
    }
    case TCFLSH:
        TRY(tty_check_change(SIGTTOU));
        if (argument > TCIOFLUSH)
            return Error::from_errno(EINVAL);
        if (argument != TCOFLUSH)
            with_tty_lock([] {
                while (arch::console_read_nonblocking() >= 0) {
                }
                reset_input(g_tty.state);
            });
        return 0;
    case FIONREAD: {  // TIOCINQ: complete lines in canonical mode (EOF marks not counted)
        receive_pending_input();
        int available = with_tty_lock([] {
            TtyState& s = g_tty.state;
            if (!s.lflag(ICANON))
                return int(s.read_count());
            int n = 0;
            for (size_t p = s.read_tail; p < s.canon_head; ++p)
                n += (s.flag_at(p) & FLAG_EOF) ? 0 : 1;
            return n;
        });
        TRY(copy_to_user(argument, &available, sizeof(available)));
        return 0;
    }
    case TIOCOUTQ: {  // output is written synchronously: nothing waits
        int queued = 0;
        TRY(copy_to_user(argument, &queued, sizeof(queued)));
        return 0;
    }
    case TCSBRK:  // tcdrain and breaks: output is synchronous, nothing to wait for
    case TCSBRKP:
        TRY(tty_check_change(SIGTTOU));
        return 0;
    case TCXONC:
        TRY(tty_check_change(SIGTTOU));
        if (argument > TCION)
            return Error::from_errno(EINVAL);
        return 0;
    case TIOCGPGRP: {
        int pgrp;
        {
            SpinlockGuard guard(tasklist_lock());
            if (self->m_signal->tty != &g_tty)
                return Error::from_errno(ENOTTY);
            pgrp = pid_vnr_from_nr(g_tty.state.pgrp);
        }
        TRY(copy_to_user(argument, &pgrp, sizeof(pgrp)));
        return 0;
    }
    case TIOCGSID: {
        int session;
        {
            SpinlockGuard guard(tasklist_lock());
            if (self->m_signal->tty != &g_tty || !g_tty.state.session)
                return Error::from_errno(ENOTTY);
            session = pid_vnr_from_nr(g_tty.state.session);
        }
        TRY(copy_to_user(argument, &session, sizeof(session)));
        return 0;
    }
    case TIOCSPGRP: {
        // tiocspgrp: a background caller is stopped first; an orphaned one gets ENOTTY.
        auto change = tty_check_change(SIGTTOU);
        if (change.is_error())
            return Error::from_errno(change.error().code() == EIO ? ENOTTY : change.error().code());
        int wanted;
        TRY(copy_from_user(&wanted, argument, sizeof(wanted)));
        SpinlockGuard guard(tasklist_lock());
        if (self->m_signal->tty != &g_tty || g_tty.state.session != self->m_signal->session)
            return Error::from_errno(ENOTTY);
        if (wanted < 0)
            return Error::from_errno(EINVAL);
        int pgrp = pid_nr_from_vnr(wanted);
        int pgrp_session = 0;
        bool found = false;
        for_each_process([&](Task& p) {
            if (p.m_signal && p.m_signal->pgrp == pgrp) {
                found = true;
                pgrp_session = p.m_signal->session;
            }
            return found;
        });
        // find_vpid + session_of_pgrp: a number that is only a process's pid counts too,
        // with that process's session.
        if (!found) {
            Task* task = find_task_by_vpid_locked(wanted);
            if (!task || !task->m_signal)
                return Error::from_errno(ESRCH);
            pgrp_session = task->m_signal->session;
        }
        if (pgrp_session != self->m_signal->session)
            return Error::from_errno(EPERM);
        with_tty_lock([&] { g_tty.state.pgrp = pgrp; });
        return 0;
    }
    case TIOCSCTTY: {
        SpinlockGuard guard(tasklist_lock());
        SignalStruct& signal = *self->m_signal;
        if (signal.leader && signal.session == g_tty.state.session)
            return 0;  // already ours
        if (!signal.leader || signal.tty)
            return Error::from_errno(EPERM);
        if (g_tty.state.session) {
            // Another session's terminal: only stolen with argument 1 by CAP_SYS_ADMIN.
            if (argument != 1 || !capable(CAP_SYS_ADMIN))
                return Error::from_errno(EPERM);
            session_clear_tty_locked(g_tty.state.session);
        }
        if ((flags() & O_ACCMODE) == O_WRONLY && !capable(CAP_SYS_ADMIN))
            return Error::from_errno(EPERM);
        proc_set_tty_locked(*self);
        return 0;
    }
    case TIOCNOTTY: {
        {
            SpinlockGuard guard(tasklist_lock());
            if (self->m_signal->tty != &g_tty)
                return Error::from_errno(ENOTTY);
        }
        disassociate_ctty(false);
        SpinlockGuard guard(tasklist_lock());
        self->m_signal->tty = nullptr;  // proc_clear_tty
        return 0;
    }
    default:
        return Error::from_errno(ENOTTY);
    }
}

}  // namespace

ErrorOr<NonnullRefPtr<File>> open_tty_device(const Path& path, int flags) {
    uint32_t rdev = path.inode->rdev();
    Task* self = current();
    if (rdev == DEV_TTY) {
        SpinlockGuard guard(tasklist_lock());
        if (self->m_signal->tty != &g_tty)
            return Error::from_errno(ENXIO);
    }
    auto file = TRY(try_make_ref_counted<TtyFile>());
    file->set_open_state(path, flags & ~O_NOCTTY);
    // tty_open: the console and /dev/tty never become a controlling terminal by opening them.
    bool noctty = (flags & O_NOCTTY) || rdev == DEV_CONSOLE || rdev == DEV_TTY;
    if (!noctty) {
        SpinlockGuard guard(tasklist_lock());
        if (is_session_leader(*self) && !self->m_signal->tty && !g_tty.state.session)
            proc_set_tty_locked(*self);
    }
    return NonnullRefPtr<File>(std::move(file));
}

void tty_tick() {
    // Cheap when nothing was typed: one look at the UART's line status.
    if (arch::console_input_ready())
        receive_pending_input();
}

void disassociate_ctty(bool on_exit) {
    Task* self = current();
    int pgrp = 0;
    {
        SpinlockGuard guard(tasklist_lock());
        if (!self->m_signal->leader || self->m_signal->tty != &g_tty)
            return;
        pgrp = g_tty.state.pgrp;
        session_clear_tty_locked(self->m_signal->session);
        SpinlockGuard tty_guard(g_tty.lock);
        g_tty.state.session = 0;
        g_tty.state.pgrp = 0;
        if (on_exit)
            reset_input(g_tty.state);  // the hangup's new line discipline starts empty
    }
    kill_pgrp_nr(pgrp, SIGHUP);
    if (!on_exit)
        kill_pgrp_nr(pgrp, SIGCONT);
}

int tty_foreground_pgrp(Tty& tty) {
    SpinlockGuard guard(tty.lock);
    return tty.state.pgrp;
}

}  // namespace kernel
