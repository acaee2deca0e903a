// wire.json vectors through the C ABI: FEC ratio, media header and packets, quality
// reports, trunk frames, codec ids, SignalMessage JSON and stream framing.
#include <bit>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

uint8_t codec_named(const std::string& name) {
  for (const auto& c : wire_section("codec_id")) {
    if (c.at("name") == name) return c.at("wire").get<uint8_t>();
  }
  throw std::runtime_error("unknown codec " + name);
}

wzp_media_header header_from(const Json& f) {
  wzp_media_header h{};
  h.version = f.at("version").get<uint8_t>();
  h.is_repair = f.at("is_repair").get<bool>() ? 1 : 0;
  h.codec = codec_named(f.at("codec").get<std::string>());
  h.has_quality_report = f.at("has_quality_report").get<bool>() ? 1 : 0;
  h.fec_ratio_code = f.at("fec_ratio_encoded").get<uint8_t>();
  h.seq = f.at("seq").get<uint16_t>();
  h.timestamp = f.at("timestamp").get<uint32_t>();
  h.fec_block = f.at("fec_block").get<uint8_t>();
  h.fec_symbol = f.at("fec_symbol").get<uint8_t>();
  h.reserved = f.at("reserved").get<uint8_t>();
  h.csrc_count = f.at("csrc_count").get<uint8_t>();
  return h;
}

void expect_header_eq(const wzp_media_header& a, const wzp_media_header& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.is_repair, b.is_repair);
  EXPECT_EQ(a.codec, b.codec);
  EXPECT_EQ(a.has_quality_report, b.has_quality_report);
  EXPECT_EQ(a.fec_ratio_code, b.fec_ratio_code);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.fec_block, b.fec_block);
  EXPECT_EQ(a.fec_symbol, b.fec_symbol);
  EXPECT_EQ(a.reserved, b.reserved);
  EXPECT_EQ(a.csrc_count, b.csrc_count);
}

wzp_quality_report report_from(const Json& f) {
  return {f.at("loss_pct").get<uint8_t>(), f.at("rtt_4ms").get<uint8_t>(), f.at("jitter_ms").get<uint8_t>(),
          f.at("bitrate_cap_kbps").get<uint8_t>()};
}

std::string report_hex(const wzp_quality_report& r) {
  const uint8_t b[4] = {r.loss_pct, r.rtt_4ms, r.jitter_ms, r.bitrate_cap_kbps};
  return hex(b);
}

