#include "crypto/anti_replay.hpp"

#include <random>
#include <set>

#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(AntiReplay, Vectors) {
  for (const auto& v : section("anti_replay")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    AntiReplayWindow window;
    size_t step = 0;
    for (const auto& s : v.at("steps")) {
      const auto seq = s.at("seq").get<uint16_t>();
      auto r = window.check_and_update(seq);
      EXPECT_EQ(r.ok(), s.at("accept").get<bool>()) << "step " << step;
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, Errc::replay);
        EXPECT_EQ(r.error().message,
                  "anti-replay: duplicate or old packet (seq=" + std::to_string(seq) + ")");
      }
      ++step;
    }
  }
}

// The set-based model of spec §8 against the bitmap, on random walks.
TEST(AntiReplay, MatchesSetModelOnRandomSequences) {
  std::mt19937 rng(1234);
  for (int run = 0; run < 50; ++run) {
    AntiReplayWindow window;
    std::set<int> seen;  // offsets are tracked as absolute u16 values relative to highest
    bool init = false;
    uint16_t highest = 0;
    uint16_t cursor = static_cast<uint16_t>(rng());
    for (int i = 0; i < 2000; ++i) {
      const int jump = static_cast<int>(rng() % 2400) - 1200;
      const auto seq = static_cast<uint16_t>(cursor + (rng() % 8 == 0 ? jump * 20 : jump / 40));
      cursor = static_cast<uint16_t>(cursor + 1);
      bool expect;
      if (!init) {
        init = true, highest = seq, seen = {seq}, expect = true;
      } else {
        const uint16_t diff = static_cast<uint16_t>(seq - highest);
        if (diff == 0) {
          expect = false;
        } else if (diff <= 0x7FFF) {
          highest = seq;
          std::set<int> kept;
          for (int s : seen) {
            if (static_cast<uint16_t>(highest - s) < 1024) kept.insert(s);
          }
          kept.insert(seq);
          seen = kept, expect = true;
        } else {
          const uint16_t behind = static_cast<uint16_t>(highest - seq);
          expect = behind < 1024 && !seen.count(seq);
          if (expect) seen.insert(seq);
        }
      }
      ASSERT_EQ(window.check_and_update(seq).ok(), expect) << "run " << run << " step " << i;
    }
  }
}

TEST(ExtendedReplayWindow, CheckIsSeparateFromRecord) {
  ExtendedReplayWindow w;
  EXPECT_TRUE(w.is_fresh(5));
  EXPECT_TRUE(w.is_fresh(5));  // checking records nothing
  EXPECT_FALSE(w.highest().has_value());
  w.record(5);
  EXPECT_FALSE(w.is_fresh(5));
  EXPECT_TRUE(w.is_fresh(4));
  w.record(100000);
  EXPECT_EQ(w.highest(), 100000U);
  EXPECT_FALSE(w.is_fresh(5));  // fell out of the window
  EXPECT_TRUE(w.is_fresh(100000 - 1023));
  EXPECT_FALSE(w.is_fresh(100000 - 1024));
  w.record(99990);
  EXPECT_FALSE(w.is_fresh(99990));
  EXPECT_TRUE(w.is_fresh(99991));
  w.record(100064);  // shift by exactly one word
  EXPECT_FALSE(w.is_fresh(99990));
  EXPECT_FALSE(w.is_fresh(100000));
  EXPECT_TRUE(w.is_fresh(100001));
  w.record(100129);  // shift by 65
  EXPECT_FALSE(w.is_fresh(100064));
  EXPECT_FALSE(w.is_fresh(99990));
  EXPECT_TRUE(w.is_fresh(100063));
}

}  // namespace
}  // namespace wzp::crypto::test
