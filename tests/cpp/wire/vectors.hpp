// Helpers shared by the wire tests: vector files and conversions from their
// JSON field objects.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "wire/codec_id.hpp"
#include "wire/media_header.hpp"
#include "wire/quality_profile.hpp"
#include "wire/quality_report.hpp"

namespace wzp::wire::test {

inline const nlohmann::json& load_vectors(const std::string& file) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/" + file);
    EXPECT_TRUE(in.good()) << "cannot open " << file;
    it = cache.emplace(file, nlohmann::json::parse(in)).first;
  }
  return it->second;
}

inline const nlohmann::json& wire_vectors() { return load_vectors("wire.json"); }
inline const nlohmann::json& crypto_vectors() { return load_vectors("crypto.json"); }

inline Bytes unhex(const std::string& text) {
  auto bytes = from_hex(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

inline float f32_from_bits_hex(const std::string& hex) {
  return std::bit_cast<float>(static_cast<uint32_t>(std::stoul(hex, nullptr, 16)));
}
inline uint32_t f32_bits(float f) { return std::bit_cast<uint32_t>(f); }

inline CodecId codec_named(const std::string& name) {
  auto codec = codec_from_name(name);
  EXPECT_TRUE(codec.has_value()) << name;
  return codec.value_or(CodecId::opus24k);
}

inline MediaHeader header_from(const nlohmann::json& f) {
  MediaHeader h;
  h.version = f.at("version").get<uint8_t>();
  h.is_repair = f.at("is_repair").get<bool>();
  h.codec = codec_named(f.at("codec").get<std::string>());
  h.has_quality_report = f.at("has_quality_report").get<bool>();
  h.fec_ratio_encoded = f.at("fec_ratio_encoded").get<uint8_t>();
  h.seq = f.at("seq").get<uint16_t>();
  h.timestamp = f.at("timestamp").get<uint32_t>();
  h.fec_block = f.at("fec_block").get<uint8_t>();
  h.fec_symbol = f.at("fec_symbol").get<uint8_t>();
  h.reserved = f.at("reserved").get<uint8_t>();
  h.csrc_count = f.at("csrc_count").get<uint8_t>();
  return h;
}

inline QualityReport report_from(const nlohmann::json& f) {
  return QualityReport{f.at("loss_pct").get<uint8_t>(), f.at("rtt_4ms").get<uint8_t>(),
                       f.at("jitter_ms").get<uint8_t>(), f.at("bitrate_cap_kbps").get<uint8_t>()};
}

inline QualityProfile profile_named(const std::string& name) {
  if (name == "GOOD") return kProfileGood;
  if (name == "DEGRADED") return kProfileDegraded;
  if (name == "CATASTROPHIC") return kProfileCatastrophic;
  ADD_FAILURE() << "unknown profile " << name;
  return {};
}

/// Deterministic generator so failures reproduce.
inline std::mt19937_64& rng() {
  static std::mt19937_64 gen(0x57a9'1e55'0000'0001ULL);
  return gen;
}
template <class T>
T random_int() {
  return static_cast<T>(rng()());
}
inline Bytes random_bytes(size_t n) {
  Bytes out(n);
  for (auto& b : out) b = random_int<uint8_t>();
  return out;
}
inline size_t random_below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng()() % n); }

inline MediaHeader random_header() {
  MediaHeader h;
  h.version = random_int<uint8_t>() & 1;
  h.is_repair = random_int<uint8_t>() & 1;
  h.codec = static_cast<CodecId>(random_below(kCodecCount));
  h.has_quality_report = random_int<uint8_t>() & 1;
  h.fec_ratio_encoded = random_int<uint8_t>() & 0x7F;
  h.seq = random_int<uint16_t>();
  h.timestamp = random_int<uint32_t>();
  h.fec_block = random_int<uint8_t>();
  h.fec_symbol = random_int<uint8_t>();
  h.reserved = random_int<uint8_t>();
  h.csrc_count = random_int<uint8_t>();
  return h;
}

/// Variations of `input` for robustness tests: every truncation, and random
/// single-bit flips and byte overwrites.
inline std::vector<Bytes> corruptions(const Bytes& input, size_t random_count = 64) {
  std::vector<Bytes> out;
  for (size_t len = 0; len < input.size(); ++len) out.emplace_back(input.begin(), input.begin() + len);
  for (size_t i = 0; i < random_count && !input.empty(); ++i) {
    Bytes flipped = input;
    const size_t pos = random_below(input.size());
    if (i % 2) {
      flipped[pos] ^= static_cast<uint8_t>(1u << random_below(8));
    } else {
      flipped[pos] = random_int<uint8_t>();
    }
    out.push_back(std::move(flipped));
  }
  return out;
}

}  // namespace wzp::wire::test
