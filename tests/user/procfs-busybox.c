// procfs-busybox: BusyBox's process tools read procfs as on Linux. ps shows a parent with two
// children with the right PPID relation, names, owner and states (stopped included); top -b -n 1
// prints its header lines and rows; free and uptime exit 0 with their layout; and a shell
// script runs the other applets the tools issue names (id, hostname, env, timeout, time, find,
// xargs, setsid, kill, unshare, nsenter, ...). Printed as facts, never pids or times.
// usertest: file /bin/busybox /bin/busybox
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>
#include <sys/stat.h>

extern char** environ;

static char out[65536];

// Runs busybox with `args` (NULL-terminated), its stdout and stderr into `out`; returns the
// wait status.
static int run(const char* const* args) {
    int p[2];
    pipe(p);
    long c = raw_fork();
    if (c == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execve("/bin/busybox", (char* const*)args, environ);
        die(127);
    }
    close(p[1]);
    size_t total = 0;
    for (;;) {
        long n = read(p[0], out + total, sizeof(out) - 1 - total);
        if (n <= 0)
            break;
        total += n;
    }
    out[total] = 0;
    close(p[0]);
    return reap(c);
}

// The line of `out` that starts with `prefix` (after leading spaces), or NULL.
static const char* line_starting(const char* prefix) {
    static char line[1024];
    for (const char* l = out; *l;) {
        const char* end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        const char* t = l;
        while (*t == ' ')
            ++t;
        if (!strncmp(t, prefix, strlen(prefix))) {
            if (len >= sizeof line)
                len = sizeof line - 1;
            memcpy(line, l, len);
            line[len] = 0;
            return line;
        }
        if (!end)
            break;
        l = end + 1;
    }
    return NULL;
}

struct row {
    long pid, ppid;
    char user[32], stat[8], comm[32];
};

// Parses `ps -o pid,ppid,user,stat,comm` output.
static int parse_ps(struct row* rows, int max) {
    int n = 0;
    const char* l = strchr(out, '\n');
    while (l && *++l && n < max) {
        struct row r;
        if (sscanf(l, "%ld %ld %31s %7s %31s", &r.pid, &r.ppid, r.user, r.stat, r.comm) == 5)
            rows[n++] = r;
        l = strchr(l, '\n');
    }
    return n;
}

static const struct row* find_row(const struct row* rows, int n, long pid) {
    for (int i = 0; i < n; ++i)
        if (rows[i].pid == pid)
            return &rows[i];
    return NULL;
}

