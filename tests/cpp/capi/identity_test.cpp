// crypto.json identity, parsing, fingerprint, room hash and signature vectors through the C ABI.
#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

struct IdentityView {
  std::string seed, public_key, x25519_public, fingerprint, fingerprint_display, mnemonic;
};

IdentityView view_of(const wzp_identity* id) {
  uint8_t seed[WZP_SEED_BYTES], pub[WZP_PUBLIC_KEY_BYTES], x[WZP_PUBLIC_KEY_BYTES], fp[WZP_FINGERPRINT_BYTES];
  char display[WZP_FINGERPRINT_STR_LEN + 1];
  char* words = nullptr;
  EXPECT_EQ(wzp_identity_seed(id, seed), WZP_OK);
  EXPECT_EQ(wzp_identity_public_key(id, pub), WZP_OK);
  EXPECT_EQ(wzp_identity_x25519_public_key(id, x), WZP_OK);
  EXPECT_EQ(wzp_identity_fingerprint(id, fp), WZP_OK);
  EXPECT_EQ(wzp_identity_fingerprint_str(id, display, sizeof display), WZP_OK);
  EXPECT_EQ(wzp_identity_mnemonic(id, &words), WZP_OK);
  return {hex(seed), hex(pub), hex(x), hex(fp), display, take_string(words)};
}

void expect_record(const IdentityView& v, const Json& r) {
  EXPECT_EQ(v.seed, r.at("seed_hex").get<std::string>());
  EXPECT_EQ(v.public_key, r.at("ed25519_public_hex").get<std::string>());
  EXPECT_EQ(v.x25519_public, r.at("x25519_public_hex").get<std::string>());
  EXPECT_EQ(v.fingerprint, r.at("fingerprint_hex").get<std::string>());
  EXPECT_EQ(v.fingerprint_display, r.at("fingerprint_display").get<std::string>());
  EXPECT_EQ(v.mnemonic, r.at("mnemonic").get<std::string>());
}

TEST(CapiIdentity, RecordsFromSeedHexAndMnemonic) {
  for (const auto& r : crypto_section("identity")) {
    SCOPED_TRACE(r.at("name").get<std::string>());
    const Bytes seed = unhex(r.at("seed_hex"));

    wzp_identity* raw = nullptr;
    ASSERT_WZP_OK(wzp_identity_from_seed(seed.data(), &raw));
    Identity from_seed(raw);
    expect_record(view_of(from_seed.get()), r);

    ASSERT_WZP_OK(wzp_identity_from_hex(r.at("seed_hex").get<std::string>().c_str(), &raw));
    Identity from_hex(raw);
    expect_record(view_of(from_hex.get()), r);

    ASSERT_WZP_OK(wzp_identity_from_mnemonic(r.at("mnemonic").get<std::string>().c_str(), &raw));
    Identity from_words(raw);
    expect_record(view_of(from_words.get()), r);

    // The display form also goes through the stand-alone formatter and parser.
    uint8_t fp[WZP_FINGERPRINT_BYTES];
    char display[WZP_FINGERPRINT_STR_LEN + 1];
    ASSERT_WZP_OK(wzp_fingerprint_parse(r.at("fingerprint_display").get<std::string>().c_str(), fp));
    EXPECT_EQ(hex(fp), r.at("fingerprint_hex").get<std::string>());
    ASSERT_WZP_OK(wzp_fingerprint_format(fp, display, sizeof display));
    EXPECT_EQ(std::string(display), r.at("fingerprint_display").get<std::string>());
    EXPECT_EQ(std::strlen(display), wzp_fingerprint_str_len());
  }
}

using SeedParser = int (*)(const char*, wzp_identity**);

/// One seed_hex_parse / mnemonic_parse vector: the seed when "ok", else `error_status` and
/// the vector's exact error text as the detail message (and no handle).
void expect_parse_result(SeedParser parse, const Json& v, int error_status) {
  SCOPED_TRACE(v.at("name").get<std::string>());
  wzp_identity* raw = nullptr;
  const int rc = parse(v.at("input").get<std::string>().c_str(), &raw);
  Identity id(raw);
  if (v.at("ok").get<bool>()) {
    ASSERT_WZP_OK(rc);
    uint8_t seed[WZP_SEED_BYTES];
    ASSERT_WZP_OK(wzp_identity_seed(id.get(), seed));
    EXPECT_EQ(hex(seed), v.at("seed_hex").get<std::string>());
    return;
  }
  EXPECT_WZP(error_status, rc);
  EXPECT_EQ(std::string(wzp_last_error()), v.at("error").get<std::string>());
  EXPECT_EQ(raw, nullptr);
}

