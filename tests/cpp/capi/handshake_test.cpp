// The CallOffer/CallAnswer handshake through the C ABI: crypto.json transcripts byte for
// byte (reference sessions), session negotiation, v2 sessions between two libwzp peers,
// low-order ephemerals, tampering, wrong messages and call-order mistakes.
#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

const std::string kOfferLabel = "call-offer";
const std::string kAnswerLabel = "call-answer";

std::string profile_json(const std::string& name) {
  for (const auto& p : wire_section("quality_profile")) {
    if (p.at("name") == name) return p.at("json").get<std::string>();
  }
  throw std::runtime_error("unknown profile " + name);
}

std::string offer_json(const Bytes& identity_pub, const Bytes& eph, const Bytes& sig,
                       const std::vector<std::string>& profiles) {
  std::string list;
  for (const auto& p : profiles) {
    // Appended piecewise: `"," + std::string` trips GCC 12's -Wrestrict false positive at -O3.
    if (!list.empty()) list += ',';
    list += profile_json(p);
  }
  return R"({"CallOffer":{"identity_pub":)" + json_byte_array(identity_pub) + R"(,"ephemeral_pub":)" +
         json_byte_array(eph) + R"(,"signature":)" + json_byte_array(sig) + R"(,"supported_profiles":[)" +
         list + "]}}";
}

std::string answer_json(const Bytes& identity_pub, const Bytes& eph, const Bytes& sig,
                        const std::string& profile) {
  return R"({"CallAnswer":{"identity_pub":)" + json_byte_array(identity_pub) + R"(,"ephemeral_pub":)" +
         json_byte_array(eph) + R"(,"signature":)" + json_byte_array(sig) + R"(,"chosen_profile":)" +
         profile_json(profile) + "}}";
}

Bytes public_key(const wzp_identity* id) {
  Bytes out(WZP_PUBLIC_KEY_BYTES);
  EXPECT_EQ(wzp_identity_public_key(id, out.data()), WZP_OK);
  return out;
}

/// Signature of ephemeral || label, as a handshake message carries it.
Bytes sign_ephemeral(const wzp_identity* id, const Bytes& eph, const std::string& label) {
  Bytes msg = eph;
  msg.insert(msg.end(), label.begin(), label.end());
  Bytes sig(WZP_SIGNATURE_BYTES);
  EXPECT_EQ(wzp_identity_sign(id, msg.data(), msg.size(), sig.data()), WZP_OK);
  return sig;
}

wzp_handshake_config config_with(const Bytes* ephemeral_secret, wzp_session_mode mode) {
  wzp_handshake_config cfg;
  wzp_handshake_config_init(&cfg);
  cfg.ephemeral_secret = ephemeral_secret ? ephemeral_secret->data() : nullptr;
  cfg.session_mode = mode;
  return cfg;
}

Caller make_caller(const wzp_identity* id, const wzp_handshake_config* cfg) {
  wzp_caller* raw = nullptr;
  if (wzp_caller_new(id, cfg, &raw) != WZP_OK) throw std::runtime_error(wzp_last_error());
  return Caller(raw);
}
Callee make_callee(const wzp_identity* id, const wzp_handshake_config* cfg) {
  wzp_callee* raw = nullptr;
  if (wzp_callee_new(id, cfg, &raw) != WZP_OK) throw std::runtime_error(wzp_last_error());
  return Callee(raw);
}

std::string offer_of(wzp_caller* caller) {
  char* json = nullptr;
  EXPECT_EQ(wzp_caller_offer_json(caller, &json), WZP_OK);
  return take_string(json);
}

struct Answered {
  int rc = WZP_OK;
  std::string answer;
  Session session;
};
Answered answer_offer(wzp_callee* callee, const std::string& offer) {
  Answered out;
  char* answer = nullptr;
  wzp_session* session = nullptr;
  out.rc = wzp_callee_accept_offer(callee, offer.data(), offer.size(), &answer, &session);
  out.answer = take_string(answer);
  out.session.reset(session);
  if (out.rc != WZP_OK) {
    EXPECT_EQ(answer, nullptr);
    EXPECT_EQ(session, nullptr);
  }
  return out;
}

Session accept_answer(wzp_caller* caller, const std::string& answer, int* rc) {
  wzp_session* session = nullptr;
  *rc = wzp_caller_accept_answer(caller, answer.data(), answer.size(), &session);
  if (*rc != WZP_OK) {
    EXPECT_EQ(session, nullptr);
  }
  return Session(session);
}

