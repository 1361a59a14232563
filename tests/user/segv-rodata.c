// segv-rodata: the loader maps read-only segments read-only: a write to .rodata is SIGSEGV
// (exit status 139).
#include "lib/facts.h"

static const char message[] = "read-only";

int main(void) {
    printf("before the write to .rodata\n");
    *(volatile char*)&message[0] = 'R';
    printf("after the write: not reached\n");
    return 0;
}
