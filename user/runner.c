// runner: the /init that tools/vmrun puts in every initramfs, on Sprout and on Linux alike.
// Built with `musl-gcc -static` (tools/vmrun builds it into $SPROUT_BUILD/user/runner).
//
// It reads /vmrun/commands, written by vmrun:
//
//     vmrun 1                 format version
//     nonce 5f0c2a9e81d4b736  random per boot; it makes the markers unguessable
//     run 0                   one block per program, numbered from 0
//     exec /bin/hello         the path given to execve
//     arg /bin/hello          argv[0], argv[1], ... in order
//     env PATH=/bin           envp, in order (no env lines: an empty environment)
//     timeout 30              seconds, 0 or absent: no limit of the runner's own
//     end
//     nofork 1                (optional, anywhere) act as if fork failed: for testing vmrun
//
// Strings are %XX-escaped: every byte <= 0x20, >= 0x7f and '%' itself, so any argv survives.
//
// For each program it writes to the console (its fd 1) a begin marker, runs the program as a
// child (fork + execve + wait4) with fds 0/1/2 on the console, so the program's output passes
// straight through, then an end marker carrying the exit status:
//
//     @@vmrun:NONCE:begin:I@@\n
//     ...the program's output...
//     @@vmrun:NONCE:end:I:exit:N@@\n        exited with status N
//     @@vmrun:NONCE:end:I:signal:N@@\n      killed by signal N (vmrun reports 128+N)
//     @@vmrun:NONCE:end:I:timeout@@\n       killed after its timeout
//
// The end marker is written right after the program's last byte, with no newline before it, so
// vmrun knows whether the output ended with a newline; vmrun finds markers anywhere in a line.
// After the last program: @@vmrun:NONCE:done@@, then tcdrain, sync, and
// reboot(LINUX_REBOOT_CMD_POWER_OFF). Should that fail, the runner exits with the last status.
//
// When fork fails (Sprout before its fork issue: ENOSYS), the runner writes
// @@vmrun:NONCE:nofork:ERRNO@@ and the begin marker of the first program, then execve's it in
// place: the program becomes pid 1, and the kernel's "sprout: init exited with status N" line
// ends it. Later programs of the batch do not run in that boot; vmrun boots again for them.
//
// Problems of the runner itself are reported as @@vmrun:NONCE:error:TEXT@@ (NONCE "-" when the
// commands file cannot be read); vmrun passes them to its stderr.
//
// As pid 1 the runner first mounts proc on /proc, tmpfs on /tmp and devtmpfs on /dev; each
// failure is tolerated (Sprout has no devtmpfs: its /dev comes from the initramfs).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define COMMANDS "/vmrun/commands"
#define MAX_FILE (4 << 20)

struct strings {
    char** v;  // NULL-terminated once complete
    size_t n, cap;
};

struct run {
    int index;
    char* exec;
    struct strings argv, envp;
    unsigned timeout;
};

static const char* nonce = "-";
static int force_nofork;

