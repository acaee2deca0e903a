// Standard base64 (RFC 4648 §4, with padding) for binary payloads inside
// libwzp's own JSON messages: a third of the size of serde's number arrays.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::wire {

/// Append the base64 text of `bytes` to `out`.
void append_base64(std::string& out, ByteView bytes);
/// Length of the base64 text of `n` bytes.
constexpr size_t base64_length(size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Strict decode: the standard alphabet, padded to a multiple of 4, no
/// whitespace, unused bits zero. Errors: Errc::json naming `where`.
Result<Bytes> from_base64(std::string_view text, std::string_view where);

}  // namespace wzp::wire