Bytes framed(const std::string& json) {
  uint8_t* out = nullptr;
  size_t n = 0;
  EXPECT_EQ(wzp_signal_frame(json.data(), json.size(), &out, &n), WZP_OK);
  Owned owner(out);
  return Bytes(out, out + n);
}

/// Plays one crypto.json transcript with the given preferred modes on each side. Whenever
/// either side prefers the reference session, the result must be the reference transcript.
void play_transcript(const Json& t, wzp_session_mode caller_mode, wzp_session_mode callee_mode) {
  const auto& c = t.at("caller");
  const auto& s = t.at("callee");
  Identity caller_id = identity_from_seed_hex(c.at("seed_hex"));
  Identity callee_id = identity_from_seed_hex(s.at("seed_hex"));
  const Bytes caller_eph = unhex(c.at("ephemeral_secret_hex")),
              callee_eph = unhex(s.at("ephemeral_secret_hex"));
  const auto caller_cfg = config_with(&caller_eph, caller_mode);
  const auto callee_cfg = config_with(&callee_eph, callee_mode);
  Caller caller = make_caller(caller_id.get(), &caller_cfg);
  Callee callee = make_callee(callee_id.get(), &callee_cfg);

  const std::string offer = offer_of(caller.get());
  const std::string extension = R"("wzp_media_session":2)";
  if (caller_mode == WZP_SESSION_REFERENCE) {
    EXPECT_EQ(offer, t.at("call_offer_json").get<std::string>());
    EXPECT_EQ(hex(framed(offer)), t.at("call_offer_frame_hex").get<std::string>());
  } else {
    EXPECT_NE(offer.find(extension), std::string::npos) << offer;
  }
  const char* variant = nullptr;
  ASSERT_WZP_OK(wzp_signal_validate(offer.data(), offer.size(), &variant));
  EXPECT_STREQ(variant, "CallOffer");

  Answered answered = answer_offer(callee.get(), offer);
  ASSERT_WZP_OK(answered.rc);
  const bool v2 = caller_mode == WZP_SESSION_V2 && callee_mode == WZP_SESSION_V2;
  if (!v2) {
    EXPECT_EQ(answered.answer, t.at("call_answer_json").get<std::string>());
    EXPECT_EQ(hex(framed(answered.answer)), t.at("call_answer_frame_hex").get<std::string>());
  } else {
    EXPECT_NE(answered.answer.find(extension), std::string::npos) << answered.answer;
  }
  int rc = 0;
  Session caller_session = accept_answer(caller.get(), answered.answer, &rc);
  ASSERT_WZP_OK(rc);
  Session& callee_session = answered.session;

  // Both sides agree on the id; the reference session's is the vector's.
  EXPECT_EQ(hex(session_id(caller_session.get())), hex(session_id(callee_session.get())));
  if (v2) {
    EXPECT_NE(hex(session_id(caller_session.get())), t.at("session_id_hex").get<std::string>());
  } else {
    EXPECT_EQ(hex(session_id(caller_session.get())), t.at("session_id_hex").get<std::string>());
  }
  const std::string chosen = t.at("chosen_profile").get<std::string>();
  EXPECT_STREQ(wzp_session_profile(caller_session.get()), chosen.c_str());
  EXPECT_STREQ(wzp_session_profile(callee_session.get()), chosen.c_str());
  EXPECT_EQ(hex(public_key(callee_id.get())), s.at("identity_pub_hex").get<std::string>());
  uint8_t peer[WZP_PUBLIC_KEY_BYTES], peer_fp[WZP_FINGERPRINT_BYTES], own_fp[WZP_FINGERPRINT_BYTES];
  ASSERT_WZP_OK(wzp_session_peer_public_key(caller_session.get(), peer));
  EXPECT_EQ(hex(peer), s.at("identity_pub_hex").get<std::string>());
  ASSERT_WZP_OK(wzp_session_peer_public_key(callee_session.get(), peer));
  EXPECT_EQ(hex(peer), c.at("identity_pub_hex").get<std::string>());
  ASSERT_WZP_OK(wzp_session_peer_fingerprint(callee_session.get(), peer_fp));
  ASSERT_WZP_OK(wzp_identity_fingerprint(caller_id.get(), own_fp));
  EXPECT_EQ(hex(peer_fp), hex(own_fp));

  for (const auto& p : t.at("packets")) {
    const bool from_caller = p.at("direction") == "caller_to_callee";
    wzp_session* sender = from_caller ? caller_session.get() : callee_session.get();
    wzp_session* receiver = from_caller ? callee_session.get() : caller_session.get();
    const Bytes header = unhex(p.at("header_hex")), pt = unhex(p.at("plaintext_hex"));
    const auto seq = p.at("sender_seq").get<uint16_t>();
    const Bytes ct = seal(sender, header, seq, pt);
    if (!v2) {
      EXPECT_EQ(hex(ct), p.at("ciphertext_and_tag_hex").get<std::string>());
      EXPECT_EQ(hex(session_id(sender)) + p.at("nonce_hex").get<std::string>().substr(8),
                p.at("nonce_hex").get<std::string>());
    } else {
      EXPECT_NE(hex(ct), p.at("ciphertext_and_tag_hex").get<std::string>());
    }
    EXPECT_EQ(hex(open(receiver, header, seq, ct, &rc)), hex(pt));
    EXPECT_WZP(WZP_OK, rc);
  }
}

