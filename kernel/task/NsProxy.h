#pragma once
// The namespaces a task lives in (Linux's nsproxy). Only the object exists so far: fork shares
// it (copy_namespaces without CLONE_NEW* flags); the namespaces issue fills it.
#include "lib/ErrorOr.h"
#include "lib/RefPtr.h"

namespace kernel {

class NsProxy : public RefCounted<NsProxy> {
public:
    static ErrorOr<NonnullRefPtr<NsProxy>> create_initial();
};

}  // namespace kernel
