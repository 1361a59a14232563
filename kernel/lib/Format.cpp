#include "lib/Format.h"

namespace kernel {

void BufferSink::write(const char* data, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (m_length + 1 >= m_capacity) {
            m_truncated = true;
            break;
        }
        m_buffer[m_length++] = data[i];
    }
    if (m_capacity)
        m_buffer[m_length < m_capacity ? m_length : m_capacity - 1] = 0;
}

namespace {

void pad(FormatSink& sink, char c, size_t count) {
    char chunk[16];
    for (auto& ch : chunk)
        ch = c;
    while (count) {
        size_t n = count < sizeof(chunk) ? count : sizeof(chunk);
        sink.write(chunk, n);
        count -= n;
    }
}

// Writes `body` (with an optional sign/prefix) honouring width, alignment and zero padding.
void emit(FormatSink& sink, const FormatSpec& spec, StringView prefix, StringView body, bool numeric) {
    size_t length = prefix.size() + body.size();
    size_t fill = spec.width > length ? spec.width - length : 0;
    char align = spec.align ? spec.align : (numeric ? '>' : '<');
    if (fill && spec.zero_pad && numeric && !spec.align) {
        sink.write(prefix.data(), prefix.size());
        pad(sink, '0', fill);
        sink.write(body.data(), body.size());
        return;
    }
    if (fill && align == '>')
        pad(sink, ' ', fill);
    sink.write(prefix.data(), prefix.size());
    sink.write(body.data(), body.size());
    if (fill && align == '<')
        pad(sink, ' ', fill);
}

void format_unsigned(FormatSink& sink, const FormatSpec& spec, uint64_t value, bool negative) {
    unsigned base = 10;
    bool upper = false;
    StringView prefix = negative ? "-" : "";
    switch (spec.type) {
    case 'x':
        base = 16;
        if (spec.alternate)
            prefix = negative ? "-0x" : "0x";
        break;
    case 'X':
        base = 16;
        upper = true;
        if (spec.alternate)
            prefix = negative ? "-0X" : "0X";
        break;
    case 'b':
        base = 2;
        if (spec.alternate)
            prefix = negative ? "-0b" : "0b";
        break;
    case 'o':
        base = 8;
        if (spec.alternate)
            prefix = negative ? "-0" : "0";
        break;
    default:
        break;
    }
    char digits[64];
    size_t n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[sizeof(digits) - 1 - n++] = set[value % base];
        value /= base;
    } while (value);
    emit(sink, spec, prefix, StringView(digits + sizeof(digits) - n, n), true);
}

void format_one(FormatSink& sink, const FormatSpec& spec, const FormatArg& arg) {
    switch (arg.kind) {
    case FormatArg::Kind::Signed:
        if (spec.type == 'c') {
            char c = static_cast<char>(arg.s);
            emit(sink, spec, "", StringView(&c, 1), false);
        } else if (arg.s < 0) {
            format_unsigned(sink, spec, 0 - static_cast<uint64_t>(arg.s), true);
        } else {
            format_unsigned(sink, spec, static_cast<uint64_t>(arg.s), false);
        }
        return;
    case FormatArg::Kind::Unsigned:
        if (spec.type == 'c') {
            char c = static_cast<char>(arg.u);
            emit(sink, spec, "", StringView(&c, 1), false);
        } else {
            format_unsigned(sink, spec, arg.u, false);
        }
        return;
    case FormatArg::Kind::Bool:
        if (spec.type && spec.type != 's')
            format_unsigned(sink, spec, arg.u, false);
        else
            emit(sink, spec, "", arg.u ? "true" : "false", false);
        return;
    case FormatArg::Kind::Char:
        if (spec.type && spec.type != 'c') {
            format_unsigned(sink, spec, arg.u, false);
        } else {
            char c = static_cast<char>(arg.u);
            emit(sink, spec, "", StringView(&c, 1), false);
        }
        return;
    case FormatArg::Kind::String:
        emit(sink, spec, "", StringView(arg.str.data, arg.str.length), false);
        return;
    case FormatArg::Kind::Pointer: {
        FormatSpec p = spec;
        p.type = 'x';
        p.alternate = true;
        format_unsigned(sink, p, reinterpret_cast<uintptr_t>(arg.p), false);
        return;
    }
    }
}

// Parses the part between ':' and '}'; unknown characters are ignored rather than trusted.
FormatSpec parse_spec(StringView text) {
    FormatSpec spec;
    size_t i = 0;
    if (i < text.size() && (text[i] == '<' || text[i] == '>'))
        spec.align = text[i++];
    if (i < text.size() && text[i] == '#') {
        spec.alternate = true;
        ++i;
    }
    if (i < text.size() && text[i] == '0') {
        spec.zero_pad = true;
        ++i;
    }
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
        spec.width = spec.width * 10 + static_cast<size_t>(text[i++] - '0');
    if (i < text.size())
        spec.type = text[i];
    return spec;
}

}  // namespace

void vformat(FormatSink& sink, StringView fmt, std::span<const FormatArg> args) {
    size_t next_arg = 0;
    size_t i = 0;
    while (i < fmt.size()) {
        size_t start = i;
        while (i < fmt.size() && fmt[i] != '{' && fmt[i] != '}')
            ++i;
        if (i > start)
            sink.write(fmt.data() + start, i - start);
        if (i >= fmt.size())
            break;
        // "{{" and "}}" are literal braces.
        if (i + 1 < fmt.size() && fmt[i + 1] == fmt[i]) {
            sink.write(fmt.data() + i, 1);
            i += 2;
            continue;
        }
        if (fmt[i] == '}') {
            sink.write("}", 1);
            ++i;
            continue;
        }
        size_t close = fmt.find('}', i);
        if (close == StringView::npos) {
            sink.write(fmt.data() + i, fmt.size() - i);
            break;
        }
        StringView inside(fmt.data() + i + 1, close - i - 1);
        FormatSpec spec;
        if (!inside.empty() && inside[0] == ':')
            spec = parse_spec(StringView(inside.data() + 1, inside.size() - 1));
        if (next_arg < args.size())
            format_one(sink, spec, args[next_arg++]);
        else
            sink.write("<missing>", 9);
        i = close + 1;
    }
}

}  // namespace kernel
