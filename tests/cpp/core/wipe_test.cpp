// Wiping helpers for secret text: contents survive growth, and wiping zeroes them.
#include "core/wipe.hpp"

#include <gtest/gtest.h>

namespace wzp {
namespace {

TEST(Wipe, AppendWipingKeepsTheTextAcrossReallocations) {
  std::string text;
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    std::string word = "word" + std::to_string(i) + " ";
    append_wiping(text, word);
    expected += word;
  }
  EXPECT_EQ(text, expected);
}

TEST(Wipe, WipeStringZeroesEveryByte) {
  std::string secret = "0123456789abcdef0123456789abcdef";
  wipe_string(secret);
  EXPECT_EQ(secret, std::string(32, '\0'));
  wipe_memory(nullptr, 4);  // harmless
}

}  // namespace
}  // namespace wzp
