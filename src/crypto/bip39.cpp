#include "crypto/bip39.hpp"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "crypto/nfkd_fold.hpp"
#include "crypto/sodium_init.hpp"

namespace wzp::crypto::bip39 {
namespace {

constexpr std::string_view kPrefix = "invalid mnemonic: ";

bool valid_word_count(size_t n) noexcept { return n >= 12 && n <= 24 && n % 3 == 0; }

// Splits on runs of White_Space code points (the text is valid UTF-8 here).
std::vector<std::string_view> split_white_space(std::string_view text) {
  std::vector<std::string_view> words;
  size_t pos = 0;
  size_t word_start = std::string_view::npos;
  while (pos < text.size()) {
    size_t start = pos;
    char32_t cp = decode_utf8(text, pos);
    if (is_unicode_white_space(cp)) {
      if (word_start != std::string_view::npos) words.push_back(text.substr(word_start, start - word_start));
      word_start = std::string_view::npos;
    } else if (word_start == std::string_view::npos) {
      word_start = start;
    }
  }
  if (word_start != std::string_view::npos) words.push_back(text.substr(word_start));
  return words;
}

// Bit i of a big-endian bit string.
bool bit_at(const uint8_t* bytes, size_t i) noexcept { return (bytes[i / 8] >> (7 - i % 8)) & 1; }

}  // namespace

std::optional<uint16_t> word_index(std::string_view word) noexcept {
  const auto words = english_words();
  auto it = std::lower_bound(words.begin(), words.end(), word);
  if (it == words.end() || *it != word) return std::nullopt;
  return static_cast<uint16_t>(it - words.begin());
}

Result<std::string> encode(ByteView entropy) {
  const size_t n = entropy.size();
  if (n < 16 || n > kMaxEntropyBytes || n % 4 != 0) {
    return make_error(Errc::invalid_length,
                      "bip39: entropy must be 16, 20, 24, 28 or 32 bytes, got " + std::to_string(n));
  }
  ensure_init();
  // entropy || SHA-256(entropy): the checksum bits are the hash's leading bits.
  Secret<kMaxEntropyBytes + crypto_hash_sha256_BYTES> bits;
  std::copy(entropy.begin(), entropy.end(), bits.data());
  crypto_hash_sha256(bits.data() + n, entropy.data(), n);
  const size_t word_count = (n * 8 + n / 4) / 11;
  const auto words = english_words();
  std::string out;
  out.reserve(word_count * 9);  // words are at most 8 letters: no reallocation leaves a copy behind
  for (size_t w = 0; w < word_count; ++w) {
    unsigned index = 0;
    for (size_t b = 0; b < 11; ++b) index = (index << 1) | (bit_at(bits.data(), w * 11 + b) ? 1U : 0U);
    if (w > 0) out += ' ';
    out += words[index];
  }
  return out;
}

Result<Entropy> decode(std::string_view mnemonic) {
  auto folded = nfkd_fold(mnemonic);
  if (!folded) return make_error(Errc::invalid_argument, std::string(kPrefix) + folded.error().message);
  struct Wipe {
    std::string& s;
    ~Wipe() { wipe_bytes(s); }
  } wipe_folded{folded.value()};

  const auto words = split_white_space(folded.value());
  const size_t count = words.size();
  if (!valid_word_count(count)) {
    return make_error(Errc::mnemonic_word_count,
                      std::string(kPrefix) + "mnemonic has an invalid word count: " + std::to_string(count) +
                          ". Word count must be 12, 15, 18, 21, or 24");
  }
  // 24 words * 11 bits = 264 bits = 33 bytes: entropy plus checksum byte(s).
  Secret<33> bits;
  for (size_t w = 0; w < count; ++w) {
    auto index = word_index(words[w]);
    if (!index) {
      return make_error(
          Errc::mnemonic_unknown_word,
          std::string(kPrefix) + "mnemonic contains an unknown word (word " + std::to_string(w) + ")");
    }
    for (size_t b = 0; b < 11; ++b) {
      if ((*index >> (10 - b)) & 1) {
        size_t i = w * 11 + b;
        bits.data()[i / 8] = static_cast<uint8_t>(bits.data()[i / 8] | (0x80 >> (i % 8)));
      }
    }
  }
  Entropy entropy;
  entropy.size = count / 3 * 4;
  std::copy_n(bits.data(), entropy.size, entropy.bytes.data());
  ensure_init();
  uint8_t hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, entropy.bytes.data(), entropy.size);
  const size_t checksum_bits = count / 3;
  for (size_t i = 0; i < checksum_bits; ++i) {
    if (bit_at(hash, i) != bit_at(bits.data(), entropy.size * 8 + i)) {
      sodium_memzero(hash, sizeof hash);
      return make_error(Errc::mnemonic_checksum,
                        std::string(kPrefix) + "the mnemonic has an invalid checksum");
    }
  }
  sodium_memzero(hash, sizeof hash);
  return entropy;
}

}  // namespace wzp::crypto::bip39
