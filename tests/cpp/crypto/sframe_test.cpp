// SFrame (RFC 9605) with AES_128_GCM_SHA256_128: the header codec (§4.3), key derivation
// (§4.4.2), protect/unprotect (§4.4.3, §4.4.4) and the sender-key ratchet (§5.1). The known
// answers are RFC 9605 Appendix C.1 (all 289 header vectors) and the C.3 vector of cipher
// suite 0x0004, in tests/data/sframe_rfc9605.json. The RFC has no ratchet vector.
#include "crypto/sframe.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cstddef>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "crypto/hkdf.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

using namespace wzp::crypto::sframe;

const nlohmann::json& rfc9605() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/sframe_rfc9605.json");
    if (!in) throw std::runtime_error("cannot open sframe_rfc9605.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

const nlohmann::json& rfc_section(const char* name) {
  const auto& s = rfc9605().at(name);
  if (!s.is_array() || s.empty()) throw std::runtime_error(std::string("empty vector section ") + name);
  return s;
}

/// "0x0000000000000123" as the RFC prints numbers.
uint64_t number(const nlohmann::json& v) { return std::stoull(v.get<std::string>(), nullptr, 16); }

Bytes encode(uint64_t kid, uint64_t ctr) {
  Bytes out;
  encode_header_append(Header{kid, ctr}, out);
  return out;
}

KeyContext derive_or_die(uint64_t kid, ByteView base_key) {
  auto ctx = KeyContext::derive(kid, base_key);
  if (!ctx) throw std::runtime_error("derive failed: " + ctx.error().message);
  return std::move(ctx).value();
}

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
// Every header length: inline (0, 7), each extended length's lower and upper bound.
const std::vector<uint64_t> kHeaderValues = {0,
                                             7,
                                             8,
                                             255,
                                             256,
                                             0xffff,
                                             0x10000,
                                             0xffffff,
                                             0x1000000,
                                             0xffffffff,
                                             uint64_t{1} << 32,
                                             (uint64_t{1} << 40) - 1,
                                             uint64_t{1} << 40,
                                             (uint64_t{1} << 48) - 1,
                                             uint64_t{1} << 48,
                                             (uint64_t{1} << 56) - 1,
                                             uint64_t{1} << 56,
                                             kMax};

// --- header (§4.3, Appendix C.1) ---

TEST(SframeHeader, Rfc9605Vectors) {
  const auto& section = rfc_section("header");
  EXPECT_EQ(section.size(), 289u);
  for (const auto& v : section) {
    const uint64_t kid = number(v.at("kid"));
    const uint64_t ctr = number(v.at("ctr"));
    const Bytes expected = unhex(v.at("header"));
    SCOPED_TRACE(v.dump());
    EXPECT_EQ(hex(encode(kid, ctr)), hex(expected));
    EXPECT_EQ(header_size(Header{kid, ctr}), expected.size());

    // Decoding reads the header and stops there, whatever follows it.
    Bytes with_payload = expected;
    with_payload.insert(with_payload.end(), {0xde, 0xad});
    for (const Bytes* input : {&expected, static_cast<const Bytes*>(&with_payload)}) {
      auto parsed = parse_header(*input);
      ASSERT_TRUE(parsed.ok()) << parsed.error().message;
      EXPECT_EQ(parsed->header.kid, kid);
      EXPECT_EQ(parsed->header.ctr, ctr);
      EXPECT_EQ(parsed->size, expected.size());
    }
  }
}

TEST(SframeHeader, TruncatedIsMalformed) {
  EXPECT_EQ(parse_header({}).error().code, Errc::malformed);
  for (const auto& v : rfc_section("header")) {
    const Bytes header = unhex(v.at("header"));
    for (size_t n = 0; n < header.size(); ++n) {
      auto parsed = parse_header(ByteView(header).first(n));
      ASSERT_FALSE(parsed.ok()) << v.dump() << " cut to " << n;
      EXPECT_EQ(parsed.error().code, Errc::malformed);
    }
  }
  EXPECT_EQ(parse_header(unhex("ff0102")).error().message,
            "sframe header: truncated (17 bytes needed, 3 given)");
}

TEST(SframeHeader, NonMinimalIsMalformed) {
  // §4.3: values below 8 go in the config byte, others in the fewest bytes.
  for (const char* h : {"8005", "0807", "880800", "880700", "900001", "09000a", "9f0001ffffffffffffffff"}) {
    auto parsed = parse_header(unhex(nlohmann::json(h)));
    ASSERT_FALSE(parsed.ok()) << h;
    EXPECT_EQ(parsed.error().code, Errc::malformed) << h;
  }
}

TEST(SframeHeader, EveryLengthRoundTrips) {
  for (uint64_t kid : kHeaderValues) {
    for (uint64_t ctr : kHeaderValues) {
      const Bytes h = encode(kid, ctr);
      ASSERT_EQ(h.size(), header_size(Header{kid, ctr}));
      ASSERT_LE(h.size(), kMaxHeaderSize);
      auto parsed = parse_header(h);
      ASSERT_TRUE(parsed.ok()) << kid << "/" << ctr << ": " << parsed.error().message;
      EXPECT_EQ(parsed->header.kid, kid);
      EXPECT_EQ(parsed->header.ctr, ctr);
      EXPECT_EQ(parsed->size, h.size());
    }
  }
  EXPECT_EQ(header_size(Header{kMax, kMax}), kMaxHeaderSize);
}

// --- key derivation and encryption (§4.4, Appendix C.3) ---

TEST(Sframe, Rfc9605KeyDerivation) {
  for (const auto& v : rfc_section("aes_128_gcm_sha256_128")) {
    ASSERT_EQ(number(v.at("cipher_suite")), kCipherSuite);
    const uint64_t kid = number(v.at("kid"));
    const Bytes base_key = unhex(v.at("base_key"));

    // The labels: "SFrame 1.0 Secret key " / "... salt " || BE64(KID) || BE16(cipher suite).
    auto label = [&](std::string_view text) {
      Bytes l = bytes_of(text);
      for (int shift = 56; shift >= 0; shift -= 8) l.push_back(static_cast<uint8_t>(kid >> shift));
      l.push_back(static_cast<uint8_t>(kCipherSuite >> 8));
      l.push_back(static_cast<uint8_t>(kCipherSuite));
      return l;
    };
    EXPECT_EQ(hex(label(kKeyLabel)), v.at("sframe_key_label").get<std::string>());
    EXPECT_EQ(hex(label(kSaltLabel)), v.at("sframe_salt_label").get<std::string>());
    EXPECT_EQ(hex(hkdf::extract({}, base_key).view()), v.at("sframe_secret").get<std::string>());

    const KeyContext ctx = derive_or_die(kid, base_key);
    EXPECT_EQ(ctx.kid(), kid);
    EXPECT_EQ(hex(ctx.key().view()), v.at("sframe_key").get<std::string>());
    EXPECT_EQ(hex(ctx.salt().view()), v.at("sframe_salt").get<std::string>());
    EXPECT_EQ(hex(ctx.nonce(number(v.at("ctr")))), v.at("nonce").get<std::string>());
  }
}

TEST(Sframe, Rfc9605Protect) {
  for (const auto& v : rfc_section("aes_128_gcm_sha256_128")) {
    const uint64_t kid = number(v.at("kid"));
    const uint64_t ctr = number(v.at("ctr"));
    const Bytes metadata = unhex(v.at("metadata"));
    const KeyContext ctx = derive_or_die(kid, unhex(v.at("base_key")));

    Bytes aad = encode(kid, ctr);
    aad.insert(aad.end(), metadata.begin(), metadata.end());
    EXPECT_EQ(hex(aad), v.at("aad").get<std::string>());

    Bytes out = {0xaa, 0xbb};  // appended to, not overwritten
    ASSERT_TRUE(ctx.protect(ctr, metadata, unhex(v.at("pt")), out).ok());
    EXPECT_EQ(hex(out), "aabb" + v.at("ct").get<std::string>());
  }
}

TEST(Sframe, Rfc9605Unprotect) {
  for (const auto& v : rfc_section("aes_128_gcm_sha256_128")) {
    const Bytes frame = unhex(v.at("ct"));
    const KeyContext ctx = derive_or_die(number(v.at("kid")), unhex(v.at("base_key")));
    auto parsed = parse_header(frame);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->header.kid, number(v.at("kid")));
    EXPECT_EQ(parsed->header.ctr, number(v.at("ctr")));

    Bytes out = {0xaa};
    auto st = ctx.unprotect(*parsed, frame, unhex(v.at("metadata")), out);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(hex(out), "aa" + v.at("pt").get<std::string>());
  }
}

