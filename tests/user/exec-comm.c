// exec-comm: the task name (comm): PR_SET_NAME keeps 15 bytes, PR_GET_NAME returns them, a fork
// child inherits it, and execve replaces it with the last component of the path given to
// execve (a symlink's own name, not its target's), cut to 15 bytes.
// usertest: symlink /bin/exec-comm /test/exec-comm/a-very-long-symlink-name
#include "lib/facts.h"
#include "lib/proc.h"

#include <sys/prctl.h>

static const char* name(void) {
    static char b[32];
    memset(b, 0, sizeof b);
    long r = sc(SYS_prctl, PR_GET_NAME, b, 0, 0, 0);
    return r < 0 ? res(r) : b;
}

int main(int argc, char** argv) {
    if (argc > 1 && !strcmp(argv[1], "show")) {
        printf("  after exec of %s: \"%s\"\n", argv[2], name());
        return 0;
    }
    printf("at start: \"%s\"\n", name());
    long r = sc(SYS_prctl, PR_SET_NAME, "short", 0, 0, 0);
    printf("PR_SET_NAME \"short\": %s -> \"%s\"\n", res(r), name());
    sc(SYS_prctl, PR_SET_NAME, "exactly-15-char", 0, 0, 0);
    printf("15 bytes: \"%s\"\n", name());
    sc(SYS_prctl, PR_SET_NAME, "sixteen-bytes-xy and more", 0, 0, 0);
    printf("longer: \"%s\"\n", name());
    sc(SYS_prctl, PR_SET_NAME, "", 0, 0, 0);
    printf("empty: \"%s\"\n", name());
    printf("PR_SET_NAME with a bad pointer: %s\n", res(sc(SYS_prctl, PR_SET_NAME, 8, 0, 0, 0)));
    printf("PR_GET_NAME with a bad pointer: %s\n", res(sc(SYS_prctl, PR_GET_NAME, 8, 0, 0, 0)));
    sc(SYS_prctl, PR_SET_NAME, "parent-name", 0, 0, 0);
    long pid = raw_fork();
    if (pid == 0) {
        printf("fork child: \"%s\"\n", name());
        die(0);
    }
    reap(pid);
    const char* paths[] = {argv[0], "/test/exec-comm/a-very-long-symlink-name", "/test/../bin/exec-comm"};
    for (int i = 0; i < 3; ++i) {
        pid = raw_fork();
        if (pid == 0) {
            char* args[] = {"whatever", "show", (char*)paths[i], NULL};
            sc(SYS_execve, paths[i], args, NULL);
            die(127);
        }
        reap(pid);
    }
    return 0;
}
