// parse_acl_text: "room fingerprint [fingerprint...]" per line, '#' comments.
#include <gtest/gtest.h>

#include "relay/room_registry.hpp"

namespace wzp::relay {
namespace {

using Acl = std::map<std::string, std::set<std::string>>;

Acl parsed(std::string_view text) {
  auto acl = parse_acl_text(text);
  EXPECT_TRUE(acl.ok()) << (acl.ok() ? "" : acl.error().message);
  return acl.ok() ? *acl : Acl{};
}

TEST(AclText, RoomsFingerprintsAndComments) {
  const char* text =
      "# who may join which room\n"
      "46de10172c0bd3222eea8f521ac04d59 a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789 fp-bob\n"
      "\n"
      "   \n"
      "general\tfp-carol   # trailing comment\n"
      "general fp-dave fp-carol\n";
  EXPECT_EQ(parsed(text),
            (Acl{{"46de10172c0bd3222eea8f521ac04d59", {"a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789", "fp-bob"}},
                 {"general", {"fp-carol", "fp-dave"}}}));
}

TEST(AclText, FingerprintsAreKeptVerbatim) {
  // No normalisation: featherChat's form is opaque to the relay.
  EXPECT_EQ(parsed("r A1B2:C3D4 a1b2c3d4 a1b2:c3d4\n"), (Acl{{"r", {"A1B2:C3D4", "a1b2c3d4", "a1b2:c3d4"}}}));
}

TEST(AclText, EmptyAndCommentOnly) {
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed("# nothing\n\n   # still nothing\n").empty());
  EXPECT_EQ(parsed("r fp"), (Acl{{"r", {"fp"}}}));  // no final newline
}

TEST(AclText, WindowsLineEndings) {
  EXPECT_EQ(parsed("r1 a\r\nr2 b\r\n"), (Acl{{"r1", {"a"}}, {"r2", {"b"}}}));
}

TEST(AclText, RoomWithoutFingerprintIsAnError) {
  for (std::string_view text :
       {"r1 a\n# c\nlonely\n", "r1 a\n\nlonely # comment only after\n", "r1 a\n#\nlonely\t\n"}) {
    auto acl = parse_acl_text(text);
    ASSERT_FALSE(acl.ok()) << text;
    EXPECT_EQ(acl.error().code, Errc::invalid_argument);
    EXPECT_NE(acl.error().message.find("line 3"), std::string::npos) << acl.error().message;
    EXPECT_NE(acl.error().message.find("lonely"), std::string::npos) << acl.error().message;
  }
}

}  // namespace
}  // namespace wzp::relay
