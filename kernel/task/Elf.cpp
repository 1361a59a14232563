#include "task/Elf.h"

#include <asm-generic/mman-common.h>

namespace kernel {

namespace {

constexpr uint64_t USER_END = 0x00007ffffffff000ull;

template <typename T>
T read_struct(const uint8_t* p) {
    T value;
    __builtin_memcpy(&value, p, sizeof(T));
    return value;
}

}  // namespace

ErrorOr<size_t> elf_headers_size(const uint8_t* header, size_t size) {
    if (size < sizeof(Elf64_Ehdr))
        return Error::from_errno(ENOEXEC);
    auto eh = read_struct<Elf64_Ehdr>(header);
    if (__builtin_memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_ident[EI_VERSION] != EV_CURRENT)
        return Error::from_errno(ENOEXEC);
    if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_machine != EM_X86_64)
        return Error::from_errno(ENOEXEC);
    // Linux: the program header table must be 1..65536 bytes of whole Elf64_Phdr entries.
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum < 1 || eh.e_phnum > 65536 / sizeof(Elf64_Phdr))
        return Error::from_errno(ENOEXEC);
    if (eh.e_phoff > (uint64_t(1) << 32))
        return Error::from_errno(ENOEXEC);
    return size_t(eh.e_phoff) + size_t(eh.e_phnum) * sizeof(Elf64_Phdr);
}

ErrorOr<ElfImage> parse_elf(const uint8_t* headers, size_t size, uint64_t file_size) {
    size_t needed = TRY(elf_headers_size(headers, size));
    if (size < needed || needed > file_size)
        return Error::from_errno(ENOEXEC);
    auto eh = read_struct<Elf64_Ehdr>(headers);

    ElfImage image{};
    image.type = eh.e_type;
    image.phnum = eh.e_phnum;
    image.phentsize = eh.e_phentsize;
    image.bias = eh.e_type == ET_DYN ? ELF_ET_DYN_BASE : 0;

    bool have_load = false;
    uint64_t phdr_address = 0;
    for (size_t i = 0; i < eh.e_phnum; ++i) {
        auto ph = read_struct<Elf64_Phdr>(headers + eh.e_phoff + i * sizeof(Elf64_Phdr));
        switch (ph.p_type) {
        case PT_INTERP:
            // A dynamically linked program: its interpreter (ld.so) would have to be loaded.
            return Error::from_errno(ENOEXEC);
        case PT_GNU_STACK:
            image.executable_stack = ph.p_flags & PF_X;
            break;
        case PT_LOAD: {
            if (ph.p_memsz == 0)
                break;
            if (ph.p_filesz > ph.p_memsz || ((ph.p_vaddr - ph.p_offset) & 0xfff) != 0)
                return Error::from_errno(EINVAL);
            if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
                return Error::from_errno(EINVAL);
            uint64_t start = ph.p_vaddr + image.bias;
            if (start < ph.p_vaddr || start >= USER_END || ph.p_memsz > USER_END - start)
                return Error::from_errno(ENOMEM);
            if (image.segment_count == ElfImage::MAX_SEGMENTS)
                return Error::from_errno(ENOEXEC);
            int prot = ((ph.p_flags & PF_R) ? PROT_READ : 0) | ((ph.p_flags & PF_W) ? PROT_WRITE : 0) |
                       ((ph.p_flags & PF_X) ? PROT_EXEC : 0);
            image.segments[image.segment_count++] = {start, ph.p_memsz, ph.p_filesz, ph.p_offset, prot};
            have_load = true;
            // As Linux computes AT_PHDR: the segment whose file bytes contain the table.
            if (!phdr_address && ph.p_offset <= eh.e_phoff && eh.e_phoff < ph.p_offset + ph.p_filesz)
                phdr_address = eh.e_phoff - ph.p_offset + ph.p_vaddr + image.bias;
            if (start + ph.p_memsz > image.end_of_data)
                image.end_of_data = start + ph.p_memsz;
            break;
        }
        default:
            break;
        }
    }
    if (!have_load)
        return Error::from_errno(ENOEXEC);
    image.phdr = phdr_address;
    image.entry = eh.e_entry + image.bias;
    return image;
}

