// BIP39 mnemonics with the English word list, as the reference (bip39 2.2.2)
// reads and writes them. The mnemonic encodes the entropy directly; WZP never
// derives the PBKDF2 "BIP39 seed" and never uses a passphrase.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto::bip39 {

inline constexpr size_t kWordListSize = 2048;
inline constexpr size_t kMaxEntropyBytes = 32;

/// The 2048 English words, sorted.
std::span<const std::string_view, kWordListSize> english_words() noexcept;

/// Index of `word` in the English list (exact, case-sensitive match).
std::optional<uint16_t> word_index(std::string_view word) noexcept;

/// Decoded entropy: 16, 20, 24, 28 or 32 bytes (wiped on destruction).
struct Entropy {
  Secret<kMaxEntropyBytes> bytes;
  size_t size = 0;
  ByteView view() const noexcept { return bytes.view().first(size); }
};

/// Encodes entropy as words joined by single spaces: checksum = first
/// entropy_bits/32 bits of SHA-256(entropy), then 11 bits per word.
/// Errors: Errc::invalid_length unless entropy is 16, 20, 24, 28 or 32 bytes.
Result<std::string> encode(ByteView entropy);

/// Decodes a mnemonic: NFKD-normalise, split on Unicode White_Space, then
/// check word count, words and checksum in that order. Errors (texts are the
/// reference's):
///  - Errc::invalid_argument: input is not valid UTF-8;
///  - Errc::mnemonic_word_count: "invalid mnemonic: mnemonic has an invalid word
///    count: N. Word count must be 12, 15, 18, 21, or 24";
///  - Errc::mnemonic_unknown_word: "invalid mnemonic: mnemonic contains an
///    unknown word (word i)" (i = 0-based index of the first unknown word);
///  - Errc::mnemonic_checksum: "invalid mnemonic: the mnemonic has an invalid checksum".
Result<Entropy> decode(std::string_view mnemonic);

}  // namespace wzp::crypto::bip39
