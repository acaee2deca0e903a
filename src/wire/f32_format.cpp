#include "wire/f32_format.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace wzp::wire {

void append_f32_json(std::string& out, float value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  // Scientific form gives the shortest round-trip digits and the exponent,
  // e.g. "-1.2345679e+05"; the layout is then rebuilt by the serde rule.
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));

  if (!text.empty() && text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const size_t e_pos = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::atoi(std::string(text.substr(e_pos + 1)).c_str());
  const int ndigits = static_cast<int>(digits.size());

  if (exponent < -6 || exponent > 12) {
    out += digits[0];
    if (ndigits > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exponent < 0 ? "e-" : "e+";
    out += std::to_string(std::abs(exponent));
  } else if (exponent < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out += digits;
  } else if (ndigits > exponent + 1) {
    out.append(digits, 0, static_cast<size_t>(exponent + 1));
    out += '.';
    out.append(digits, static_cast<size_t>(exponent + 1));
  } else {
    out += digits;
    out.append(static_cast<size_t>(exponent + 1 - ndigits), '0');
    out += ".0";
  }
}

std::string format_f32_json(float value) {
  std::string out;
  append_f32_json(out, value);
  return out;
}

}  // namespace wzp::wire