struct RfcFrame {
  Bytes base_key, metadata, pt, frame;
  uint64_t kid, ctr;
};

RfcFrame rfc_frame() {
  const auto& v = rfc_section("aes_128_gcm_sha256_128").at(0);
  return {unhex(v.at("base_key")), unhex(v.at("metadata")), unhex(v.at("pt")),
          unhex(v.at("ct")),       number(v.at("kid")),     number(v.at("ctr"))};
}

TEST(Sframe, FlippedBitInFrameFails) {
  const RfcFrame f = rfc_frame();
  const KeyContext ctx = derive_or_die(f.kid, f.base_key);
  const Bytes before = {0x42};
  size_t malformed = 0;
  size_t decrypt_failed = 0;
  for (size_t bit = 0; bit < f.frame.size() * 8; ++bit) {
    Bytes tampered = f.frame;
    tampered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto parsed = parse_header(tampered);
    if (!parsed) {  // a config or KID bit that leaves no valid header
      EXPECT_EQ(parsed.error().code, Errc::malformed) << "bit " << bit;
      ++malformed;
      continue;
    }
    Bytes out = before;
    if (parsed->header.kid != f.kid) {
      // This context refuses another KID; the context a receiver holds for that KID (all KIDs
      // derived from one base key, as with MLS) fails the tag.
      EXPECT_EQ(ctx.unprotect(*parsed, tampered, f.metadata, out).error().code, Errc::invalid_argument);
      const KeyContext other = derive_or_die(parsed->header.kid, f.base_key);
      EXPECT_EQ(other.unprotect(*parsed, tampered, f.metadata, out).error().code, Errc::decrypt_failed)
          << "bit " << bit;
    } else {
      EXPECT_EQ(ctx.unprotect(*parsed, tampered, f.metadata, out).error().code, Errc::decrypt_failed)
          << "bit " << bit;
    }
    EXPECT_EQ(out, before) << "bit " << bit;
    ++decrypt_failed;
  }
  // Every ciphertext and tag bit, and the CTR bits, reach the tag check.
  EXPECT_GE(decrypt_failed, (f.frame.size() - 5) * 8 + 16);
  EXPECT_EQ(malformed + decrypt_failed, f.frame.size() * 8);
}

