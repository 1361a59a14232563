#pragma once
// Credentials (Linux's struct cred): who a task acts as. Immutable once published: a change
// (setuid, a new namespace) makes a new Cred and swaps the pointer, so CLONE_* never "shares"
// creds — fork takes a reference to the same object (copy_creds).
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"
#include "lib/kstd.h"

namespace kernel {

class Cred : public RefCounted<Cred> {
public:
    // Root with every capability: init's credentials.
    static ErrorOr<NonnullRefPtr<Cred>> create_root();

    unsigned uid{0}, euid{0}, suid{0}, fsuid{0};
    unsigned gid{0}, egid{0}, sgid{0}, fsgid{0};
    uint64_t cap_effective{~uint64_t(0)};
    uint64_t cap_permitted{~uint64_t(0)};
    uint64_t cap_inheritable{0};
    uint64_t cap_bset{~uint64_t(0)};
    uint64_t cap_ambient{0};

    bool capable(int capability) const { return cap_effective & (uint64_t(1) << capability); }
};

}  // namespace kernel
