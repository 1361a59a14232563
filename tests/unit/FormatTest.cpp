// Hosted tests for lib/Format.{h,cpp}: every supported spec, every supported argument type, the
// brace escapes, argument-count mismatches, and BufferSink's truncation contract (always
// NUL-terminated, never a byte past the capacity: ASan watches the heap buffers used here).
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "lib/Format.h"

using namespace kernel;

namespace {

// Formats into a heap buffer of exactly `capacity` bytes and checks the length contract.
template <typename... Args>
std::string fmt(StringView format, const Args&... args) {
    constexpr size_t capacity = 512;
    auto buffer = std::make_unique<char[]>(capacity);
    size_t n = format_buffer(buffer.get(), capacity, format, args...);
    EXPECT_EQ(n, std::strlen(buffer.get())) << "returned length disagrees with the NUL";
    return std::string(buffer.get(), n);
}

// A sink collecting everything, for outputs longer than any fixed buffer and for checking
// the FormatSink interface directly.
class StringSink final : public FormatSink {
public:
    void write(const char* data, size_t length) override {
        ++writes;
        text.append(data, length);
    }
    std::string text;
    int writes{0};
};

enum class Color : uint8_t { Red = 1, Blue = 200 };
enum class Signed : int16_t { Negative = -7, Positive = 7 };
enum Plain { PlainZero, PlainOne, PlainTwo };
enum class Letter : char { A = 'a' };

}  // namespace

TEST(Format, PlainText) {
    EXPECT_EQ(fmt("hello"), "hello");
    EXPECT_EQ(fmt(""), "");
}

TEST(Format, DefaultSpec) {
    EXPECT_EQ(fmt("{}", 42), "42");
    EXPECT_EQ(fmt("{}", 0), "0");
    EXPECT_EQ(fmt("a{}b{}c", 1, 2), "a1b2c");
    EXPECT_EQ(fmt("{}{}", 1, 2), "12");
}

TEST(Format, Hex) {
    EXPECT_EQ(fmt("{:x}", 255), "ff");
    EXPECT_EQ(fmt("{:X}", 255), "FF");
    EXPECT_EQ(fmt("{:x}", 0xdeadbeefu), "deadbeef");
    EXPECT_EQ(fmt("{:X}", 0xdeadbeefu), "DEADBEEF");
    EXPECT_EQ(fmt("{:x}", 0), "0");
    EXPECT_EQ(fmt("{:#x}", 255), "0xff");
    EXPECT_EQ(fmt("{:#X}", 255), "0XFF");
    EXPECT_EQ(fmt("{:#x}", 0), "0x0");
    EXPECT_EQ(fmt("{:x}", -255), "-ff");
    EXPECT_EQ(fmt("{:#x}", -255), "-0xff");
}

TEST(Format, ZeroPadding) {
    EXPECT_EQ(fmt("{:016x}", 0xdeadbeefu), "00000000deadbeef");
    EXPECT_EQ(fmt("{:08x}", 0x1234), "00001234");
    EXPECT_EQ(fmt("{:08}", 42), "00000042");
    EXPECT_EQ(fmt("{:08d}", -42), "-0000042");
    // The prefix comes before the zeros, and counts towards the width.
    EXPECT_EQ(fmt("{:#018x}", 0xdeadbeefu), "0x00000000deadbeef");
    EXPECT_EQ(fmt("{:#010x}", -255), "-0x00000ff");
    EXPECT_EQ(fmt("{:#010b}", 5), "0b00000101");
    // Zero padding never truncates.
    EXPECT_EQ(fmt("{:04x}", 0x123456), "123456");
}

TEST(Format, Binary) {
    EXPECT_EQ(fmt("{:b}", 5), "101");
    EXPECT_EQ(fmt("{:#b}", 5), "0b101");
    EXPECT_EQ(fmt("{:b}", 0), "0");
    EXPECT_EQ(fmt("{:#b}", 0), "0b0");
    EXPECT_EQ(fmt("{:b}", -5), "-101");
    EXPECT_EQ(fmt("{:08b}", 5), "00000101");
}

