// Compact JSON output in serde_json's style (wire spec §8.1): strings escaped
// as serde does, integers in decimal, byte arrays as arrays of numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace wzp::wire::json {

/// Append `text` as a JSON string: `"` `\` \b \t \n \f \r escaped by name,
/// other U+0000..U+001F as \u00xx (lowercase hex), everything else raw.
/// Invalid UTF-8 is replaced by U+FFFD per invalid byte, so the output is
/// always valid JSON (the reference's strings are valid UTF-8 by type).
void append_string(std::string& out, std::string_view text);

/// Append an unsigned integer in decimal.
void append_u64(std::string& out, uint64_t value);

/// Append bytes as an array of decimal numbers, e.g. [1,2,255].
void append_byte_array(std::string& out, ByteView bytes);

/// Length of the valid UTF-8 sequence starting at text[pos], or 0 if invalid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t utf8_sequence_length(std::string_view text, size_t pos) noexcept;

}  // namespace wzp::wire::json
