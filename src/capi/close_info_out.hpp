// Copying a close out to the caller's wzp_close_info, whatever its version.
#pragma once

#include "transport/close_info.hpp"
#include "wzp.h"

namespace wzp::capi {

/// Writes at most out->struct_size bytes. Errors: INVALID_ARGUMENT (NULL, or a
/// struct_size too small to hold the code).
int copy_close_info(const transport::CloseInfo& info, wzp_close_info* out);

}  // namespace wzp::capi