TEST(Format, Decimal) {
    EXPECT_EQ(fmt("{:d}", 42), "42");
    EXPECT_EQ(fmt("{:d}", -42), "-42");
    EXPECT_EQ(fmt("{:d}", 1234567890123ull), "1234567890123");
}

TEST(Format, CharSpecOnIntegers) {
    EXPECT_EQ(fmt("{:c}", 65), "A");
    EXPECT_EQ(fmt("{:c}", 97u), "a");
    EXPECT_EQ(fmt("[{:3c}]", 66), "[B  ]");
}

TEST(Format, Alignment) {
    EXPECT_EQ(fmt("[{:>8}]", 42), "[      42]");
    EXPECT_EQ(fmt("[{:<8}]", 42), "[42      ]");
    EXPECT_EQ(fmt("[{:8}]", 42), "[      42]");  // numbers default to the right
    EXPECT_EQ(fmt("[{:8}]", -42), "[     -42]");
    EXPECT_EQ(fmt("[{:>8}]", "ab"), "[      ab]");
    EXPECT_EQ(fmt("[{:<8}]", "ab"), "[ab      ]");
    EXPECT_EQ(fmt("[{:8}]", "ab"), "[ab      ]");  // text defaults to the left
    EXPECT_EQ(fmt("[{:>8x}]", 255), "[      ff]");
    EXPECT_EQ(fmt("[{:<#8x}]", 255), "[0xff    ]");
    // An explicit alignment wins over zero padding (as in std::format).
    EXPECT_EQ(fmt("[{:<08}]", 42), "[42      ]");
    // A width narrower than the text does not truncate.
    EXPECT_EQ(fmt("[{:2}]", 12345), "[12345]");
    EXPECT_EQ(fmt("[{:>2}]", "abcdef"), "[abcdef]");
    EXPECT_EQ(fmt("[{:5}]", true), "[true ]");
    EXPECT_EQ(fmt("[{:>6}]", false), "[ false]");
    EXPECT_EQ(fmt("[{:3}]", 'x'), "[x  ]");
    EXPECT_EQ(fmt("[{:>3}]", 'x'), "[  x]");
}

TEST(Format, WideWidthPadsBeyondChunk) {
    // The padder writes in 16-byte chunks; widths above that must still be exact.
    StringSink sink;
    format_to(sink, "{:>100}|{:<37}|", 7, "s");
    EXPECT_EQ(sink.text, std::string(99, ' ') + "7|s" + std::string(36, ' ') + "|");
    EXPECT_EQ(fmt("{:0100}", 1), std::string(99, '0') + "1");
}

TEST(Format, SignedLimits) {
    EXPECT_EQ(fmt("{}", std::numeric_limits<int64_t>::min()), "-9223372036854775808");
    EXPECT_EQ(fmt("{}", std::numeric_limits<int64_t>::max()), "9223372036854775807");
    EXPECT_EQ(fmt("{:x}", std::numeric_limits<int64_t>::min()), "-8000000000000000");
    EXPECT_EQ(fmt("{:#x}", std::numeric_limits<int64_t>::min()), "-0x8000000000000000");
    EXPECT_EQ(fmt("{:b}", std::numeric_limits<int64_t>::min()), "-1" + std::string(63, '0'));
    EXPECT_EQ(fmt("{}", std::numeric_limits<int32_t>::min()), "-2147483648");
    EXPECT_EQ(fmt("{}", std::numeric_limits<int16_t>::min()), "-32768");
    EXPECT_EQ(fmt("{}", int8_t(-128)), "-128");
    EXPECT_EQ(fmt("{}", -1), "-1");
    EXPECT_EQ(fmt("{}", -1L), "-1");
    EXPECT_EQ(fmt("{}", -1LL), "-1");
}

