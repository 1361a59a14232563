#include "fs/Inflate.h"

#include "lib/OwnPtr.h"

namespace kernel {

namespace {

constexpr unsigned MAX_BITS = 15;   // longest Huffman code
constexpr unsigned FAST_BITS = 9;   // codes up to this long decode with one table look-up
constexpr unsigned MAX_LITERAL_CODES = 288;
constexpr unsigned MAX_DISTANCE_CODES = 30;
constexpr size_t WINDOW_SIZE = 32768;  // the farthest a match can reach back
constexpr size_t WINDOW_MASK = WINDOW_SIZE - 1;

// RFC 1951, 3.2.5: base values and extra bits of the length (257..285) and distance codes.
constexpr uint16_t LENGTH_BASE[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t LENGTH_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr uint16_t DISTANCE_BASE[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                        193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t DISTANCE_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// The order code-length code lengths come in (3.2.7).
constexpr uint8_t CODE_LENGTH_ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

constexpr auto CRC_TABLE = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t n = 0; n < 256; ++n) {
        uint32_t c = n;
        for (int k = 0; k < 8; ++k)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    return table;
}();

ErrorOr<void> invalid() { return Error::from_errno(EINVAL); }

// A canonical Huffman code: counts per length and symbols in code order (puff's layout), plus a
// table indexed by the next FAST_BITS input bits: (length << 9) | symbol, 0 when the code is
// longer (or the bits start no code).
struct Huffman {
    uint16_t counts[MAX_BITS + 1];
    uint16_t symbols[MAX_LITERAL_CODES];
    uint16_t fast[1 << FAST_BITS];

    // Returns how many codes are missing for the code to be complete (0: complete), or -1 when
    // the lengths are over-subscribed.
    int build(const uint8_t* lengths, unsigned n) {
        __builtin_memset(counts, 0, sizeof(counts));
        __builtin_memset(fast, 0, sizeof(fast));
        for (unsigned s = 0; s < n; ++s)
            ++counts[lengths[s]];
        if (counts[0] == n)
            return 0;  // no codes: complete, but nothing will decode
        int left = 1;
        for (unsigned len = 1; len <= MAX_BITS; ++len) {
            left <<= 1;
            left -= counts[len];
            if (left < 0)
                return -1;
        }
        uint16_t offsets[MAX_BITS + 2];
        offsets[1] = 0;
        for (unsigned len = 1; len <= MAX_BITS; ++len)
            offsets[len + 1] = uint16_t(offsets[len] + counts[len]);
        for (unsigned s = 0; s < n; ++s)
            if (lengths[s])
                symbols[offsets[lengths[s]]++] = uint16_t(s);
        // Codes are sent most significant bit first into a stream read least significant bit
        // first, so the table is indexed by the bit-reversed code.
        unsigned code = 0, index = 0;
        for (unsigned len = 1; len <= FAST_BITS; ++len, code <<= 1) {
            for (unsigned k = 0; k < counts[len]; ++k, ++code) {
                unsigned reversed = 0;
                for (unsigned b = 0; b < len; ++b)
                    reversed |= ((code >> b) & 1) << (len - 1 - b);
                uint16_t entry = uint16_t((len << 9) | symbols[index++]);
                for (unsigned i = reversed; i < (1u << FAST_BITS); i += 1u << len)
                    fast[i] = entry;
            }
        }
        return left;
    }
};

class Inflater {
public:
    Inflater(const uint8_t* input, size_t size, ByteSink& sink) : m_input(input), m_size(size), m_sink(sink) {}

    ErrorOr<size_t> run() {
        bool last;
        do {
            last = TRY(take(1));
            switch (TRY(take(2))) {
            case 0:
                TRY(stored_block());
                break;
            case 1:
                TRY(fixed_block());
                break;
            case 2:
                TRY(dynamic_block());
                break;
            default:
                return Error::from_errno(EINVAL);
            }
        } while (!last);
        TRY(flush());
        return m_position - m_bit_count / 8;  // whole unread bytes go back to the caller
    }
    uint32_t crc() const { return m_crc; }
    uint64_t total() const { return m_total; }

private:
    // Bits, least significant first. Past the end the buffer fills with zero bytes so that
    // look-ahead is simple; consuming any of those bits is a truncated stream: EINVAL.
    void refill() {
        while (m_bit_count <= 56) {
            uint8_t byte = 0;
            if (m_position < m_size)
                byte = m_input[m_position];
            else
                ++m_overrun;
            ++m_position;
            m_bits |= uint64_t(byte) << m_bit_count;
            m_bit_count += 8;
        }
    }
    uint32_t peek(unsigned n) {
        if (m_bit_count < n)
            refill();
        return uint32_t(m_bits & ((uint64_t(1) << n) - 1));
    }
    ErrorOr<void> consume(unsigned n) {
        m_bits >>= n;
        m_bit_count -= n;
        if (m_overrun && m_bit_count < 8 * m_overrun)
            return invalid();
        return {};
    }
    ErrorOr<uint32_t> take(unsigned n) {
        if (!n)
            return 0u;
        uint32_t value = peek(n);
        TRY(consume(n));
        return value;
    }

    ErrorOr<unsigned> decode(const Huffman& h) {
        uint16_t entry = h.fast[peek(FAST_BITS)];
        if (entry) {
            TRY(consume(entry >> 9));
            return unsigned(entry & 511);
        }
        // Longer codes: puff's canonical decoding, one bit at a time (without consuming yet).
        peek(MAX_BITS);
        int code = 0, first = 0, index = 0;
        for (unsigned len = 1; len <= MAX_BITS; ++len) {
            code |= int((m_bits >> (len - 1)) & 1);
            int count = h.counts[len];
            if (code - count < first) {
                TRY(consume(len));
                return unsigned(h.symbols[index + (code - first)]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        return Error::from_errno(EINVAL);  // no code matches these bits
    }

    ErrorOr<void> flush() {
        // Called when the window wraps and at the end, so what is new is contiguous.
        size_t n = size_t(m_total - m_flushed);
        if (!n)
            return {};
        const uint8_t* data = m_window + (m_flushed & WINDOW_MASK);
        m_crc = crc32(m_crc, data, n);
        m_flushed = m_total;
        return m_sink.write(data, n);
    }
    ErrorOr<void> put(uint8_t byte) {
        m_window[m_total++ & WINDOW_MASK] = byte;
        if (!(m_total & WINDOW_MASK))
            return flush();
        return {};
    }

    ErrorOr<void> stored_block() {
        TRY(consume(m_bit_count % 8));  // to a byte boundary
        uint32_t length = TRY(take(16));
        uint32_t complement = TRY(take(16));
        if (length != (~complement & 0xffff))
            return invalid();
        // Bytes already in the bit buffer first, then straight from the input.
        while (length && m_bit_count >= 8) {
            TRY(put(uint8_t(TRY(take(8)))));
            --length;
        }
        if (length > m_size - (m_position < m_size ? m_position : m_size) || (length && m_overrun))
            return invalid();
        while (length--)
            TRY(put(m_input[m_position++]));
        return {};
    }

    ErrorOr<void> codes(const Huffman& literals, const Huffman& distances) {
        while (true) {
            unsigned symbol = TRY(decode(literals));
            if (symbol < 256) {
                TRY(put(uint8_t(symbol)));
                continue;
            }
            if (symbol == 256)
                return {};
            symbol -= 257;
            if (symbol >= 29)
                return invalid();  // 286 and 287 exist in the fixed code but mean nothing
            uint32_t length = LENGTH_BASE[symbol] + TRY(take(LENGTH_EXTRA[symbol]));
            unsigned distance_symbol = TRY(decode(distances));
            if (distance_symbol >= MAX_DISTANCE_CODES)
                return invalid();
            uint32_t distance = DISTANCE_BASE[distance_symbol] + TRY(take(DISTANCE_EXTRA[distance_symbol]));
            if (distance > m_total)
                return invalid();  // reaches back before the start of the output
            while (length--)
                TRY(put(m_window[(m_total - distance) & WINDOW_MASK]));
        }
    }

    ErrorOr<void> fixed_block() {
        if (!m_fixed_built) {
            uint8_t lengths[MAX_LITERAL_CODES];
            unsigned s = 0;
            for (; s < 144; ++s)
                lengths[s] = 8;
            for (; s < 256; ++s)
                lengths[s] = 9;
            for (; s < 280; ++s)
                lengths[s] = 7;
            for (; s < MAX_LITERAL_CODES; ++s)
                lengths[s] = 8;
            m_fixed_literals.build(lengths, MAX_LITERAL_CODES);
            for (s = 0; s < MAX_DISTANCE_CODES; ++s)
                lengths[s] = 5;
            m_fixed_distances.build(lengths, MAX_DISTANCE_CODES);
            m_fixed_built = true;
        }
        return codes(m_fixed_literals, m_fixed_distances);
    }

    ErrorOr<void> dynamic_block() {
        unsigned literal_count = TRY(take(5)) + 257;
        unsigned distance_count = TRY(take(5)) + 1;
        unsigned code_length_count = TRY(take(4)) + 4;
        if (literal_count > 286 || distance_count > MAX_DISTANCE_CODES)
            return invalid();
        uint8_t lengths[286 + MAX_DISTANCE_CODES] = {};
        for (unsigned i = 0; i < code_length_count; ++i)
            lengths[CODE_LENGTH_ORDER[i]] = uint8_t(TRY(take(3)));
        if (m_literals.build(lengths, 19) != 0)
            return invalid();  // the code-length code must be complete

        unsigned total = literal_count + distance_count;
        uint8_t code_lengths[286 + MAX_DISTANCE_CODES];
        for (unsigned index = 0; index < total;) {
            unsigned symbol = TRY(decode(m_literals));
            if (symbol < 16) {
                code_lengths[index++] = uint8_t(symbol);
                continue;
            }
            uint8_t repeated = 0;
            unsigned times;
            if (symbol == 16) {
                if (!index)
                    return invalid();  // nothing to repeat
                repeated = code_lengths[index - 1];
                times = 3 + TRY(take(2));
            } else if (symbol == 17) {
                times = 3 + TRY(take(3));
            } else {
                times = 11 + TRY(take(7));
            }
            if (index + times > total)
                return invalid();
            while (times--)
                code_lengths[index++] = repeated;
        }
        if (!code_lengths[256])
            return invalid();  // no end-of-block code
        // Incomplete codes are allowed only when they hold a single code (puff's rule).
        int missing = m_literals.build(code_lengths, literal_count);
        if (missing < 0 || (missing > 0 && literal_count != m_literals.counts[0] + m_literals.counts[1]))
            return invalid();
        missing = m_distances.build(code_lengths + literal_count, distance_count);
        if (missing < 0 || (missing > 0 && distance_count != m_distances.counts[0] + m_distances.counts[1]))
            return invalid();
        return codes(m_literals, m_distances);
    }

    const uint8_t* m_input;
    size_t m_size;
    size_t m_position{0};  // next input byte to load into m_bits
    uint64_t m_bits{0};
    unsigned m_bit_count{0};
    size_t m_overrun{0};  // zero bytes loaded past the end
    ByteSink& m_sink;
    uint64_t m_total{0};    // bytes produced
    uint64_t m_flushed{0};  // bytes handed to the sink
    uint32_t m_crc{0};
    bool m_fixed_built{false};
    Huffman m_literals, m_distances, m_fixed_literals, m_fixed_distances;
    uint8_t m_window[WINDOW_SIZE];
};

uint32_t read_le32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

}  // namespace

uint32_t crc32(uint32_t crc, const uint8_t* data, size_t size) {
    crc = ~crc;
    for (size_t i = 0; i < size; ++i)
        crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

ErrorOr<size_t> inflate(const uint8_t* input, size_t size, ByteSink& sink) {
    // The window makes the state about 40 KiB: too big for a kernel stack.
    auto inflater = TRY(try_make<Inflater>(input, size, sink));
    return inflater->run();
}

bool is_gzip(const uint8_t* input, size_t size) { return size >= 2 && input[0] == 0x1f && input[1] == 0x8b; }

ErrorOr<size_t> gunzip_member(const uint8_t* input, size_t size, ByteSink& sink) {
    constexpr uint8_t FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;
    if (size < 10 || !is_gzip(input, size) || input[2] != 8 /* deflate */ || (input[3] & 0xe0))
        return Error::from_errno(EINVAL);
    uint8_t flags = input[3];
    size_t position = 10;  // magic, method, flags, mtime, extra flags, OS
    if (flags & FEXTRA) {
        if (size - position < 2)
            return Error::from_errno(EINVAL);
        size_t extra = input[position] | size_t(input[position + 1]) << 8;
        position += 2;
        if (size - position < extra)
            return Error::from_errno(EINVAL);
        position += extra;
    }
    for (uint8_t field : {FNAME, FCOMMENT}) {
        if (!(flags & field))
            continue;
        while (position < size && input[position])
            ++position;
        if (position == size)
            return Error::from_errno(EINVAL);
        ++position;  // the NUL
    }
    if (flags & FHCRC) {
        if (size - position < 2)
            return Error::from_errno(EINVAL);
        uint32_t expected = input[position] | uint32_t(input[position + 1]) << 8;
        if ((crc32(0, input, position) & 0xffff) != expected)
            return Error::from_errno(EINVAL);
        position += 2;
    }
    auto inflater = TRY(try_make<Inflater>(input + position, size - position, sink));
    position += TRY(inflater->run());
    if (size - position < 8)
        return Error::from_errno(EINVAL);
    if (read_le32(input + position) != inflater->crc() || read_le32(input + position + 4) != uint32_t(inflater->total()))
        return Error::from_errno(EINVAL);
    return position + 8;
}

}  // namespace kernel
