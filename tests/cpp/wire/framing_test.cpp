#include "wire/framing.hpp"

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::unhex;

// Feed `stream` split at the given chunk size and finish it.
Result<std::string> read_in_chunks(ByteView stream, size_t chunk,
                                   FrameReader::TrailingBytes trailing = FrameReader::TrailingBytes::ignore) {
  FrameReader reader(trailing);
  for (size_t pos = 0; pos < stream.size(); pos += chunk) {
    WZP_TRY(reader.feed(stream.subspan(pos, std::min(chunk, stream.size() - pos))));
  }
  return reader.finish();
}

TEST(Framing, ExamplesMatchVectors) {
  const auto& f = test::wire_vectors().at("signal_framing");
  EXPECT_EQ(kMaxSignalLength, f.at("max_len").get<uint32_t>());
  for (const auto& e : f.at("examples")) {
    const auto json = e.at("json").get<std::string>();
    auto framed = frame_signal(json);
    ASSERT_TRUE(framed.ok());
    EXPECT_EQ(to_hex(*framed), e.at("frame_hex").get<std::string>());
    const Bytes stream = unhex(e.at("frame_hex"));
    for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
      auto payload = read_in_chunks(stream, chunk);
      ASSERT_TRUE(payload.ok()) << chunk;
      EXPECT_EQ(*payload, json);
    }
  }
}

TEST(Framing, RejectVectors) {
  for (const auto& r : test::wire_vectors().at("signal_framing").at("reject")) {
    const auto name = r.at("name").get<std::string>();
    SCOPED_TRACE(name);
    if (r.contains("prefix_hex")) {
      FrameReader reader;
      auto status = reader.feed(unhex(r.at("prefix_hex")));
      ASSERT_FALSE(status.ok());  // rejected as soon as the prefix is known
      EXPECT_EQ(status.error().code, Errc::too_large);
      EXPECT_FALSE(reader.feed(Bytes{'"'}).ok());  // sticky
      EXPECT_FALSE(reader.finish().ok());
      continue;
    }
    const Bytes stream = unhex(r.at("stream_hex"));
    auto payload = read_in_chunks(stream, stream.size());
    if (payload.ok()) {
      // Framing is fine; the JSON inside is not.
      auto decoded = decode_signal_frame(stream);
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.error().code, Errc::json);
    } else {
      EXPECT_EQ(payload.error().code, Errc::malformed);
      EXPECT_FALSE(decode_signal_frame(stream).ok());
    }
  }
}

TEST(Framing, AcceptVectors) {
  for (const auto& a : test::wire_vectors().at("signal_framing").at("accept")) {
    SCOPED_TRACE(a.at("name").get<std::string>());
    if (a.contains("prefix_hex")) {
      // A declared length at the limit is accepted: feed the whole frame.
      const Bytes prefix = unhex(a.at("prefix_hex"));
      const uint32_t length = load_be32(prefix.data());
      ASSERT_EQ(length, kMaxSignalLength);
      const std::string head = "{\"AuthToken\":{\"token\":\"", tail = "\"}}";
      const size_t token_size = length - head.size() - tail.size();
      const std::string json = head + std::string(token_size, 'x') + tail;
      ASSERT_EQ(json.size(), length);
      auto framed = frame_signal(json);
      ASSERT_TRUE(framed.ok());
      EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), framed->begin()));
      auto decoded = decode_signal_frame(*framed);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message;
      EXPECT_EQ(std::get<AuthToken>(*decoded).token.size(), token_size);
      continue;
    }
    const Bytes stream = unhex(a.at("stream_hex"));
    auto decoded = decode_signal_frame(stream);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(encode_json(*decoded), a.at("decoded").get<std::string>());
    // The strict mode refuses the extra bytes.
    auto strict = read_in_chunks(stream, 3, FrameReader::TrailingBytes::reject);
    ASSERT_FALSE(strict.ok());
    EXPECT_EQ(strict.error().code, Errc::too_large);
  }
}

TEST(Framing, FrameSignalEnforcesLimit) {
  EXPECT_TRUE(frame_signal(std::string(kMaxSignalLength, ' ')).ok());
  auto too_big = frame_signal(std::string(kMaxSignalLength + 1, ' '));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, Errc::too_large);
  auto message = frame_signal(SignalMessage{AuthToken{std::string(kMaxSignalLength, 'x')}});
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code, Errc::too_large);
}

TEST(Framing, TruncationsAreMalformed) {
  const Bytes stream = *frame_signal(R"({"Ping":{"timestamp_ms":1}})");
  for (size_t len = 0; len < stream.size(); ++len) {
    FrameReader reader;
    ASSERT_TRUE(reader.feed(ByteView(stream).first(len)).ok());
    EXPECT_FALSE(reader.complete());
    auto payload = reader.finish();
    ASSERT_FALSE(payload.ok()) << len;
    EXPECT_EQ(payload.error().code, Errc::malformed);
    EXPECT_NE(payload.error().message.find("ended"), std::string::npos);
  }
}

TEST(Framing, CompleteBeforeFinAndEmptyPayload) {
  FrameReader reader;
  ASSERT_TRUE(reader.feed(unhex("0000000622486f6c6422")).ok());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(*reader.finish(), "\"Hold\"");
  auto again = reader.finish();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::invalid_state);

  FrameReader empty;
  ASSERT_TRUE(empty.feed(unhex("00000000")).ok());
  EXPECT_TRUE(empty.complete());
  auto payload = empty.finish();
  ASSERT_TRUE(payload.ok());
  EXPECT_TRUE(payload->empty());
  EXPECT_EQ(decode_signal_frame(unhex("00000000")).error().code, Errc::json);
}

TEST(Framing, CustomLimit) {
  FrameReader reader(FrameReader::TrailingBytes::ignore, 5);
  auto status = reader.feed(unhex("00000006"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::too_large);
}

TEST(Framing, RandomStreamsNeverCrash) {
  for (int i = 0; i < 2000; ++i) {
    Bytes stream = test::random_bytes(test::random_below(40));
    if (stream.size() >= 4 && test::random_below(2)) {
      store_be32(stream.data(), static_cast<uint32_t>(test::random_below(48)));
    }
    auto payload = read_in_chunks(stream, 1 + test::random_below(8));
    if (!payload.ok()) {
      EXPECT_TRUE(payload.error().code == Errc::malformed || payload.error().code == Errc::too_large);
      continue;
    }
    EXPECT_EQ(payload->size(), load_be32(stream.data()));
    auto decoded = decode_signal_frame(stream);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.error().code, Errc::json);
    }
  }
}

}  // namespace
}  // namespace wzp::wire
