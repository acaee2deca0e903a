#include "wire/json_writer.hpp"

#include <charconv>

namespace wzp::wire::json {

size_t utf8_sequence_length(std::string_view text, size_t pos) noexcept {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (pos + len > text.size()) return 0;
  if (byte(pos + 1) < lo || byte(pos + 1) > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (byte(pos + i) < 0x80 || byte(pos + i) > 0xBF) return 0;
  }
  return len;
}

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run_start = 0;  // unescaped bytes are copied in runs
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = utf8_sequence_length(text, i);
      if (len != 0) {
        i += len;
        continue;
      }
    }
    out.append(text, run_start, i - run_start);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += "\xEF\xBF\xBD";  // U+FFFD for an invalid UTF-8 byte
        }
    }
    ++i;
    run_start = i;
  }
  out.append(text, run_start, text.size() - run_start);
  out += '"';
}

void append_u64(std::string& out, uint64_t value) {
  char buf[20];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

void append_byte_array(std::string& out, ByteView bytes) {
  out += '[';
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ',';
    const uint8_t b = bytes[i];
    if (b >= 100) out += static_cast<char>('0' + b / 100);
    if (b >= 10) out += static_cast<char>('0' + b / 10 % 10);
    out += static_cast<char>('0' + b % 10);
  }
  out += ']';
}

}  // namespace wzp::wire::json