TEST(CapiHandshake, TranscriptsInReferenceMode) {
  for (const auto& t : crypto_section("handshake_transcripts")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    play_transcript(t, WZP_SESSION_REFERENCE, WZP_SESSION_REFERENCE);
  }
}

TEST(CapiHandshake, ReferenceCallerWithV2CalleeFallsBackToReference) {
  for (const auto& t : crypto_section("handshake_transcripts")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    play_transcript(t, WZP_SESSION_REFERENCE, WZP_SESSION_V2);
  }
}

TEST(CapiHandshake, V2CallerWithReferenceCalleeFallsBackToReference) {
  for (const auto& t : crypto_section("handshake_transcripts")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    play_transcript(t, WZP_SESSION_V2, WZP_SESSION_REFERENCE);
  }
}

TEST(CapiHandshake, V2OnBothSidesNegotiatesV2) {
  for (const auto& t : crypto_section("handshake_transcripts")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    play_transcript(t, WZP_SESSION_V2, WZP_SESSION_V2);
  }
}

TEST(CapiHandshake, WireHandshakeMaterialMatchesSignalVectors) {
  const auto& m = vector_file("wire.json").at("handshake_material");
  std::map<std::string, std::string> signals;
  for (const auto& s : wire_section("signal_messages")) signals[s.at("name")] = s.at("json");

  Identity caller_id = identity_from_seed_hex(m.at("caller_seed_hex"));
  Identity callee_id = identity_from_seed_hex(m.at("callee_seed_hex"));
  const Bytes caller_eph = unhex(m.at("caller_ephemeral_secret_hex"));
  const Bytes callee_eph = unhex(m.at("callee_ephemeral_secret_hex"));
  const auto caller_cfg = config_with(&caller_eph, WZP_SESSION_REFERENCE);
  const auto callee_cfg = config_with(&callee_eph, WZP_SESSION_REFERENCE);
  Caller caller = make_caller(caller_id.get(), &caller_cfg);
  Callee callee = make_callee(callee_id.get(), &callee_cfg);
  const std::string offer = offer_of(caller.get());
  EXPECT_EQ(offer, signals.at("call_offer_reference_client"));
  Answered answered = answer_offer(callee.get(), offer);
  ASSERT_WZP_OK(answered.rc);
  EXPECT_EQ(answered.answer, signals.at("call_answer_reference_relay"));
  int rc = 0;
  Session session = accept_answer(caller.get(), answered.answer, &rc);
  ASSERT_WZP_OK(rc);
  uint8_t fp[WZP_FINGERPRINT_BYTES];
  ASSERT_WZP_OK(wzp_session_peer_fingerprint(session.get(), fp));
  EXPECT_EQ(hex(fp), m.at("callee_fingerprint_hex").get<std::string>());
  ASSERT_WZP_OK(wzp_session_peer_fingerprint(answered.session.get(), fp));
  EXPECT_EQ(hex(fp), m.at("caller_fingerprint_hex").get<std::string>());
  // The reference session id is SHA-256(session key)[0..4]: same as a session from the key.
  Session from_key = session_from_key(unhex(m.at("session_key_hex")), WZP_SESSION_REFERENCE);
  EXPECT_EQ(hex(session_id(session.get())), hex(session_id(from_key.get())));
}

