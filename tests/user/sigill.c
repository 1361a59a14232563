// sigill: an undefined instruction (ud2) kills the program with SIGILL (exit status 132).
#include "lib/facts.h"

int main(void) {
    printf("executing ud2\n");
    fflush(stdout);
    __asm__ volatile("ud2");
    printf("still alive\n");
    return 0;
}
