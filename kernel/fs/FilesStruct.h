#pragma once
// Placeholder: the owner of this header replaces it with the real FilesStruct.
#include "lib/RefPtr.h"

namespace kernel {
class FilesStruct : public RefCounted<FilesStruct> {};
}  // namespace kernel
