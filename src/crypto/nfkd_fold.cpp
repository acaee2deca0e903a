#include "crypto/nfkd_fold.hpp"

#include <algorithm>

#include "core/wipe.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto {

bool is_unicode_white_space(char32_t c) noexcept {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

char32_t decode_utf8(std::string_view text, size_t& pos) noexcept {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  uint8_t lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  size_t extra;
  char32_t cp;
  char32_t min;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3, cp = lead & 0x07, min = 0x10000;
  } else {
    return kInvalidCodePoint;
  }
  if (text.size() - pos <= extra) return kInvalidCodePoint;
  for (size_t i = 1; i <= extra; ++i) {
    uint8_t b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return kInvalidCodePoint;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalidCodePoint;
  pos += extra + 1;
  return cp;
}

Result<std::string> nfkd_fold(std::string_view utf8) {
  const auto entries = detail::nfkd_entries();
  const auto pool = detail::nfkd_pool();
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    size_t start = pos;
    char32_t cp = decode_utf8(utf8, pos);
    if (cp == kInvalidCodePoint) {
      wipe_bytes(out);
      return make_error(Errc::invalid_argument, "invalid UTF-8 at byte " + std::to_string(start));
    }
    auto it = cp < 0x80
                  ? entries.end()
                  : std::lower_bound(entries.begin(), entries.end(), cp,
                                     [](const detail::NfkdEntry& e, char32_t v) { return e.code_point < v; });
    if (it != entries.end() && it->code_point == cp) {
      append_wiping(out, pool.substr(it->offset, it->length));
    } else {
      append_wiping(out, utf8.substr(start, pos - start));
    }
  }
  return out;
}

}  // namespace wzp::crypto