static void ps_checks(void) {
    printf("-- ps\n");
    int ready[2], kids[2];
    pipe(ready);
    pipe(kids);
    long mid = raw_fork();
    if (mid == 0) {
        prctl(PR_SET_NAME, "ps-mid");
        long k[2];
        for (int i = 0; i < 2; ++i) {
            k[i] = raw_fork();
            if (k[i] == 0) {
                prctl(PR_SET_NAME, i ? "ps-kid2" : "ps-kid1");
                tell(ready[1]);
                for (;;)
                    pause();
            }
        }
        write(kids[1], k, sizeof k);
        for (;;)
            pause();
    }
    long k[2];
    hear(ready[0]);
    hear(ready[0]);
    read(kids[0], k, sizeof k);
    sleep_ms(50);  // every one of them asleep in pause

    const char* args[] = {"busybox", "ps", "-o", "pid,ppid,user,stat,comm", NULL};
    int st = run(args);
    printf("ps -o: %s\n", status_text(st));
    char header[128];
    sscanf(out, "%127[^\n]", header);
    printf("header: [%s]\n", header);
    struct row rows[128];
    int n = parse_ps(rows, 128);
    const struct row* self = find_row(rows, n, getpid());
    const struct row* m = find_row(rows, n, mid);
    const struct row* k1 = find_row(rows, n, k[0]);
    const struct row* k2 = find_row(rows, n, k[1]);
    printf("rows for us, the middle one and both kids: %s\n", yes(self && m && k1 && k2));
    if (self && m && k1 && k2) {
        printf("us: %s, user %s, stat %s\n", self->comm, self->user, self->stat);
        printf("middle: %s, its PPID is us: %s, stat %s\n", m->comm, yes(m->ppid == getpid()), m->stat);
        printf("kid 1: %s, its PPID is the middle one: %s, stat %s\n", k1->comm, yes(k1->ppid == mid), k1->stat);
        printf("kid 2: %s, its PPID is the middle one: %s, stat %s\n", k2->comm, yes(k2->ppid == mid), k2->stat);
    }
    // ps itself is in the list, a child of ours running busybox.
    int ps_seen = 0;
    for (int i = 0; i < n; ++i)
        ps_seen |= rows[i].ppid == getpid() && !strcmp(rows[i].comm, "busybox") && rows[i].stat[0] == 'R';
    printf("ps sees itself running: %s\n", yes(ps_seen));

    kill(k[1], SIGSTOP);
    sleep_ms(50);
    run(args);
    n = parse_ps(rows, 128);
    k2 = find_row(rows, n, k[1]);
    printf("kid 2 after SIGSTOP: %s\n", k2 ? k2->stat : "gone");

    // The default columns: PID USER COMMAND, the command line as its arguments.
    const char* plain[] = {"busybox", "ps", NULL};
    st = run(plain);
    sscanf(out, "%127[^\n]", header);
    printf("ps: %s, header [%s]\n", status_text(st), header);
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "%ld ", (long)getpid());
    const char* mine = line_starting(pid_text);
    char user[32] = "", cmd[256] = "";
    if (mine)
        sscanf(mine, "%*d %31s %255[^\n]", user, cmd);
    printf("our row: user %s, command is our program: %s\n", user, yes(strstr(cmd, "procfs-busybox") != NULL));
    snprintf(pid_text, sizeof pid_text, "%ld ", k[0]);
    mine = line_starting(pid_text);
    cmd[0] = 0;
    if (mine)
        sscanf(mine, "%*d %*s %255[^\n]", cmd);
    printf("kid 1's command names it in braces: %s\n", yes(!strncmp(cmd, "{ps-kid1}", 9)));

    kill(mid, SIGKILL);
    reap(mid);
    kill(k[0], SIGKILL);
    kill(k[1], SIGKILL);
    close(ready[0]);
    close(ready[1]);
    close(kids[0]);
    close(kids[1]);
}