// x25519_edge_cases, through the handshake: the first transcript's caller ephemeral secret is
// the vectors' "our secret"; the peer value arrives in a correctly signed CallAnswer/CallOffer.
TEST(CapiHandshake, X25519EdgeCases) {
  const Json& transcript = crypto_section("handshake_transcripts").at(0);
  const Bytes our_secret = unhex(transcript.at("caller").at("ephemeral_secret_hex"));
  Identity caller_id = identity_from_seed_hex(transcript.at("caller").at("seed_hex"));
  Identity callee_id = identity_from_seed_hex(transcript.at("callee").at("seed_hex"));
  for (const auto& v : crypto_section("x25519_edge_cases")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    ASSERT_EQ(hex(our_secret), v.at("our_secret_hex").get<std::string>());
    const Bytes peer_eph = unhex(v.at("peer_public_hex"));
    const bool weak = v.at("libsodium_rc").get<int>() != 0;

    // Caller side: the answer carries the peer value.
    const auto cfg = config_with(&our_secret, WZP_SESSION_REFERENCE);
    Caller caller = make_caller(caller_id.get(), &cfg);
    const std::string answer = answer_json(public_key(callee_id.get()), peer_eph,
                                           sign_ephemeral(callee_id.get(), peer_eph, kAnswerLabel), "GOOD");
    int rc = 0;
    Session session = accept_answer(caller.get(), answer, &rc);
    if (weak) {
      EXPECT_WZP(WZP_ERR_WEAK_KEY, rc);
    } else {
      ASSERT_WZP_OK(rc);
      // Bit 255 is ignored: the shared secret is the transcript's, so is the session.
      EXPECT_EQ(v.at("original_shared_hex"), transcript.at("x25519_shared_secret_hex"));
      EXPECT_EQ(hex(session_id(session.get())), transcript.at("session_id_hex").get<std::string>());
    }

    // Callee side: the offer carries the peer value.
    Callee callee = make_callee(callee_id.get(), &cfg);
    const std::string offer = offer_json(public_key(caller_id.get()), peer_eph,
                                         sign_ephemeral(caller_id.get(), peer_eph, kOfferLabel),
                                         {"GOOD", "DEGRADED", "CATASTROPHIC"});
    Answered answered = answer_offer(callee.get(), offer);
    if (weak) {
      EXPECT_WZP(WZP_ERR_WEAK_KEY, answered.rc);
    } else {
      EXPECT_WZP(WZP_OK, answered.rc);
    }
  }
}

TEST(CapiHandshake, ProfileChoice) {
  const Json& t = crypto_section("handshake_transcripts").at(0);
  Identity callee_id = identity_from_seed_hex(t.at("callee").at("seed_hex"));
  const Bytes identity_pub = unhex(t.at("caller").at("identity_pub_hex"));
  const Bytes eph = unhex(t.at("caller").at("ephemeral_pub_hex"));
  const Bytes sig = unhex(t.at("caller").at("offer_signature_hex"));  // covers only eph || label
  for (const auto& v : crypto_section("profile_choice")) {
    SCOPED_TRACE(v.dump());
    Callee callee = make_callee(callee_id.get(), nullptr);
    const std::string offer =
        offer_json(identity_pub, eph, sig, v.at("offered").get<std::vector<std::string>>());
    Answered answered = answer_offer(callee.get(), offer);
    ASSERT_WZP_OK(answered.rc);
    const std::string chosen = v.at("chosen").get<std::string>();
    EXPECT_STREQ(wzp_session_profile(answered.session.get()), chosen.c_str());
    EXPECT_NE(answered.answer.find(R"("chosen_profile":)" + profile_json(chosen)), std::string::npos)
        << answered.answer;
  }
}

struct Pair {
  Identity caller_id, callee_id;
  Caller caller;
  Callee callee;
};
Pair random_pair(const wzp_handshake_config* caller_cfg = nullptr,
                 const wzp_handshake_config* callee_cfg = nullptr) {
  wzp_identity *a = nullptr, *b = nullptr;
  EXPECT_EQ(wzp_identity_new_random(&a), WZP_OK);
  EXPECT_EQ(wzp_identity_new_random(&b), WZP_OK);
  Identity ia(a), ib(b);
  Caller caller = make_caller(ia.get(), caller_cfg);
  Callee callee = make_callee(ib.get(), callee_cfg);
  return {std::move(ia), std::move(ib), std::move(caller), std::move(callee)};
}

