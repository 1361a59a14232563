#pragma once
// The general-purpose kernel heap (Linux's kmalloc), implemented in mm/Slab.cpp.
//
// Sizes up to 2048 bytes are rounded up to a power of two (16, 32, ... 2048) and served by the
// slab cache of that size class ("kmalloc-16" ... "kmalloc-2048"); slabs are page-aligned and
// slots are class-sized, so every object is aligned to its size class (at least 16 bytes).
// Larger sizes take a power-of-two run of pages (2^order pages, up to 4 MiB) straight from the
// page allocator, page-aligned; the head Page is marked KmallocLarge and the page allocator
// keeps its order, which is how kfree knows what it is freeing.
//
// All of it may fail: nullptr means out of memory, including injected failures (one
// mm::should_fail_allocation() call per kmalloc).
#include "lib/kstd.h"

namespace kernel {

inline constexpr size_t KMALLOC_MIN_SIZE = 16;
inline constexpr size_t KMALLOC_MAX_CACHE_SIZE = 2048;  // larger sizes go to the page allocator

// Uninitialised memory of at least `size` bytes (kmalloc(0) gives a valid 16-byte object), or
// nullptr. Sizes above 4 MiB always fail.
void* kmalloc(size_t size);
// kmalloc, zero-filled.
void* kzalloc(size_t size);
// Frees what kmalloc/kzalloc returned; nullptr is a no-op. VERIFY: the pointer came from
// kmalloc and was not freed already (for the cheap-to-detect cases, see Slab.h).
void kfree(void* ptr);

struct HeapStats {
    size_t objects_in_use{0};     // live kmalloc allocations, small and large
    size_t pages_in_use{0};       // pages under them: slab pages + large runs
    size_t large_allocations{0};  // the large ones among objects_in_use
    size_t large_pages{0};        // their pages among pages_in_use
    bool operator==(const HeapStats&) const = default;
};
// A snapshot across all kmalloc size classes, for baseline checks in tests.
HeapStats heap_stats();

}  // namespace kernel
