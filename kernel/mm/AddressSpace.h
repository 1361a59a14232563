#pragma once
// Placeholder: the owner of this header replaces it with the real MmStruct.
#include "lib/RefPtr.h"

namespace kernel {
class MmStruct : public RefCounted<MmStruct> {};
}  // namespace kernel
