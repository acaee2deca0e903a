// AccessList: the rules of the relay's access list (relay spec §7.2, extended
// with default-deny and normalised entries) and the validation of its entries.
#include "relay/access_list.hpp"

#include <gtest/gtest.h>

#include "crypto/room_hash.hpp"
#include "relay/acl_json.hpp"

namespace wzp::relay {
namespace {

const std::string kRoom = "46de10172c0bd3222eea8f521ac04d59";
const std::string kOther = "0123456789abcdef0123456789abcdef";

crypto::Fingerprint fingerprint(uint8_t fill) {
  ByteArray<crypto::Fingerprint::kSize> bytes;
  bytes.fill(fill);
  return crypto::Fingerprint(bytes);
}
std::string display(uint8_t fill) { return fingerprint(fill).to_display(); }

// Built by appending: GCC 12 warns (-Wrestrict) on "'" + std::string(...) + "'".
std::string quoted(std::string_view text) {
  std::string out = "'";
  out.append(text);
  out += '\'';
  return out;
}

bool admits(const AccessList& acl, const std::string& room, std::optional<crypto::Fingerprint> fp) {
  return acl.admit(room, fp).ok();
}

TEST(AccessList, OffAdmitsEveryone) {
  AccessList acl;
  EXPECT_FALSE(acl.enabled());
  acl.allow(kRoom, display(1));  // kept, not in force
  acl.set_default_deny(true);
  EXPECT_TRUE(admits(acl, kRoom, fingerprint(2)));
  EXPECT_TRUE(admits(acl, kOther, std::nullopt));
}

TEST(AccessList, ListedRoomAdmitsExactlyItsFingerprints) {
  AccessList acl;
  acl.set_enabled(true);
  acl.allow(kRoom, display(1));
  acl.allow(kRoom, display(2));
  EXPECT_TRUE(admits(acl, kRoom, fingerprint(1)));
  EXPECT_TRUE(admits(acl, kRoom, fingerprint(2)));
  auto refused = acl.admit(kRoom, fingerprint(3));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::acl_denied);
  EXPECT_EQ(refused.error().message, "fingerprint " + display(3) + " is not allowed in room " + kRoom);
  EXPECT_FALSE(admits(acl, kRoom, std::nullopt));
}

TEST(AccessList, UnlistedRoomFollowsTheDefault) {
  AccessList acl;
  acl.set_enabled(true);
  acl.allow(kRoom, display(1));
  EXPECT_TRUE(admits(acl, kOther, fingerprint(9)));  // the reference's rule
  acl.set_default_deny(true);
  auto refused = acl.admit(kOther, fingerprint(9));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::acl_denied);
  EXPECT_NE(refused.error().message.find("denies by default"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(admits(acl, kRoom, fingerprint(1)));  // listed rooms are unaffected
  EXPECT_FALSE(admits(acl, kRoom, fingerprint(9)));
}

TEST(AccessList, WithoutAValidFingerprintNobodyIsAdmitted) {
  AccessList acl;
  acl.set_enabled(true);
  auto refused = acl.admit(kOther, std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "room " + kOther + " admits only a valid fingerprint");
}

// Revoking only ever narrows: the room stays listed (admitting nobody) in both
// modes, until clear_room returns it to the default.
TEST(AccessList, RevokingTheLastEntryKeepsTheRoomClosedInBothModes) {
  for (bool deny : {false, true}) {
    AccessList acl;
    acl.set_enabled(true);
    acl.set_default_deny(deny);
    acl.allow(kRoom, display(1));
    acl.revoke(kRoom, display(1));
    ASSERT_EQ(acl.rooms().count(kRoom), 1u);
    for (uint8_t who : {1, 2}) {
      auto refused = acl.admit(kRoom, fingerprint(who));
      ASSERT_FALSE(refused.ok()) << deny;
      EXPECT_NE(refused.error().message.find("entries were all revoked"), std::string::npos);
    }
    acl.clear_room(kRoom);
    EXPECT_EQ(admits(acl, kRoom, fingerprint(2)), !deny);
  }
}

TEST(AccessList, RevokingInAnUnlistedRoomChangesNothing) {
  AccessList acl;
  acl.set_enabled(true);
  acl.revoke(kOther, display(1));
  EXPECT_TRUE(acl.rooms().empty());
  EXPECT_TRUE(admits(acl, kOther, fingerprint(1)));
}

TEST(AccessList, ReplaceKeepsTheSwitchesAndEmptyRooms) {
  AccessList acl;
  acl.set_enabled(true);
  acl.set_default_deny(true);
  acl.allow(kRoom, display(1));
  acl.replace({{kOther, {}}});
  EXPECT_TRUE(acl.enabled());
  EXPECT_TRUE(acl.default_deny());
  EXPECT_FALSE(admits(acl, kRoom, fingerprint(1)));   // unlisted now: default deny
  EXPECT_FALSE(admits(acl, kOther, fingerprint(1)));  // listed, with nobody
}

TEST(AccessList, SetRoomMakesTheListExactAndCountsTheChange) {
  AccessList acl;
  acl.set_enabled(true);
  acl.allow(kRoom, display(1));
  acl.allow(kRoom, display(2));
  auto change = acl.set_room(kRoom, {display(2), display(3), display(4)});
  EXPECT_EQ(change.added, 2u);
  EXPECT_EQ(change.removed, 1u);
  EXPECT_FALSE(admits(acl, kRoom, fingerprint(1)));
  EXPECT_TRUE(admits(acl, kRoom, fingerprint(3)));
  change = acl.set_room(kOther, {});  // listed with nobody: closed, never open
  EXPECT_EQ(change.added + change.removed, 0u);
  EXPECT_FALSE(admits(acl, kOther, fingerprint(3)));
}

TEST(AclJson, TheListAndOneRoom) {
  AccessList acl;
  acl.set_enabled(true);
  acl.allow(kRoom, display(2));
  acl.allow(kRoom, display(1));
  acl.set_room(kOther, {});
  EXPECT_EQ(acl_json(acl), R"({"enabled":true,"default_deny":false,"rooms":{")" + kOther + R"(":[],")" +
                               kRoom + R"(":[")" + display(1) + R"(",")" + display(2) + R"("]}})");
  EXPECT_EQ(acl_room_json(acl, kRoom), R"({"room":")" + kRoom + R"(","listed":true,"fingerprints":[")" +
                                           display(1) + R"(",")" + display(2) + R"("]})");
  EXPECT_EQ(acl_room_json(acl, "sni:x"), R"({"room":"sni:x","listed":false,"fingerprints":[]})");
}

