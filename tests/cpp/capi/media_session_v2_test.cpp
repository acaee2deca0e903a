// The v2 media session through the C ABI: known answers computed independently
// (tests/data/media_session_v2_gen.py) from fixed seeds and ephemerals, and the
// policy that refuses the reference session (a stripped "wzp_media_session").
#include <functional>
#include <regex>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

const Json& kat() { return vector_file("media_session_v2.json"); }

Bytes unhex_at(const Json& j, const char* key) { return unhex(j.at(key)); }

struct Handshake {
  Session caller, callee;
  std::string answer_json;
};

wzp_handshake_config handshake_config(const Bytes& ephemeral, int require_v2 = 0,
                                      wzp_session_mode mode = WZP_SESSION_V2) {
  wzp_handshake_config cfg;
  wzp_handshake_config_init(&cfg);
  cfg.ephemeral_secret = ephemeral.empty() ? nullptr : ephemeral.data();
  cfg.session_mode = mode;
  cfg.require_session_v2 = require_v2;
  return cfg;
}

// Runs a whole handshake; `edit_offer` may alter the offer on its way (an attacker).
Handshake run_handshake(const wzp_handshake_config& caller_cfg, const wzp_handshake_config& callee_cfg,
                        const std::function<std::string(std::string)>& edit_offer = {}) {
  const Json& v = kat();
  auto alice = identity_from_seed_hex(v.at("caller").at("seed_hex"));
  auto bob = identity_from_seed_hex(v.at("callee").at("seed_hex"));
  wzp_caller* caller_raw = nullptr;
  wzp_callee* callee_raw = nullptr;
  EXPECT_WZP(WZP_OK, wzp_caller_new(alice.get(), &caller_cfg, &caller_raw));
  EXPECT_WZP(WZP_OK, wzp_callee_new(bob.get(), &callee_cfg, &callee_raw));
  Caller caller(caller_raw);
  Callee callee(callee_raw);
  char* offer_raw = nullptr;
  EXPECT_WZP(WZP_OK, wzp_caller_offer_json(caller.get(), &offer_raw));
  std::string offer = take_string(offer_raw);
  if (edit_offer) offer = edit_offer(offer);
  Handshake out;
  char* answer_raw = nullptr;
  wzp_session* theirs = nullptr;
  if (wzp_callee_accept_offer(callee.get(), offer.data(), offer.size(), &answer_raw, &theirs) != WZP_OK) {
    return out;
  }
  out.callee.reset(theirs);
  out.answer_json = take_string(answer_raw);
  wzp_session* mine = nullptr;
  if (wzp_caller_accept_answer(caller.get(), out.answer_json.data(), out.answer_json.size(), &mine) ==
      WZP_OK) {
    out.caller.reset(mine);
  }
  return out;
}

wzp_session_mode mode_of(const wzp_session* s) {
  wzp_session_mode mode = static_cast<wzp_session_mode>(-1);
  EXPECT_WZP(WZP_OK, wzp_session_get_mode(s, &mode));
  return mode;
}

std::string strip_media_session(std::string json) {
  std::string stripped = std::regex_replace(json, std::regex(",\"wzp_media_session\":2"), "");
  EXPECT_NE(stripped, json) << "the offer carried no media session field to strip";
  return stripped;
}

// Seals each vector packet from the side that sends it and opens it on the other.
void expect_packets(const Json& packets, wzp_session* caller, wzp_session* callee) {
  ASSERT_FALSE(packets.empty());
  for (const auto& p : packets) {
    const bool from_caller = p.at("direction") == "caller->callee";
    wzp_session* sender = from_caller ? caller : callee;
    wzp_session* receiver = from_caller ? callee : caller;
    const Bytes header = unhex_at(p, "header_hex"), pt = unhex_at(p, "plaintext_hex");
    const auto seq = p.at("seq").get<uint16_t>();
    const Bytes sealed = seal(sender, header, seq, pt);
    EXPECT_EQ(hex(sealed), p.at("sealed_hex").get<std::string>()) << p.at("direction");
    EXPECT_EQ(open(receiver, header, seq, sealed), pt);
  }
}

void rekey_with_vector_secrets(wzp_session* caller, wzp_session* callee) {
  const Json& r = kat().at("rekey");
  const Bytes caller_secret = unhex_at(r, "caller_secret_hex"),
              callee_secret = unhex_at(r, "callee_secret_hex");
  Bytes caller_pub(WZP_PUBLIC_KEY_BYTES), callee_pub(WZP_PUBLIC_KEY_BYTES);
  ASSERT_WZP_OK(wzp_session_rekey_begin(caller, caller_secret.data(), caller_pub.data()));
  ASSERT_WZP_OK(wzp_session_rekey_begin(callee, callee_secret.data(), callee_pub.data()));
  EXPECT_EQ(hex(caller_pub), r.at("caller_public_hex").get<std::string>());
  EXPECT_EQ(hex(callee_pub), r.at("callee_public_hex").get<std::string>());
  ASSERT_WZP_OK(wzp_session_rekey_complete(caller, callee_pub.data()));
  ASSERT_WZP_OK(wzp_session_rekey_complete(callee, caller_pub.data()));
}

