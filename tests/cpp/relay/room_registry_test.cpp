// RoomRegistry: rooms and participants of relay spec §7.2 (the access list is
// in access_list_test.cpp).
#include "relay/room_registry.hpp"

#include <gtest/gtest.h>

namespace wzp::relay {
namespace {

const std::optional<std::string> kNone;
std::optional<std::string> fp(const char* text) { return std::string(text); }

TEST(RoomRegistryJoin, IdsOthersAndRoomLifetime) {
  RoomRegistry r;
  std::vector<uint64_t> out{99};
  r.others("nowhere", 1, out);
  EXPECT_TRUE(out.empty());  // cleared, not appended to

  // Ids start at 1 and count every join across all rooms.
  auto a1 = r.join("a", 101, kNone);
  auto b1 = r.join("b", 201, kNone);
  auto a2 = r.join("a", 102, kNone);
  auto a3 = r.join("a", 103, kNone);
  ASSERT_TRUE(a1.ok() && b1.ok() && a2.ok() && a3.ok());
  EXPECT_EQ(*a1, 1u);
  EXPECT_EQ(*b1, 2u);
  EXPECT_EQ(*a2, 3u);
  EXPECT_EQ(*a3, 4u);
  EXPECT_EQ(r.room_count(), 2u);
  EXPECT_EQ(r.room_size("a"), 3u);
  EXPECT_EQ(r.room_size("b"), 1u);

  // Everyone but the asker, in join order.
  r.others("a", *a2, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{101, 103}));
  r.others("a", *a1, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{102, 103}));
  r.others("b", *b1, out);
  EXPECT_TRUE(out.empty());
  r.others("a", 999, out);  // not a member: everyone
  EXPECT_EQ(out, (std::vector<uint64_t>{101, 102, 103}));

  r.leave("a", *a2);
  r.others("a", *a1, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{103}));
  r.leave("a", *a2);    // again: ignored
  r.leave("a", 999);    // unknown id: ignored
  r.leave("zzz", *a1);  // unknown room: ignored
  r.leave("b", *a1);    // a member of another room: ignored
  EXPECT_EQ(r.room_size("a"), 2u);
  EXPECT_EQ(r.room_size("b"), 1u);

  // The last one out deletes the room; ids are never reused.
  r.leave("b", *b1);
  EXPECT_EQ(r.room_count(), 1u);
  EXPECT_EQ(r.rooms().count("b"), 0u);
  auto b2 = r.join("b", 202, kNone);
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ(*b2, 5u);
  r.leave("a", *a1);
  r.leave("a", *a3);
  r.leave("b", *b2);
  EXPECT_EQ(r.room_count(), 0u);
  EXPECT_TRUE(r.rooms().empty());
}

TEST(RoomRegistryJoin, NoDuplicateDetection) {
  RoomRegistry r;
  auto first = r.join("r", 7, fp("same"));
  auto second = r.join("r", 7, fp("same"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_EQ(r.room_size("r"), 2u);
  std::vector<uint64_t> out;
  r.others("r", *first, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{7}));
}

TEST(RoomRegistryJoin, RoomSizeCap) {
  RoomRegistry r;
  r.set_max_per_room(2);
  ASSERT_TRUE(r.join("small", 1, kNone).ok());
  auto second = r.join("small", 2, kNone);
  ASSERT_TRUE(second.ok());
  auto third = r.join("small", 3, kNone);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Errc::room_full);
  EXPECT_EQ(third.error().message, "room small is full (2 participants)");
  EXPECT_EQ(r.room_size("small"), 2u);
  EXPECT_TRUE(r.join("other", 4, kNone).ok());  // per room
  r.leave("small", *second);
  EXPECT_TRUE(r.join("small", 5, kNone).ok());

  RoomRegistry unlimited;  // 0 = no cap
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.join("big", i, kNone).ok());
  EXPECT_EQ(unlimited.room_size("big"), 1000u);
}

}  // namespace
}  // namespace wzp::relay
