#pragma once
// The kernel's random numbers: a ChaCha20-based generator (Linux's crng in drivers/char/random.c,
// much simplified), seeded from arch::hardware_random (RDRAND) and arch::weak_entropy.
//
// Fast key erasure: every request first draws one ChaCha20 block from the base key; half of it
// replaces the base key and the other half keys the request's own stream. An attacker who reads
// the generator's state later therefore learns nothing about outputs already handed out.
// Used by /dev/urandom, /dev/random, getrandom and AT_RANDOM.
#include "lib/kstd.h"

namespace kernel {

// Fills `buffer` with `size` random bytes. Never fails and never blocks (like getrandom with
// a ready crng: we seed at first use).
void get_random_bytes(void* buffer, size_t size);
uint64_t get_random_u64();

// The ChaCha20 block function (RFC 8439, section 2.3): 64 bytes of key stream for `key` (8 words),
// block `counter` and `nonce` (3 words). Public for the unit tests' RFC vectors.
void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]);

// A request's own stream: keyed once from the base generator, then generates without locks.
// For callers that copy large amounts out in pieces (/dev/urandom reads). Wipes its key when
// it goes away.
class RandomStream {
public:
    RandomStream();
    ~RandomStream();
    RandomStream(const RandomStream&) = delete;
    RandomStream& operator=(const RandomStream&) = delete;

    void fill(void* buffer, size_t size);

private:
    uint32_t m_key[8];
    uint32_t m_counter{0};
    uint8_t m_block[64];
    size_t m_block_used{64};  // bytes of m_block already handed out
};

}  // namespace kernel