TEST(AclJson, MemberBodiesAreParsedAndCheckedStrictly) {
  const std::string a = display(0xab);
  std::string bare;
  for (char c : a)
    if (c != ':') bare += c;
  auto list = parse_acl_members_json(R"([")" + bare + R"(", ")" + a + R"("])");
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(*list, std::set<std::string>{a});
  auto object = parse_acl_members_json(R"({"fingerprints": []})");
  ASSERT_TRUE(object);
  EXPECT_TRUE(object->empty());
  for (const char* bad : {"", "not json", "{}", R"({"fingerprints":[],"x":1})", R"({"fingerprints":"ab"})",
                          "[1]", R"(["nobody"])", "42"}) {
    auto parsed = parse_acl_members_json(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
  }
  EXPECT_NE(parse_acl_members_json(R"(["ab", "nobody"])").error().message.find("fingerprints[0]"),
            std::string::npos);
}

TEST(AclRoom, HashesAndRawRoomsAreNormalised) {
  EXPECT_EQ(*parse_acl_room(kRoom), kRoom);
  EXPECT_EQ(*parse_acl_room("46DE10172C0BD3222EEA8F521AC04D59"), kRoom);  // the relay lower-cases SNI
  EXPECT_EQ(*parse_acl_room("sni:General.Example"), "general.example");
  EXPECT_EQ(*parse_acl_room("sni:default"), "default");
  EXPECT_EQ(*parse_acl_room("sni:" + kRoom), kRoom);
}

TEST(AclRoom, PlainNamesAndImpossibleRoomsAreRefused) {
  for (std::string_view bad : {"general", "", "46de10172c0bd3222eea8f521ac04d5",
                               "46de10172c0bd3222eea8f521ac04d590", "46de10172c0bd3222eea8f521ac04d5g",
                               "sni:", "sni:my_room", "sni:10.0.0.1", "sni:-x", "SNI:general", "sni:a b"}) {
    auto room = parse_acl_room(bad);
    ASSERT_FALSE(room.ok()) << bad;
    EXPECT_EQ(room.error().code, Errc::invalid_argument);
    EXPECT_NE(room.error().message.find(quoted(bad)), std::string::npos) << room.error().message;
  }
  EXPECT_NE(parse_acl_room("general").error().message.find("hashed"), std::string::npos);
}

TEST(AclRoom, PlainNamesHashAsClientsDo) {
  EXPECT_EQ(acl_room_of_name("general"), crypto::hash_room_name("general"));
  EXPECT_EQ(*parse_acl_room(acl_room_of_name("général")), acl_room_of_name("général"));
}

TEST(AclFingerprint, ParsedLenientlyIntoDisplayForm) {
  const std::string want = "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789";
  for (std::string_view text : {"a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789", "A1B2C3D4E5F67890ABCDEF0123456789",
                                "a1b2 c3d4 e5f6 7890 abcd ef01 2345 6789",
                                "a1b2c3d4e5f67890abcdef0123456789ffff"}) {  // truncated, as the reference
    auto fp = parse_acl_fingerprint(text);
    ASSERT_TRUE(fp.ok()) << text;
    EXPECT_EQ(*fp, want);
  }
}

TEST(AclFingerprint, MalformedOnesAreRefused) {
  for (std::string_view bad :
       {"alice", "fp-bob", "", "a1b2:c3d4", "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:678"}) {
    auto fp = parse_acl_fingerprint(bad);
    ASSERT_FALSE(fp.ok()) << bad;
    EXPECT_EQ(fp.error().code, Errc::invalid_argument);
    EXPECT_NE(fp.error().message.find(quoted(bad) + " is not valid"), std::string::npos)
        << fp.error().message;
  }
}

}  // namespace
}  // namespace wzp::relay
