#include "core/hex.hpp"

#include "core/wipe.hpp"

namespace wzp {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Render a byte the way the reference does: the hex crate turns the byte into
// the char U+0000..U+00FF and formats it with Rust's char Debug. That escapes
// \0 \t \n \r \' \\ and every non-printable char (categories Cc, Cf, Zs
// except ' ') as \u{..}; printable chars are written as UTF-8, so byte 0xE9
// shows as 'é' and byte 0xA0 (no-break space) as '\u{a0}'.
std::string debug_char(unsigned char c) {
  switch (c) {
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\'': return "\\'";
    case '\\': return "\\\\";
    case '\0': return "\\0";
    default: break;
  }
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  const bool printable = c > 0xa0 && c != 0xad;  // 0x7f-0x9f are Cc, 0xa0 Zs, 0xad Cf
  if (printable) {                               // U+00A1..U+00FF as two UTF-8 bytes
    return {static_cast<char>(0xc0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3f))};
  }
  static const char digits[] = "0123456789abcdef";
  std::string out = "\\u{";
  if (c >= 16) out += digits[c >> 4];
  out += digits[c & 15];
  out += '}';
  return out;
}

}  // namespace

std::string to_hex(ByteView bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return make_error(Errc::invalid_hex, "invalid hex: Odd number of digits");
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < text.size(); ++i) {
    int v = hex_value(text[i]);
    if (v < 0) {
      wipe_memory(out.data(), out.size());  // what was decoded so far may be part of a seed
      return make_error(Errc::invalid_hex, "invalid hex: Invalid character '" +
                                               debug_char(static_cast<unsigned char>(text[i])) +
                                               "' at position " + std::to_string(i));
    }
    if (i % 2 == 0)
      out[i / 2] = static_cast<uint8_t>(v << 4);
    else
      out[i / 2] = static_cast<uint8_t>(out[i / 2] | v);
  }
  return out;
}

}  // namespace wzp