TEST(CapiHandshake, V2SessionsSurviveLossAndReorderingAndRejectReplays) {
  Pair p = random_pair();
  const std::string offer = offer_of(p.caller.get());
  EXPECT_NE(offer.find(R"("wzp_media_session":2)"), std::string::npos);
  Answered answered = answer_offer(p.callee.get(), offer);
  ASSERT_WZP_OK(answered.rc);
  int rc = 0;
  Session caller = accept_answer(p.caller.get(), answered.answer, &rc);
  ASSERT_WZP_OK(rc);
  Session& callee = answered.session;
  EXPECT_EQ(hex(session_id(caller.get())), hex(session_id(callee.get())));

  // One key per direction: the same packet sealed by each side differs (no nonce reuse).
  const Bytes header = bytes_of("0123456789ab");
  EXPECT_NE(seal(caller.get(), header, 0, bytes_of("same")), seal(callee.get(), header, 0, bytes_of("same")));

  std::vector<Bytes> up, down;
  for (uint16_t seq = 1; seq <= 64; ++seq) {
    up.push_back(seal(caller.get(), header, seq, Bytes(3, static_cast<uint8_t>(seq))));
    down.push_back(seal(callee.get(), header, seq, Bytes(5, static_cast<uint8_t>(seq))));
  }
  // Every third packet lost, the rest delivered in a shuffled order.
  std::vector<uint16_t> order;
  for (uint16_t seq = 1; seq <= 64; ++seq)
    if (seq % 3 != 0) order.push_back(seq);
  for (size_t i = 0; i + 1 < order.size(); i += 2) std::swap(order[i], order[i + 1]);
  std::reverse(order.begin() + order.size() / 2, order.end());
  for (uint16_t seq : order) {
    EXPECT_EQ(open(callee.get(), header, seq, up[seq - 1], &rc), Bytes(3, static_cast<uint8_t>(seq)));
    EXPECT_WZP(WZP_OK, rc);
    EXPECT_EQ(open(caller.get(), header, seq, down[seq - 1], &rc), Bytes(5, static_cast<uint8_t>(seq)));
    EXPECT_WZP(WZP_OK, rc);
  }
  for (uint16_t seq : {order.front(), order.back(), uint16_t{10}}) {
    open(callee.get(), header, seq, up[seq - 1], &rc);
    EXPECT_WZP(WZP_ERR_REPLAY, rc);
    open(caller.get(), header, seq, down[seq - 1], &rc);
    EXPECT_WZP(WZP_ERR_REPLAY, rc);
  }
  // Tampered header or ciphertext: DECRYPT_FAILED, and the genuine late packet still opens.
  Bytes bad_header = header;
  bad_header[0] ^= 1;
  open(callee.get(), bad_header, 3, up[2], &rc);
  EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);
  Bytes bad = up[2];
  bad.back() ^= 1;
  open(callee.get(), header, 3, bad, &rc);
  EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);
  EXPECT_EQ(open(callee.get(), header, 3, up[2], &rc), Bytes(3, 3));
}

TEST(CapiHandshake, ReferenceSessionsNeedInOrderDelivery) {
  // What the negotiation protects against: a reference session loses sync on reordering.
  wzp_handshake_config cfg;
  wzp_handshake_config_init(&cfg);
  cfg.session_mode = WZP_SESSION_REFERENCE;
  Pair p = random_pair(&cfg, nullptr);
  const std::string offer = offer_of(p.caller.get());
  EXPECT_EQ(offer.find("wzp_media_session"), std::string::npos);
  Answered answered = answer_offer(p.callee.get(), offer);
  ASSERT_WZP_OK(answered.rc);
  EXPECT_EQ(answered.answer.find("wzp_media_session"), std::string::npos);
  int rc = 0;
  Session caller = accept_answer(p.caller.get(), answered.answer, &rc);
  ASSERT_WZP_OK(rc);
  const Bytes header = bytes_of("h");
  // Reference behaviour: both directions reuse the nonce sequence.
  EXPECT_EQ(seal(caller.get(), header, 0, bytes_of("x")),
            seal(answered.session.get(), header, 0, bytes_of("x")));
  const Bytes second = seal(caller.get(), header, 1, bytes_of("second"));
  open(answered.session.get(), header, 1, second, &rc);
  EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);
}

std::string tamper(const std::string& json, const std::string& variant, const std::string& field,
                   size_t index) {
  auto doc = nlohmann::ordered_json::parse(json);
  auto& value = doc.at(variant).at(field).at(index);
  value = value.get<int>() ^ 1;
  return doc.dump();
}