TEST(CapiWire, FecRatio) {
  for (const auto& v : wire_section("fec_ratio")) {
    SCOPED_TRACE(v.dump());
    const float ratio = std::stof(v.at("ratio").get<std::string>());
    const uint8_t code = wzp_fec_ratio_encode(ratio);
    EXPECT_EQ(code, v.at("encoded").get<int>());
    const auto bits = std::bit_cast<uint32_t>(wzp_fec_ratio_decode(code));
    EXPECT_EQ(bits, std::stoul(v.at("decoded_f32_bits").get<std::string>(), nullptr, 16));
  }
  EXPECT_EQ(wzp_fec_ratio_encode(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(wzp_fec_ratio_encode(std::numeric_limits<float>::infinity()), 127);
}

TEST(CapiWire, QualityProfilesUseTheirFecCodes) {
  for (const auto& p : wire_section("quality_profile")) {
    SCOPED_TRACE(p.at("name").get<std::string>());
    const float ratio = std::stof(p.at("fec_ratio").get<std::string>());
    EXPECT_EQ(std::bit_cast<uint32_t>(ratio),
              std::stoul(p.at("fec_ratio_f32_bits").get<std::string>(), nullptr, 16));
    EXPECT_EQ(wzp_fec_ratio_encode(ratio), p.at("fec_ratio_encoded").get<int>());
    codec_named(p.at("codec").get<std::string>());  // a known codec
  }
}

TEST(CapiWire, CodecIds) {
  const std::map<std::string, int> abi = {
      {"Opus24k", WZP_CODEC_OPUS24K},         {"Opus16k", WZP_CODEC_OPUS16K},
      {"Opus6k", WZP_CODEC_OPUS6K},           {"Codec2_3200", WZP_CODEC_CODEC2_3200},
      {"Codec2_1200", WZP_CODEC_CODEC2_1200}, {"ComfortNoise", WZP_CODEC_COMFORT_NOISE}};
  ASSERT_EQ(wire_section("codec_id").size(), abi.size());
  for (const auto& c : wire_section("codec_id")) {
    const std::string name = c.at("name");
    EXPECT_EQ(abi.at(name), c.at("wire").get<int>()) << name;
    // Every codec id survives the header round trip.
    wzp_media_header h{};
    h.codec = static_cast<uint8_t>(abi.at(name));
    uint8_t bytes[WZP_MEDIA_HEADER_BYTES];
    ASSERT_WZP_OK(wzp_media_header_encode(&h, bytes));
    wzp_media_header back{};
    ASSERT_WZP_OK(wzp_media_header_decode(bytes, sizeof bytes, &back));
    EXPECT_EQ(back.codec, h.codec);
  }
  wzp_media_header h{};
  h.codec = WZP_CODEC_COMFORT_NOISE + 1;
  uint8_t bytes[WZP_MEDIA_HEADER_BYTES];
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_media_header_encode(&h, bytes));
}

TEST(CapiWire, MediaHeaders) {
  for (const auto& v : wire_section("media_header")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const wzp_media_header h = header_from(v.at("fields"));
    uint8_t bytes[WZP_MEDIA_HEADER_BYTES];
    ASSERT_WZP_OK(wzp_media_header_encode(&h, bytes));
    EXPECT_EQ(hex(bytes), v.at("hex").get<std::string>());
    wzp_media_header back{};
    const Bytes wire = unhex(v.at("hex"));
    ASSERT_WZP_OK(wzp_media_header_decode(wire.data(), wire.size(), &back));
    expect_header_eq(back, h);
  }
}

TEST(CapiWire, MediaHeadersNonCanonical) {
  for (const auto& v : wire_section("media_header_decode_noncanonical")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes wire = unhex(v.at("hex"));
    wzp_media_header decoded{};
    ASSERT_WZP_OK(wzp_media_header_decode(wire.data(), wire.size(), &decoded));
    uint8_t bytes[WZP_MEDIA_HEADER_BYTES];
    if (v.contains("fields")) {
      expect_header_eq(decoded, header_from(v.at("fields")));
      ASSERT_WZP_OK(wzp_media_header_encode(&decoded, bytes));
      EXPECT_EQ(hex(bytes), v.at("reencoded_hex").get<std::string>());
    } else {
      const wzp_media_header in = header_from(v.at("fields_in"));
      ASSERT_WZP_OK(wzp_media_header_encode(&in, bytes));
      EXPECT_EQ(hex(bytes), v.at("hex").get<std::string>());
      EXPECT_EQ(decoded.fec_ratio_code, v.at("decoded_fec_ratio_encoded").get<int>());
    }
  }
}

TEST(CapiWire, MediaHeaderDecodeRejectsShortInputAndBadCodecs) {
  const Bytes zero(12, 0);
  wzp_media_header h{};
  for (size_t len = 0; len < WZP_MEDIA_HEADER_BYTES; ++len) {
    EXPECT_WZP(WZP_ERR_MALFORMED, wzp_media_header_decode(zero.data(), len, &h));
  }
  for (uint8_t codec = 6; codec < 16; ++codec) {
    Bytes bad = zero;
    bad[0] = static_cast<uint8_t>(codec << 2);
    EXPECT_WZP(WZP_ERR_MALFORMED, wzp_media_header_decode(bad.data(), bad.size(), &h));
  }
}

TEST(CapiWire, QualityReportsInPackets) {
  for (const auto& v : wire_section("quality_report")) {
    const wzp_quality_report r = report_from(v.at("fields"));
    EXPECT_EQ(report_hex(r), v.at("hex").get<std::string>());
    wzp_media_header h{};
    h.has_quality_report = 1;
    uint8_t out[WZP_MEDIA_HEADER_BYTES + WZP_QUALITY_REPORT_BYTES];
    size_t n = 0;
    ASSERT_WZP_OK(wzp_media_packet_build(&h, nullptr, 0, &r, out, sizeof out, &n));
    ASSERT_EQ(n, sizeof out);
    EXPECT_EQ(hex(out + WZP_MEDIA_HEADER_BYTES, WZP_QUALITY_REPORT_BYTES), v.at("hex").get<std::string>());
    wzp_quality_report back{};
    int has = 0;
    ASSERT_WZP_OK(wzp_media_packet_parse(out, n, nullptr, nullptr, nullptr, &back, &has));
    EXPECT_EQ(has, 1);
    EXPECT_EQ(report_hex(back), v.at("hex").get<std::string>());
  }
}

TEST(CapiWire, MediaPackets) {
  for (const auto& v : wire_section("media_packet")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const wzp_media_header h = header_from(v.at("header"));
    const Bytes payload = unhex(v.at("payload_hex"));
    const bool has_report = !v.at("quality_report").is_null();
    const wzp_quality_report r = has_report ? report_from(v.at("quality_report")) : wzp_quality_report{};
    const Bytes expected = unhex(v.at("hex"));

    Bytes out(expected.size());
    size_t n = 0;
    ASSERT_WZP_OK(wzp_media_packet_build(&h, payload.data(), payload.size(), has_report ? &r : nullptr,
                                         out.data(), out.size(), &n));
    EXPECT_EQ(n, expected.size());
    EXPECT_EQ(hex(out), hex(expected));
    if (!expected.empty()) {
      EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL,
                 wzp_media_packet_build(&h, payload.data(), payload.size(), has_report ? &r : nullptr,
                                        out.data(), expected.size() - 1, &n));
      EXPECT_EQ(n, expected.size());
    }

    wzp_media_header back{};
    const uint8_t* pl = nullptr;
    size_t pl_len = 0;
    wzp_quality_report back_r{};
    int has = -1;
    ASSERT_WZP_OK(
        wzp_media_packet_parse(expected.data(), expected.size(), &back, &pl, &pl_len, &back_r, &has));
    expect_header_eq(back, h);
    EXPECT_EQ(hex(pl, pl_len), hex(payload));
    if (pl_len) {
      EXPECT_TRUE(pl >= expected.data() && pl + pl_len <= expected.data() + expected.size());
    }
    EXPECT_EQ(has, has_report ? 1 : 0);
    if (has_report) {
      EXPECT_EQ(report_hex(back_r), report_hex(r));
    }
  }
}

