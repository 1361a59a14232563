// What g++ expects from a C++ runtime, the kernel's way. Kernel only (the hosted build has
// libstdc++ and libc).
//
// Only the nothrow forms of operator new exist: `new T` (which would have to throw) does not
// link, so every allocation site has to handle failure (try_make<T>() does).
#include "lib/Assert.h"
#include "lib/kstd.h"
#include "mm/Heap.h"

using kernel::size_t;

// The tag object `new (std::nothrow)` names (try_make passes it); the C++ runtime defines it.
namespace std {
const nothrow_t nothrow{};
}  // namespace std

void* operator new(size_t size, const std::nothrow_t&) noexcept { return kernel::kmalloc(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return kernel::kmalloc(size); }
void operator delete(void* p) noexcept { kernel::kfree(p); }
void operator delete(void* p, size_t) noexcept { kernel::kfree(p); }
void operator delete[](void* p) noexcept { kernel::kfree(p); }
void operator delete[](void* p, size_t) noexcept { kernel::kfree(p); }

extern "C" {

void __cxa_pure_virtual() { PANIC("pure virtual function called"); }

// g++ emits calls to these four even when the source never names them (struct copies, zeroing).
// Built with -fno-tree-loop-distribute-patterns so the loops are not turned back into calls.
void* memcpy(void* dest, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dest);
    auto* s = static_cast<const unsigned char*>(src);
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n)::"memory");
    return dest;
}

void* memset(void* dest, int c, size_t n) {
    auto* d = static_cast<unsigned char*>(dest);
    asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dest;
}

void* memmove(void* dest, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dest);
    auto* s = static_cast<const unsigned char*>(src);
    if (d <= s || d >= s + n)
        return memcpy(dest, src, n);
    for (size_t i = n; i > 0; --i)
        d[i - 1] = s[i - 1];
    return dest;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (size_t i = 0; i < n; ++i)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

void* memchr(const void* s, int c, size_t n) {
    auto* p = static_cast<const unsigned char*>(s);
    for (size_t i = 0; i < n; ++i)
        if (p[i] == static_cast<unsigned char>(c))
            return const_cast<unsigned char*>(p + i);
    return nullptr;
}

size_t strlen(const char* s) {
    size_t n = 0;
    while (s[n])
        ++n;
    return n;
}

}  // extern "C"
