// parse_acl_text: "ROOM FINGERPRINT [FINGERPRINT...]" per line, '#' comments,
// every room and fingerprint validated and normalised as the ACL calls do.
#include <gtest/gtest.h>

#include "relay/access_list.hpp"

namespace wzp::relay {
namespace {

using Rooms = AccessList::Rooms;

const std::string kHash = "46de10172c0bd3222eea8f521ac04d59";
const std::string kFp1 = "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789";
const std::string kFp2 = "0000:1111:2222:3333:4444:5555:6666:7777";

Rooms parsed(std::string_view text) {
  auto acl = parse_acl_text(text);
  EXPECT_TRUE(acl.ok()) << (acl.ok() ? "" : acl.error().message);
  return acl.ok() ? *acl : Rooms{};
}

Error failure(std::string_view text) {
  auto acl = parse_acl_text(text);
  EXPECT_FALSE(acl.ok()) << text;
  return acl.ok() ? Error{} : acl.error();
}

TEST(AclText, RoomsFingerprintsAndComments) {
  const std::string text = "# who may join which room\n" + kHash + " " + kFp1 +
                           " 00001111222233334444555566667777\n"
                           "\n"
                           "   \n"
                           "sni:General\t" +
                           kFp1 + "   # trailing comment\n" + "sni:general " + kFp2 + "\n";
  EXPECT_EQ(parsed(text), (Rooms{{kHash, {kFp1, kFp2}}, {"general", {kFp1, kFp2}}}));
}

TEST(AclText, EntriesAreNormalised) {
  EXPECT_EQ(parsed("46DE10172C0BD3222EEA8F521AC04D59 A1B2C3D4E5F67890ABCDEF0123456789\n"),
            (Rooms{{kHash, {kFp1}}}));
}

TEST(AclText, EmptyAndCommentOnly) {
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed("# nothing\n\n   # still nothing\n").empty());
  EXPECT_EQ(parsed(kHash + " " + kFp1), (Rooms{{kHash, {kFp1}}}));  // no final newline
}

TEST(AclText, WindowsLineEndings) {
  EXPECT_EQ(parsed("sni:r1 " + kFp1 + "\r\nsni:r2 " + kFp2 + "\r\n"),
            (Rooms{{"r1", {kFp1}}, {"r2", {kFp2}}}));
}

TEST(AclText, RoomWithoutFingerprintIsAnError) {
  for (std::string text :
       {"sni:r1 " + kFp1 + "\n# c\nsni:lonely\n", "sni:r1 " + kFp1 + "\n\nsni:lonely # comment\n",
        "sni:r1 " + kFp1 + "\n#\nsni:lonely\t\n"}) {
    Error e = failure(text);
    EXPECT_EQ(e.code, Errc::invalid_argument);
    EXPECT_NE(e.message.find("line 3"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("lonely"), std::string::npos) << e.message;
  }
}

// Entries that could never match are refused, naming the line.
TEST(AclText, PlainRoomNamesAndMalformedFingerprintsAreErrors) {
  Error plain = failure("# staff\ngeneral " + kFp1 + "\n");
  EXPECT_EQ(plain.code, Errc::invalid_argument);
  EXPECT_EQ(plain.message.rfind("ACL line 2: room 'general' is neither a room hash", 0), 0u) << plain.message;

  Error fp = failure(kHash + " " + kFp1 + "\n" + kHash + " " + kFp2 + " nobody\n");
  EXPECT_EQ(fp.code, Errc::invalid_argument);
  EXPECT_EQ(fp.message.rfind("ACL line 2: fingerprint 'nobody' is not valid", 0), 0u) << fp.message;

  Error raw = failure("sni:my_room " + kFp1 + "\n");
  EXPECT_NE(raw.message.find("ACL line 1: room 'sni:my_room'"), std::string::npos) << raw.message;
}

}  // namespace
}  // namespace wzp::relay
