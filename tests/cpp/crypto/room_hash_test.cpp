#include "crypto/room_hash.hpp"

#include <set>

#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(RoomHash, Vectors) {
  for (const auto& v : section("hash_room_name")) {
    std::string name;
    if (v.contains("name_repeat")) {
      const auto& rep = v.at("name_repeat");
      for (int i = 0; i < rep.at("count").get<int>(); ++i) name += rep.at("char").get<std::string>();
      ASSERT_EQ(name.size(), 1000U);
    } else {
      name = v.at("name").get<std::string>();
      EXPECT_EQ(hex(as_bytes(name)), v.at("name_utf8_hex").get<std::string>());
    }
    SCOPED_TRACE(name.substr(0, 40));
    EXPECT_EQ(hash_room_name(name), v.at("hash").get<std::string>());
  }
}

TEST(RoomHash, AlwaysThirtyTwoLowercaseHexAndDistinct) {
  std::set<std::string> seen;
  for (const char* name : {"alpha", "beta", "alpha-2", "", "Alpha"}) {
    const std::string h = hash_room_name(name);
    ASSERT_EQ(h.size(), 32U);
    for (char c : h) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 5U);
  EXPECT_EQ(vectors().at("constants").at("room_hash_prefix").get<std::string>(), kRoomHashPrefix);
}

}  // namespace
}  // namespace wzp::crypto::test
