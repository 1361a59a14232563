#pragma once
// DEFLATE (RFC 1951) and gzip (RFC 1952) decompression, for gzip-compressed initramfs images
// (Linux's lib/decompress_inflate.c, written afresh in the manner of zlib's puff.c).
//
// Input is one buffer in memory; output streams to a ByteSink in chunks of up to 32 KiB, from a
// sliding window that back-references read, so the decompressed size is unbounded. Stored,
// fixed-Huffman and dynamic-Huffman blocks; Huffman codes of up to 9 bits decode through a
// table, longer ones bit by bit. Malformed or truncated input is EINVAL, never a crash: every
// count, length, distance and code is checked.
#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

class ByteSink {
public:
    virtual ErrorOr<void> write(const uint8_t* data, size_t size) = 0;

protected:
    ~ByteSink() = default;
};

// Decompresses one raw DEFLATE stream at the start of `input`; returns the input bytes it
// used (up to the byte holding the final block's last bit). EINVAL for bad or truncated data,
// ENOMEM when the window cannot be allocated, or the sink's own error.
ErrorOr<size_t> inflate(const uint8_t* input, size_t size, ByteSink& sink);

// gzip: true when `input` starts with a gzip member's magic (1f 8b).
bool is_gzip(const uint8_t* input, size_t size);
// Decompresses one gzip member (header, DEFLATE data, then CRC-32 and length, both checked);
// returns the input bytes it used, so the caller can go on with the next member.
ErrorOr<size_t> gunzip_member(const uint8_t* input, size_t size, ByteSink& sink);

// CRC-32 (IEEE 802.3, as gzip uses), continued from `crc` (0 to start).
uint32_t crc32(uint32_t crc, const uint8_t* data, size_t size);

}  // namespace kernel
