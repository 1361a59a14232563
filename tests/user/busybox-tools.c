// busybox-tools: Debian's static BusyBox runs a script of everyday applets — files (mkdir, cp,
// mv, rm, find, ls), text (grep, sed, awk, sort, uniq, head, tail, wc, xargs), the process
// family (env, id, hostname, setsid, timeout, time, sleep, kill, wait) — in its own sh, which
// runs applets by re-executing itself. Every line is a fact the script computes.
// usertest: file /bin/busybox /bin/busybox
// usertest: timeout 60
#include "lib/facts.h"
#include "lib/proc.h"

static const char script[] =
    "cd /tmp\n"
    "mkdir -p d/sub && echo hello > d/a.txt && printf 'b\\na\\nc\\nb\\n' > d/b.txt\n"
    "cp d/a.txt d/sub/c.txt && mv d/sub/c.txt d/sub/moved.txt\n"
    "find d | sort\n"
    "ls d/sub\n"
    "echo \"grep -c b: $(grep -c b d/b.txt)\"\n"
    "sed 's/hello/bye/' d/a.txt\n"
    "awk '{n++} END {print n \" lines\"}' d/b.txt\n"
    "sort d/b.txt | uniq -c\n"
    "sort -u d/b.txt | head -n 2 | tail -n 1\n"
    "printf '1 2 3\\n' | xargs -n 1 echo item\n"
    "echo \"wc -l: $(wc -l < d/b.txt)\"\n"
    "env -i FOO=bar env\n"
    "echo \"id: $(id -u) $(id -g)\"\n"
    "echo \"hostname: $(hostname)\"\n"
    "setsid sh -c 'echo \"setsid: own session $( [ $(cut -d\" \" -f6 /proc/self/stat) = $$ ] && echo yes || echo no)\"'\n"
    "timeout 1 sleep 5; echo \"timeout: status $?\"\n"
    "time true 2>/dev/null; echo \"time: status $?\"\n"
    "sleep 10 & kill $!; wait $!; echo \"kill: status $?\"\n"
    "rm -r d; [ -e d ] && echo 'rm: still there' || echo 'rm: gone'\n";

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    long pid = raw_fork();
    if (pid == 0) {
        char* args[] = {"sh", "-c", (char*)script, NULL};
        char* env[] = {"PATH=/nowhere", NULL};  // applets only: busybox finds them itself
        execve("/bin/busybox", args, env);
        die(127);
    }
    printf("busybox sh: %s\n", status_text(reap(pid)));
    return 0;
}
