// trace-fork: the process tracepoints switched on, read and switched off at run time through
// tracefs, mounted on /tmp/trace-fork. set_event takes one word per write ("!word" switches an
// event off; a word naming nothing is EINVAL; O_TRUNC switches all off), the per-event and
// per-system enable files take 0 or 1, tracing_on stops recording, and `trace` shows ftrace's
// header and, after a fork + exec + exit + wait, one line of each event naming the right comm
// and pids. Only facts are printed: never pids or times.
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/mount.h>
#include <sys/stat.h>

#define T "/tmp/trace-fork"

// The whole contents of a file (a static buffer), or "<ERRNO>".
static const char* slurp(const char* path) {
    static char text[1 << 18];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(text, sizeof text, "<%s>", res(-errno));
        return text;
    }
    size_t used = 0;
    ssize_t n;
    while (used < sizeof text - 1 && (n = read(fd, text + used, sizeof text - 1 - used)) > 0)
        used += (size_t)n;
    text[used] = '\0';
    close(fd);
    return text;
}

// `text` on one line, in quotes, newlines as "\n".
static void print_quoted(const char* text) {
    putchar('"');
    for (const char* p = text; *p; ++p)
        fputs(*p == '\n' ? "\\n" : (char[]){*p, 0}, stdout);
    putchar('"');
}

// Prints a small file's contents.
static void show(const char* name) {
    char path[128];
    snprintf(path, sizeof path, T "/%s", name);
    const char* text = slurp(path);
    printf("%s: ", name);
    print_quoted(text);
    putchar('\n');
}

// One write(2) of `text` to a file opened with `flags`; prints what it returned.
static void put(const char* name, const char* text, int flags) {
    char path[128];
    snprintf(path, sizeof path, T "/%s", name);
    int fd = open(path, O_WRONLY | flags);
    if (fd < 0) {
        printf("open %s: %s\n", name, res(-errno));
        return;
    }
    long r = sc(SYS_write, fd, text, strlen(text));
    printf("write ");
    print_quoted(text);
    printf(" to %s: %s\n", name, res(r));
    close(fd);
}

// Empties the buffer: `trace` opened for writing with O_TRUNC.
static void clear_trace(void) {
    int fd = open(T "/trace", O_WRONLY | O_TRUNC);
    if (fd < 0)
        printf("open trace O_TRUNC: %s\n", res(-errno));
    else
        close(fd);
}

