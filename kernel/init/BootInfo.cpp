#include "init/BootInfo.h"

namespace kernel {

namespace {
constinit BootInfo g_boot_info;

// Calls `visit(word)` for each space-separated word of the command line until it returns true.
template <typename F>
bool for_each_word(StringView line, F visit) {
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ')
            ++i;
        if (i > start && visit(StringView(line.data() + start, i - start)))
            return true;
    }
    return false;
}
}  // namespace

BootInfo& boot_info() { return g_boot_info; }

StringView BootInfo::cmdline_option(StringView key) const {
    StringView result;
    for_each_word(cmdline(), [&](StringView word) {
        if (word.size() > key.size() && word.starts_with(key) && word[key.size()] == '=') {
            result = StringView(word.data() + key.size() + 1, word.size() - key.size() - 1);
            return true;
        }
        return false;
    });
    return result;
}

bool BootInfo::cmdline_has(StringView word) const {
    return for_each_word(cmdline(), [&](StringView w) { return w == word; });
}

}  // namespace kernel