TEST(MediaSessionV2Kat, HandshakeWithFixedEphemeralsGivesTheKnownSessionAndPackets) {
  const Json& v = kat();
  const Bytes caller_eph = unhex(v.at("caller").at("ephemeral_secret_hex"));
  const Bytes callee_eph = unhex(v.at("callee").at("ephemeral_secret_hex"));
  auto hs = run_handshake(handshake_config(caller_eph), handshake_config(callee_eph));
  ASSERT_TRUE(hs.caller && hs.callee) << wzp_last_error();
  EXPECT_EQ(mode_of(hs.caller.get()), WZP_SESSION_V2);
  EXPECT_EQ(mode_of(hs.callee.get()), WZP_SESSION_V2);
  EXPECT_EQ(hex(session_id(hs.caller.get())), v.at("v2_session_id_hex").get<std::string>());
  EXPECT_EQ(hex(session_id(hs.callee.get())), v.at("v2_session_id_hex").get<std::string>());
  expect_packets(v.at("packets"), hs.caller.get(), hs.callee.get());
  rekey_with_vector_secrets(hs.caller.get(), hs.callee.get());
  expect_packets(v.at("rekey").at("packets"), hs.caller.get(), hs.callee.get());
}

// The transcript-bound key alone (wzp_session_new) gives the same packets: the
// direction labels are checked apart from the handshake's.
TEST(MediaSessionV2Kat, SessionsFromTheV2KeyGiveTheKnownPackets) {
  const Json& v = kat();
  const Bytes key = unhex(v.at("v2_key_hex"));
  auto caller = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLER);
  auto callee = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLEE);
  EXPECT_EQ(hex(session_id(caller.get())), v.at("v2_session_id_hex").get<std::string>());
  expect_packets(v.at("packets"), caller.get(), callee.get());
  rekey_with_vector_secrets(caller.get(), callee.get());
  expect_packets(v.at("rekey").at("packets"), caller.get(), callee.get());
}

TEST(MediaSessionPolicy, AStrippedFieldFallsBackToTheReferenceSessionAndSaysSo) {
  auto hs = run_handshake(handshake_config({}), handshake_config({}), strip_media_session);
  ASSERT_TRUE(hs.caller && hs.callee) << wzp_last_error();
  EXPECT_EQ(hs.answer_json.find("wzp_media_session"), std::string::npos);
  EXPECT_EQ(mode_of(hs.caller.get()), WZP_SESSION_REFERENCE);
  EXPECT_EQ(mode_of(hs.callee.get()), WZP_SESSION_REFERENCE);
}

TEST(MediaSessionPolicy, ACalleeThatRequiresV2RefusesAStrippedOffer) {
  auto hs = run_handshake(handshake_config({}), handshake_config({}, 1), strip_media_session);
  EXPECT_FALSE(hs.callee);
  EXPECT_STREQ(wzp_strerror(WZP_ERR_HANDSHAKE_FAILED), "WZP_ERR_HANDSHAKE_FAILED");
  EXPECT_NE(std::string(wzp_last_error()).find("v2 media session is required"), std::string::npos)
      << wzp_last_error();
}

TEST(MediaSessionPolicy, ACallerThatRequiresV2RefusesAnAnswerWithoutIt) {
  // The callee answers with the reference session, as a reference peer (or a stripped answer) would.
  auto hs = run_handshake(handshake_config({}, 1), handshake_config({}, 0, WZP_SESSION_REFERENCE));
  ASSERT_TRUE(hs.callee);
  EXPECT_EQ(mode_of(hs.callee.get()), WZP_SESSION_REFERENCE);
  EXPECT_FALSE(hs.caller);
  EXPECT_NE(std::string(wzp_last_error()).find("v2 media session is required"), std::string::npos)
      << wzp_last_error();
}

TEST(MediaSessionPolicy, RequiringV2WithTheReferenceModeIsAContradiction) {
  auto alice = identity_from_seed(Bytes(32, 1));
  auto cfg = handshake_config({}, 1, WZP_SESSION_REFERENCE);
  wzp_caller* caller = nullptr;
  wzp_callee* callee = nullptr;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_caller_new(alice.get(), &cfg, &caller));
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_callee_new(alice.get(), &cfg, &callee));
  wzp_session_mode mode;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_session_get_mode(nullptr, &mode));
}

}  // namespace
}  // namespace wzp_capi_test