static void top_free_uptime(void) {
    printf("-- top -b -n 1\n");
    const char* top[] = {"busybox", "top", "-b", "-n", "1", NULL};
    int st = run(top);
    printf("status: %s\n", status_text(st));
    const char* mem = line_starting("Mem:");
    printf("Mem: line: %s\n", yes(mem && strstr(mem, "K used, ") && strstr(mem, "K free, ") && strstr(mem, "K shrd, ") &&
                                   strstr(mem, "K buff, ") && strstr(mem, "K cached")));
    const char* cpu = line_starting("CPU:");
    printf("CPU: line: %s\n", yes(cpu && strstr(cpu, "% usr") && strstr(cpu, "% idle") && strstr(cpu, "% sirq")));
    const char* load = line_starting("Load average:");
    float a, b, c;
    int running, total, last;
    printf("Load average: line: %s\n", yes(load && sscanf(load, "Load average: %f %f %f %d/%d %d", &a, &b, &c, &running,
                                                           &total, &last) == 6 && running >= 1 && total >= running));
    const char* header = line_starting("PID");
    printf("columns: [%s]\n", header ? header : "none");
    int rows = 0;
    for (const char* l = header ? strstr(out, header) : NULL; l && (l = strchr(l, '\n')) && *++l;)
        ++rows;
    printf("at least 2 process rows: %s\n", yes(rows >= 2));
    printf("the order of the header lines: %s\n",
           yes(mem && cpu && load && header && strstr(out, "Mem:") < strstr(out, "CPU:") &&
               strstr(out, "CPU:") < strstr(out, "Load average:") && strstr(out, "Load average:") < strstr(out, "  PID")));

    printf("-- free\n");
    const char* free_args[] = {"busybox", "free", NULL};
    st = run(free_args);
    printf("status: %s\n", status_text(st));
    char line[256];
    sscanf(out, "%255[^\n]", line);
    printf("header: [%s]\n", line);
    const char* memrow = line_starting("Mem:");
    long v[6];
    printf("Mem: row has 6 numbers: %s\n",
           yes(memrow && sscanf(memrow, "Mem: %ld %ld %ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6));
    printf("  total = used + free + buff/cache: %s\n", yes(v[0] == v[1] + v[2] + v[4]));
    const char* swaprow = line_starting("Swap:");
    printf("Swap: row: %s\n", yes(swaprow && sscanf(swaprow, "Swap: %ld %ld %ld", &v[0], &v[1], &v[2]) == 3));
    const char* free_m[] = {"busybox", "free", "-m", NULL};
    printf("free -m: %s\n", status_text(run(free_m)));

    printf("-- uptime\n");
    const char* up[] = {"busybox", "uptime", NULL};
    st = run(up);
    printf("status: %s\n", status_text(st));
    int hh, mm, ss, users;
    char rest[128] = "";
    int fields = sscanf(out, " %d:%d:%d up %127[^,],  %d users,  load average: %f, %f, %f", &hh, &mm, &ss, rest, &users,
                        &a, &b, &c);
    printf("layout \" HH:MM:SS up T,  N users,  load average: A, B, C\": %s\n", yes(fields == 8));
}

static void applets(void) {
    printf("-- other applets\n");
    const char* script =
        "cd /tmp; mkdir -p procfs-busybox; cd procfs-busybox;"
        "id; hostname; env | sort | head -3;"
        "timeout 1 sleep 3; echo timeout: $?;"
        "timeout 3 true; echo timeout true: $?;"
        "busybox time true 2>&1 | sed 's/[0-9]/N/g';"
        "mkdir -p d/e; echo hi > d/e/f; cp d/e/f d/g; mv d/g d/h; ln -s f d/e/l;"
        "find d | sort; find d -type f -name f | xargs cat;"
        "echo a b c | xargs -n1 echo | wc -l;"
        "setsid sh -c 'test $(cut -d\" \" -f6 /proc/self/stat) = $$ && echo setsid: a new session';"
        "sleep 10 & kill $!; wait $!; echo killed: $?;"
        "sleep 10 & kill -9 $!; wait $!; echo killed -9: $?;"
        "printf 'b\\na\\n' | sort | head -1; printf 'x\\ny\\n' | tail -1;"
        "echo abc | sed s/b/X/; echo 1 2 | awk '{print $2}'; grep -c hi d/e/f; cat d/e/l;"
        "rm -r d; ls; cd /; rmdir /tmp/procfs-busybox;"
        "kill -l 9; kill -l 15;"
        "unshare -u sh -c 'hostname inner; echo ready > /tmp/procfs-busybox.flag; sleep 3' &"
        "while ! grep -q ready /tmp/procfs-busybox.flag 2>/dev/null; do sleep 0.1; done;"
        "nsenter -t $! -u hostname; kill $!; wait; rm /tmp/procfs-busybox.flag;"
        "hostname;"
        "pidof procfs-busybox > /dev/null && echo pidof: found;"
        "cat /proc/sys/kernel/ostype; head -1 /proc/cpuinfo;"
        "ls -l /proc/self/fd/0 | sed 's/.* -> //';"
        "readlink /proc/self/exe; readlink /proc/$$/cwd;"
        "echo done";
    const char* args[] = {"busybox", "sh", "-c", script, NULL};
    int st = run(args);
    fputs(out, stdout);
    printf("status: %s\n", status_text(st));
}

int main(void) {
    ps_checks();
    top_free_uptime();
    applets();
    return 0;
}
