// segv: a write to address 0 kills the program with SIGSEGV (exit status 139).
#include "lib/facts.h"

int main(void) {
    printf("before the fault\n");
    *(volatile int*)0 = 1;
    printf("after the fault: not reached\n");
    return 0;
}