TEST(Format, UnsignedLimits) {
    constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
    EXPECT_EQ(fmt("{}", max), "18446744073709551615");
    EXPECT_EQ(fmt("{:x}", max), "ffffffffffffffff");
    EXPECT_EQ(fmt("{:X}", max), "FFFFFFFFFFFFFFFF");
    EXPECT_EQ(fmt("{:#x}", max), "0xffffffffffffffff");
    EXPECT_EQ(fmt("{:b}", max), std::string(64, '1'));
    EXPECT_EQ(fmt("{:#b}", max), "0b" + std::string(64, '1'));
    EXPECT_EQ(fmt("{}", std::numeric_limits<uint32_t>::max()), "4294967295");
    EXPECT_EQ(fmt("{}", uint16_t(65535)), "65535");
    EXPECT_EQ(fmt("{}", uint8_t(200)), "200");  // uint8_t is a number, not a character
    EXPECT_EQ(fmt("{}", size_t(4096)), "4096");
}

TEST(Format, IntegerTypes) {
    EXPECT_EQ(fmt("{} {} {} {}", short(-3), (unsigned short)3, 5L, 6ULL), "-3 3 5 6");
    EXPECT_EQ(fmt("{}", (signed char)-5), "-5");
    EXPECT_EQ(fmt("{}", (unsigned char)250), "250");
}

TEST(Format, Bool) {
    EXPECT_EQ(fmt("{}", true), "true");
    EXPECT_EQ(fmt("{}", false), "false");
    EXPECT_EQ(fmt("{:s}", true), "true");
    EXPECT_EQ(fmt("{:d}", true), "1");
    EXPECT_EQ(fmt("{:d}", false), "0");
    EXPECT_EQ(fmt("{:x}", true), "1");
}

TEST(Format, Char) {
    EXPECT_EQ(fmt("{}", 'x'), "x");
    EXPECT_EQ(fmt("{:c}", 'x'), "x");
    EXPECT_EQ(fmt("{:d}", 'A'), "65");
    EXPECT_EQ(fmt("{:x}", 'A'), "41");
    EXPECT_EQ(fmt("{:#x}", 'A'), "0x41");
    // A char with the high bit set is a byte value (std::format does the same).
    EXPECT_EQ(fmt("{:d}", char(-1)), "255");
    EXPECT_EQ(fmt("{:x}", char(0x80)), "80");
    EXPECT_EQ(fmt("<{}>", '{'), "<{>");
}

TEST(Format, CString) {
    const char* hello = "hello";
    EXPECT_EQ(fmt("{}", hello), "hello");
    EXPECT_EQ(fmt("{:s}", hello), "hello");
    EXPECT_EQ(fmt("[{}]", "literal"), "[literal]");
    char mutable_buffer[] = "mutable";
    EXPECT_EQ(fmt("{}", mutable_buffer), "mutable");
    char* mutable_pointer = mutable_buffer;
    EXPECT_EQ(fmt("{}", mutable_pointer), "mutable");
    EXPECT_EQ(fmt("[{}]", ""), "[]");
    // A char array prints up to its first NUL, and never past its end when it has none.
    char early_nul[8] = "ab";
    EXPECT_EQ(fmt("[{}]", early_nul), "[ab]");
    const char unterminated[3] = {'x', 'y', 'z'};
    EXPECT_EQ(fmt("[{}]", unterminated), "[xyz]");
    // Braces inside an argument are data, not format syntax.
    EXPECT_EQ(fmt("{}", "{}{{"), "{}{{");
}

TEST(Format, NullCString) {
    const char* null_string = nullptr;
    EXPECT_EQ(fmt("{}", null_string), "(null)");
    char* null_mutable = nullptr;
    EXPECT_EQ(fmt("[{:>8}]", null_mutable), "[  (null)]");
}

TEST(Format, StringView) {
    EXPECT_EQ(fmt("{}", StringView("view")), "view");
    // A view need not be NUL-terminated: only its own bytes are printed.
    const char bytes[] = {'a', 'b', 'c', 'd', 'e', 'f'};
    EXPECT_EQ(fmt("[{}]", StringView(bytes, 3)), "[abc]");
    EXPECT_EQ(fmt("[{:>5}]", StringView(bytes + 4, 2)), "[   ef]");
    EXPECT_EQ(fmt("[{}]", StringView()), "[]");
    const StringView const_view("const");
    EXPECT_EQ(fmt("{}", const_view), "const");
}

