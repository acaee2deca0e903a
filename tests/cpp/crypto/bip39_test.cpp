#include "crypto/bip39.hpp"

#include <sodium.h>

#include "crypto/nfkd_fold.hpp"
#include "crypto/seed.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

Errc errc_of_kind(const std::string& kind) {
  if (kind == "BadWordCount") return Errc::mnemonic_word_count;
  if (kind == "UnknownWord") return Errc::mnemonic_unknown_word;
  if (kind == "InvalidChecksum") return Errc::mnemonic_checksum;
  if (kind == "WrongEntropyLength") return Errc::mnemonic_entropy_length;
  ADD_FAILURE() << "unknown error kind " << kind;
  return Errc::internal;
}

TEST(Bip39, EmbeddedWordListMatchesTheVectorFileAndItsHash) {
  std::string joined;
  for (auto w : bip39::english_words()) {
    joined += w;
    joined += '\n';
  }
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const uint8_t*>(joined.data()), joined.size());
  EXPECT_EQ(hex(ByteView(digest, sizeof digest)),
            vectors().at("constants").at("bip39_english_wordlist_sha256").get<std::string>());
  std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/bip39-english.txt", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(joined, file);
}

TEST(Bip39, WordIndex) {
  EXPECT_EQ(bip39::word_index("abandon"), 0);
  EXPECT_EQ(bip39::word_index("zoo"), 2047);
  EXPECT_FALSE(bip39::word_index("Abandon").has_value());
  EXPECT_FALSE(bip39::word_index("").has_value());
  EXPECT_FALSE(bip39::word_index("warzone").has_value());
}

TEST(Bip39, IdentityMnemonicsAndWordIndices) {
  for (const auto& v : section("identity")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    auto seed = Seed::from_hex(v.at("seed_hex").get<std::string>());
    ASSERT_TRUE(seed.ok());
    const std::string words = seed->to_mnemonic();
    EXPECT_EQ(words, v.at("mnemonic").get<std::string>());
    std::vector<int> indices;
    size_t start = 0;
    while (start <= words.size()) {
      size_t end = words.find(' ', start);
      if (end == std::string::npos) end = words.size();
      auto index = bip39::word_index(std::string_view(words).substr(start, end - start));
      ASSERT_TRUE(index.has_value());
      indices.push_back(*index);
      start = end + 1;
    }
    EXPECT_EQ(indices, v.at("mnemonic_word_indices").get<std::vector<int>>());
    auto back = Seed::from_mnemonic(words);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->to_hex(), v.at("seed_hex").get<std::string>());
  }
}

TEST(Bip39, MnemonicParseVectors) {
  for (const auto& v : section("mnemonic_parse")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    auto seed = Seed::from_mnemonic(v.at("input").get<std::string>());
    ASSERT_EQ(seed.ok(), v.at("ok").get<bool>()) << (seed.ok() ? "" : seed.error().message);
    if (seed.ok()) {
      EXPECT_EQ(seed->to_hex(), v.at("seed_hex").get<std::string>());
    } else {
      EXPECT_EQ(seed.error().message, v.at("error").get<std::string>());
      EXPECT_EQ(seed.error().code, errc_of_kind(v.at("error_kind").get<std::string>()));
    }
  }
}

TEST(Bip39, ShorterMnemonicsDecodeToTheirEntropy) {
  for (size_t n : {16, 20, 24, 28, 32}) {
    Bytes entropy(n);
    randombytes_buf(entropy.data(), n);
    auto words = bip39::encode(entropy);
    ASSERT_TRUE(words.ok());
    auto back = bip39::decode(*words);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(hex(back->view()), hex(entropy));
  }
  EXPECT_EQ(bip39::encode(Bytes(15)).error().code, Errc::invalid_length);
  EXPECT_EQ(bip39::encode(Bytes(33)).error().code, Errc::invalid_length);
  EXPECT_EQ(bip39::encode(Bytes(18)).error().code, Errc::invalid_length);
}

TEST(Bip39, InvalidUtf8IsAClearError) {
  const std::string canonical = section("mnemonic_parse")[0].at("input").get<std::string>();
  for (std::string bad :
       {std::string("\xff"), std::string("\xc3"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("\xf4\x90\x80\x80"), std::string("\xe2\x82")}) {
    auto r = Seed::from_mnemonic(canonical + " " + bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("invalid UTF-8"), std::string::npos) << r.error().message;
  }
}

TEST(Bip39, UnicodeWhiteSpaceSeparatorsAndCompatibilityCharacters) {
  const std::string canonical = section("mnemonic_parse")[0].at("input").get<std::string>();
  const std::string expected = section("mnemonic_parse")[0].at("seed_hex").get<std::string>();
  // Separators that are White_Space without decomposing (U+0085, U+1680, U+2028)
  // or that decompose to a space (U+2003, U+205F).
  for (const std::string sep : {"\xc2\x85", "\xe1\x9a\x80", "\xe2\x80\xa8", "\xe2\x80\x83", "\xe2\x81\x9f"}) {
    std::string text = canonical;
    for (size_t pos = text.find(' '); pos != std::string::npos; pos = text.find(' ', pos + sep.size())) {
      text.replace(pos, 1, sep);
    }
    auto seed = Seed::from_mnemonic(text);
    ASSERT_TRUE(seed.ok()) << seed.error().message;
    EXPECT_EQ(seed->to_hex(), expected);
  }
  // A zero-width space is not White_Space: it glues two words into one unknown word.
  std::string glued = canonical;
  glued.replace(glued.find(' '), 1, "\xe2\x80\x8b");
  auto r = Seed::from_mnemonic(glued);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::mnemonic_word_count);
  // "ﬁ" (U+FB01) folds to "fi"; an accented letter folds to letter + combining mark (unknown).
  auto folded = nfkd_fold("\xef\xac\x81le \xc3\xa9");
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(*folded, "file e\xcc\x81");
}

TEST(Bip39, NfkdTableIsSortedAndOnlyHoldsRelevantEntries) {
  const auto entries = detail::nfkd_entries();
  const auto pool = detail::nfkd_pool();
  ASSERT_GT(entries.size(), 1000U);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(entries[i - 1].code_point, entries[i].code_point);
    }
    ASSERT_LE(size_t{entries[i].offset} + entries[i].length, pool.size());
    const auto text = pool.substr(entries[i].offset, entries[i].length);
    bool relevant = false;
    for (size_t pos = 0; pos < text.size();) {
      char32_t cp = decode_utf8(text, pos);
      ASSERT_NE(cp, kInvalidCodePoint);
      relevant = relevant || cp < 0x80 || is_unicode_white_space(cp);
    }
    EXPECT_TRUE(relevant) << std::hex << entries[i].code_point;
  }
}

}  // namespace
}  // namespace wzp::crypto::test