static void put(const char* s, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

// "@@vmrun:NONCE:" WHAT [":" N] "@@\n", in one write so it is not split by other output.
static void marker(const char* what, long index, const char* what2, long n) {
    char buf[256];
    size_t len = 0;
    const char* parts[] = {"@@vmrun:", nonce, ":", what};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; ++i) {
        size_t l = strlen(parts[i]);
        if (len + l >= sizeof buf - 64)
            l = sizeof buf - 64 - len;
        memcpy(buf + len, parts[i], l);
        len += l;
    }
    long nums[2] = {index, n};
    const char* words[2] = {NULL, what2};
    for (int k = 0; k < 2; ++k) {
        if (words[k]) {
            buf[len++] = ':';
            size_t l = strlen(words[k]);
            memcpy(buf + len, words[k], l);
            len += l;
        }
        if (nums[k] >= 0) {
            char tmp[24];
            char* p = tmp + sizeof tmp;
            unsigned long v = (unsigned long)nums[k];
            do {
                *--p = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            buf[len++] = ':';
            memcpy(buf + len, p, (size_t)(tmp + sizeof tmp - p));
            len += (size_t)(tmp + sizeof tmp - p);
        }
    }
    memcpy(buf + len, "@@\n", 3);
    put(buf, len + 3);
}

// "@@vmrun:NONCE:error:TEXT[: DETAIL]@@\n" in one write; '@' and newlines in it become '?'.
static void error_marker(const char* text, const char* detail) {
    char buf[512];
    size_t len = 0;
    const char* parts[] = {"@@vmrun:", nonce, ":error:", text, detail ? ": " : "", detail ? detail : ""};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; ++i) {
        for (const char* p = parts[i]; *p && len < sizeof buf - 4; ++p) {
            char c = *p;
            if (i >= 3 && (c == '@' || c == '\n' || c == '\r'))
                c = '?';
            buf[len++] = c;
        }
    }
    memcpy(buf + len, "@@\n", 3);
    put(buf, len + 3);
}

static void power_off(int status) {
    tcdrain(1);  // let the UART send everything before the machine stops
    if (getpid() == 1) {  // never on a host where someone runs the runner by hand
        sync();
        reboot(RB_POWER_OFF);
    }
    _exit(status);  // the kernel has no reboot(2): init's exit ends the boot instead
}

static void ensure_console(void) {
    if (fcntl(1, F_GETFD) >= 0)
        return;
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; ++i)
        if (fd != i)
            dup2(fd, i);
    if (fd > 2)
        close(fd);
}

