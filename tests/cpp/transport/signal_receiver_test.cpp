#include "transport/signal_receiver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/clock.hpp"

namespace wzp::transport {
namespace {

constexpr size_t kMiB = 1024 * 1024;

Bytes frame(ByteView payload) {
  Bytes out(4 + payload.size());
  store_be32(out.data(), static_cast<uint32_t>(payload.size()));
  std::copy(payload.begin(), payload.end(), out.begin() + 4);
  return out;
}

std::vector<Bytes> drain(SignalReceiver& r) {
  std::vector<Bytes> out;
  while (auto m = r.pop_message()) out.push_back(std::move(*m));
  return out;
}

TEST(SignalReceiver, SingleMessageInOneChunk) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  auto result = r.on_data(0, frame(as_bytes("hello")), true);
  EXPECT_TRUE(result.completed);
  EXPECT_TRUE(result.stop_reading);
  EXPECT_FALSE(result.error);
  auto messages = drain(r);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(as_chars(messages[0]), "hello");
  EXPECT_EQ(r.take_released_streams(), 1u);
  EXPECT_EQ(r.take_released_streams(), 0u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(r.next_stream_id(), 4);
}

TEST(SignalReceiver, LaterStreamWaitsForEarlierOne) {
  SignalReceiver r(1, kMiB, 4 * kMiB, 100);  // server-initiated IDs 1, 5, 9
  EXPECT_TRUE(r.on_data(5, frame(as_bytes("second")), true).completed);
  EXPECT_TRUE(drain(r).empty());
  EXPECT_EQ(r.buffered_bytes(), 6u);
  auto partial = frame(as_bytes("first"));
  EXPECT_FALSE(r.on_data(1, ByteView(partial).first(3), false).stop_reading);
  EXPECT_TRUE(drain(r).empty());
  EXPECT_TRUE(r.on_data(1, ByteView(partial).subspan(3), false).completed);
  auto messages = drain(r);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(as_chars(messages[0]), "first");
  EXPECT_EQ(as_chars(messages[1]), "second");
  EXPECT_EQ(r.take_released_streams(), 2u);
}

TEST(SignalReceiver, BytesAfterTheMessageAreIgnored) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  Bytes data = frame(as_bytes("abc"));
  data.push_back('X');
  data.push_back('Y');
  EXPECT_TRUE(r.on_data(0, data, false).completed);
  auto again = r.on_data(0, as_bytes("more"), true);
  EXPECT_TRUE(again.stop_reading);
  EXPECT_FALSE(again.completed);
  EXPECT_FALSE(again.error);
  auto messages = drain(r);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(as_chars(messages[0]), "abc");
}

TEST(SignalReceiver, ExactLimitAcceptedOneMoreRejectedWithoutBuffering) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  uint8_t header[4];
  store_be32(header, kMiB + 1);
  auto result = r.on_data(0, header, false);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->code, Errc::too_large);
  EXPECT_TRUE(result.stop_reading);
  EXPECT_EQ(r.buffered_bytes(), 0u);

  Bytes ok = frame(Bytes(kMiB, 0x5a));
  EXPECT_TRUE(r.on_data(4, ok, true).completed);
  auto messages = drain(r);  // stream 0 failed: skipped, stream 4 delivered
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].size(), kMiB);
  EXPECT_EQ(r.take_released_streams(), 2u);
}

TEST(SignalReceiver, EarlyFinIsAnError) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  auto short_prefix = r.on_data(0, as_bytes("ab"), true);
  ASSERT_TRUE(short_prefix.error);
  EXPECT_EQ(short_prefix.error->code, Errc::malformed);
  Bytes truncated = frame(as_bytes("abcdef"));
  truncated.resize(7);
  auto short_body = r.on_data(4, truncated, true);
  ASSERT_TRUE(short_body.error);
  EXPECT_NE(short_body.error->message.find("3 of 6"), std::string::npos) << short_body.error->message;
  auto empty = r.on_data(8, {}, true);
  ASSERT_TRUE(empty.error);
  EXPECT_TRUE(drain(r).empty());
  EXPECT_EQ(r.take_released_streams(), 3u);
}