TEST(CapiWire, MediaPacketDecode) {
  for (const auto& v : wire_section("media_packet_decode")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes data = unhex(v.at("hex"));
    wzp_media_header h{};
    const uint8_t* pl = nullptr;
    size_t pl_len = 0;
    wzp_quality_report r{};
    int has = -1;
    const int rc = wzp_media_packet_parse(data.data(), data.size(), &h, &pl, &pl_len, &r, &has);
    if (v.at("result") == "reject") {
      EXPECT_WZP(WZP_ERR_MALFORMED, rc);
      continue;
    }
    ASSERT_WZP_OK(rc);
    EXPECT_EQ(hex(pl, pl_len), v.at("payload_hex").get<std::string>());
    EXPECT_EQ(has, v.at("quality_report").is_null() ? 0 : 1);
    if (has) {
      EXPECT_EQ(report_hex(r), report_hex(report_from(v.at("quality_report"))));
    }
  }
}

TEST(CapiWire, MediaPacketBuildNeedsReportWhenFlagged) {
  wzp_media_header h{};
  h.has_quality_report = 1;
  uint8_t out[64];
  size_t n = 0;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_media_packet_build(&h, nullptr, 0, nullptr, out, sizeof out, &n));
  h.has_quality_report = 0;
  h.codec = 6;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_media_packet_build(&h, nullptr, 0, nullptr, out, sizeof out, &n));
}

