// argv-auxv: the System V initial stack the ELF loader builds: argc, argv, envp, the auxiliary
// vector (as facts: values that do not change between boots, and relations between addresses),
// and its 16-byte alignment. Built as static (ET_EXEC) musl and glibc and as musl static-pie.
// usertest: build musl glibc musl-pie
// usertest: args one "two words" "" "tab	and %percent" ✓
// usertest: env SPROUT_TEST=auxv
#include "lib/facts.h"

#include <elf.h>
#include <link.h>

extern const ElfW(Ehdr) __ehdr_start;  // the linker's name for our own ELF header
extern void _start(void);

static const char* at_name(unsigned long type) {
    switch (type) {
    case AT_PHDR: return "AT_PHDR";
    case AT_PHENT: return "AT_PHENT";
    case AT_PHNUM: return "AT_PHNUM";
    case AT_PAGESZ: return "AT_PAGESZ";
    case AT_ENTRY: return "AT_ENTRY";
    case AT_UID: return "AT_UID";
    case AT_EUID: return "AT_EUID";
    case AT_GID: return "AT_GID";
    case AT_EGID: return "AT_EGID";
    case AT_PLATFORM: return "AT_PLATFORM";
    case AT_HWCAP: return "AT_HWCAP";
    case AT_CLKTCK: return "AT_CLKTCK";
    case AT_SECURE: return "AT_SECURE";
    case AT_RANDOM: return "AT_RANDOM";
    case AT_EXECFN: return "AT_EXECFN";
    default: return NULL;
    }
}

static void print_string(const char* label, const char* s) {
    printf("%s \"", label);
    for (const unsigned char* p = (const unsigned char*)s; *p; ++p) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            printf("\\x%02x", *p);
        else
            putchar(*p);
    }
    printf("\"\n");
}

int main(int argc, char** argv, char** envp) {
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; ++i) {
        char label[32];
        snprintf(label, sizeof label, "argv[%d]:", i);
        print_string(label, argv[i]);
    }
    printf("argv[argc] is NULL: %s\n", yes(argv[argc] == NULL));
    printf("envp follows argv: %s\n", yes(envp == argv + argc + 1));
    int envc = 0;
    while (envp[envc])
        ++envc;
    for (int i = 0; i < envc; ++i)
        print_string("env:", envp[i]);

    // At entry %rsp is 16-byte aligned and points at argc: argv sits 8 bytes above it.
    printf("argv address mod 16: %lu\n", (unsigned long)(uintptr_t)argv % 16);
    ElfW(auxv_t)* auxv = (ElfW(auxv_t)*)(envp + envc + 1);
    printf("auxv address mod 16: %lu (8 * (argc + envc + 3) mod 16 = %d)\n",
           (unsigned long)(uintptr_t)auxv % 16, 8 * (argc + envc + 3) % 16);

    unsigned long at[64] = {0};
    int seen[64] = {0};
    int count = 0, unique = 1;
    for (ElfW(auxv_t)* a = auxv; a->a_type != AT_NULL; ++a, ++count) {
        if (a->a_type < 64) {
            if (seen[a->a_type])
                unique = 0;
            seen[a->a_type] = 1;
            at[a->a_type] = a->a_un.a_val;
        }
    }
    printf("auxv ends with AT_NULL after %s entries; no type twice: %s\n", count > 10 ? "more than 10" : "10 or fewer",
           yes(unique));
    static const unsigned long wanted[] = {AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_ENTRY, AT_UID, AT_EUID, AT_GID,
                                           AT_EGID, AT_SECURE, AT_HWCAP, AT_CLKTCK, AT_RANDOM, AT_EXECFN, AT_PLATFORM};
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; ++i)
        printf("%s present: %s\n", at_name(wanted[i]), yes(seen[wanted[i]]));

    printf("AT_PAGESZ: %lu\n", at[AT_PAGESZ]);
    printf("AT_CLKTCK: %lu\n", at[AT_CLKTCK]);
    printf("AT_UID %lu AT_EUID %lu AT_GID %lu AT_EGID %lu AT_SECURE %lu\n", at[AT_UID], at[AT_EUID], at[AT_GID],
           at[AT_EGID], at[AT_SECURE]);

    const ElfW(Ehdr)* eh = &__ehdr_start;
    printf("ELF type: %s\n", eh->e_type == ET_EXEC ? "EXEC" : eh->e_type == ET_DYN ? "DYN (static-pie)" : "other");
    printf("AT_PHENT == sizeof(Elf64_Phdr): %s\n", yes(at[AT_PHENT] == sizeof(ElfW(Phdr))));
    printf("AT_PHNUM == e_phnum: %s\n", yes(at[AT_PHNUM] == eh->e_phnum));
    printf("AT_PHDR == our ELF header + e_phoff: %s\n", yes(at[AT_PHDR] == (uintptr_t)eh + eh->e_phoff));
    printf("AT_ENTRY == &_start: %s\n", yes(at[AT_ENTRY] == (uintptr_t)&_start));
    uintptr_t load_bias = (uintptr_t)eh - (eh->e_type == ET_EXEC ? (uintptr_t)eh : 0);
    printf("AT_ENTRY == e_entry + load bias: %s\n", yes(at[AT_ENTRY] == eh->e_entry + load_bias));

    const ElfW(Phdr)* ph = (const ElfW(Phdr)*)at[AT_PHDR];
    int loads = 0, tls = 0, interp = 0;
    for (unsigned i = 0; ph && i < at[AT_PHNUM]; ++i) {
        loads += ph[i].p_type == PT_LOAD;
        tls += ph[i].p_type == PT_TLS;
        interp += ph[i].p_type == PT_INTERP;
    }
    printf("program headers through AT_PHDR: PT_LOAD %s, PT_INTERP %d, PT_TLS %d\n", loads > 0 ? "some" : "none", interp,
           tls);

    const char* execfn = (const char*)at[AT_EXECFN];
    if (execfn)
        print_string("AT_EXECFN:", execfn);
    printf("AT_EXECFN equals argv[0]: %s\n", yes(execfn && strcmp(execfn, argv[0]) == 0));
    const char* platform = (const char*)at[AT_PLATFORM];
    if (platform)
        print_string("AT_PLATFORM:", platform);

    const volatile unsigned char* rnd = (const volatile unsigned char*)at[AT_RANDOM];
    if (rnd) {
        unsigned char copy[16], any = 0;
        for (int i = 0; i < 16; ++i)
            any |= copy[i] = rnd[i];
        printf("AT_RANDOM: 16 bytes readable, not all zero: %s\n", yes(any != 0));
    }

    unsigned int eax = 1, ebx, ecx, edx;
    __asm__("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    printf("AT_HWCAP == CPUID.1:EDX: %s\n", yes(at[AT_HWCAP] == edx));
    printf("AT_HWCAP has FPU, SSE, SSE2: %s\n", yes((at[AT_HWCAP] & 1) && (at[AT_HWCAP] >> 25 & 3) == 3));

    // The strings are copied NUL-terminated, one after the other.
    printf("argv strings are in order on the stack: %s\n",
           yes(argc < 2 || (uintptr_t)argv[1] == (uintptr_t)argv[0] + strlen(argv[0]) + 1));
    return 0;
}