TEST(CapiIdentity, SeedHexParse) {
  for (const auto& v : crypto_section("seed_hex_parse")) {
    const bool bad_hex = v.value("error", "").starts_with("invalid hex");
    expect_parse_result(wzp_identity_from_hex, v, bad_hex ? WZP_ERR_INVALID_HEX : WZP_ERR_INVALID_LENGTH);
  }
}

int mnemonic_status(const std::string& kind) {
  if (kind == "BadWordCount") return WZP_ERR_MNEMONIC_WORD_COUNT;
  if (kind == "UnknownWord") return WZP_ERR_MNEMONIC_UNKNOWN_WORD;
  if (kind == "InvalidChecksum") return WZP_ERR_MNEMONIC_CHECKSUM;
  if (kind == "WrongEntropyLength") return WZP_ERR_MNEMONIC_ENTROPY_LENGTH;
  ADD_FAILURE() << "unknown error kind " << kind;
  return WZP_OK;
}

TEST(CapiIdentity, MnemonicParse) {
  for (const auto& v : crypto_section("mnemonic_parse")) {
    const int status =
        v.at("ok").get<bool>() ? WZP_OK : mnemonic_status(v.at("error_kind").get<std::string>());
    expect_parse_result(wzp_identity_from_mnemonic, v, status);
  }
}

TEST(CapiIdentity, MnemonicRejectsInvalidUtf8) {
  const std::string bad = "abandon \xff\xfe amount";
  wzp_identity* raw = nullptr;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_identity_from_mnemonic(bad.c_str(), &raw));
  EXPECT_NE(std::string(wzp_last_error()).find("UTF-8"), std::string::npos) << wzp_last_error();
  EXPECT_EQ(raw, nullptr);
}

TEST(CapiIdentity, FingerprintParse) {
  for (const auto& v : crypto_section("fingerprint_parse")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    uint8_t fp[WZP_FINGERPRINT_BYTES];
    const int rc = wzp_fingerprint_parse(v.at("input").get<std::string>().c_str(), fp);
    if (v.at("ok").get<bool>()) {
      ASSERT_WZP_OK(rc);
      EXPECT_EQ(hex(fp), v.at("fingerprint_hex").get<std::string>());
      char display[WZP_FINGERPRINT_STR_LEN + 1];
      ASSERT_WZP_OK(wzp_fingerprint_format(fp, display, sizeof display));
      EXPECT_EQ(std::string(display), v.at("display").get<std::string>());
      continue;
    }
    const std::string error = v.at("error").get<std::string>();
    const int expected =
        error.starts_with("invalid hex") ? WZP_ERR_INVALID_HEX : WZP_ERR_FINGERPRINT_TOO_SHORT;
    EXPECT_WZP(expected, rc);
    EXPECT_EQ(std::string(wzp_last_error()), error);
  }
}

TEST(CapiIdentity, HashRoomName) {
  for (const auto& v : crypto_section("hash_room_name")) {
    std::string name;
    if (v.contains("name_repeat")) {
      const auto& rep = v.at("name_repeat");
      name.assign(rep.at("count").get<size_t>(), rep.at("char").get<std::string>().at(0));
      ASSERT_EQ(name.size(), 1000U);
    } else {
      name = text_of(unhex(v.at("name_utf8_hex")));
      EXPECT_EQ(name, v.at("name").get<std::string>());
    }
    SCOPED_TRACE(name.substr(0, 32));
    char out[WZP_ROOM_HASH_LEN + 1];
    std::memset(out, 'z', sizeof out);
    ASSERT_WZP_OK(wzp_hash_room_name(name.data(), name.size(), out));
    EXPECT_EQ(std::string(out), v.at("hash").get<std::string>());
    EXPECT_EQ(std::strlen(out), wzp_room_hash_len());
  }
}

TEST(CapiIdentity, HashRoomNameHashesEmbeddedNulAsGiven) {
  char with_nul[WZP_ROOM_HASH_LEN + 1], without[WZP_ROOM_HASH_LEN + 1];
  ASSERT_WZP_OK(wzp_hash_room_name("ab\0c", 4, with_nul));
  ASSERT_WZP_OK(wzp_hash_room_name("ab", 2, without));
  EXPECT_NE(std::string(with_nul), std::string(without));
}

