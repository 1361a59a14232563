#include "fs/Cpio.h"

#include "fs/Inode.h"
#include "mm/Heap.h"

namespace kernel {

namespace {
constexpr size_t HEADER_SIZE = 110;  // "07070x" and 13 fields of 8 hex digits

bool parse_hex8(const char* p, uint32_t& value) {
    value = 0;
    for (int i = 0; i < 8; ++i) {
        char c = p[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = uint32_t(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = uint32_t(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            digit = uint32_t(c - 'A' + 10);
        else
            return false;
        value = value << 4 | digit;
    }
    return true;
}
}  // namespace

ErrorOr<OwnPtr<CpioParser>> CpioParser::create(CpioVisitor& visitor) {
    auto* name = static_cast<char*>(kmalloc(PATH_MAX_LEN));
    if (!name)
        return Error::from_errno(ENOMEM);
    auto* parser = new (std::nothrow) CpioParser(visitor, name);
    if (!parser) {
        kfree(name);
        return Error::from_errno(ENOMEM);
    }
    return OwnPtr<CpioParser>(parser);
}

CpioParser::~CpioParser() { kfree(m_name); }

void CpioParser::pad_to_4(State next) {
    m_padding_left = uint32_t((4 - m_offset % 4) % 4);
    m_after_padding = next;
    m_state = State::Padding;
}

ErrorOr<void> CpioParser::header_done() {
    if (__builtin_memcmp(m_header, "07070", 5) != 0 || (m_header[5] != '1' && m_header[5] != '2'))
        return Error::from_errno(EINVAL);
    m_has_checksum = m_header[5] == '2';
    uint32_t fields[13];
    for (int i = 0; i < 13; ++i)
        if (!parse_hex8(m_header + 6 + 8 * i, fields[i]))
            return Error::from_errno(EINVAL);
    m_entry = CpioEntry{
        .ino = fields[0],
        .mode = fields[1],
        .uid = fields[2],
        .gid = fields[3],
        .nlink = fields[4],
        .mtime = fields[5],
        .file_size = fields[6],
        .dev_major = fields[7],
        .dev_minor = fields[8],
        .rdev_major = fields[9],
        .rdev_minor = fields[10],
        .name = {},
    };
    m_name_size = fields[11];
    m_checksum = fields[12];
    if (m_name_size == 0)
        return Error::from_errno(EINVAL);
    m_skip = m_name_size > PATH_MAX_LEN;  // Linux skips such entries, name and data
    m_collected = 0;
    m_state = State::Name;
    return {};
}

ErrorOr<void> CpioParser::name_done() {
    m_trailer = false;
    if (!m_skip) {
        if (m_name[m_name_size - 1] != 0)
            return Error::from_errno(EINVAL);
        m_entry.name = StringView(m_name);
        m_trailer = m_entry.name == "TRAILER!!!";
        if (!m_trailer)
            TRY(m_visitor.begin_entry(m_entry));
    }
    m_data_left = m_entry.file_size;
    m_sum = 0;
    pad_to_4(State::Data);
    return {};
}

ErrorOr<void> CpioParser::entry_done() {
    bool reported = !m_trailer && !m_skip;
    if (reported && m_has_checksum && m_sum != m_checksum)
        return Error::from_errno(EINVAL);
    if (reported)
        TRY(m_visitor.end_entry());
    pad_to_4(m_trailer ? State::BetweenArchives : State::Header);
    return {};
}

ErrorOr<size_t> CpioParser::feed(const uint8_t* data, size_t size) {
    size_t i = 0;
    while (true) {
        // States that need no input move on at once (an empty file, no padding).
        if (m_state == State::Padding && !m_padding_left) {
            m_state = m_after_padding;
            m_collected = 0;
            continue;
        }
        if (m_state == State::Data && !m_data_left) {
            TRY(entry_done());
            continue;
        }
        if (i == size)
            return i;
        size_t available = size - i;
        switch (m_state) {
        case State::BetweenArchives:
            if (data[i] == 0) {
                ++i;  // padding between archives
                continue;
            }
            if (data[i] != '0')
                return i;  // not ours: the caller decides
            m_state = State::Header;
            m_offset = 0;
            m_collected = 0;
            continue;
        case State::Header: {
            size_t n = HEADER_SIZE - m_collected < available ? HEADER_SIZE - m_collected : available;
            __builtin_memcpy(m_header + m_collected, data + i, n);
            m_collected += n;
            i += n;
            m_offset += n;
            if (m_collected == HEADER_SIZE)
                TRY(header_done());
            continue;
        }
        case State::Name: {
            size_t n = m_name_size - m_collected < available ? m_name_size - m_collected : available;
            if (!m_skip)
                __builtin_memcpy(m_name + m_collected, data + i, n);
            m_collected += n;
            i += n;
            m_offset += n;
            if (m_collected == m_name_size)
                TRY(name_done());
            continue;
        }
        case State::Data: {
            size_t n = m_data_left < available ? m_data_left : available;
            if (!m_skip && !m_trailer) {
                if (m_has_checksum)
                    for (size_t k = 0; k < n; ++k)
                        m_sum += data[i + k];
                TRY(m_visitor.entry_data(data + i, n));
            }
            m_data_left -= uint32_t(n);
            i += n;
            m_offset += n;
            continue;
        }
        case State::Padding: {
            size_t n = m_padding_left < available ? m_padding_left : available;
            m_padding_left -= uint32_t(n);
            i += n;
            m_offset += n;
            continue;
        }
        }
    }
}

ErrorOr<void> CpioParser::write(const uint8_t* data, size_t size) {
    size_t used = TRY(feed(data, size));
    if (used != size)
        return Error::from_errno(EINVAL);  // something other than an archive
    return {};
}

ErrorOr<void> CpioParser::finish() {
    TRY(feed(nullptr, 0));
    // Between archives, or at the start of a header that never came (a missing trailer, which
    // Linux tolerates too); anything else was cut off.
    if (m_state == State::BetweenArchives || (m_state == State::Header && m_collected == 0))
        return {};
    return Error::from_errno(EINVAL);
}

}  // namespace kernel
