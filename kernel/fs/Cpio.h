#pragma once
// The cpio "newc" archive format of initramfs images ("070701", and "070702" whose header
// carries a checksum of the data), parsed as a stream, like Linux's init/initramfs.c state
// machine: bytes arrive in any pieces (from memory or from the gzip decompressor), names are
// collected, file data is passed on as it comes.
//
// Layout: a 110-byte header of ASCII hex fields, the NUL-terminated name padded so the data
// starts 4-aligned, the data padded to 4; "TRAILER!!!" ends an archive. Several archives may
// follow each other, with zero bytes between them. A malformed or truncated archive is EINVAL.
#include "fs/Inflate.h"
#include "lib/ErrorOr.h"
#include "lib/OwnPtr.h"
#include "lib/kstd.h"

namespace kernel {

struct CpioEntry {
    uint32_t ino;
    uint32_t mode;  // type and permission bits
    uint32_t uid;
    uint32_t gid;
    uint32_t nlink;
    uint32_t mtime;
    uint32_t file_size;
    uint32_t dev_major, dev_minor;    // of the file system the file came from (hard links)
    uint32_t rdev_major, rdev_minor;  // of a device node
    StringView name;                  // valid during begin_entry only
};

// What the parser reports, entry by entry.
class CpioVisitor {
public:
    virtual ErrorOr<void> begin_entry(const CpioEntry& entry) = 0;
    // The entry's data (a file's contents, a symlink's target), in order, in pieces.
    virtual ErrorOr<void> entry_data(const uint8_t* data, size_t size) = 0;
    virtual ErrorOr<void> end_entry() = 0;

protected:
    ~CpioVisitor() = default;
};

class CpioParser final : public ByteSink {
public:
    static ErrorOr<OwnPtr<CpioParser>> create(CpioVisitor& visitor);
    ~CpioParser();

    // Consumes `data`; returns how many bytes belong to archives. It stops early only between
    // archives, at a byte that is neither padding (zero) nor the start of a header: the caller
    // decides what that is (compressed data follows, or garbage).
    ErrorOr<size_t> feed(const uint8_t* data, size_t size);
    // ByteSink: everything must be archive (decompressed data holds nothing else).
    ErrorOr<void> write(const uint8_t* data, size_t size) override;
    // The input is over: EINVAL if it ended inside an entry.
    ErrorOr<void> finish();
    bool between_archives() const { return m_state == State::BetweenArchives; }

private:
    enum class State : uint8_t { BetweenArchives, Header, Name, Data, Padding };
    explicit CpioParser(CpioVisitor& visitor, char* name_buffer) : m_visitor(visitor), m_name(name_buffer) {}
    ErrorOr<void> header_done();
    ErrorOr<void> name_done();
    ErrorOr<void> entry_done();
    void pad_to_4(State next);

    CpioVisitor& m_visitor;
    State m_state{State::BetweenArchives};
    State m_after_padding{State::Header};
    uint64_t m_offset{0};  // bytes into the current archive: padding aligns to it
    char m_header[110];
    size_t m_collected{0};  // bytes of the header or name so far
    char* m_name;           // PATH_MAX bytes
    CpioEntry m_entry{};
    uint32_t m_name_size{0};
    uint32_t m_data_left{0};
    uint32_t m_padding_left{0};
    bool m_has_checksum{false};
    uint32_t m_checksum{0};
    uint32_t m_sum{0};
    bool m_skip{false};      // a name too long: skipped, as Linux does
    bool m_trailer{false};
};

}  // namespace kernel
