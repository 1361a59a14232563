// hello: the smallest program, through each libc's stdio (stdout, then stderr).
// usertest: build musl glibc
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    fprintf(stderr, "hello, stderr\n");
    return 0;
}
