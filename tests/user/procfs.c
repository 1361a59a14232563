// procfs: a proc instance mounted on /tmp/procfs. self and thread-self name the caller;
// <pid>/comm reads the name and a write renames a thread of the writer's own process (bytes
// taken as written, up to 15), another process's is EINVAL; a child's directory is there
// while it lives and while it is a zombie, and gone once reaped (an open file of it then says
// ESRCH); task/ lists the one thread; meminfo has its lines in Linux's format; what cannot be
// done says Linux's errors. Only facts are printed: never pids or sizes.
#include "lib/facts.h"
#include "lib/proc.h"

#include <dirent.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#define P "/tmp/procfs"

static char* path_of(const char* fmt, long a, long b) {
    static char bufs[4][128];
    static int next;
    char* b_ = bufs[next++ % 4];
    snprintf(b_, 128, fmt, a, b);
    return b_;
}

// A file's contents, newlines as "\n", or "<ERRNO>".
static const char* contents(const char* path) {
    static char bufs[4][4096];
    static int next;
    char* out = bufs[next++ % 4];
    char text[2048];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(out, 4096, "<%s>", res(-errno));
        return out;
    }
    long n = sc(SYS_read, fd, text, sizeof text - 1);
    close(fd);
    if (n < 0) {
        snprintf(out, 4096, "<%s>", res(n));
        return out;
    }
    size_t o = 0;
    for (long i = 0; i < n; ++i)
        o += (size_t)snprintf(out + o, 4096 - o, "%s", text[i] == '\n' ? "\\n" : (char[]){text[i], 0});
    return out;
}

static const char* write_file(const char* path, const char* text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return res(-errno);
    long r = sc(SYS_write, fd, text, strlen(text));
    close(fd);
    return res(r);
}

static const char* stat_errno(const char* path) {
    struct stat st;
    return stat(path, &st) ? res(-errno) : "exists";
}

// Whether a listing of `dir` holds `name` with this d_type.
static int listed(const char* dir, const char* name, int type) {
    DIR* d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    for (struct dirent* e; (e = readdir(d));)
        found |= !strcmp(e->d_name, name) && e->d_type == type;
    closedir(d);
    return found;
}

// A meminfo line "Label:" padded to 16 columns, the value in 8 (or more), " kB".
static int meminfo_line(const char* text, const char* label) {
    const char* line = strstr(text, label);
    if (!line || (line != text && line[-1] != '\n'))
        return 0;
    const char* end = strchr(line, '\n');
    size_t length = end ? (size_t)(end - line) : strlen(line);
    if (length < 16 + 8 + 3 || strncmp(line + length - 3, " kB", 3))
        return 0;
    for (size_t i = strlen(label); i < length - 3; ++i)
        if (line[i] != ' ' && (line[i] < '0' || line[i] > '9'))
            return 0;
    return line[length - 4] >= '0' && line[length - 4] <= '9' && line[15] == ' ';
}

static long meminfo_value(const char* text, const char* label) {
    const char* line = strstr(text, label);
    return line ? strtol(line + strlen(label), NULL, 10) : -1;
}

