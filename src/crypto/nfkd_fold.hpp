// The part of Unicode NFKD normalisation that BIP39 English parsing needs,
// without ICU.
//
// Why a partial table is exact for this purpose: a mnemonic word can only
// match the English list if, after NFKD, it consists of ASCII letters, and the
// words are delimited by White_Space. So the only code points whose
// normalisation can change the outcome of parsing (word count, which word is
// the first unknown one, the decoded entropy) are those whose NFKD form
// contains an ASCII character or a White_Space character: full-width letters,
// ligatures, precomposed Latin letters, U+00A0, U+3000, ... Those (about two
// thousand, generated once from Python's unicodedata by
// scripts/gen_crypto_tables.py) are replaced by their full NFKD string. Every
// other non-ASCII code point is kept as it is: its NFKD form is non-ASCII and
// not White_Space, so the token containing it is unknown either way and token
// boundaries do not move. Canonical reordering only permutes combining marks
// (non-ASCII, never White_Space) and so cannot change a result either.
// Hangul and other algorithmic decompositions produce no ASCII and are skipped.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wzp::crypto {

/// Unicode White_Space property (what Rust's char::is_whitespace tests).
bool is_unicode_white_space(char32_t code_point) noexcept;

/// Decodes one UTF-8 sequence at text[pos]; advances pos. Returns nullopt-like
/// U+FFFFFFFF on malformed input (overlong, surrogate, > U+10FFFF, truncated).
inline constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;
char32_t decode_utf8(std::string_view text, size_t& pos) noexcept;

/// NFKD-folds `utf8` as described above.
/// Errors: Errc::invalid_argument "invalid UTF-8 at byte N" on malformed input.
Result<std::string> nfkd_fold(std::string_view utf8);

namespace detail {
struct NfkdEntry {
  uint32_t code_point;
  uint16_t offset;  // into nfkd_pool()
  uint8_t length;
};
/// Sorted by code_point (generated, nfkd_table.cpp).
std::span<const NfkdEntry> nfkd_entries() noexcept;
std::string_view nfkd_pool() noexcept;
}  // namespace detail

}  // namespace wzp::crypto