// Forks a child that execs this program with "child" (which exits at once), and reaps it.
static long fork_exec_wait(const char* self) {
    long pid = raw_fork();
    if (pid == 0) {
        char* args[] = {(char*)self, "child", NULL};
        sc(SYS_execve, self, args, NULL);
        die(127);
    }
    int st = reap(pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        printf("child: %s\n", status_text(st));
    return pid;
}

// How many lines of the buffer hold this event with exactly this text after "event: ".
static int count_events(const char* trace, const char* event, const char* fields) {
    char want[256];
    snprintf(want, sizeof want, ": %s: %s\n", event, fields);
    int n = 0;
    for (const char* p = trace; (p = strstr(p, want)); p += strlen(want))
        ++n;
    return n;
}

// Whether every line that is not a comment has ftrace's prefix: a task name right-aligned in
// 16 columns, "-pid", the CPU in brackets, five flag characters, seconds.microseconds, ": ".
static int lines_have_prefix(const char* trace) {
    int lines = 0;
    for (const char* line = trace; *line; line = strchr(line, '\n') + 1) {
        const char* end = strchr(line, '\n');
        if (!end)
            return 0;
        if (*line == '#')
            continue;
        const char* bracket = strstr(line, " [");
        if (!bracket || bracket > end || bracket - line < 18 || bracket[5] != ']' || bracket[6] != ' ')
            return 0;
        const char* after = bracket + 13;  // past "] ....." and a space
        while (*after == ' ')
            ++after;
        const char* dot = strchr(after, '.');
        if (!dot || dot > end || dot[7] != ':' || dot[8] != ' ')
            return 0;
        ++lines;
    }
    return lines > 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "child"))
        return 0;
    mkdir(T, 0755);
    printf("mount tracefs: %s\n", res(mount("nodev", T, "tracefs", 0, NULL) ? -errno : 0));
    struct stat st;
    printf("trace is a regular file: %s\n", yes(stat(T "/trace", &st) == 0 && S_ISREG(st.st_mode)));
    const char* available = slurp(T "/available_events");
    const char* names[] = {"sched:sched_process_fork", "sched:sched_process_exec", "sched:sched_process_exit",
                           "sched:sched_process_wait", "task:task_newtask"};
    for (int i = 0; i < 5; ++i) {
        char line[64];
        snprintf(line, sizeof line, "\n%s\n", names[i]);
        printf("available_events lists %s: %s\n", names[i],
               yes(strstr(available, line) || !strncmp(available, line + 1, strlen(line + 1))));
    }
    show("tracing_on");
    show("set_event");
    show("events/enable");

    printf("-- switching events on\n");
    put("set_event", "sched:sched_process_fork", O_APPEND);
    show("events/sched/enable");
    put("set_event", "  sched_process_exit\n", O_APPEND);
    put("set_event", "sched:sched_process_wait sched:sched_process_exec", O_APPEND);
    put("set_event", "sched:no_such_event", O_APPEND);
    put("set_event", "nosuchsystem:", O_APPEND);
    show("set_event");
    put("events/sched/sched_process_exec/enable", "2", 0);
    show("events/sched/sched_process_exec/enable");
    put("events/sched/sched_process_exec/enable", "1\n", 0);
    show("events/sched/sched_process_exec/enable");
    show("set_event");
    show("events/enable");
    show("events/task/enable");
    show("events/sched/sched_process_fork/enable");
    show("events/task/task_newtask/enable");

    printf("-- a fork, an exec, an exit and a wait\n");
    clear_trace();
    long parent = getpid();
    long child = fork_exec_wait(argv[0]);
    const char* trace = slurp(T "/trace");
    const char* header = "# tracer: nop\n#\n# entries-in-buffer/entries-written: ";
    printf("the trace starts with its header: %s\n", yes(!strncmp(trace, header, strlen(header))));
    printf("event lines have ftrace's prefix: %s\n", yes(lines_have_prefix(trace)));
    char fields[256];
    snprintf(fields, sizeof fields, "comm=trace-fork pid=%ld child_comm=trace-fork child_pid=%ld", parent, child);
    printf("sched_process_fork from comm trace-fork to comm trace-fork, with both pids: %d\n",
           count_events(trace, "sched_process_fork", fields));
    snprintf(fields, sizeof fields, "filename=%s pid=%ld old_pid=%ld", argv[0], child, child);
    printf("sched_process_exec of this program in the child: %d\n", count_events(trace, "sched_process_exec", fields));
    snprintf(fields, sizeof fields, "comm=trace-fork pid=%ld prio=120", child);
    printf("sched_process_exit of the child: %d\n", count_events(trace, "sched_process_exit", fields));
    printf("sched_process_wait by the parent for the child: %d\n", count_events(trace, "sched_process_wait", fields));
    printf("task_newtask (not enabled) seen: %s\n", yes(strstr(trace, ": task_newtask: ") != NULL));

    printf("-- tracing_on 0 stops recording\n");
    put("tracing_on", "0", 0);
    show("tracing_on");
    clear_trace();
    child = fork_exec_wait(argv[0]);
    trace = slurp(T "/trace");
    printf("events recorded while off: %s\n", yes(strstr(trace, ": sched_process_") != NULL));
    put("tracing_on", "1", 0);
    show("tracing_on");

    printf("-- switching events off\n");
    put("set_event", "!sched:sched_process_fork", O_APPEND);
    show("set_event");
    show("events/sched/sched_process_fork/enable");
    put("events/sched/sched_process_exec/enable", "0", 0);
    show("set_event");
    put("events/sched/enable", "0", 0);
    show("set_event");
    show("events/enable");
    put("set_event", "sched:sched_process_fork", O_APPEND);
    show("set_event");
    put("set_event", "", O_TRUNC);
    show("set_event");
    show("events/enable");
    clear_trace();
    printf("umount: %s\n", res(umount(T) ? -errno : 0));
    rmdir(T);
    return 0;
}