TEST(Format, Enums) {
    EXPECT_EQ(fmt("{}", Color::Red), "1");
    EXPECT_EQ(fmt("{}", Color::Blue), "200");
    EXPECT_EQ(fmt("{:x}", Color::Blue), "c8");
    EXPECT_EQ(fmt("{}", Signed::Negative), "-7");
    EXPECT_EQ(fmt("{}", Signed::Positive), "7");
    EXPECT_EQ(fmt("{}", PlainTwo), "2");
    EXPECT_EQ(fmt("{}", Letter::A), "a");  // char-backed enums print as characters
}

TEST(Format, Pointers) {
    auto* p = reinterpret_cast<int*>(uintptr_t(0x1234));
    EXPECT_EQ(fmt("{}", p), "0x1234");
    EXPECT_EQ(fmt("{:p}", p), "0x1234");
    const void* cv = reinterpret_cast<const void*>(uintptr_t(0xffff800000001000ull));
    EXPECT_EQ(fmt("{:p}", cv), "0xffff800000001000");
    void* v = reinterpret_cast<void*>(uintptr_t(0xabc));
    EXPECT_EQ(fmt("{}", v), "0xabc");
    EXPECT_EQ(fmt("{:018p}", v), "0x0000000000000abc");
    EXPECT_EQ(fmt("[{:>8p}]", v), "[   0xabc]");
    int local = 0;
    char expected[32];
    std::snprintf(expected, sizeof(expected), "0x%llx", (unsigned long long)reinterpret_cast<uintptr_t>(&local));
    EXPECT_EQ(fmt("{}", &local), expected);
}

TEST(Format, NullPointers) {
    EXPECT_EQ(fmt("{}", nullptr), "0x0");
    EXPECT_EQ(fmt("{:p}", nullptr), "0x0");
    int* null_int = nullptr;
    EXPECT_EQ(fmt("{}", null_int), "0x0");
    const void* null_void = nullptr;
    EXPECT_EQ(fmt("{:p}", null_void), "0x0");
}

TEST(Format, BraceEscapes) {
    EXPECT_EQ(fmt("{{"), "{");
    EXPECT_EQ(fmt("}}"), "}");
    EXPECT_EQ(fmt("{{}}"), "{}");
    EXPECT_EQ(fmt("{{{}}}", 5), "{5}");
    EXPECT_EQ(fmt("a{{b}}c"), "a{b}c");
    EXPECT_EQ(fmt("{{{{"), "{{");
    // Escapes consume no argument.
    EXPECT_EQ(fmt("{{}} {}", 1), "{} 1");
}

TEST(Format, MalformedBraces) {
    // A lone '}' is printed; an unterminated '{' is printed literally and consumes nothing.
    EXPECT_EQ(fmt("a}b"), "a}b");
    EXPECT_EQ(fmt("x{", 1), "x{");
    EXPECT_EQ(fmt("x{:x", 1), "x{:x");
    EXPECT_EQ(fmt("{} {", 1), "1 {");
}

TEST(Format, MissingArguments) {
    EXPECT_EQ(fmt("{}"), "<missing>");
    EXPECT_EQ(fmt("{} {}", 1), "1 <missing>");
    EXPECT_EQ(fmt("{:x} {:x} {}", 255), "ff <missing> <missing>");
}

TEST(Format, ExtraArgumentsIgnored) {
    EXPECT_EQ(fmt("{}", 1, 2, 3), "1");
    EXPECT_EQ(fmt("none", 1, "two"), "none");
}

TEST(Format, MixedArguments) {
    const char* name = "init";
    EXPECT_EQ(fmt("pid {} ({}) state={:c} flags={:#x} ok={}", 1, name, 'R', 0x40u, true),
              "pid 1 (init) state=R flags=0x40 ok=true");
}

