#pragma once
// ELF64 executables as Linux's binfmt_elf reads them: the checks that decide ENOEXEC, and the
// layout the loader maps. Static executables (ET_EXEC) and static-pie (ET_DYN without
// PT_INTERP) only: a PT_INTERP means a dynamic binary, which needs an interpreter we do not load.
#include <linux/auxvec.h>
#include <linux/elf.h>

#include "lib/ErrorOr.h"
#include "lib/kstd.h"

namespace kernel {

// Where a static-pie goes (Linux's ELF_ET_DYN_BASE on x86-64: 2/3 of the user half, page
// aligned). Linux 6.1 places an interpreter-less ET_DYN at the mmap base instead; any fixed
// address is as valid, and programs never depend on it.
inline constexpr uint64_t ELF_ET_DYN_BASE = 0x555555554000ull;

struct ElfSegment {
    uint64_t vaddr;   // with the load bias applied
    uint64_t memsz;
    uint64_t filesz;
    uint64_t offset;  // in the file
    int prot;         // PROT_READ | PROT_WRITE | PROT_EXEC
};

struct ElfImage {
    static constexpr size_t MAX_SEGMENTS = 16;
    uint16_t type;      // ET_EXEC or ET_DYN
    uint64_t bias;      // 0 for ET_EXEC
    uint64_t entry;     // biased
    uint64_t phdr;      // biased address of the program headers in memory (AT_PHDR), or 0
    uint16_t phnum;
    uint16_t phentsize;
    uint64_t end_of_data;  // highest biased address of any segment: the brk starts above
    bool executable_stack;
    ElfSegment segments[MAX_SEGMENTS];
    size_t segment_count;
};

// How many bytes from the start of the file parse_elf needs: the header, then (second call)
// the header plus the program headers it announces.
inline constexpr size_t ELF_HEADER_SIZE = sizeof(Elf64_Ehdr);
// ENOEXEC unless `header` (ELF_HEADER_SIZE bytes) starts a file we can run; otherwise the size
// of the header plus program header table.
ErrorOr<size_t> elf_headers_size(const uint8_t* header, size_t size);
// Parses the header and program headers (as counted by elf_headers_size) of a file
// `file_size` bytes long.
ErrorOr<ElfImage> parse_elf(const uint8_t* headers, size_t size, uint64_t file_size);

// The System V initial process stack (argc, argv, envp, auxv and the strings), built in a
// kernel buffer that mirrors the top of the user stack. Linux's create_elf_tables.
struct AuxEntry {
    uint64_t type;
    uint64_t value;
};

struct InitialStackSpec {
    uint64_t stack_top;                // user address just above the stack
    const char* const* argv;          // kernel copies
    size_t argc;
    const char* const* envp;
    size_t envc;
    const char* execfn;               // AT_EXECFN string
    const uint8_t* random_bytes;      // 16 bytes for AT_RANDOM
    const AuxEntry* aux;              // entries besides AT_RANDOM/AT_EXECFN/AT_PLATFORM/AT_NULL
    size_t aux_count;
};

struct InitialStack {
    uint64_t stack_pointer;  // user rsp at entry: points at argc, 16-byte aligned
    uint64_t size;           // bytes used from stack_top down
    // Where the argument and environment strings lie (Linux's mm arg_start..env_end).
    uint64_t arg_start, arg_end, env_start, env_end;
};

// Lays the stack out into `buffer` (capacity bytes standing for [stack_top - capacity,
// stack_top)). E2BIG when it does not fit.
ErrorOr<InitialStack> build_initial_stack(const InitialStackSpec& spec, uint8_t* buffer, size_t capacity);

}  // namespace kernel