TEST(CapiIdentity, Signatures) {
  for (const auto& v : crypto_section("signatures")) {
    SCOPED_TRACE(v.at("message_label").get<std::string>());
    Identity id = identity_from_seed_hex(v.at("seed_hex"));
    uint8_t pub[WZP_PUBLIC_KEY_BYTES];
    ASSERT_WZP_OK(wzp_identity_public_key(id.get(), pub));
    EXPECT_EQ(hex(pub), v.at("ed25519_public_hex").get<std::string>());

    const Bytes msg = unhex(v.at("message_hex"));
    uint8_t sig[WZP_SIGNATURE_BYTES];
    ASSERT_WZP_OK(wzp_identity_sign(id.get(), msg.data(), msg.size(), sig));
    EXPECT_EQ(hex(sig), v.at("signature_hex").get<std::string>());
    EXPECT_WZP(WZP_OK, wzp_verify(pub, msg.data(), msg.size(), sig, sizeof sig));

    // Every single-bit change of the signature is rejected.
    for (size_t bit = 0; bit < 8 * sizeof sig; bit += 7) {
      uint8_t bad[WZP_SIGNATURE_BYTES];
      std::memcpy(bad, sig, sizeof bad);
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      EXPECT_WZP(WZP_ERR_BAD_SIGNATURE, wzp_verify(pub, msg.data(), msg.size(), bad, sizeof bad));
    }
  }
}

TEST(CapiIdentity, SignEmptyMessageWithNullPointer) {
  Identity id = identity_from_seed(Bytes(32, 7));
  uint8_t pub[WZP_PUBLIC_KEY_BYTES], sig[WZP_SIGNATURE_BYTES];
  ASSERT_WZP_OK(wzp_identity_public_key(id.get(), pub));
  ASSERT_WZP_OK(wzp_identity_sign(id.get(), nullptr, 0, sig));
  EXPECT_WZP(WZP_OK, wzp_verify(pub, nullptr, 0, sig, sizeof sig));
}

TEST(CapiIdentity, VerifyCases) {
  for (const auto& v : crypto_section("verify_cases")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes pub = unhex(v.at("public_hex"));
    const Bytes msg = unhex(v.at("message_hex"));
    const Bytes sig = unhex(v.at("signature_hex"));
    ASSERT_EQ(pub.size(), WZP_PUBLIC_KEY_BYTES);
    const int rc = wzp_verify(pub.data(), msg.data(), msg.size(), sig.data(), sig.size());
    EXPECT_WZP(v.at("libsodium_accepts").get<bool>() ? WZP_OK : WZP_ERR_BAD_SIGNATURE, rc);
  }
}

TEST(CapiIdentity, VerifyRejectsWrongSignatureLengths) {
  Identity id = identity_from_seed(Bytes(32, 9));
  uint8_t pub[WZP_PUBLIC_KEY_BYTES], sig[WZP_SIGNATURE_BYTES + 1] = {};
  ASSERT_WZP_OK(wzp_identity_public_key(id.get(), pub));
  ASSERT_WZP_OK(wzp_identity_sign(id.get(), pub, sizeof pub, sig));
  EXPECT_WZP(WZP_OK, wzp_verify(pub, pub, sizeof pub, sig, WZP_SIGNATURE_BYTES));
  for (size_t len : {size_t{0}, size_t{63}, size_t{65}}) {
    EXPECT_WZP(WZP_ERR_BAD_SIGNATURE, wzp_verify(pub, pub, sizeof pub, sig, len));
  }
  EXPECT_WZP(WZP_ERR_BAD_SIGNATURE, wzp_verify(pub, pub, sizeof pub, nullptr, 0));
}

TEST(CapiIdentity, RandomIdentitiesDifferAndRoundTripThroughMnemonic) {
  wzp_identity *a_raw = nullptr, *b_raw = nullptr;
  ASSERT_WZP_OK(wzp_identity_new_random(&a_raw));
  ASSERT_WZP_OK(wzp_identity_new_random(&b_raw));
  Identity a(a_raw), b(b_raw);
  const IdentityView va = view_of(a.get()), vb = view_of(b.get());
  EXPECT_NE(va.seed, vb.seed);
  wzp_identity* back_raw = nullptr;
  ASSERT_WZP_OK(wzp_identity_from_mnemonic(va.mnemonic.c_str(), &back_raw));
  Identity back(back_raw);
  const IdentityView vback = view_of(back.get());
  EXPECT_EQ(vback.seed, va.seed);
  EXPECT_EQ(vback.fingerprint_display, va.fingerprint_display);
}

}  // namespace
}  // namespace wzp_capi_test