std::vector<wzp_trunk_entry> entries_of(const Json& list, std::vector<Bytes>& keep) {
  keep.clear();
  keep.reserve(list.size());
  std::vector<wzp_trunk_entry> entries;
  for (const auto& e : list) {
    const Bytes tag = unhex(e.at("session_id_hex"));
    keep.push_back(unhex(e.at("payload_hex")));
    wzp_trunk_entry entry{};
    entry.session_tag[0] = tag.at(0);
    entry.session_tag[1] = tag.at(1);
    entry.payload = keep.back().data();
    entry.payload_len = keep.back().size();
    entries.push_back(entry);
  }
  return entries;
}

void expect_parsed(const Bytes& data, const Json& expected_entries) {
  size_t count = 0;
  const int first = wzp_trunk_frame_parse(data.data(), data.size(), nullptr, 0, &count);
  EXPECT_EQ(first, expected_entries.empty() ? WZP_OK : WZP_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(count, expected_entries.size());
  std::vector<wzp_trunk_entry> parsed(count + 1);
  ASSERT_WZP_OK(wzp_trunk_frame_parse(data.data(), data.size(), parsed.data(), parsed.size(), &count));
  ASSERT_EQ(count, expected_entries.size());
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(hex(parsed[i].session_tag), expected_entries[i].at("session_id_hex").get<std::string>());
    EXPECT_EQ(hex(parsed[i].payload, parsed[i].payload_len),
              expected_entries[i].at("payload_hex").get<std::string>());
  }
}

TEST(CapiWire, TrunkFrames) {
  for (const auto& v : wire_section("trunk_frame")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    std::vector<Bytes> keep;
    const auto entries = entries_of(v.at("entries"), keep);
    const Bytes expected = unhex(v.at("hex"));
    Bytes out(expected.size());
    size_t n = 0;
    ASSERT_WZP_OK(wzp_trunk_frame_build(entries.data(), entries.size(), out.data(), out.size(), &n));
    EXPECT_EQ(hex(out), hex(expected));
    EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL,
               wzp_trunk_frame_build(entries.data(), entries.size(), out.data(), out.size() - 1, &n));
    EXPECT_EQ(n, expected.size());
    expect_parsed(expected, v.at("entries"));
  }
}

TEST(CapiWire, TrunkDecode) {
  for (const auto& v : wire_section("trunk_decode")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes data = unhex(v.at("hex"));
    if (v.at("result") == "reject") {
      wzp_trunk_entry entries[4];
      size_t count = 0;
      EXPECT_WZP(WZP_ERR_MALFORMED, wzp_trunk_frame_parse(data.data(), data.size(), entries, 4, &count));
      continue;
    }
    expect_parsed(data, v.at("entries"));
  }
}

TEST(CapiWire, TrunkBuildLimits) {
  Bytes big(0x10000, 0);
  wzp_trunk_entry e{{1, 2}, big.data(), big.size()};
  uint8_t out[8];
  size_t n = 0;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_trunk_frame_build(&e, 1, out, sizeof out, &n));
  std::vector<wzp_trunk_entry> many(0x10000, wzp_trunk_entry{{0, 0}, nullptr, 0});
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_trunk_frame_build(many.data(), many.size(), out, sizeof out, &n));
  wzp_trunk_entry null_payload{{0, 0}, nullptr, 3};
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_trunk_frame_build(&null_payload, 1, out, sizeof out, &n));
}

std::string canonical(const std::string& json, int* rc) {
  char* out = nullptr;
  *rc = wzp_signal_canonical(json.data(), json.size(), &out);
  return take_string(out);
}

std::string unframe(const Bytes& frame, int* rc) {
  char* out = nullptr;
  size_t n = 0;
  *rc = wzp_signal_unframe(frame.data(), frame.size(), &out, &n);
  Owned owner(out);
  if (*rc != WZP_OK) return {};
  EXPECT_EQ(out[n], '\0');
  return std::string(out, n);
}

Bytes frame(const std::string& json, int* rc) {
  uint8_t* out = nullptr;
  size_t n = 0;
  *rc = wzp_signal_frame(json.data(), json.size(), &out, &n);
  Owned owner(out);
  return *rc == WZP_OK ? Bytes(out, out + n) : Bytes{};
}