TEST(CapiHandshake, TamperedOfferIsRejected) {
  for (const char* field : {"signature", "ephemeral_pub", "identity_pub"}) {
    SCOPED_TRACE(field);
    Pair p = random_pair();
    const std::string offer = tamper(offer_of(p.caller.get()), "CallOffer", field, 5);
    Answered answered = answer_offer(p.callee.get(), offer);
    EXPECT_WZP(WZP_ERR_BAD_SIGNATURE, answered.rc);
    EXPECT_STRNE(wzp_last_error(), "");
    // The failed offer did not use up the callee: the genuine offer is answered.
    EXPECT_WZP(WZP_OK, answer_offer(p.callee.get(), offer_of(p.caller.get())).rc);
  }
}

TEST(CapiHandshake, TamperedAnswerIsRejected) {
  for (const char* field : {"signature", "ephemeral_pub", "identity_pub"}) {
    SCOPED_TRACE(field);
    Pair p = random_pair();
    Answered answered = answer_offer(p.callee.get(), offer_of(p.caller.get()));
    ASSERT_WZP_OK(answered.rc);
    int rc = 0;
    accept_answer(p.caller.get(), tamper(answered.answer, "CallAnswer", field, 31), &rc);
    EXPECT_WZP(WZP_ERR_BAD_SIGNATURE, rc);
    Session s = accept_answer(p.caller.get(), answered.answer, &rc);
    EXPECT_WZP(WZP_OK, rc);
  }
}

TEST(CapiHandshake, WrongMessagesAreRejected) {
  Pair p = random_pair();
  const std::string offer = offer_of(p.caller.get());
  int rc = 0;
  accept_answer(p.caller.get(), offer, &rc);
  EXPECT_WZP(WZP_ERR_UNEXPECTED_MESSAGE, rc);
  accept_answer(p.caller.get(), R"("Hold")", &rc);
  EXPECT_WZP(WZP_ERR_UNEXPECTED_MESSAGE, rc);
  accept_answer(p.caller.get(), "{not json", &rc);
  EXPECT_WZP(WZP_ERR_JSON, rc);

  EXPECT_WZP(WZP_ERR_UNEXPECTED_MESSAGE, answer_offer(p.callee.get(), R"({"Ping":{"timestamp_ms":1}})").rc);
  EXPECT_WZP(WZP_ERR_JSON, answer_offer(p.callee.get(), "").rc);
  Answered answered = answer_offer(p.callee.get(), offer);
  ASSERT_WZP_OK(answered.rc);
  Callee other = make_callee(p.caller_id.get(), nullptr);
  EXPECT_WZP(WZP_ERR_UNEXPECTED_MESSAGE, answer_offer(other.get(), answered.answer).rc);
}

TEST(CapiHandshake, CallOrderMistakes) {
  Pair p = random_pair();
  const std::string offer = offer_of(p.caller.get());
  EXPECT_EQ(offer_of(p.caller.get()), offer);  // the offer is stable
  Answered first = answer_offer(p.callee.get(), offer);
  ASSERT_WZP_OK(first.rc);
  Answered second = answer_offer(p.callee.get(), offer);
  EXPECT_WZP(WZP_ERR_INVALID_STATE, second.rc);

  int rc = 0;
  Session s = accept_answer(p.caller.get(), first.answer, &rc);
  ASSERT_WZP_OK(rc);
  accept_answer(p.caller.get(), first.answer, &rc);
  EXPECT_WZP(WZP_ERR_INVALID_STATE, rc);
}

TEST(CapiHandshake, BadConfigIsRejected) {
  Identity id = identity_from_seed(Bytes(32, 4));
  wzp_handshake_config cfg;
  wzp_handshake_config_init(&cfg);
  EXPECT_EQ(cfg.struct_size, sizeof cfg);
  EXPECT_EQ(cfg.ephemeral_secret, nullptr);
  EXPECT_EQ(cfg.session_mode, WZP_SESSION_V2);
  cfg.session_mode = static_cast<wzp_session_mode>(9);
  wzp_caller* caller = nullptr;
  wzp_callee* callee = nullptr;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_caller_new(id.get(), &cfg, &caller));
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_callee_new(id.get(), &cfg, &callee));
  EXPECT_EQ(caller, nullptr);
  EXPECT_EQ(callee, nullptr);
}

TEST(CapiHandshake, RandomEphemeralsGiveFreshOffers) {
  Identity id = identity_from_seed(Bytes(32, 5));
  Caller a = make_caller(id.get(), nullptr), b = make_caller(id.get(), nullptr);
  EXPECT_NE(offer_of(a.get()), offer_of(b.get()));
}

}  // namespace
}  // namespace wzp_capi_test
