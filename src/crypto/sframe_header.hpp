// The SFrame header (RFC 9605 §4.3): a config byte X|K(3)|Y|C(3), then the KID and the CTR as
// minimal big-endian integers. A value below 8 sits in K (or C) with X (or Y) clear; a larger
// one follows the config byte in 1-8 bytes, K (or C) holding its length minus one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::crypto::sframe {

struct Header {
  uint64_t kid = 0;
  uint64_t ctr = 0;
};

/// Config byte + an 8-byte KID + an 8-byte CTR.
inline constexpr size_t kMaxHeaderSize = 17;

/// Encoded size of `h` (1 to kMaxHeaderSize bytes).
size_t header_size(const Header& h);

/// Appends the encoding of `h` to `out`.
void encode_header_append(const Header& h, Bytes& out);

struct ParsedHeader {
  Header header;
  size_t size = 0;  // bytes of `data` the header took
};

/// Parses the header at the start of `data`; the rest of `data` is not looked at.
/// Errors: Errc::malformed "sframe header: ..." when `data` ends inside the header, or when
/// a value is not in its minimal form (an extended value below 8, or a leading zero byte):
/// the RFC requires the minimal form, and accepting others would give one (KID, CTR) several
/// headers, hence several AADs.
Result<ParsedHeader> parse_header(ByteView data);

}  // namespace wzp::crypto::sframe