TEST(CapiWire, SignalMessages) {
  for (const auto& v : wire_section("signal_messages")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const std::string json = v.at("json");
    const char* variant = nullptr;
    ASSERT_WZP_OK(wzp_signal_validate(json.data(), json.size(), &variant));
    EXPECT_STREQ(variant, v.at("variant").get<std::string>().c_str());
    EXPECT_WZP(WZP_OK, wzp_signal_validate(json.data(), json.size(), nullptr));
    int rc = 0;
    EXPECT_EQ(canonical(json, &rc), json);
    EXPECT_WZP(WZP_OK, rc);
    const Bytes framed = frame(json, &rc);
    EXPECT_EQ(hex(framed), v.at("frame_hex").get<std::string>());
    EXPECT_EQ(unframe(framed, &rc), json);
    EXPECT_WZP(WZP_OK, rc);
  }
}

TEST(CapiWire, SignalDecodeAccept) {
  for (const auto& v : wire_section("signal_decode_accept")) {
    SCOPED_TRACE(v.at("json").get<std::string>());
    int rc = 0;
    const std::string equivalent = v.at("equivalent");
    const std::string expected = canonical(equivalent, &rc);
    ASSERT_WZP_OK(rc);
    EXPECT_EQ(canonical(v.at("json").get<std::string>(), &rc), expected);
    EXPECT_WZP(WZP_OK, rc);
    EXPECT_EQ(expected, equivalent);
  }
}

TEST(CapiWire, SignalDecodeReject) {
  for (const auto& v : wire_section("signal_decode_reject")) {
    SCOPED_TRACE(v.at("why").get<std::string>());
    const std::string json = v.at("json");
    const char* variant = "stale";
    EXPECT_WZP(WZP_ERR_JSON, wzp_signal_validate(json.data(), json.size(), &variant));
    EXPECT_EQ(variant, nullptr);  // never a stale value on failure
    EXPECT_STRNE(wzp_last_error(), "");
    char* out = nullptr;
    EXPECT_WZP(WZP_ERR_JSON, wzp_signal_canonical(json.data(), json.size(), &out));
    EXPECT_EQ(out, nullptr);
  }
}

TEST(CapiWire, SignalLengthIsExplicit) {
  // The JSON is json_len bytes, not NUL-terminated: a prefix of a valid text is invalid.
  const std::string json = R"({"Ping":{"timestamp_ms":5}}trailing)";
  const char* variant = nullptr;
  ASSERT_WZP_OK(wzp_signal_validate(json.data(), 27, &variant));
  EXPECT_STREQ(variant, "Ping");
  EXPECT_WZP(WZP_ERR_JSON, wzp_signal_validate(json.data(), 26, &variant));
  const std::string with_nul("\"Hold\"\0", 7);
  EXPECT_WZP(WZP_ERR_JSON, wzp_signal_validate(with_nul.data(), with_nul.size(), &variant));
}

TEST(CapiWire, SignalFraming) {
  const auto& f = vector_file("wire.json").at("signal_framing");
  ASSERT_EQ(f.at("max_len").get<size_t>(), wzp_max_signal_bytes());
  int rc = 0;
  for (const auto& e : f.at("examples")) {
    EXPECT_EQ(hex(frame(e.at("json"), &rc)), e.at("frame_hex").get<std::string>());
    EXPECT_EQ(unframe(unhex(e.at("frame_hex")), &rc), e.at("json").get<std::string>());
  }
  for (const auto& e : f.at("reject")) {
    SCOPED_TRACE(e.at("name").get<std::string>());
    const std::string name = e.at("name");
    if (name == "length_over_limit") {
      unframe(unhex(e.at("prefix_hex")), &rc);
      EXPECT_WZP(WZP_ERR_TOO_LARGE, rc);
    } else if (name == "not_json") {
      const std::string text = unframe(unhex(e.at("stream_hex")), &rc);
      ASSERT_WZP_OK(rc);
      EXPECT_WZP(WZP_ERR_JSON, wzp_signal_validate(text.data(), text.size(), nullptr));
    } else {
      unframe(unhex(e.at("stream_hex")), &rc);
      EXPECT_WZP(WZP_ERR_MALFORMED, rc);
    }
  }
  for (const auto& e : f.at("accept")) {
    SCOPED_TRACE(e.at("name").get<std::string>());
    if (e.contains("stream_hex")) {
      EXPECT_EQ(unframe(unhex(e.at("stream_hex")), &rc), e.at("decoded").get<std::string>());
      EXPECT_WZP(WZP_OK, rc);
    } else {
      // The prefix alone declares an allowed length; the stream is then merely truncated.
      unframe(unhex(e.at("prefix_hex")), &rc);
      EXPECT_WZP(WZP_ERR_MALFORMED, rc);
    }
  }
}

