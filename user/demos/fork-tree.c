// fork-tree: fork(2) returns twice. Each process here forks two children until the tree is
// DEPTH levels deep (default 2), then every parent waits for its children and reports how each
// ended. Watch the pids: a child's parent is the pid that forked it, and wait4 hands each exit
// status back to exactly that parent.
//
//   fork-tree [DEPTH]        (1..5)
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noreturn)) static void grow(int depth, int max) {
    printf("%*spid %d (parent %d) at depth %d\n", 2 * depth, "", getpid(), getppid(), depth);
    fflush(stdout);  // or the children would inherit the unwritten line and print it again
    if (depth == max)
        exit(depth);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] < 0) {
            perror("fork");
            exit(100);
        }
        if (kids[i] == 0)
            grow(depth + 1, max);  // never returns: the child exits at its leaves
    }
    for (int i = 0; i < 2; i++) {
        int status;
        waitpid(kids[i], &status, 0);
        printf("%*spid %d reaped child %d: exit status %d\n", 2 * depth, "", getpid(), kids[i], WEXITSTATUS(status));
    }
    fflush(stdout);
    exit(depth);
}

int main(int argc, char** argv) {
    int max = argc > 1 ? atoi(argv[1]) : 2;
    if (max < 1 || max > 5) {
        fprintf(stderr, "usage: fork-tree [DEPTH 1..5]\n");
        return 2;
    }
    printf("fork-tree: %d processes in %d levels; each leaf exits with its depth\n", (2 << max) - 1, max + 1);
    fflush(stdout);
    pid_t root = fork();
    if (root == 0)
        grow(0, max);
    int status;
    waitpid(root, &status, 0);
    printf("fork-tree: the root exited with status %d; every process was reaped by its parent\n", WEXITSTATUS(status));
    return 0;
}
