// sigfpe: an integer division by zero kills the program with SIGFPE (exit status 136).
#include "lib/facts.h"

int main(void) {
    printf("dividing by zero\n");
    fflush(stdout);
    // Both operands volatile: for 1 / x, gcc emits compares instead of a division.
    volatile int zero = 0, seven = 7;
    volatile int r = seven / zero;
    printf("still alive: %d\n", r);
    return 0;
}
