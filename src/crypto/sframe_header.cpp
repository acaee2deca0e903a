#include "crypto/sframe_header.hpp"

#include <string>

namespace wzp::crypto::sframe {
namespace {

constexpr uint8_t kExtendedKid = 0x80;  // X
constexpr uint8_t kExtendedCtr = 0x08;  // Y

/// Bytes of the minimal big-endian encoding of v (v >= 8, so at least 1).
size_t value_length(uint64_t v) {
  size_t n = 1;
  while (n < 8 && (v >> (8 * n)) != 0) ++n;
  return n;
}

void append_be(uint64_t v, size_t n, Bytes& out) {
  for (size_t i = n; i-- > 0;) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

/// Reads an extended value of `n` bytes at data[pos]; the caller checked the bounds.
Result<uint64_t> read_extended(ByteView data, size_t pos, size_t n, const char* what) {
  if (data[pos] == 0)
    return make_error(Errc::malformed, std::string("sframe header: ") + what + " has a leading zero byte");
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | data[pos + i];
  if (v < 8)
    return make_error(Errc::malformed, std::string("sframe header: ") + what + " below 8 is not inline");
  return v;
}

}  // namespace

size_t header_size(const Header& h) {
  return 1 + (h.kid >= 8 ? value_length(h.kid) : 0) + (h.ctr >= 8 ? value_length(h.ctr) : 0);
}

void encode_header_append(const Header& h, Bytes& out) {
  const size_t kid_len = h.kid >= 8 ? value_length(h.kid) : 0;
  const size_t ctr_len = h.ctr >= 8 ? value_length(h.ctr) : 0;
  uint8_t config = 0;
  config |=
      kid_len ? static_cast<uint8_t>(kExtendedKid | ((kid_len - 1) << 4)) : static_cast<uint8_t>(h.kid << 4);
  config |= ctr_len ? static_cast<uint8_t>(kExtendedCtr | (ctr_len - 1)) : static_cast<uint8_t>(h.ctr);
  out.push_back(config);
  append_be(h.kid, kid_len, out);
  append_be(h.ctr, ctr_len, out);
}

Result<ParsedHeader> parse_header(ByteView data) {
  if (data.empty()) return make_error(Errc::malformed, "sframe header: empty input");
  const uint8_t config = data[0];
  const size_t kid_len = (config & kExtendedKid) ? size_t{1} + ((config >> 4) & 7) : 0;
  const size_t ctr_len = (config & kExtendedCtr) ? size_t{1} + (config & 7) : 0;
  const size_t size = 1 + kid_len + ctr_len;
  if (data.size() < size) {
    return make_error(Errc::malformed, "sframe header: truncated (" + std::to_string(size) +
                                           " bytes needed, " + std::to_string(data.size()) + " given)");
  }
  ParsedHeader parsed;
  parsed.size = size;
  if (kid_len) {
    auto kid = read_extended(data, 1, kid_len, "KID");
    if (!kid) return std::move(kid).error();
    parsed.header.kid = *kid;
  } else {
    parsed.header.kid = (config >> 4) & 7;
  }
  if (ctr_len) {
    auto ctr = read_extended(data, 1 + kid_len, ctr_len, "CTR");
    if (!ctr) return std::move(ctr).error();
    parsed.header.ctr = *ctr;
  } else {
    parsed.header.ctr = config & 7;
  }
  return parsed;
}

}  // namespace wzp::crypto::sframe
