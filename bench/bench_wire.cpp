// Wire-format costs beside same-run baselines:
//   SignalMessage JSON encode/decode  vs nlohmann::ordered_json dump/parse of the same text
//   MediaHeader encode/decode         vs a 12-byte memcpy
//   signal framing (frame + read)     vs a memcpy of the same bytes
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "wire/framing.hpp"
#include "wire/media_header.hpp"
#include "wire/media_packet.hpp"
#include "wire/signal_message.hpp"

namespace {

using namespace wzp::wire;

CallOffer reference_offer() {
  CallOffer offer;
  for (size_t i = 0; i < 32; ++i) {
    offer.identity_pub[i] = static_cast<uint8_t>(250 - i * 7);
    offer.ephemeral_pub[i] = static_cast<uint8_t>(7 + i * 13);
  }
  offer.signature.resize(64);
  for (size_t i = 0; i < 64; ++i) offer.signature[i] = static_cast<uint8_t>(139 + i * 29);
  offer.supported_profiles = {kProfileGood, kProfileDegraded, kProfileCatastrophic};
  return offer;
}

const SignalMessage& offer_message() {
  static const SignalMessage message{reference_offer()};
  return message;
}
const SignalMessage& ping_message() {
  static const SignalMessage message{Ping{1700000000123}};
  return message;
}

void encode_signal(benchmark::State& state, const SignalMessage& message) {
  for (auto _ : state) {
    std::string text = encode_json(message);
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encode_json(message).size()));
}

void decode_signal(benchmark::State& state, const SignalMessage& message) {
  const std::string text = encode_json(message);
  for (auto _ : state) {
    auto decoded = decode_json(text);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void baseline_dump(benchmark::State& state, const SignalMessage& message) {
  const auto dom = nlohmann::ordered_json::parse(encode_json(message));
  for (auto _ : state) {
    std::string text = dom.dump();
    benchmark::DoNotOptimize(text);
  }
}

void baseline_parse(benchmark::State& state, const SignalMessage& message) {
  const std::string text = encode_json(message);
  for (auto _ : state) {
    auto dom = nlohmann::ordered_json::parse(text);
    benchmark::DoNotOptimize(dom);
  }
}

BENCHMARK_CAPTURE(encode_signal, CallOffer, offer_message());
BENCHMARK_CAPTURE(baseline_dump, CallOffer, offer_message());
BENCHMARK_CAPTURE(decode_signal, CallOffer, offer_message());
BENCHMARK_CAPTURE(baseline_parse, CallOffer, offer_message());
BENCHMARK_CAPTURE(encode_signal, Ping, ping_message());
BENCHMARK_CAPTURE(baseline_dump, Ping, ping_message());
BENCHMARK_CAPTURE(decode_signal, Ping, ping_message());
BENCHMARK_CAPTURE(baseline_parse, Ping, ping_message());

MediaHeader sample_header() {
  MediaHeader h;
  h.codec = CodecId::opus24k;
  h.has_quality_report = true;
  h.fec_ratio_encoded = 42;
  h.seq = 12345;
  h.timestamp = 987654;
  h.fec_block = 7;
  h.fec_symbol = 3;
  return h;
}

void media_header_encode(benchmark::State& state) {
  MediaHeader header = sample_header();
  uint8_t out[kMediaHeaderSize];
  for (auto _ : state) {
    benchmark::DoNotOptimize(header);
    write_media_header(header, out);
    benchmark::DoNotOptimize(out);
    ++header.seq;
  }
}

void media_header_decode(benchmark::State& state) {
  auto bytes = encode_media_header(sample_header());
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes);
    auto header = decode_media_header(bytes);
    benchmark::DoNotOptimize(header);
  }
}

void baseline_memcpy12(benchmark::State& state) {
  auto bytes = encode_media_header(sample_header());
  uint8_t out[kMediaHeaderSize];
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes);
    std::memcpy(out, bytes.data(), sizeof out);
    benchmark::DoNotOptimize(out);
  }
}

void media_packet_parse(benchmark::State& state) {
  MediaPacket packet{sample_header(), wzp::Bytes(60, 0x55), QualityReport{1, 2, 3, 4}};
  const wzp::Bytes datagram = encode_media_packet(packet);
  for (auto _ : state) {
    auto view = parse_media_packet(datagram);
    benchmark::DoNotOptimize(view);
  }
}

BENCHMARK(media_header_encode);
BENCHMARK(media_header_decode);
BENCHMARK(baseline_memcpy12);
BENCHMARK(media_packet_parse);

void frame_and_read(benchmark::State& state) {
  const std::string text = encode_json(offer_message());
  for (auto _ : state) {
    auto framed = frame_signal(text);
    FrameReader reader;
    auto status = reader.feed(*framed);
    auto payload = reader.finish();
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(payload);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void baseline_copy_frame(benchmark::State& state) {
  const std::string text = encode_json(offer_message());
  for (auto _ : state) {
    wzp::Bytes framed(4 + text.size());
    std::copy(text.begin(), text.end(), framed.begin() + 4);
    std::string payload(reinterpret_cast<const char*>(framed.data() + 4), text.size());
    benchmark::DoNotOptimize(framed);
    benchmark::DoNotOptimize(payload);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

BENCHMARK(frame_and_read);
BENCHMARK(baseline_copy_frame);

}  // namespace

BENCHMARK_MAIN();
