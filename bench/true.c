// true: the tiny static program procbench execs (fork+execve, posix_spawn). It only exits 0.
// Built like procbench (musl-gcc -static, or gcc -static); in the guest it is /bin/procbench-true.
int main(void) {
    return 0;
}
