#include "crypto/fingerprint.hpp"

#include <algorithm>

#include "core/hex.hpp"
#include "crypto/sha256.hpp"

namespace wzp::crypto {
namespace {

bool is_ascii_hex_digit(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

Fingerprint Fingerprint::of(ByteView ed25519_public) {
  const auto hash = sha256(ed25519_public);
  ByteArray<kSize> bytes;
  std::copy_n(hash.begin(), kSize, bytes.begin());
  return Fingerprint(bytes);
}

Result<Fingerprint> Fingerprint::parse(std::string_view text) {
  std::string digits;
  std::copy_if(text.begin(), text.end(), std::back_inserter(digits), is_ascii_hex_digit);
  auto decoded = wzp::from_hex(digits);
  if (!decoded) return std::move(decoded).error();
  if (decoded->size() < kSize) return make_error(Errc::fingerprint_too_short, "fingerprint too short");
  ByteArray<kSize> bytes;
  std::copy_n(decoded->begin(), kSize, bytes.begin());
  return Fingerprint(bytes);
}

std::string Fingerprint::to_display() const {
  const std::string hex = to_hex();
  std::string out;
  out.reserve(39);
  for (size_t i = 0; i < hex.size(); i += 4) {
    if (i > 0) out += ':';
    out.append(hex, i, 4);
  }
  return out;
}

std::string Fingerprint::to_hex() const { return wzp::to_hex(bytes_); }

}  // namespace wzp::crypto
