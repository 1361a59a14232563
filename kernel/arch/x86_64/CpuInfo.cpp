// /proc/cpuinfo (Linux's show_cpuinfo in arch/x86/kernel/cpu/proc.c): one block for the one
// CPU, its fields in Linux's order and layout, read from CPUID. The flags are the names
// Linux's cpufeatures.h gives the CPUID bits it reports, in its order (word by word); the
// features Linux makes up itself (rep_good, nopl, cpuid, ...) and its "bugs" line are left out,
// as is "microcode" (an MSR Sprout does not read).
#include <arch/CpuInfo.h>
#include <arch/Io.h>

#include "Apic.h"

namespace kernel::arch {

using x86::cpuid;
using x86::tsc_hz;

namespace {

struct Regs {
    uint32_t a, b, c, d;
};

Regs cpuid_regs(uint32_t leaf, uint32_t subleaf = 0) {
    Regs r{};
    cpuid(leaf, subleaf, r.a, r.b, r.c, r.d);
    return r;
}

// One CPUID register's bits and their names (x86_cap_flags; an empty name is not shown).
struct FeatureWord {
    const char* names[32];
};

constexpr FeatureWord WORD_1_EDX = {{
    "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", nullptr, "sep", "mtrr", "pge", "mca", "cmov",
    "pat", "pse36", "pn", "clflush", nullptr, "dts", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
}};
constexpr FeatureWord WORD_80000001_EDX = {{
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, "syscall",
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, "mp", "nx", nullptr, "mmxext", nullptr,
    nullptr, "fxsr_opt", "pdpe1gb", "rdtscp", nullptr, "lm", "3dnowext", "3dnow",
}};
constexpr FeatureWord WORD_1_ECX = {{
    "pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", "sdbg", "fma", "cx16",
    "xtpr", "pdcm", nullptr, "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer",
    "aes", "xsave", nullptr, "avx", "f16c", "rdrand", "hypervisor",
}};
constexpr FeatureWord WORD_80000001_ECX = {{
    "lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse", "3dnowprefetch", "osvw",
    "ibs", "xop", "skinit", "wdt", nullptr, "lwp", "fma4", "tce", nullptr, "nodeid_msr", nullptr, "tbm", "topoext",
    "perfctr_core", "perfctr_nb", nullptr, "bpext", "ptsc", "perfctr_llc", "mwaitx", nullptr, nullptr,
}};
constexpr FeatureWord WORD_7_EBX = {{
    "fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", nullptr, "smep", "bmi2", "erms", "invpcid", "rtm", "cqm",
    nullptr, "mpx", "rdt_a", "avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma", nullptr, "clflushopt",
    "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl",
}};
constexpr FeatureWord WORD_D1_EAX = {{
    "xsaveopt", "xsavec", "xgetbv1", "xsaves",
}};
constexpr FeatureWord WORD_80000008_EBX = {{
    "clzero", "irperf", "xsaveerptr", nullptr, "rdpru", nullptr, nullptr, nullptr, nullptr, "wbnoinvd",
}};
constexpr FeatureWord WORD_6_EAX = {{
    "dtherm", "ida", "arat", nullptr, "pln", nullptr, "pts", "hwp", "hwp_notify", "hwp_act_window", "hwp_epp",
    "hwp_pkg_req",
}};
constexpr FeatureWord WORD_8000000A_EDX = {{
    "npt", "lbrv", "svm_lock", "nrip_save", "tsc_scale", "vmcb_clean", "flushbyasid", "decodeassists", nullptr,
    nullptr, "pausefilter", nullptr, "pfthreshold", "avic", nullptr, "v_vmsave_vmload", "vgif", nullptr, nullptr,
    nullptr, "v_spec_ctrl",
}};
constexpr FeatureWord WORD_7_ECX = {{
    nullptr, "avx512vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", nullptr, "gfni", "vaes", "vpclmulqdq",
    "avx512_vnni", "avx512_bitalg", "tme", "avx512_vpopcntdq", nullptr, "la57", nullptr, nullptr, nullptr, nullptr,
    nullptr, "rdpid", nullptr, "bus_lock_detect", "cldemote", nullptr, "movdiri", "movdir64b", "enqcmd", "sgx_lc",
}};
constexpr FeatureWord WORD_7_EDX = {{
    nullptr, nullptr, "avx512_4vnniw", "avx512_4fmaps", "fsrm", nullptr, nullptr, nullptr, "avx512_vp2intersect",
    nullptr, "md_clear", nullptr, nullptr, nullptr, "serialize", nullptr, "tsxldtrk", nullptr, "pconfig", "arch_lbr",
    "ibt", nullptr, "amx_bf16", "avx512_fp16", "amx_tile", "amx_int8", nullptr, nullptr, "flush_l1d",
    "arch_capabilities", nullptr, nullptr,
}};

void show_word(FormatSink& out, const FeatureWord& word, uint32_t bits) {
    for (int bit = 0; bit < 32; ++bit)
        if ((bits & (1u << bit)) && word.names[bit])
            format_to(out, " {}", word.names[bit]);
}

}  // namespace

void show_cpuinfo(FormatSink& out) {
    Regs leaf0 = cpuid_regs(0);
    uint32_t max_leaf = leaf0.a;
    char vendor[13];
    __builtin_memcpy(vendor, &leaf0.b, 4);
    __builtin_memcpy(vendor + 4, &leaf0.d, 4);
    __builtin_memcpy(vendor + 8, &leaf0.c, 4);
    vendor[12] = 0;
    Regs leaf1 = cpuid_regs(1);
    uint32_t family = (leaf1.a >> 8) & 0xf;
    uint32_t model = (leaf1.a >> 4) & 0xf;
    if (family == 0xf)
        family += (leaf1.a >> 20) & 0xff;
    if (family >= 6)
        model += ((leaf1.a >> 16) & 0xf) << 4;
    uint32_t stepping = leaf1.a & 0xf;
    uint32_t max_ext = cpuid_regs(0x80000000).a;

    char brand[49] = {};
    if (max_ext >= 0x80000004) {
        for (uint32_t i = 0; i < 3; ++i) {
            Regs r = cpuid_regs(0x80000002 + i);
            __builtin_memcpy(brand + i * 16, &r, 16);
        }
    }
    // Linux trims the trailing spaces of the brand string and skips leading ones.
    const char* name = brand;
    while (*name == ' ')
        ++name;
    size_t name_length = __builtin_strlen(name);
    while (name_length && name[name_length - 1] == ' ')
        --name_length;

    format_to(out, "processor\t: 0\nvendor_id\t: {}\ncpu family\t: {}\nmodel\t\t: {}\nmodel name\t: {}\n", vendor,
              family, model, StringView(name, name_length));
    format_to(out, "stepping\t: {}\n", stepping);
    uint64_t khz = tsc_hz() / 1000;
    format_to(out, "cpu MHz\t\t: {}.{:03}\n", khz / 1000, khz % 1000);
    // The last level's size: AMD's leaf 0x80000006 (L2 in ECX[31:16], in KB), which Intel
    // CPUs fill as well.
    if (max_ext >= 0x80000006) {
        uint32_t l2 = cpuid_regs(0x80000006).c >> 16;
        if (l2)
            format_to(out, "cache size\t: {} KB\n", l2);
    }
    uint32_t apicid = leaf1.b >> 24;
    format_to(out, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: {}\ninitial apicid\t: {}\n",
              apicid, apicid);
    format_to(out, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {}\nwp\t\t: yes\nflags\t\t:", max_leaf);
    show_word(out, WORD_1_EDX, leaf1.d);
    Regs ext1 = max_ext >= 0x80000001 ? cpuid_regs(0x80000001) : Regs{};
    show_word(out, WORD_80000001_EDX, ext1.d);
    show_word(out, WORD_1_ECX, leaf1.c);
    show_word(out, WORD_80000001_ECX, ext1.c);
    Regs leaf7 = max_leaf >= 7 ? cpuid_regs(7) : Regs{};
    show_word(out, WORD_7_EBX, leaf7.b);
    show_word(out, WORD_D1_EAX, max_leaf >= 0xd ? cpuid_regs(0xd, 1).a : 0);
    show_word(out, WORD_80000008_EBX, max_ext >= 0x80000008 ? cpuid_regs(0x80000008).b : 0);
    show_word(out, WORD_6_EAX, max_leaf >= 6 ? cpuid_regs(6).a : 0);
    show_word(out, WORD_8000000A_EDX, max_ext >= 0x8000000a && (ext1.c & (1u << 2)) ? cpuid_regs(0x8000000a).d : 0);
    show_word(out, WORD_7_ECX, leaf7.c);
    show_word(out, WORD_7_EDX, leaf7.d);
    // bogomips: Linux's calibrated delay loop runs at two loops per TSC tick.
    uint64_t bogo = tsc_hz() / 5000;  // hundredths of a bogomips (2 * hz / 10^6 * 100)
    format_to(out, "\nbogomips\t: {}.{:02}\n", bogo / 100, bogo % 100);
    uint32_t clflush = ((leaf1.b >> 8) & 0xff) * 8;
    format_to(out, "clflush size\t: {}\ncache_alignment\t: {}\n", clflush, clflush);
    if (max_ext >= 0x80000008) {
        uint32_t sizes = cpuid_regs(0x80000008).a;
        format_to(out, "address sizes\t: {} bits physical, {} bits virtual\n", sizes & 0xff, (sizes >> 8) & 0xff);
    }
    format_to(out, "power management:\n\n");
}

}  // namespace kernel::arch