TEST(Sframe, FlippedBitInMetadataFails) {
  const RfcFrame f = rfc_frame();
  const KeyContext ctx = derive_or_die(f.kid, f.base_key);
  const auto parsed = parse_header(f.frame).value();
  for (size_t bit = 0; bit < f.metadata.size() * 8; ++bit) {
    Bytes metadata = f.metadata;
    metadata[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Bytes out;
    EXPECT_EQ(ctx.unprotect(parsed, f.frame, metadata, out).error().code, Errc::decrypt_failed)
        << "bit " << bit;
    EXPECT_TRUE(out.empty());
  }
  // Metadata dropped or extended is a different AAD too.
  Bytes out;
  EXPECT_EQ(ctx.unprotect(parsed, f.frame, {}, out).error().code, Errc::decrypt_failed);
  Bytes longer = f.metadata;
  longer.push_back(0);
  EXPECT_EQ(ctx.unprotect(parsed, f.frame, longer, out).error().code, Errc::decrypt_failed);
}

TEST(Sframe, TruncatedFrameFailsCleanly) {
  const RfcFrame f = rfc_frame();
  const KeyContext ctx = derive_or_die(f.kid, f.base_key);
  const size_t header_len = parse_header(f.frame)->size;
  for (size_t n = 0; n < f.frame.size(); ++n) {
    const ByteView cut = ByteView(f.frame).first(n);
    auto parsed = parse_header(cut);
    if (n < header_len) {
      ASSERT_FALSE(parsed.ok()) << n;
      EXPECT_EQ(parsed.error().code, Errc::malformed);
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << n;
    Bytes out;
    EXPECT_EQ(ctx.unprotect(*parsed, cut, f.metadata, out).error().code, Errc::decrypt_failed) << n;
    EXPECT_TRUE(out.empty());
  }
  // A parsed header that claims more than the frame holds is refused, not read past.
  Bytes out;
  const ParsedHeader too_long{Header{f.kid, f.ctr}, f.frame.size() + 1};
  EXPECT_EQ(ctx.unprotect(too_long, f.frame, f.metadata, out).error().code, Errc::decrypt_failed);
}

TEST(Sframe, KidMismatchIsRefused) {
  const Bytes base_key(32, 0x11);
  const KeyContext sender = derive_or_die(2, base_key);
  const KeyContext receiver = derive_or_die(1, base_key);
  Bytes frame;
  ASSERT_TRUE(sender.protect(5, {}, bytes_of("voice"), frame).ok());
  Bytes out = {1, 2, 3};
  auto st = receiver.unprotect(parse_header(frame).value(), frame, {}, out);
  EXPECT_EQ(st.error().code, Errc::invalid_argument);
  EXPECT_EQ(out, (Bytes{1, 2, 3}));
}

TEST(Sframe, WrongBaseKeyFails) {
  const KeyContext sender = derive_or_die(3, Bytes(32, 0x11));
  const KeyContext receiver = derive_or_die(3, Bytes(32, 0x12));
  Bytes frame;
  ASSERT_TRUE(sender.protect(0, {}, bytes_of("voice"), frame).ok());
  Bytes out;
  EXPECT_EQ(receiver.unprotect(parse_header(frame).value(), frame, {}, out).error().code,
            Errc::decrypt_failed);
}

TEST(Sframe, EveryHeaderLengthRoundTrips) {
  const BaseKey base_key = *BaseKey::from(Bytes(32, 0x5a));
  const Bytes metadata = bytes_of("rtp-hdr-ext");
  const Bytes pt = bytes_of("twenty ms of opus, more or less");
  for (uint64_t kid : {uint64_t{0}, uint64_t{7}, uint64_t{8}, uint64_t{255}, uint64_t{1} << 32, kMax}) {
    const KeyContext ctx = derive_or_die(kid, base_key.view());
    for (uint64_t ctr : {uint64_t{0}, uint64_t{7}, uint64_t{8}, uint64_t{255}, uint64_t{1} << 32, kMax}) {
      Bytes frame;
      ASSERT_TRUE(ctx.protect(ctr, metadata, pt, frame).ok());
      ASSERT_EQ(frame.size(), header_size(Header{kid, ctr}) + pt.size() + kTagSize);
      auto parsed = parse_header(frame);
      ASSERT_TRUE(parsed.ok());
      EXPECT_EQ(parsed->header.kid, kid);
      EXPECT_EQ(parsed->header.ctr, ctr);
      Bytes out;
      auto st = ctx.unprotect(*parsed, frame, metadata, out);
      ASSERT_TRUE(st.ok()) << kid << "/" << ctr << ": " << st.error().message;
      EXPECT_EQ(out, pt);
    }
  }
}

TEST(Sframe, EmptyPlaintextAndMetadata) {
  const KeyContext ctx = derive_or_die(9, Bytes(16, 1));
  for (const Bytes& metadata : {Bytes{}, bytes_of("m")}) {
    Bytes frame;
    ASSERT_TRUE(ctx.protect(1, metadata, {}, frame).ok());
    EXPECT_EQ(frame.size(), 2 + kTagSize);  // KID 9 takes a byte, CTR 1 is inline
    Bytes out = {7};
    auto st = ctx.unprotect(parse_header(frame).value(), frame, metadata, out);
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(out, Bytes{7});
    Bytes empty;  // no storage at all
    ASSERT_TRUE(ctx.unprotect(parse_header(frame).value(), frame, metadata, empty).ok());
    EXPECT_TRUE(empty.empty());
    frame.back() ^= 1;
    EXPECT_EQ(ctx.unprotect(parse_header(frame).value(), frame, metadata, out).error().code,
              Errc::decrypt_failed);
  }
}

// Short AAD goes through GnuTLS's one-shot calls from a stack copy, long AAD through its iovec
// calls: both must produce AES-128-GCM(sframe_key, nonce, header || metadata), checked here
// against a plain GnuTLS decryption.
TEST(Sframe, AnyMetadataLengthIsPlainAesGcm) {
  const KeyContext ctx = derive_or_die(300, Bytes(32, 0x31));
  std::vector<size_t> lengths = {0, 1, 14, 200, 1000, 5000};
  for (size_t n = 100; n <= 130; ++n) lengths.push_back(n);  // across the stack-copy limit
  gnutls_datum_t key{const_cast<uint8_t*>(ctx.key().data()), static_cast<unsigned>(kKeySize)};
  gnutls_aead_cipher_hd_t plain = nullptr;
  ASSERT_EQ(gnutls_aead_cipher_init(&plain, GNUTLS_CIPHER_AES_128_GCM, &key), 0);
  uint64_t ctr = 1000;
  for (const Bytes& pt : {bytes_of("payload"), Bytes{}}) {
    for (size_t n : lengths) {
      SCOPED_TRACE("metadata " + std::to_string(n) + ", plaintext " + std::to_string(pt.size()));
      Bytes metadata(n);
      for (size_t i = 0; i < n; ++i) metadata[i] = static_cast<uint8_t>(i * 7);
      Bytes frame;
      ASSERT_TRUE(ctx.protect(++ctr, metadata, pt, frame).ok());
      const auto parsed = parse_header(frame).value();

      Bytes aad(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(parsed.size));
      aad.insert(aad.end(), metadata.begin(), metadata.end());
      const auto iv = ctx.nonce(ctr);
      Bytes opened(pt.size() + 1);
      size_t opened_len = opened.size();
      ASSERT_EQ(gnutls_aead_cipher_decrypt(plain, iv.data(), iv.size(), aad.data(), aad.size(), kTagSize,
                                           frame.data() + parsed.size, frame.size() - parsed.size,
                                           opened.data(), &opened_len),
                0);
      opened.resize(opened_len);
      EXPECT_EQ(opened, pt);

      Bytes out;
      ASSERT_TRUE(ctx.unprotect(parsed, frame, metadata, out).ok());
      EXPECT_EQ(out, pt);
      if (n > 0) {
        metadata.back() ^= 0x80;
        EXPECT_EQ(ctx.unprotect(parsed, frame, metadata, out).error().code, Errc::decrypt_failed);
        metadata.back() ^= 0x80;
      }
      frame.back() ^= 1;  // the tag
      EXPECT_EQ(ctx.unprotect(parsed, frame, metadata, out).error().code, Errc::decrypt_failed);
      frame.back() ^= 1;
      frame[parsed.size] ^= 1;  // the first ciphertext byte (the tag's first byte if pt is empty)
      EXPECT_EQ(ctx.unprotect(parsed, frame, metadata, out).error().code, Errc::decrypt_failed);
      EXPECT_EQ(out, pt);  // failures left it alone
    }
  }
  gnutls_aead_cipher_deinit(plain);
}

TEST(Sframe, DistinctCountersGiveDistinctNonces) {
  const KeyContext ctx = derive_or_die(1, Bytes(32, 2));
  EXPECT_NE(hex(ctx.nonce(0)), hex(ctx.nonce(1)));
  EXPECT_EQ(hex(ctx.nonce(0)), hex(ctx.salt().view()));
}

TEST(Sframe, NoReallocationWhenOutHasCapacity) {
  const KeyContext ctx = derive_or_die(1, Bytes(32, 3));
  const Bytes pt(100, 7);
  const Bytes metadata(12, 0x5a);
  Bytes frame;
  frame.reserve(256);
  Bytes out;
  out.reserve(256);
  const uint8_t* frame_data = frame.data();
  const uint8_t* out_data = out.data();
  for (uint64_t ctr = 0; ctr < 100; ++ctr) {
    frame.clear();
    out.clear();
    ASSERT_TRUE(ctx.protect(ctr, metadata, pt, frame).ok());
    ASSERT_TRUE(ctx.unprotect(parse_header(frame).value(), frame, metadata, out).ok());
    ASSERT_EQ(out, pt);
  }
  EXPECT_EQ(frame.data(), frame_data);
  EXPECT_EQ(out.data(), out_data);
}

TEST(Sframe, ContextIsMovable) {
  static_assert(std::is_nothrow_move_constructible_v<KeyContext>);
  static_assert(!std::is_copy_constructible_v<KeyContext>);
  KeyContext a = derive_or_die(4, Bytes(32, 4));
  KeyContext b = std::move(a);
  Bytes frame;
  ASSERT_TRUE(b.protect(0, {}, bytes_of("x"), frame).ok());
  KeyContext c = derive_or_die(5, Bytes(32, 5));
  c = std::move(b);  // c's own handle is released
  Bytes out;
  ASSERT_TRUE(c.unprotect(parse_header(frame).value(), frame, {}, out).ok());
  EXPECT_EQ(out, bytes_of("x"));
  EXPECT_EQ(c.kid(), 4u);
}

TEST(Sframe, BaseKeyOverloadIsTheBytes) {
  const BaseKey key = *BaseKey::from(Bytes(32, 0x77));
  const KeyContext a = KeyContext::derive(6, key).value();
  const KeyContext b = derive_or_die(6, key.view());
  EXPECT_EQ(a.key(), b.key());
  EXPECT_EQ(a.salt(), b.salt());
}

// --- sender-key ratchet (§5.1) ---

TEST(Sframe, RatchetIsDeterministicAndMovesOn) {
  const BaseKey k0 = *BaseKey::from(Bytes(32, 0x21));
  const BaseKey k1 = ratchet(k0);
  EXPECT_EQ(ratchet(k0), k1);
  EXPECT_FALSE(k1 == k0);
  EXPECT_FALSE(ratchet(k1) == k1);
  EXPECT_FALSE(ratchet(k1) == k0);
  // §5.1: HKDF-Expand(HKDF-Extract("", base_key), "SFrame 1.0 Ratchet", Nh = 32).
  EXPECT_EQ(kRatchetLabel, "SFrame 1.0 Ratchet");
  EXPECT_EQ(k1, hkdf::expand32(hkdf::extract({}, k0.view()), "SFrame 1.0 Ratchet"));
  // A 16-byte base key (the RFC's vectors, MLS with Nk = 16) ratchets to a 32-byte one.
  const Bytes short_key = unhex(rfc_section("aes_128_gcm_sha256_128").at(0).at("base_key"));
  EXPECT_EQ(ratchet(short_key), hkdf::expand32(hkdf::extract({}, short_key), "SFrame 1.0 Ratchet"));
  // The ratcheted key protects differently: its frames do not open under the old key.
  const KeyContext old_ctx = derive_or_die(1, k0.view());
  const KeyContext new_ctx = derive_or_die(1, k1.view());
  Bytes frame;
  ASSERT_TRUE(new_ctx.protect(0, {}, bytes_of("after"), frame).ok());
  Bytes out;
  EXPECT_EQ(old_ctx.unprotect(parse_header(frame).value(), frame, {}, out).error().code,
            Errc::decrypt_failed);
}

}  // namespace
}  // namespace wzp::crypto::test
