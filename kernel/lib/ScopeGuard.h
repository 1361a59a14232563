#pragma once
// Runs a callback when the scope ends, however it ends (early return through TRY included).
#include "lib/kstd.h"

namespace kernel {

template <typename Callback>
class [[nodiscard]] ScopeGuard {
public:
    explicit ScopeGuard(Callback callback) : m_callback(std::move(callback)) {}
    ~ScopeGuard() {
        if (m_armed)
            m_callback();
    }
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;
    // For "commit" points: after this the callback will not run.
    void disarm() { m_armed = false; }

private:
    Callback m_callback;
    bool m_armed{true};
};

}  // namespace kernel