TEST(SignalReceiver, ResetBeforeCompletionFailsAfterCompletionIsHarmless) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  r.on_open(0);
  r.on_data(0, as_bytes("\x00\x00"), false);
  auto error = r.on_reset(0, 7);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("code 7"), std::string::npos);
  EXPECT_TRUE(r.on_data(4, frame(as_bytes("x")), false).completed);
  EXPECT_FALSE(r.on_reset(4, 0));
  EXPECT_EQ(drain(r).size(), 1u);
  EXPECT_EQ(r.take_released_streams(), 2u);
}

TEST(SignalReceiver, ResetOfANeverOpenedStreamReturnsNoCredit) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  EXPECT_TRUE(r.on_reset(0, 0));
  EXPECT_TRUE(r.on_data(4, frame(as_bytes("x")), true).completed);
  EXPECT_EQ(drain(r).size(), 1u);
  EXPECT_EQ(r.take_released_streams(), 1u);  // only stream 4's
}

TEST(SignalReceiver, OwnStreamsAndOldStreamsAreNotSignals) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  EXPECT_TRUE(r.on_data(1, frame(as_bytes("x")), true).stop_reading);  // our own stream type
  EXPECT_TRUE(r.on_data(2, frame(as_bytes("x")), true).stop_reading);  // unidirectional
  EXPECT_EQ(r.tracked_streams(), 0u);
  EXPECT_TRUE(r.on_data(0, frame(as_bytes("a")), true).completed);
  drain(r);
  auto old = r.on_data(0, frame(as_bytes("b")), true);
  EXPECT_TRUE(old.stop_reading);
  EXPECT_FALSE(old.error);
  EXPECT_EQ(r.tracked_streams(), 0u);
}

TEST(SignalReceiver, BufferLimitAcrossStreams) {
  SignalReceiver r(0, kMiB, 1000, 100);
  Bytes big = frame(Bytes(600, 1));
  EXPECT_TRUE(r.on_data(4, big, true).completed);  // waits for stream 0
  auto over = r.on_data(8, big, true);
  ASSERT_TRUE(over.error);
  EXPECT_EQ(over.error->code, Errc::too_large);
  EXPECT_LE(r.buffered_bytes(), 1000u);
}

TEST(SignalReceiver, TrackedStreamCountIsBounded) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 3);
  for (int64_t id = 4; id <= 12; id += 4) EXPECT_FALSE(r.on_data(id, as_bytes("\x00"), false).error);
  auto refused = r.on_data(16, as_bytes("\x00"), false);
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(r.tracked_streams(), 3u);
}

// Property: whatever the chunking and the interleaving across streams, the
// messages come out complete and in stream-ID order.
TEST(SignalReceiver, RandomChunkingAndInterleavingKeepsOrder) {
  std::mt19937 rng(42);
  for (int round = 0; round < 50; ++round) {
    const int count = 1 + static_cast<int>(rng() % 40);
    std::vector<Bytes> messages;
    std::vector<std::vector<Bytes>> chunks(count);
    for (int i = 0; i < count; ++i) {
      Bytes payload(rng() % 3000);
      for (auto& b : payload) b = static_cast<uint8_t>(rng());
      messages.push_back(payload);
      Bytes framed = frame(payload);
      size_t pos = 0;
      while (pos < framed.size()) {
        size_t n = std::min<size_t>(framed.size() - pos, 1 + rng() % 700);
        chunks[i].emplace_back(framed.begin() + static_cast<ptrdiff_t>(pos),
                               framed.begin() + static_cast<ptrdiff_t>(pos + n));
        pos += n;
      }
    }
    std::vector<int> schedule;  // stream index per delivery, per-stream order kept
    for (int i = 0; i < count; ++i) schedule.insert(schedule.end(), chunks[i].size(), i);
    std::shuffle(schedule.begin(), schedule.end(), rng);
    std::vector<size_t> next(count, 0);
    SignalReceiver r(0, kMiB, 4 * kMiB, 100);
    std::vector<Bytes> delivered;
    for (int i : schedule) {
      size_t k = next[i]++;
      bool fin = k + 1 == chunks[i].size();
      auto result = r.on_data(int64_t{4} * i, chunks[i][k], fin);
      ASSERT_FALSE(result.error) << result.error->message;
      for (auto& m : drain(r)) delivered.push_back(std::move(m));
    }
    ASSERT_EQ(delivered, messages) << "round " << round;
    EXPECT_EQ(r.take_released_streams(), static_cast<uint64_t>(count));
    EXPECT_EQ(r.buffered_bytes(), 0u);
    EXPECT_EQ(r.tracked_streams(), 0u);
  }
}

