// exit-status: the status of exit_group reaches vmrun, and output without a final newline stays
// exactly that.
#include <unistd.h>

int main(void) {
    static const char text[] = "no newline at the end";
    if (write(1, text, sizeof text - 1) < 0)
        return 1;
    return 42;
}