static void linux_mounts(void) {
    // Each may fail (already mounted, unknown type, no mount(2)): tolerated.
    mkdir("/proc", 0755);
    mkdir("/tmp", 01777);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes %XX in place; returns the string.
static char* unescape(char* s) {
    char* out = s;
    for (char* in = s; *in; ++in) {
        if (in[0] == '%' && hexval(in[1]) >= 0 && hexval(in[2]) >= 0) {
            *out++ = (char)(hexval(in[1]) * 16 + hexval(in[2]));
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return s;
}

static char* read_commands(const char* path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_marker("cannot open the commands file", strerror(errno));
        return NULL;
    }
    struct stat st;
    size_t size = fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < MAX_FILE ? (size_t)st.st_size : 65536;
    char* buf = malloc(size + 1);
    size_t len = 0;
    while (buf && len < size) {
        ssize_t r = read(fd, buf + len, size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            error_marker("cannot read the commands file", strerror(errno));
            free(buf);
            buf = NULL;
        }
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static struct run* runs;

static int push(struct strings* s, char* value) {
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        char** v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = value;
    s->v[s->n] = NULL;
    return 0;
}

// Parses the commands file; returns the number of runs or -1.
static int parse(char* text) {
    int count = 0, cap = 0;
    struct run* cur = NULL;
    int line_no = 0;
    for (char* line = text; line && *line;) {
        char* next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        ++line_no;
        char* value = strchr(line, ' ');
        if (value)
            *value++ = '\0';
        else
            value = line + strlen(line);
        if (!strcmp(line, "vmrun")) {
            if (strcmp(value, "1") != 0) {
                error_marker("unknown commands format version", value);
                return -1;
            }
        } else if (!strcmp(line, "nofork")) {
            force_nofork = atoi(value);
        } else if (!strcmp(line, "nonce")) {
            nonce = unescape(value);
        } else if (!strcmp(line, "run")) {
            if (count == cap) {
                cap = cap ? 2 * cap : 16;
                struct run* more = realloc(runs, (size_t)cap * sizeof *runs);
                if (!more) {
                    error_marker("out of memory", NULL);
                    return -1;
                }
                runs = more;
            }
            cur = &runs[count++];
            memset(cur, 0, sizeof *cur);
            cur->index = atoi(value);
        } else if (cur && !strcmp(line, "exec")) {
            cur->exec = unescape(value);
        } else if (cur && (!strcmp(line, "arg") || !strcmp(line, "env"))) {
            if (push(line[0] == 'a' ? &cur->argv : &cur->envp, unescape(value)) < 0) {
                error_marker("out of memory", NULL);
                return -1;
            }
        } else if (cur && !strcmp(line, "timeout")) {
            cur->timeout = (unsigned)atoi(value);
        } else if (!strcmp(line, "end")) {
            if (!cur || !cur->exec) {
                error_marker("a run without exec", NULL);
                return -1;
            }
            cur = NULL;
        } else if (*line) {
            error_marker("unknown line in " COMMANDS, line);
            return -1;
        }
        line = next;
    }
    return count;
}

static void exec_program(struct run* r) {
    static char* empty[1];
    if (r->argv.n == 0)
        push(&r->argv, r->exec);
    execve(r->exec, r->argv.v ? r->argv.v : empty, r->envp.v ? r->envp.v : empty);
    int err = errno;
    // As a shell says it: on stderr, then 126 (found, not runnable) or 127 (not found).
    const char* msg = strerror(err);
    const char* parts[] = {"runner: cannot execute ", r->exec, ": ", msg, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; ++i)
        if (write(2, parts[i], strlen(parts[i])) < 0)
            break;
    _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

static volatile sig_atomic_t alarm_fired;
static void on_alarm(int sig) {
    (void)sig;
    alarm_fired = 1;
}

// Kills whatever the program left behind (its children) and reaps everything.
// Only as pid 1: elsewhere kill(-1) would reach every process of the user.
static void reap_all(void) {
    if (getpid() != 1)
        return;
    kill(-1, SIGKILL);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {
    }
}

// The kernel passes no arguments to /init; by hand (on a host, for testing), argv[1] names
// another commands file.
int main(int argc, char** argv) {
    ensure_console();
    if (getpid() == 1)
        linux_mounts();
    char* text = read_commands(argc > 1 ? argv[1] : COMMANDS);
    if (!text)
        power_off(125);
    int count = parse(text);
    if (count < 0)
        power_off(125);
    (void)chdir("/");

    int last = 0;
    for (int i = 0; i < count; ++i) {
        struct run* r = &runs[i];
        long pid = force_nofork ? (errno = ENOSYS, -1) : syscall(SYS_fork);  // raw: no more than fork
        if (pid < 0) {
            marker("nofork", errno, NULL, -1);
            marker("begin", r->index, NULL, -1);
            exec_program(r);  // does not return
        }
        if (pid == 0) {
            marker("begin", r->index, NULL, -1);
            exec_program(r);
        }
        alarm_fired = 0;
        if (r->timeout) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_alarm;  // no SA_RESTART: wait4 returns EINTR
            sigaction(SIGALRM, &sa, NULL);
            alarm(r->timeout);
        }
        int status = 0;
        long got;
        while ((got = wait4((pid_t)pid, &status, 0, NULL)) < 0) {
            if (errno != EINTR)
                break;
            if (alarm_fired) {
                kill((pid_t)pid, SIGKILL);
                alarm_fired = 2;
            }
        }
        if (r->timeout)
            alarm(0);
        reap_all();
        if (got < 0) {
            error_marker("wait4 failed", strerror(errno));
            marker("end", r->index, "exit", 125);
            last = 125;
        } else if (alarm_fired && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
            marker("end", r->index, "timeout", -1);
            last = 124;
        } else if (WIFSIGNALED(status)) {
            marker("end", r->index, "signal", WTERMSIG(status));
            last = 128 + WTERMSIG(status);
        } else {
            marker("end", r->index, "exit", WEXITSTATUS(status));
            last = WEXITSTATUS(status);
        }
    }
    marker("done", -1, NULL, -1);
    power_off(last);
}