// Property: random bytes on random streams never crash and never exceed the bounds.
TEST(SignalReceiver, RandomInputStaysWithinBounds) {
  std::mt19937 rng(7);
  SignalReceiver r(0, 5000, 20000, 16);
  for (int i = 0; i < 20000; ++i) {
    Bytes data(rng() % 300);
    for (auto& b : data) b = static_cast<uint8_t>(rng() % 4 == 0 ? 0 : rng());
    int64_t id = static_cast<int64_t>(rng() % 64);
    if (rng() % 50 == 0) {
      (void)r.on_reset(id, rng());
    } else {
      (void)r.on_data(id, data, rng() % 8 == 0);
    }
    drain(r);
    ASSERT_LE(r.buffered_bytes(), 20000u);
    ASSERT_LE(r.tracked_streams(), 16u);
  }
}

// A clock the tests advance by hand.
uint64_t g_fake_now = 1'000'000'000;
uint64_t fake_now() noexcept { return g_fake_now; }
struct FakeClock {
  FakeClock() { clock::set_source(&fake_now); }
  ~FakeClock() { clock::set_source(nullptr); }
};

Bytes partial(uint32_t declared, size_t body) {
  Bytes out(4 + body, 'x');
  store_be32(out.data(), declared);
  return out;
}

TEST(SignalReceiver, TighterLimitsFailStreamsThatBreakThem) {
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  EXPECT_FALSE(r.on_data(0, partial(100'000, 30'000), false).error);  // declares more than the new cap
  EXPECT_FALSE(r.on_data(4, partial(10'000, 9'000), false).error);
  EXPECT_FALSE(r.on_data(8, partial(10'000, 5'000), false).error);
  EXPECT_FALSE(r.on_data(12, frame(as_bytes("done")), true).error);  // complete, waits for its turn
  auto failed = r.set_limits(16 * 1024, 8 * 1024);
  // Stream 0 by its declared length, then the largest partial body (stream 4)
  // until what is held fits.
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].first, 0);
  EXPECT_EQ(failed[0].second.code, Errc::too_large);
  EXPECT_EQ(failed[1].first, 4);
  EXPECT_EQ(r.buffered_bytes(), 5'000u + 4u);
  // New data is held to the new limits.
  auto more = r.on_data(8, Bytes(4'000, 'y'), false);
  ASSERT_TRUE(more.error);
  EXPECT_EQ(more.error->code, Errc::too_large);
  // Failed streams are skipped: the complete message on stream 12 comes out.
  auto messages = drain(r);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(as_chars(messages[0]), "done");
  EXPECT_EQ(r.buffered_bytes(), 0u);
}

TEST(SignalReceiver, UnfinishedStreamsExpire) {
  FakeClock fake;
  SignalReceiver r(0, kMiB, 4 * kMiB, 100);
  const uint64_t timeout = 10'000'000'000;
  EXPECT_FALSE(r.next_expiry(timeout));
  r.on_open(0);
  EXPECT_FALSE(r.on_data(0, partial(100, 50), false).error);
  g_fake_now += 4'000'000'000;
  EXPECT_FALSE(r.on_data(4, partial(100, 10), false).error);
  EXPECT_EQ(r.next_expiry(timeout), g_fake_now - 4'000'000'000 + timeout);
  EXPECT_TRUE(r.expire(g_fake_now, timeout).empty());
  g_fake_now += 6'000'000'000;  // stream 0 is 10 s old, stream 4 is 6 s old
  auto failed = r.expire(g_fake_now, timeout);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].first, 0);
  EXPECT_EQ(failed[0].second.code, Errc::timeout);
  EXPECT_EQ(r.buffered_bytes(), 10u);
  EXPECT_EQ(r.next_expiry(timeout), g_fake_now - 6'000'000'000 + timeout);
  // Completing stream 4 leaves nothing to expire.
  EXPECT_TRUE(r.on_data(4, Bytes(90, 'z'), true).completed);
  EXPECT_FALSE(r.next_expiry(timeout));
  EXPECT_EQ(drain(r).size(), 1u);
}

}  // namespace
}  // namespace wzp::transport