ErrorOr<InitialStack> build_initial_stack(const InitialStackSpec& spec, uint8_t* buffer, size_t capacity) {
    // Strings first, at the top (execfn highest, as Linux puts it), then the random bytes and
    // the platform string, then the pointer block aligned so that rsp is 16-byte aligned.
    size_t used = 0;
    auto user_address = [&](size_t offset_from_top) { return spec.stack_top - offset_from_top; };
    auto push_bytes = [&](const void* data, size_t n) -> ErrorOr<uint64_t> {
        if (n > capacity - used)
            return Error::from_errno(E2BIG);
        used += n;
        __builtin_memcpy(buffer + capacity - used, data, n);
        return user_address(used);
    };
    auto push_string = [&](const char* s) -> ErrorOr<uint64_t> {
        size_t n = 0;
        while (s[n])
            ++n;
        return push_bytes(s, n + 1);
    };

    // Linux leaves the last 8 bytes of the stack zero (the end marker below the top).
    uint64_t zero = 0;
    TRY(push_bytes(&zero, sizeof(zero)));
    uint64_t execfn = TRY(push_string(spec.execfn));
    // Environment and argument strings, last first, so they end up in order in memory.
    static constexpr size_t MAX_STRINGS = 1 << 17;
    if (spec.argc > MAX_STRINGS || spec.envc > MAX_STRINGS)
        return Error::from_errno(E2BIG);
    for (size_t i = spec.envc; i > 0; --i)
        TRY(push_string(spec.envp[i - 1]));
    for (size_t i = spec.argc; i > 0; --i)
        TRY(push_string(spec.argv[i - 1]));
    uint64_t platform = TRY(push_string("x86_64"));
    uint64_t random = TRY(push_bytes(spec.random_bytes, 16));

    // The pointer block: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
    size_t aux_pairs = spec.aux_count + 4;  // + AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL
    size_t words = 1 + spec.argc + 1 + spec.envc + 1 + 2 * aux_pairs;
    size_t block = words * 8;
    // Align the block's start (which is rsp) down to 16 bytes.
    uint64_t rsp = (user_address(used) - block) & ~uint64_t(15);
    size_t total = spec.stack_top - rsp;
    if (total > capacity)
        return Error::from_errno(E2BIG);
    __builtin_memset(buffer + capacity - total, 0, total - used);
    auto* out = reinterpret_cast<uint64_t*>(buffer + capacity - total);
    size_t w = 0;
    out[w++] = spec.argc;
    // Walk the strings in memory order (argv[0] lowest) to find each one's address.
    uint64_t cursor = user_address(used) + 16 + 7;  // past the random bytes and "x86_64\0"
    auto string_at = [&](uint64_t address) {
        return reinterpret_cast<const char*>(buffer + capacity - (spec.stack_top - address));
    };
    uint64_t arg_start = cursor;
    for (size_t i = 0; i < spec.argc; ++i) {
        out[w++] = cursor;
        size_t n = 0;
        while (string_at(cursor)[n])
            ++n;
        cursor += n + 1;
    }
    out[w++] = 0;
    uint64_t arg_end = cursor;
    for (size_t i = 0; i < spec.envc; ++i) {
        out[w++] = cursor;
        size_t n = 0;
        while (string_at(cursor)[n])
            ++n;
        cursor += n + 1;
    }
    out[w++] = 0;
    uint64_t env_end = cursor;
    for (size_t i = 0; i < spec.aux_count; ++i) {
        out[w++] = spec.aux[i].type;
        out[w++] = spec.aux[i].value;
    }
    out[w++] = AT_RANDOM;
    out[w++] = random;
    out[w++] = AT_EXECFN;
    out[w++] = execfn;
    out[w++] = AT_PLATFORM;
    out[w++] = platform;
    out[w++] = AT_NULL;
    out[w++] = 0;
    return InitialStack{rsp, total, arg_start, arg_end, arg_end, env_end};
}

}  // namespace kernel
