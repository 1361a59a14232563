#include <arch/Io.h>
#include <arch/Random.h>

namespace kernel::arch {

bool hardware_random(uint64_t& out) {
    uint32_t a, b, c, d;
    x86::cpuid(1, 0, a, b, c, d);
    if (!(c & (1u << 30)))  // CPUID.1:ECX.RDRAND
        return false;
    for (int attempt = 0; attempt < 10; ++attempt) {
        unsigned char ok;
        asm volatile("rdrand %0; setc %1" : "=r"(out), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

uint64_t weak_entropy() { return x86::rdtsc(); }

}  // namespace kernel::arch
