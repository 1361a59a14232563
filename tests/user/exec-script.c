// exec-script: execve of a "#!" script runs its interpreter with argv = [interpreter, the
// optional argument (one string, spaces kept), the script's path, the caller's argv[1..]];
// a missing interpreter is ENOENT, a script without execute permission EACCES, "#!" with no
// interpreter ENOEXEC, and an interpreter that is itself a script works.
#include "lib/facts.h"
#include "lib/proc.h"

#define D "/tmp/exec-script"

static void make(const char* path, const char* text, int mode) {
    sc(SYS_unlink, path);
    int fd = (int)sc(SYS_open, path, O_WRONLY | O_CREAT | O_EXCL, mode);  // umask 0: the mode as given
    sc(SYS_write, fd, text, strlen(text));
    sc(SYS_close, fd);
}

static void run(const char* label, const char* path) {
    printf("-- %s --\n", label);
    long pid = raw_fork();
    if (pid == 0) {
        char* args[] = {"argv0-of-caller", "one", "two words", NULL};
        long r = sc(SYS_execve, path, args, NULL);
        printf("  execve: %s\n", res(r));
        die(127);
    }
    printf("  %s\n", status_text(reap(pid)));
}

int main(int argc, char** argv) {
    if (argc > 1) {  // run as an interpreter
        for (int i = 0; i < argc; ++i)
            printf("  argv[%d] \"%s\"\n", i, argv[i]);
        return 0;
    }
    sc(SYS_umask, 0);
    sc(SYS_mkdir, D, 0755);
    char text[256];
    snprintf(text, sizeof text, "#!%s show\nignored\n", argv[0]);
    make(D "/plain", text, 0755);
    snprintf(text, sizeof text, "#!  %s   show  with spaces  \n", argv[0]);
    make(D "/spaces", text, 0755);
    snprintf(text, sizeof text, "#!%s\n", argv[0]);
    make(D "/noarg", text, 0755);
    make(D "/missing", "#!/nonexistent/interpreter\n", 0755);
    snprintf(text, sizeof text, "#!%s show\n", argv[0]);
    make(D "/noexec", text, 0644);
    make(D "/empty", "#!\n", 0755);
    make(D "/nested", "#!" D "/plain extra\n", 0755);
    run("an interpreter and one argument", D "/plain");
    run("spaces around and inside the argument", D "/spaces");
    run("no argument", D "/noarg");
    run("a missing interpreter", D "/missing");
    run("no execute permission", D "/noexec");
    run("#! and nothing", D "/empty");
    run("the interpreter is a script", D "/nested");
    return 0;
}
