// The ELF checks and the initial stack layout, hosted.
#include <gtest/gtest.h>
#include <linux/elf.h>

#include <cstring>
#include <string>
#include <vector>

#include "task/Elf.h"

using namespace kernel;

namespace {

struct FakeElf {
    Elf64_Ehdr eh{};
    std::vector<Elf64_Phdr> phdrs;

    FakeElf(uint16_t type = ET_EXEC) {
        std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = type;
        eh.e_machine = EM_X86_64;
        eh.e_version = EV_CURRENT;
        eh.e_entry = 0x401000;
        eh.e_phoff = sizeof(Elf64_Ehdr);
        eh.e_phentsize = sizeof(Elf64_Phdr);
    }
    void load(uint64_t vaddr, uint64_t offset, uint64_t filesz, uint64_t memsz, uint32_t flags) {
        Elf64_Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_vaddr = vaddr;
        ph.p_offset = offset;
        ph.p_filesz = filesz;
        ph.p_memsz = memsz;
        ph.p_flags = flags;
        phdrs.push_back(ph);
    }
    void add(uint32_t type, uint32_t flags = 0) {
        Elf64_Phdr ph{};
        ph.p_type = type;
        ph.p_flags = flags;
        phdrs.push_back(ph);
    }
    std::vector<uint8_t> bytes() {
        eh.e_phnum = static_cast<uint16_t>(phdrs.size());
        std::vector<uint8_t> out(sizeof(eh) + phdrs.size() * sizeof(Elf64_Phdr));
        std::memcpy(out.data(), &eh, sizeof(eh));
        if (!phdrs.empty())
            std::memcpy(out.data() + sizeof(eh), phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
        return out;
    }
};

FakeElf typical_static() {
    FakeElf elf;
    elf.load(0x400000, 0, 0x1000, 0x1000, PF_R);
    elf.load(0x401000, 0x1000, 0x2000, 0x2000, PF_R | PF_X);
    elf.load(0x404000, 0x3000, 0x100, 0x5000, PF_R | PF_W);
    elf.add(PT_GNU_STACK, PF_R | PF_W);
    return elf;
}

int parse_errno(std::vector<uint8_t> bytes, uint64_t file_size = 0x10000) {
    auto r = parse_elf(bytes.data(), bytes.size(), file_size);
    return r.is_error() ? r.error().code() : 0;
}

}  // namespace

TEST(ElfTest, StaticExecutableLayout) {
    auto bytes = typical_static().bytes();
    auto size = elf_headers_size(bytes.data(), bytes.size());
    ASSERT_FALSE(size.is_error());
    EXPECT_EQ(size.value(), bytes.size());
    auto image = parse_elf(bytes.data(), bytes.size(), 0x10000);
    ASSERT_FALSE(image.is_error());
    const auto& im = image.value();
    EXPECT_EQ(im.bias, 0u);
    EXPECT_EQ(im.entry, 0x401000u);
    EXPECT_EQ(im.segment_count, 3u);
    EXPECT_EQ(im.segments[1].prot, 5);  // PROT_READ | PROT_EXEC
    EXPECT_EQ(im.segments[2].prot, 3);  // PROT_READ | PROT_WRITE
    EXPECT_EQ(im.end_of_data, 0x409000u);
    EXPECT_EQ(im.phdr, 0x400000u + sizeof(Elf64_Ehdr));  // inside the first segment's bytes
    EXPECT_FALSE(im.executable_stack);
}

TEST(ElfTest, StaticPieIsBiased) {
    FakeElf elf(ET_DYN);
    elf.eh.e_entry = 0x1000;
    elf.load(0, 0, 0x2000, 0x2000, PF_R | PF_X);
    auto bytes = elf.bytes();
    auto image = parse_elf(bytes.data(), bytes.size(), 0x10000);
    ASSERT_FALSE(image.is_error());
    EXPECT_EQ(image.value().bias, ELF_ET_DYN_BASE);
    EXPECT_EQ(image.value().entry, ELF_ET_DYN_BASE + 0x1000);
    EXPECT_EQ(image.value().segments[0].vaddr, ELF_ET_DYN_BASE);
}

TEST(ElfTest, RejectsWhatLinuxRejects) {
    auto bad_magic = typical_static();
    bad_magic.eh.e_ident[1] = 'X';
    EXPECT_EQ(parse_errno(bad_magic.bytes()), ENOEXEC);
    auto class32 = typical_static();
    class32.eh.e_ident[EI_CLASS] = ELFCLASS32;
    EXPECT_EQ(parse_errno(class32.bytes()), ENOEXEC);
    auto big_endian = typical_static();
    big_endian.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    EXPECT_EQ(parse_errno(big_endian.bytes()), ENOEXEC);
    auto relocatable = typical_static();
    relocatable.eh.e_type = ET_REL;
    EXPECT_EQ(parse_errno(relocatable.bytes()), ENOEXEC);
    auto arm = typical_static();
    arm.eh.e_machine = EM_AARCH64;
    EXPECT_EQ(parse_errno(arm.bytes()), ENOEXEC);
    auto bad_phentsize = typical_static();
    bad_phentsize.eh.e_phentsize = 32;
    EXPECT_EQ(parse_errno(bad_phentsize.bytes()), ENOEXEC);
    auto dynamic = typical_static();
    dynamic.add(PT_INTERP);
    EXPECT_EQ(parse_errno(dynamic.bytes()), ENOEXEC);
    FakeElf no_load;
    no_load.add(PT_GNU_STACK);
    EXPECT_EQ(parse_errno(no_load.bytes()), ENOEXEC);
    // Segment checks.
    auto filesz_over_memsz = typical_static();
    filesz_over_memsz.phdrs[0].p_filesz = 0x2000;
    EXPECT_EQ(parse_errno(filesz_over_memsz.bytes()), EINVAL);
    auto misaligned = typical_static();
    misaligned.phdrs[1].p_offset = 0x1004;
    EXPECT_EQ(parse_errno(misaligned.bytes()), EINVAL);
    auto past_eof = typical_static();
    EXPECT_EQ(parse_errno(past_eof.bytes(), 0x2000), EINVAL);
    auto kernel_address = typical_static();
    kernel_address.phdrs[2].p_vaddr = 0xffffffff80000000ull;
    kernel_address.phdrs[2].p_offset = 0;
    EXPECT_EQ(parse_errno(kernel_address.bytes()), ENOMEM);
}

TEST(ElfTest, TruncatedHeadersNeverCrash) {
    auto bytes = typical_static().bytes();
    for (size_t n = 0; n < bytes.size(); ++n) {
        auto r = parse_elf(bytes.data(), n, 0x10000);
        EXPECT_TRUE(r.is_error()) << n;
    }
}

TEST(ElfTest, InitialStackLayout) {
    const char* argv[] = {"/bin/prog", "one", "two"};
    const char* envp[] = {"HOME=/", "TERM=linux"};
    uint8_t random[16];
    for (int i = 0; i < 16; ++i)
        random[i] = static_cast<uint8_t>(i + 1);
    AuxEntry aux[] = {{AT_PAGESZ, 4096}, {AT_ENTRY, 0x401000}};
    const uint64_t top = 0x7ffffffff000ull;
    InitialStackSpec spec{top, argv, 3, envp, 2, "/bin/prog", random, aux, 2};
    std::vector<uint8_t> buffer(8192);
    auto result = build_initial_stack(spec, buffer.data(), buffer.size());
    ASSERT_FALSE(result.is_error());
    uint64_t sp = result.value().stack_pointer;
    EXPECT_EQ(sp % 16, 0u);
    auto at = [&](uint64_t address) { return buffer.data() + buffer.size() - (top - address); };
    auto word = [&](uint64_t address) {
        uint64_t v;
        std::memcpy(&v, at(address), 8);
        return v;
    };
    auto str = [&](uint64_t address) { return std::string(reinterpret_cast<const char*>(at(address))); };
    EXPECT_EQ(word(sp), 3u);
    EXPECT_EQ(str(word(sp + 8)), "/bin/prog");
    EXPECT_EQ(str(word(sp + 16)), "one");
    EXPECT_EQ(str(word(sp + 24)), "two");
    EXPECT_EQ(word(sp + 32), 0u);
    EXPECT_EQ(str(word(sp + 40)), "HOME=/");
    EXPECT_EQ(str(word(sp + 48)), "TERM=linux");
    EXPECT_EQ(word(sp + 56), 0u);
    uint64_t a = sp + 64;
    std::vector<std::pair<uint64_t, uint64_t>> auxv;
    while (true) {
        auxv.emplace_back(word(a), word(a + 8));
        if (word(a) == AT_NULL)
            break;
        a += 16;
    }
    ASSERT_EQ(auxv.size(), 6u);
    EXPECT_EQ(auxv[0], (std::pair<uint64_t, uint64_t>{AT_PAGESZ, 4096}));
    EXPECT_EQ(auxv[2].first, uint64_t(AT_RANDOM));
    EXPECT_EQ(std::memcmp(at(auxv[2].second), random, 16), 0);
    EXPECT_EQ(auxv[3].first, uint64_t(AT_EXECFN));
    EXPECT_EQ(str(auxv[3].second), "/bin/prog");
    EXPECT_EQ(auxv[4].first, uint64_t(AT_PLATFORM));
    EXPECT_EQ(str(auxv[4].second), "x86_64");
    // Everything lies inside the stack, below the top.
    EXPECT_LE(result.value().size, buffer.size());
    EXPECT_EQ(word(top - 8), 0u);
}

TEST(ElfTest, InitialStackTooBigIsE2big) {
    std::string big(5000, 'x');
    const char* argv[] = {big.c_str()};
    uint8_t random[16] = {};
    InitialStackSpec spec{0x7ffffffff000ull, argv, 1, nullptr, 0, "/x", random, nullptr, 0};
    std::vector<uint8_t> buffer(4096);
    auto result = build_initial_stack(spec, buffer.data(), buffer.size());
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), E2BIG);
}
