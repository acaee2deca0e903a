// Hex encoding and strict decoding. Decode errors use the reference's texts
// ("Odd number of digits", "Invalid character 'x' at position N").
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp {

std::string to_hex(ByteView bytes);

/// Strict decode: no prefix, no separators; even length; [0-9a-fA-F] only.
/// Errors carry Errc::invalid_hex and a message starting "invalid hex: ".
Result<Bytes> from_hex(std::string_view text);

}  // namespace wzp
