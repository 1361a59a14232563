#pragma once
// The vetted subset of the C++ standard library the kernel may use (the idea of Zircon's ktl).
// These headers are freestanding-safe on g++ 12: they pull in no host libc and no allocator.
// Kernel code includes this header instead of naming std headers itself; tools/check-kstd
// rejects any other std include under kernel/ (except arch/host, which is hosted).
#include <array>
#include <atomic>
#include <bit>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kernel {
using std::size_t;
using std::uint8_t;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::int8_t;
using std::int16_t;
using std::int32_t;
using std::int64_t;
using std::uintptr_t;
using std::intptr_t;
using ssize_t = std::make_signed_t<std::size_t>;
using StringView = std::string_view;

using PhysAddr = uint64_t;
using VirtAddr = uint64_t;

inline constexpr size_t PAGE_SHIFT = 12;
inline constexpr size_t PAGE_SIZE = size_t(1) << PAGE_SHIFT;

constexpr uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
constexpr bool is_aligned(uint64_t v, uint64_t a) { return (v & (a - 1)) == 0; }
}  // namespace kernel