std::string auth_token_of_size(size_t total) {
  const std::string head = R"({"AuthToken":{"token":")", tail = R"("}})";
  return head + std::string(total - head.size() - tail.size(), 'a') + tail;
}

TEST(CapiWire, SignalFramingCapIsOneMebibyte) {
  const size_t cap = WZP_MAX_SIGNAL_BYTES;
  int rc = 0;
  const std::string at_cap = auth_token_of_size(cap);
  const Bytes framed = frame(at_cap, &rc);
  ASSERT_WZP_OK(rc);
  ASSERT_EQ(framed.size(), cap + 4);
  EXPECT_EQ(hex(Bytes(framed.begin(), framed.begin() + 4)), "00100000");
  EXPECT_EQ(unframe(framed, &rc), at_cap);
  EXPECT_WZP(WZP_OK, rc);
  EXPECT_WZP(WZP_OK, wzp_signal_validate(at_cap.data(), at_cap.size(), nullptr));

  const std::string over = auth_token_of_size(cap + 1);
  frame(over, &rc);
  EXPECT_WZP(WZP_ERR_TOO_LARGE, rc);
  Bytes over_framed = {0x00, 0x10, 0x00, 0x01};
  over_framed.insert(over_framed.end(), over.begin(), over.end());
  unframe(over_framed, &rc);
  EXPECT_WZP(WZP_ERR_TOO_LARGE, rc);
}

TEST(CapiWire, RandomCorruptionNeverCrashes) {
  // Every truncation and many byte changes of valid inputs: parsers return a status.
  std::vector<Bytes> inputs;
  for (const auto& v : wire_section("media_packet")) inputs.push_back(unhex(v.at("hex")));
  for (const auto& v : wire_section("trunk_frame")) inputs.push_back(unhex(v.at("hex")));
  for (const auto& v : wire_section("signal_messages")) inputs.push_back(unhex(v.at("frame_hex")));
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (const Bytes& input : inputs) {
    std::vector<Bytes> variants;
    for (size_t len = 0; len < input.size(); len += 1 + input.size() / 64)
      variants.emplace_back(input.begin(), input.begin() + len);
    for (int i = 0; i < 32; ++i) {
      Bytes b = input;
      b[next() % b.size()] = static_cast<uint8_t>(next() >> 24);
      variants.push_back(std::move(b));
    }
    for (const Bytes& b : variants) {
      wzp_media_header h;
      const uint8_t* pl;
      size_t pl_len, count;
      wzp_quality_report r;
      int has;
      wzp_trunk_entry entries[8];
      const int rc1 = wzp_media_packet_parse(b.data(), b.size(), &h, &pl, &pl_len, &r, &has);
      const int rc2 = wzp_trunk_frame_parse(b.data(), b.size(), entries, 8, &count);
      EXPECT_TRUE(rc1 == WZP_OK || rc1 == WZP_ERR_MALFORMED) << rc1;
      EXPECT_TRUE(rc2 == WZP_OK || rc2 == WZP_ERR_MALFORMED || rc2 == WZP_ERR_BUFFER_TOO_SMALL) << rc2;
      int rc3 = 0;
      const std::string text = unframe(b, &rc3);
      EXPECT_TRUE(rc3 == WZP_OK || rc3 == WZP_ERR_MALFORMED || rc3 == WZP_ERR_TOO_LARGE) << rc3;
      if (rc3 == WZP_OK) {
        const int rc4 = wzp_signal_validate(text.data(), text.size(), nullptr);
        EXPECT_TRUE(rc4 == WZP_OK || rc4 == WZP_ERR_JSON) << rc4;
      }
    }
  }
}

}  // namespace
}  // namespace wzp_capi_test
