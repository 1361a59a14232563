#pragma once
// Linux's errno numbers, taken from the UAPI headers (linux-libc-dev) rather than retyped:
// they are plain #defines and safe to include freestanding.
#include <asm-generic/errno.h>
