#include "lib/Random.h"

#include <arch/Random.h>
#include <arch/Time.h>

#include "lib/Spinlock.h"

namespace kernel {

namespace {

constexpr uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

inline void quarter_round(uint32_t& a, uint32_t& b, uint32_t& c, uint32_t& d) {
    a += b, d ^= a, d = rotl(d, 16);
    c += d, b ^= c, b = rotl(b, 12);
    a += b, d ^= a, d = rotl(d, 8);
    c += d, b ^= c, b = rotl(b, 7);
}

// Clears secrets in a way the compiler may not drop as a dead store (Linux's memzero_explicit).
void wipe(void* p, size_t n) {
    __builtin_memset(p, 0, n);
    asm volatile("" : : "r"(p) : "memory");
}

// splitmix64's finaliser: spreads weak inputs (a cycle counter) over all 64 bits.
constexpr uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// The base generator. The key is only ever used for one block before being replaced.
struct BaseCrng {
    uint32_t key[8];
    uint64_t generation;  // goes into the nonce: no (key, nonce) pair repeats
    bool seeded;
};

constinit SpinlockProtected<BaseCrng> g_crng{};

void seed_locked(BaseCrng& crng) {
    // Each key word takes a hardware random number when there is one, always mixed with
    // boot-varying weak entropy, so a CPU without RDRAND still gets different keys per boot.
    for (unsigned i = 0; i < 8; i += 2) {
        uint64_t hw = 0;
        (void)arch::hardware_random(hw);
        uint64_t word = hw ^ mix64(arch::weak_entropy() + i) ^ mix64(arch::realtime_ns() * 0x9e3779b97f4a7c15ull + i);
        crng.key[i] = uint32_t(word);
        crng.key[i + 1] = uint32_t(word >> 32);
    }
    crng.seeded = true;
}

// Draws one block from the base key: the first half becomes the next base key, the second
// half keys the caller's stream.
void next_request_key(uint32_t out_key[8]) {
    uint8_t block[64];
    g_crng.with([&](BaseCrng& crng) {
        if (!crng.seeded)
            seed_locked(crng);
        uint64_t hw = 0;
        (void)arch::hardware_random(hw);  // fresh hardware entropy into every request's nonce
        const uint32_t nonce[3] = {uint32_t(crng.generation), uint32_t(crng.generation >> 32), uint32_t(hw ^ (hw >> 32))};
        ++crng.generation;
        chacha20_block(crng.key, 0, nonce, block);
        __builtin_memcpy(crng.key, block, 32);
    });
    __builtin_memcpy(out_key, block + 32, 32);
    wipe(block, sizeof(block));
}

}  // namespace

void chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3], uint8_t out[64]) {
    // "expand 32-byte k"
    const uint32_t input[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, key[0],   key[1],
                                key[2],     key[3],     key[4],     key[5],     key[6],   key[7],
                                counter,    nonce[0],   nonce[1],   nonce[2]};
    uint32_t x[16];
    for (int i = 0; i < 16; ++i)
        x[i] = input[i];
    for (int round = 0; round < 10; ++round) {
        quarter_round(x[0], x[4], x[8], x[12]);  // columns
        quarter_round(x[1], x[5], x[9], x[13]);
        quarter_round(x[2], x[6], x[10], x[14]);
        quarter_round(x[3], x[7], x[11], x[15]);
        quarter_round(x[0], x[5], x[10], x[15]);  // diagonals
        quarter_round(x[1], x[6], x[11], x[12]);
        quarter_round(x[2], x[7], x[8], x[13]);
        quarter_round(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; ++i) {
        uint32_t v = x[i] + input[i];
        out[4 * i + 0] = uint8_t(v);
        out[4 * i + 1] = uint8_t(v >> 8);
        out[4 * i + 2] = uint8_t(v >> 16);
        out[4 * i + 3] = uint8_t(v >> 24);
    }
    wipe(x, sizeof(x));
}

RandomStream::RandomStream() { next_request_key(m_key); }

RandomStream::~RandomStream() {
    wipe(m_key, sizeof(m_key));
    wipe(m_block, sizeof(m_block));
}

void RandomStream::fill(void* buffer, size_t size) {
    static constexpr uint32_t nonce[3] = {0, 0, 0};  // the key is fresh per stream
    auto* out = static_cast<uint8_t*>(buffer);
    while (size) {
        if (m_block_used == sizeof(m_block)) {
            chacha20_block(m_key, m_counter++, nonce, m_block);
            m_block_used = 0;
        }
        size_t n = sizeof(m_block) - m_block_used;
        if (n > size)
            n = size;
        __builtin_memcpy(out, m_block + m_block_used, n);
        wipe(m_block + m_block_used, n);  // handed-out bytes do not linger
        m_block_used += n;
        out += n;
        size -= n;
    }
}

void get_random_bytes(void* buffer, size_t size) {
    if (!size)
        return;
    RandomStream stream;
    stream.fill(buffer, size);
}

uint64_t get_random_u64() {
    uint64_t value;
    get_random_bytes(&value, sizeof(value));
    return value;
}

}  // namespace kernel
