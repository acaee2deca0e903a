// Binary32 number formatting as serde_json prints an f32 (wire spec §8.1):
// shortest round-trip digits; plain notation with a decimal point for decimal
// exponents -6..12 ("0.2", "1.0", "0.000001"), else "d[.ddd]e±X" ("1e-7",
// "1e+13"); NaN and infinities print as "null".
#pragma once

#include <string>

namespace wzp::wire {

/// Append the JSON text of `value` to `out`.
void append_f32_json(std::string& out, float value);

/// The JSON text of `value`.
std::string format_f32_json(float value);

}  // namespace wzp::wire