int main(void) {
    mkdir(P, 0755);
    printf("mount proc: %s\n", res(mount("proc", P, "proc", 0, NULL) ? -errno : 0));
    long pid = getpid(), tid = sc(SYS_gettid);
    char link[64];
    long n = readlink(P "/self", link, sizeof link);
    link[n > 0 ? n : 0] = '\0';
    printf("self is a link to our pid: %s\n", yes(!strcmp(link, path_of("%ld", pid, 0))));
    n = readlink(P "/thread-self", link, sizeof link);
    link[n > 0 ? n : 0] = '\0';
    printf("thread-self is a link to <pid>/task/<tid>: %s\n", yes(!strcmp(link, path_of("%ld/task/%ld", pid, tid))));
    struct stat st = {0};
    int ok = !lstat(P "/self", &st) && S_ISLNK(st.st_mode);
    printf("self: symlink %s, mode %o\n", yes(ok), st.st_mode & 07777);
    ok = !stat(path_of(P "/%ld", pid, 0), &st) && S_ISDIR(st.st_mode);
    printf("<pid>: directory %s, mode %o\n", yes(ok), st.st_mode & 07777);
    ok = !stat(path_of(P "/%ld/comm", pid, 0), &st) && S_ISREG(st.st_mode);
    printf("<pid>/comm: regular %s, mode %o, size %lld\n", yes(ok), st.st_mode & 07777, (long long)st.st_size);
    printf("readlink self/: %s\n", res(readlink(P "/self/", link, sizeof link) < 0 ? -errno : 0));

    printf("-- comm\n");
    printf("self/comm: \"%s\"\n", contents(P "/self/comm"));
    printf("write \"renamed\": %s\n", write_file(P "/self/comm", "renamed"));
    printf("self/comm: \"%s\"\n", contents(P "/self/comm"));
    char name[32] = {0};
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("PR_GET_NAME: \"%s\"\n", name);
    printf("task/<tid>/comm: \"%s\"\n", contents(path_of(P "/%ld/task/%ld/comm", pid, tid)));
    printf("write 20 bytes: %s\n", write_file(P "/self/comm", "0123456789abcdefghij"));
    printf("self/comm: \"%s\"\n", contents(P "/self/comm"));
    printf("write \"nl\\n\": %s\n", write_file(P "/self/comm", "nl\n"));
    printf("self/comm: \"%s\"\n", contents(P "/self/comm"));
    prctl(PR_SET_NAME, "procfs", 0, 0, 0);
    printf("after PR_SET_NAME: \"%s\"\n", contents(path_of(P "/%ld/comm", pid, 0)));

    printf("-- a child\n");
    int ready[2], go[2];
    if (pipe(ready) || pipe(go))
        return 1;
    long child = raw_fork();
    if (child == 0) {
        tell(ready[1]);
        hear(go[0]);
        die(3);
    }
    hear(ready[0]);
    printf("<child>: %s\n", stat_errno(path_of(P "/%ld", child, 0)));
    printf("<child> listed: %s\n", yes(listed(P, path_of("%ld", child, 0), DT_DIR)));
    printf("<child>/comm: \"%s\"\n", contents(path_of(P "/%ld/comm", child, 0)));
    printf("write <child>/comm: %s\n", write_file(path_of(P "/%ld/comm", child, 0), "other"));
    tell(go[1]);
    siginfo_t info;
    waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT);
    printf("zombie <child>: %s\n", stat_errno(path_of(P "/%ld", child, 0)));
    int comm_fd = open(path_of(P "/%ld/comm", child, 0), O_RDONLY);
    printf("zombie <child>/comm: \"%s\"\n", contents(path_of(P "/%ld/comm", child, 0)));
    printf("reaped: %s\n", status_text(reap(child)));
    printf("<child> after reaping: %s\n", stat_errno(path_of(P "/%ld", child, 0)));
    printf("<child> listed: %s\n", yes(listed(P, path_of("%ld", child, 0), DT_DIR)));
    printf("read of its comm opened before: %s\n", res(sc(SYS_read, comm_fd, name, sizeof name)));
    close(comm_fd);

    printf("-- listings\n");
    printf("self listed as a link: %s\n", yes(listed(P, "self", DT_LNK)));
    printf("thread-self listed as a link: %s\n", yes(listed(P, "thread-self", DT_LNK)));
    printf("meminfo listed: %s\n", yes(listed(P, "meminfo", DT_REG)));
    printf("<pid> listed: %s\n", yes(listed(P, path_of("%ld", pid, 0), DT_DIR)));
    printf("<pid>/comm listed: %s\n", yes(listed(path_of(P "/%ld", pid, 0), "comm", DT_REG)));
    printf("<pid>/task lists our thread: %s\n", yes(listed(path_of(P "/%ld/task", pid, 0), path_of("%ld", tid, 0), DT_DIR)));
    printf("getcwd in self/task: ");
    char cwd[128];
    if (chdir(P "/self/task") || !getcwd(cwd, sizeof cwd))
        printf("%s\n", res(-errno));
    else
        printf("%s\n", yes(!strcmp(cwd, path_of(P "/%ld/task", pid, 0))));
    if (chdir("/"))
        return 1;

    printf("-- meminfo\n");
    const char* labels[] = {"MemTotal:", "MemFree:", "MemAvailable:", "Slab:"};
    int fd = open(P "/meminfo", O_RDONLY);
    char text[8192];
    n = fd < 0 ? -errno : sc(SYS_read, fd, text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    close(fd);
    for (int i = 0; i < 4; ++i)
        printf("%s line in Linux's format: %s\n", labels[i], yes(meminfo_line(text, labels[i])));
    printf("MemFree <= MemAvailable <= MemTotal: %s\n",
           yes(meminfo_value(text, "MemFree:") <= meminfo_value(text, "MemAvailable:") &&
               meminfo_value(text, "MemAvailable:") <= meminfo_value(text, "MemTotal:")));

    printf("-- what cannot be done\n");
    printf("mkdir x: %s\n", res(mkdir(P "/x", 0755) ? -errno : 0));
    printf("creat x: %s\n", res(open(P "/x", O_CREAT | O_WRONLY, 0644) < 0 ? -errno : 0));
    printf("unlink meminfo: %s\n", res(unlink(P "/meminfo") ? -errno : 0));
    printf("rmdir <pid>: %s\n", res(rmdir(path_of(P "/%ld", pid, 0)) ? -errno : 0));
    printf("write meminfo: %s\n", write_file(P "/meminfo", "x"));
    printf("01 (not canonical): %s\n", stat_errno(P "/01"));
    printf("<pid>/nothing: %s\n", stat_errno(path_of(P "/%ld/nothing", pid, 0)));
    fd = open(P "/meminfo", O_RDONLY);
    void* m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap meminfo: %s\n", res(m == MAP_FAILED ? -errno : 0));
    close(fd);
    printf("umount: %s\n", res(umount(P) ? -errno : 0));
    rmdir(P);
    return 0;
}
