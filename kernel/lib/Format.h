#pragma once
// Type-safe formatting for printk and friends: `{}` placeholders, each argument formatted by
// its C++ type, so a mismatched "%lx" cannot exist. Specs follow std::format's small subset:
//   {}  {:x} {:X} {:#x} {:08x} {:b} {:d} {:c} {:p} {:>10} {:<10} {:s}
// Output goes to a FormatSink; nothing here allocates.
#include "lib/kstd.h"

namespace kernel {

class FormatSink {
public:
    virtual void write(const char* data, size_t length) = 0;

protected:
    ~FormatSink() = default;
};

// A sink writing into a fixed buffer, always NUL-terminated, truncating silently.
class BufferSink final : public FormatSink {
public:
    BufferSink(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) {
        if (m_capacity)
            m_buffer[0] = 0;
    }
    void write(const char* data, size_t length) override;
    size_t length() const { return m_length; }
    bool truncated() const { return m_truncated; }
    StringView view() const { return StringView(m_buffer, m_length); }

private:
    char* m_buffer;
    size_t m_capacity;
    size_t m_length{0};
    bool m_truncated{false};
};

struct FormatSpec {
    bool alternate{false};  // '#': 0x / 0b prefix
    bool zero_pad{false};
    char align{0};          // '<' or '>' or 0 (numbers right, text left)
    size_t width{0};
    char type{0};           // x X b d c p s or 0
};

// One type-erased argument.
struct FormatArg {
    enum class Kind { Signed, Unsigned, Bool, Char, String, Pointer } kind;
    union {
        int64_t s;
        uint64_t u;
        const void* p;
        struct {
            const char* data;
            size_t length;
        } str;
    };
};

template <typename T>
FormatArg make_format_arg(const T& value) {
    FormatArg a{};
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, bool>) {
        a.kind = FormatArg::Kind::Bool;
        a.u = value;
    } else if constexpr (std::is_same_v<U, char>) {
        a.kind = FormatArg::Kind::Char;
        a.u = static_cast<unsigned char>(value);
    } else if constexpr (std::is_enum_v<U>) {
        return make_format_arg(static_cast<std::underlying_type_t<U>>(value));
    } else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
        a.kind = FormatArg::Kind::Signed;
        a.s = value;
    } else if constexpr (std::is_integral_v<U>) {
        a.kind = FormatArg::Kind::Unsigned;
        a.u = value;
    } else if constexpr (std::is_same_v<U, StringView>) {
        a.kind = FormatArg::Kind::String;
        a.str = {value.data(), value.size()};
    } else if constexpr (std::is_bounded_array_v<U> && std::is_same_v<std::remove_cv_t<std::remove_extent_t<U>>, char>) {
        // A char array (a string literal or a buffer) is never null, and is printed up to its
        // first NUL but never past its end, so an unterminated buffer cannot be overread.
        a.kind = FormatArg::Kind::String;
        size_t n = 0;
        while (n < std::extent_v<U> && value[n])
            ++n;
        a.str = {value, n};
    } else if constexpr (std::is_same_v<std::decay_t<U>, const char*> || std::is_same_v<std::decay_t<U>, char*>) {
        a.kind = FormatArg::Kind::String;
        const char* s = value ? value : "(null)";
        a.str = {s, StringView(s).size()};
    } else if constexpr (std::is_pointer_v<std::decay_t<U>> || std::is_null_pointer_v<U>) {
        a.kind = FormatArg::Kind::Pointer;
        a.p = value;
    } else {
        static_assert(sizeof(U) == 0, "printk: no formatter for this type");
    }
    return a;
}

void vformat(FormatSink& sink, StringView fmt, std::span<const FormatArg> args);

template <typename... Args>
void format_to(FormatSink& sink, StringView fmt, const Args&... args) {
    if constexpr (sizeof...(Args) == 0) {
        vformat(sink, fmt, {});
    } else {
        const FormatArg packed[] = {make_format_arg(args)...};
        vformat(sink, fmt, packed);
    }
}

// Formats into `buffer` (NUL-terminated, truncated to fit); returns the formatted length.
template <typename... Args>
size_t format_buffer(char* buffer, size_t capacity, StringView fmt, const Args&... args) {
    BufferSink sink(buffer, capacity);
    format_to(sink, fmt, args...);
    return sink.length();
}

}  // namespace kernel
