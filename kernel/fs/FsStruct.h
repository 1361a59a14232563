#pragma once
// Placeholder: the owner of this header replaces it with the real FsStruct.
#include "lib/RefPtr.h"

namespace kernel {
class FsStruct : public RefCounted<FsStruct> {};
}  // namespace kernel