TEST(Format, FormatToCustomSink) {
    StringSink sink;
    format_to(sink, "{}-{}", 1, "x");
    EXPECT_EQ(sink.text, "1-x");
    EXPECT_GT(sink.writes, 0);
    StringSink empty;
    format_to(empty, "");
    EXPECT_EQ(empty.text, "");
}

TEST(BufferSink, FitsExactly) {
    auto buffer = std::make_unique<char[]>(6);
    BufferSink sink(buffer.get(), 6);
    format_to(sink, "hello");
    EXPECT_EQ(sink.length(), 5u);
    EXPECT_FALSE(sink.truncated());
    EXPECT_STREQ(buffer.get(), "hello");
    EXPECT_EQ(sink.view(), "hello");
}

TEST(BufferSink, TruncatesAndTerminates) {
    auto buffer = std::make_unique<char[]>(8);
    BufferSink sink(buffer.get(), 8);
    format_to(sink, "hello {}", "world");
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(sink.length(), 7u);
    EXPECT_STREQ(buffer.get(), "hello w");
    EXPECT_EQ(sink.view(), "hello w");
    // Further writes add nothing and keep the terminator.
    sink.write("more", 4);
    EXPECT_EQ(sink.length(), 7u);
    EXPECT_STREQ(buffer.get(), "hello w");
}

TEST(BufferSink, FormatBufferReturnsWrittenLength) {
    auto buffer = std::make_unique<char[]>(4);
    size_t n = format_buffer(buffer.get(), 4, "{}", 123456);
    EXPECT_EQ(n, 3u);
    EXPECT_STREQ(buffer.get(), "123");
}

TEST(BufferSink, NeverWritesPastCapacity) {
    char buffer[16];
    std::memset(buffer, 'X', sizeof(buffer));
    BufferSink sink(buffer, 8);
    format_to(sink, "{:>20}", 1);
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(sink.length(), 7u);
    EXPECT_EQ(std::string(buffer, 8), std::string(7, ' ') + '\0');
    for (size_t i = 8; i < sizeof(buffer); ++i)
        EXPECT_EQ(buffer[i], 'X') << "byte " << i;
}

TEST(BufferSink, TerminatedAfterEveryWrite) {
    char buffer[16];
    std::memset(buffer, 'X', sizeof(buffer));
    BufferSink sink(buffer, sizeof(buffer));
    EXPECT_EQ(buffer[0], '\0');  // the constructor terminates an empty buffer
    sink.write("ab", 2);
    EXPECT_STREQ(buffer, "ab");
    sink.write("", 0);
    EXPECT_STREQ(buffer, "ab");
    sink.write("cd", 2);
    EXPECT_STREQ(buffer, "abcd");
    EXPECT_FALSE(sink.truncated());
}

TEST(BufferSink, CapacityOne) {
    char buffer[2] = {'X', 'Y'};
    BufferSink sink(buffer, 1);
    format_to(sink, "abc");
    EXPECT_TRUE(sink.truncated());
    EXPECT_EQ(sink.length(), 0u);
    EXPECT_EQ(buffer[0], '\0');
    EXPECT_EQ(buffer[1], 'Y');
}

TEST(BufferSink, CapacityZeroTouchesNothing) {
    BufferSink null_sink(nullptr, 0);
    format_to(null_sink, "abc {}", 1);
    EXPECT_TRUE(null_sink.truncated());
    EXPECT_EQ(null_sink.length(), 0u);

    char byte = 'X';
    EXPECT_EQ(format_buffer(&byte, 0, "abc"), 0u);
    EXPECT_EQ(byte, 'X');
}

TEST(BufferSink, EmptyFormatIsTerminated) {
    char buffer[4] = {'X', 'X', 'X', 'X'};
    EXPECT_EQ(format_buffer(buffer, sizeof(buffer), ""), 0u);
    EXPECT_EQ(buffer[0], '\0');
}
