// ABI behaviour: versions and sizes, status names, the thread-local detail message,
// NULL arguments, undersized buffers and config structs of older (smaller) layouts.
#include <cstddef>
#include <thread>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

TEST(CapiAbi, VersionAndSizes) {
  EXPECT_STREQ(wzp_version(), WZP_VERSION_STRING);
  EXPECT_EQ(wzp_version_number(),
            (uint32_t{WZP_VERSION_MAJOR} << 16) | (uint32_t{WZP_VERSION_MINOR} << 8) | WZP_VERSION_PATCH);
  EXPECT_EQ(wzp_seed_bytes(), 32U);
  EXPECT_EQ(wzp_public_key_bytes(), 32U);
  EXPECT_EQ(wzp_signature_bytes(), 64U);
  EXPECT_EQ(wzp_fingerprint_bytes(), 16U);
  EXPECT_EQ(wzp_fingerprint_str_len(), 39U);
  EXPECT_EQ(wzp_room_hash_len(), 32U);
  EXPECT_EQ(wzp_session_key_bytes(), 32U);
  EXPECT_EQ(wzp_aead_tag_bytes(), 16U);
  EXPECT_EQ(wzp_media_header_bytes(), 12U);
  EXPECT_EQ(wzp_max_signal_bytes(), 1048576U);
  // The sizes the vectors assume.
  const auto& c = vector_file("crypto.json").at("constants");
  EXPECT_EQ(c.at("aead_tag_bytes").get<size_t>(), wzp_aead_tag_bytes());
  EXPECT_EQ(vector_file("wire.json").at("signal_framing").at("max_len").get<size_t>(),
            wzp_max_signal_bytes());
}

TEST(CapiAbi, StatusNames) {
  const std::map<int, std::string> names = {
      {WZP_OK, "WZP_OK"},
      {WZP_ERR_INVALID_ARGUMENT, "WZP_ERR_INVALID_ARGUMENT"},
      {WZP_ERR_BUFFER_TOO_SMALL, "WZP_ERR_BUFFER_TOO_SMALL"},
      {WZP_ERR_NO_MEMORY, "WZP_ERR_NO_MEMORY"},
      {WZP_ERR_INTERNAL, "WZP_ERR_INTERNAL"},
      {WZP_ERR_INVALID_STATE, "WZP_ERR_INVALID_STATE"},
      {WZP_ERR_TIMEOUT, "WZP_ERR_TIMEOUT"},
      {WZP_ERR_WOULD_BLOCK, "WZP_ERR_WOULD_BLOCK"},
      {WZP_ERR_NOT_FOUND, "WZP_ERR_NOT_FOUND"},
      {WZP_ERR_IO, "WZP_ERR_IO"},
      {WZP_ERR_INVALID_HEX, "WZP_ERR_INVALID_HEX"},
      {WZP_ERR_INVALID_LENGTH, "WZP_ERR_INVALID_LENGTH"},
      {WZP_ERR_MNEMONIC_WORD_COUNT, "WZP_ERR_MNEMONIC_WORD_COUNT"},
      {WZP_ERR_MNEMONIC_UNKNOWN_WORD, "WZP_ERR_MNEMONIC_UNKNOWN_WORD"},
      {WZP_ERR_MNEMONIC_CHECKSUM, "WZP_ERR_MNEMONIC_CHECKSUM"},
      {WZP_ERR_MNEMONIC_ENTROPY_LENGTH, "WZP_ERR_MNEMONIC_ENTROPY_LENGTH"},
      {WZP_ERR_FINGERPRINT_TOO_SHORT, "WZP_ERR_FINGERPRINT_TOO_SHORT"},
      {WZP_ERR_BAD_SIGNATURE, "WZP_ERR_BAD_SIGNATURE"},
      {WZP_ERR_WEAK_KEY, "WZP_ERR_WEAK_KEY"},
      {WZP_ERR_UNEXPECTED_MESSAGE, "WZP_ERR_UNEXPECTED_MESSAGE"},
      {WZP_ERR_DECRYPT_FAILED, "WZP_ERR_DECRYPT_FAILED"},
      {WZP_ERR_REPLAY, "WZP_ERR_REPLAY"},
      {WZP_ERR_REKEY_FAILED, "WZP_ERR_REKEY_FAILED"},
      {WZP_ERR_MALFORMED, "WZP_ERR_MALFORMED"},
      {WZP_ERR_JSON, "WZP_ERR_JSON"},
      {WZP_ERR_TOO_LARGE, "WZP_ERR_TOO_LARGE"},
      {WZP_ERR_TRANSPORT, "WZP_ERR_TRANSPORT"},
      {WZP_ERR_TLS, "WZP_ERR_TLS"},
      {WZP_ERR_CLOSED, "WZP_ERR_CLOSED"},
      {WZP_ERR_AUTH_REJECTED, "WZP_ERR_AUTH_REJECTED"},
      {WZP_ERR_AUTH_UNAVAILABLE, "WZP_ERR_AUTH_UNAVAILABLE"},
      {WZP_ERR_ACL_DENIED, "WZP_ERR_ACL_DENIED"},
      {WZP_ERR_ROOM_FULL, "WZP_ERR_ROOM_FULL"},
      {WZP_ERR_HANDSHAKE_FAILED, "WZP_ERR_HANDSHAKE_FAILED"},
      {WZP_ERR_SERVER_FULL, "WZP_ERR_SERVER_FULL"},
      {WZP_ERR_NOT_SUPPORTED, "WZP_ERR_NOT_SUPPORTED"},
  };
  for (const auto& [code, name] : names) EXPECT_EQ(std::string(wzp_strerror(code)), name) << code;
  for (int code = -100; code <= 100; ++code) {
    ASSERT_NE(wzp_strerror(code), nullptr);
    if (!names.contains(code)) {
      EXPECT_STREQ(wzp_strerror(code), "WZP_ERR_UNKNOWN") << code;
    }
  }
  EXPECT_STREQ(wzp_strerror(INT32_MIN), "WZP_ERR_UNKNOWN");
  EXPECT_STREQ(wzp_strerror(INT32_MAX), "WZP_ERR_UNKNOWN");
}

TEST(CapiAbi, LastErrorIsThreadLocal) {
  uint8_t fp[WZP_FINGERPRINT_BYTES];
  EXPECT_WZP(WZP_ERR_FINGERPRINT_TOO_SHORT, wzp_fingerprint_parse("abcd", fp));
  const std::string main_message = wzp_last_error();
  EXPECT_EQ(main_message, "fingerprint too short");

  std::string seen_before, seen_after;
  int other_rc = WZP_OK;
  std::thread other([&] {
    seen_before = wzp_last_error();
    uint8_t out[WZP_FINGERPRINT_BYTES];
    other_rc = wzp_fingerprint_parse("abc", out);  // odd digit count: a different message
    seen_after = wzp_last_error();
  });
  other.join();
  EXPECT_EQ(other_rc, WZP_ERR_INVALID_HEX);
  EXPECT_EQ(seen_before, "");
  EXPECT_EQ(seen_after, "invalid hex: Odd number of digits");
  EXPECT_EQ(std::string(wzp_last_error()), main_message);

  // Successful calls leave the message alone; the next failure replaces it.
  ASSERT_WZP_OK(wzp_fingerprint_parse("00112233445566778899aabbccddeeff", fp));
  EXPECT_EQ(std::string(wzp_last_error()), main_message);
}

TEST(CapiAbi, ManyThreadsUseSeparateHandles) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  Identity shared = identity_from_seed(Bytes(32, 0x77));  // identities may be shared read-only
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      const Bytes key(32, static_cast<uint8_t>(t));
      Session a = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLER);
      Session b = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLEE);
      for (uint16_t seq = 0; seq < 200; ++seq) {
        const Bytes pt(seq % 50, static_cast<uint8_t>(t));
        int rc = 0;
        if (open(b.get(), bytes_of("h"), seq, seal(a.get(), bytes_of("h"), seq, pt), &rc) != pt ||
            rc != WZP_OK) {
          ++failures[t];
        }
        uint8_t sig[WZP_SIGNATURE_BYTES];
        if (wzp_identity_sign(shared.get(), pt.data(), pt.size(), sig) != WZP_OK) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// Every entry point with a NULL where a pointer is required: INVALID_ARGUMENT (never a crash)
// and a detail message naming the argument.
TEST(CapiAbi, NullArguments) {
  Identity id = identity_from_seed(Bytes(32, 1));
  Session session = session_from_key(Bytes(32, 2), WZP_SESSION_V2);
  wzp_replay_window* window_raw = nullptr;
  ASSERT_WZP_OK(wzp_replay_window_new(&window_raw));
  ReplayWindow window(window_raw);
  wzp_caller* caller_raw = nullptr;
  ASSERT_WZP_OK(wzp_caller_new(id.get(), nullptr, &caller_raw));
  Caller caller(caller_raw);
  wzp_callee* callee_raw = nullptr;
  ASSERT_WZP_OK(wzp_callee_new(id.get(), nullptr, &callee_raw));
  Callee callee(callee_raw);

  uint8_t buf[256] = {};
  char text[64] = {};
  char* str = nullptr;
  uint8_t* bytes = nullptr;
  size_t n = 0;
  wzp_identity* new_id = nullptr;
  wzp_session* new_session = nullptr;
  wzp_media_header header{};
  wzp_trunk_entry entries[2];
  const char* variant = nullptr;
  const std::string json = R"("Hold")";

  const std::vector<std::pair<const char*, int>> calls = {
      {"identity_new_random", wzp_identity_new_random(nullptr)},
      {"identity_from_seed seed", wzp_identity_from_seed(nullptr, &new_id)},
      {"identity_from_seed out", wzp_identity_from_seed(buf, nullptr)},
      {"identity_from_hex hex", wzp_identity_from_hex(nullptr, &new_id)},
      {"identity_from_hex out", wzp_identity_from_hex("00", nullptr)},
      {"identity_from_mnemonic words", wzp_identity_from_mnemonic(nullptr, &new_id)},
      {"identity_from_mnemonic out", wzp_identity_from_mnemonic("abandon", nullptr)},
      {"identity_seed id", wzp_identity_seed(nullptr, buf)},
      {"identity_seed out", wzp_identity_seed(id.get(), nullptr)},
      {"identity_public_key", wzp_identity_public_key(nullptr, buf)},
      {"identity_public_key out", wzp_identity_public_key(id.get(), nullptr)},
      {"identity_x25519_public_key", wzp_identity_x25519_public_key(nullptr, buf)},
      {"identity_x25519_public_key out", wzp_identity_x25519_public_key(id.get(), nullptr)},
      {"identity_fingerprint", wzp_identity_fingerprint(nullptr, buf)},
      {"identity_fingerprint out", wzp_identity_fingerprint(id.get(), nullptr)},
      {"identity_fingerprint_str", wzp_identity_fingerprint_str(nullptr, text, sizeof text)},
      {"identity_fingerprint_str buf", wzp_identity_fingerprint_str(id.get(), nullptr, 40)},
      {"identity_mnemonic", wzp_identity_mnemonic(nullptr, &str)},
      {"identity_mnemonic out", wzp_identity_mnemonic(id.get(), nullptr)},
      {"identity_sign id", wzp_identity_sign(nullptr, buf, 1, buf)},
      {"identity_sign msg", wzp_identity_sign(id.get(), nullptr, 1, buf)},
      {"identity_sign sig", wzp_identity_sign(id.get(), buf, 1, nullptr)},
      {"verify key", wzp_verify(nullptr, buf, 1, buf, 64)},
      {"verify msg", wzp_verify(buf, nullptr, 1, buf, 64)},
      {"verify sig", wzp_verify(buf, buf, 1, nullptr, 64)},
      {"fingerprint_parse text", wzp_fingerprint_parse(nullptr, buf)},
      {"fingerprint_parse out", wzp_fingerprint_parse("00112233445566778899aabbccddeeff", nullptr)},
      {"fingerprint_format fp", wzp_fingerprint_format(nullptr, text, sizeof text)},
      {"fingerprint_format buf", wzp_fingerprint_format(buf, nullptr, 40)},
      {"hash_room_name name", wzp_hash_room_name(nullptr, 3, text)},
      {"hash_room_name out", wzp_hash_room_name("abc", 3, nullptr)},
      {"session_new key", wzp_session_new(nullptr, nullptr, &new_session)},
      {"session_new out", wzp_session_new(buf, nullptr, nullptr)},
      {"session_id", wzp_session_id(nullptr, buf)},
      {"session_id out", wzp_session_id(session.get(), nullptr)},
      {"session_seal session", wzp_session_seal(nullptr, buf, 1, 0, buf, 1, buf, sizeof buf, &n)},
      {"session_seal header", wzp_session_seal(session.get(), nullptr, 1, 0, buf, 1, buf, sizeof buf, &n)},
      {"session_seal pt", wzp_session_seal(session.get(), buf, 1, 0, nullptr, 1, buf, sizeof buf, &n)},
      {"session_seal out", wzp_session_seal(session.get(), buf, 1, 0, buf, 1, nullptr, sizeof buf, &n)},
      {"session_seal out_len", wzp_session_seal(session.get(), buf, 1, 0, buf, 1, buf, sizeof buf, nullptr)},
      {"session_open session", wzp_session_open(nullptr, buf, 1, 0, buf, 17, buf, sizeof buf, &n)},
      {"session_open header", wzp_session_open(session.get(), nullptr, 1, 0, buf, 17, buf, sizeof buf, &n)},
      {"session_open ct", wzp_session_open(session.get(), buf, 1, 0, nullptr, 17, buf, sizeof buf, &n)},
      {"session_open out", wzp_session_open(session.get(), buf, 1, 0, buf, 17, nullptr, sizeof buf, &n)},
      {"session_open out_len", wzp_session_open(session.get(), buf, 1, 0, buf, 17, buf, sizeof buf, nullptr)},
      {"session_rekey_begin", wzp_session_rekey_begin(nullptr, nullptr, buf)},
      {"session_rekey_begin out", wzp_session_rekey_begin(session.get(), nullptr, nullptr)},
      {"session_rekey_complete", wzp_session_rekey_complete(nullptr, buf)},
      {"session_rekey_complete peer", wzp_session_rekey_complete(session.get(), nullptr)},
      {"reference_nonce sid", wzp_reference_nonce(nullptr, 0, 0, buf)},
      {"reference_nonce out", wzp_reference_nonce(buf, 0, 0, nullptr)},
      {"aead_seal key", wzp_aead_seal(nullptr, buf, buf, 1, buf, 1, buf, sizeof buf, &n)},
      {"aead_seal nonce", wzp_aead_seal(buf, nullptr, buf, 1, buf, 1, buf, sizeof buf, &n)},
      {"aead_seal aad", wzp_aead_seal(buf, buf, nullptr, 1, buf, 1, buf, sizeof buf, &n)},
      {"aead_seal pt", wzp_aead_seal(buf, buf, buf, 1, nullptr, 1, buf, sizeof buf, &n)},
      {"aead_seal out", wzp_aead_seal(buf, buf, buf, 1, buf, 1, nullptr, sizeof buf, &n)},
      {"aead_seal out_len", wzp_aead_seal(buf, buf, buf, 1, buf, 1, buf, sizeof buf, nullptr)},
      {"aead_open key", wzp_aead_open(nullptr, buf, buf, 1, buf, 17, buf, sizeof buf, &n)},
      {"aead_open nonce", wzp_aead_open(buf, nullptr, buf, 1, buf, 17, buf, sizeof buf, &n)},
      {"aead_open aad", wzp_aead_open(buf, buf, nullptr, 1, buf, 17, buf, sizeof buf, &n)},
      {"aead_open ct", wzp_aead_open(buf, buf, buf, 1, nullptr, 17, buf, sizeof buf, &n)},
      {"aead_open out", wzp_aead_open(buf, buf, buf, 1, buf, 17, nullptr, sizeof buf, &n)},
      {"aead_open out_len", wzp_aead_open(buf, buf, buf, 1, buf, 17, buf, sizeof buf, nullptr)},
      {"replay_window_new", wzp_replay_window_new(nullptr)},
      {"replay_window_check", wzp_replay_window_check(nullptr, 1)},
      {"caller_new identity", wzp_caller_new(nullptr, nullptr, &caller_raw)},
      {"caller_new out", wzp_caller_new(id.get(), nullptr, nullptr)},
      {"caller_offer_json", wzp_caller_offer_json(nullptr, &str)},
      {"caller_offer_json out", wzp_caller_offer_json(caller.get(), nullptr)},
      {"caller_accept_answer caller",
       wzp_caller_accept_answer(nullptr, json.data(), json.size(), &new_session)},
      {"caller_accept_answer json", wzp_caller_accept_answer(caller.get(), nullptr, 5, &new_session)},
      {"caller_accept_answer out", wzp_caller_accept_answer(caller.get(), json.data(), json.size(), nullptr)},
      {"callee_new identity", wzp_callee_new(nullptr, nullptr, &callee_raw)},
      {"callee_new out", wzp_callee_new(id.get(), nullptr, nullptr)},
      {"callee_accept_offer callee",
       wzp_callee_accept_offer(nullptr, json.data(), json.size(), &str, &new_session)},
      {"callee_accept_offer json", wzp_callee_accept_offer(callee.get(), nullptr, 5, &str, &new_session)},
      {"callee_accept_offer answer",
       wzp_callee_accept_offer(callee.get(), json.data(), json.size(), nullptr, &new_session)},
      {"callee_accept_offer session",
       wzp_callee_accept_offer(callee.get(), json.data(), json.size(), &str, nullptr)},
      {"session_peer_public_key", wzp_session_peer_public_key(nullptr, buf)},
      {"session_peer_public_key out", wzp_session_peer_public_key(session.get(), nullptr)},
      {"session_peer_fingerprint", wzp_session_peer_fingerprint(nullptr, buf)},
      {"session_peer_fingerprint out", wzp_session_peer_fingerprint(session.get(), nullptr)},
      {"signal_validate", wzp_signal_validate(nullptr, 5, &variant)},
      {"signal_canonical json", wzp_signal_canonical(nullptr, 5, &str)},
      {"signal_canonical out", wzp_signal_canonical(json.data(), json.size(), nullptr)},
      {"signal_frame json", wzp_signal_frame(nullptr, 5, &bytes, &n)},
      {"signal_frame out", wzp_signal_frame(json.data(), json.size(), nullptr, &n)},
      {"signal_frame out_len", wzp_signal_frame(json.data(), json.size(), &bytes, nullptr)},
      {"signal_unframe frame", wzp_signal_unframe(nullptr, 10, &str, &n)},
      {"signal_unframe out", wzp_signal_unframe(buf, 0, nullptr, &n)},
      {"signal_unframe out_len", wzp_signal_unframe(buf, 0, &str, nullptr)},
      {"media_header_encode header", wzp_media_header_encode(nullptr, buf)},
      {"media_header_encode out", wzp_media_header_encode(&header, nullptr)},
      {"media_header_decode data", wzp_media_header_decode(nullptr, 12, &header)},
      {"media_header_decode out", wzp_media_header_decode(buf, 12, nullptr)},
      {"media_packet_parse data",
       wzp_media_packet_parse(nullptr, 12, &header, nullptr, nullptr, nullptr, nullptr)},
      {"media_packet_build header", wzp_media_packet_build(nullptr, buf, 1, nullptr, buf, sizeof buf, &n)},
      {"media_packet_build payload",
       wzp_media_packet_build(&header, nullptr, 1, nullptr, buf, sizeof buf, &n)},
      {"media_packet_build out", wzp_media_packet_build(&header, buf, 1, nullptr, nullptr, sizeof buf, &n)},
      {"media_packet_build out_len",
       wzp_media_packet_build(&header, buf, 1, nullptr, buf, sizeof buf, nullptr)},
      {"trunk_frame_build entries", wzp_trunk_frame_build(nullptr, 1, buf, sizeof buf, &n)},
      {"trunk_frame_build out", wzp_trunk_frame_build(entries, 0, nullptr, sizeof buf, &n)},
      {"trunk_frame_build out_len", wzp_trunk_frame_build(entries, 0, buf, sizeof buf, nullptr)},
      {"trunk_frame_parse data", wzp_trunk_frame_parse(nullptr, 2, entries, 2, &n)},
      {"trunk_frame_parse entries",
       wzp_trunk_frame_parse(reinterpret_cast<const uint8_t*>("\0\1\0\1\0\0"), 6, nullptr, 2, &n)},
      {"trunk_frame_parse out_count",
       wzp_trunk_frame_parse(reinterpret_cast<const uint8_t*>("\0\0"), 2, entries, 2, nullptr)},
  };
  for (const auto& [what, rc] : calls) {
    EXPECT_EQ(rc, WZP_ERR_INVALID_ARGUMENT) << what << ": " << wzp_strerror(rc);
  }
  EXPECT_EQ(new_id, nullptr);
  EXPECT_EQ(new_session, nullptr);
  EXPECT_EQ(str, nullptr);
  EXPECT_EQ(bytes, nullptr);

  // The detail message names the argument.
  EXPECT_EQ(wzp_identity_from_seed(nullptr, &new_id), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("seed"), std::string::npos) << wzp_last_error();

  // Free functions and wzp_free accept NULL; wzp_session_profile returns NULL.
  wzp_identity_free(nullptr);
  wzp_session_free(nullptr);
  wzp_caller_free(nullptr);
  wzp_callee_free(nullptr);
  wzp_replay_window_free(nullptr);
  wzp_free(nullptr);
  wzp_session_config_init_sized(nullptr, sizeof(wzp_session_config));
  wzp_handshake_config_init_sized(nullptr, sizeof(wzp_handshake_config));
  wzp_relay_config_init_sized(nullptr, sizeof(wzp_relay_config));
  wzp_client_config_init_sized(nullptr, sizeof(wzp_client_config));
  wzp_relay_stats_init_sized(nullptr, sizeof(wzp_relay_stats));
  wzp_client_stats_init_sized(nullptr, sizeof(wzp_client_stats));
  wzp_event_init_sized(nullptr, sizeof(wzp_event));
  wzp_event_clear(nullptr);
  EXPECT_EQ(wzp_session_profile(nullptr), nullptr);
}

TEST(CapiAbi, EmptyInputsWithNullPointersAreFine) {
  // A NULL pointer with a zero length is an empty input, not an error.
  char room[WZP_ROOM_HASH_LEN + 1];
  EXPECT_WZP(WZP_OK, wzp_hash_room_name(nullptr, 0, room));
  EXPECT_STREQ(room, "b0d6defd95a8636790ef7e362961f4cd");
  uint8_t key[32] = {}, nonce[12] = {}, out[16];
  size_t n = 0;
  EXPECT_WZP(WZP_OK, wzp_aead_seal(key, nonce, nullptr, 0, nullptr, 0, out, sizeof out, &n));
  EXPECT_EQ(n, 16U);
  EXPECT_WZP(WZP_OK, wzp_aead_open(key, nonce, nullptr, 0, out, 16, nullptr, 0, &n));
  EXPECT_EQ(n, 0U);
  uint8_t* framed = nullptr;
  EXPECT_WZP(WZP_OK, wzp_signal_frame(nullptr, 0, &framed, &n));
  Owned owner(framed);
  EXPECT_EQ(n, 4U);
  wzp_trunk_entry none[1];
  size_t count = 99;
  EXPECT_WZP(WZP_OK, wzp_trunk_frame_parse(reinterpret_cast<const uint8_t*>("\0\0"), 2, none, 0, &count));
  EXPECT_EQ(count, 0U);
}

TEST(CapiAbi, BufferTooSmallReportsTheNeededSize) {
  Session a = session_from_key(Bytes(32, 3), WZP_SESSION_V2, WZP_ROLE_CALLER);
  Session b = session_from_key(Bytes(32, 3), WZP_SESSION_V2, WZP_ROLE_CALLEE);
  const Bytes header = bytes_of("hdr"), pt = bytes_of("twenty bytes of data");
  Bytes out(pt.size() + WZP_AEAD_TAG_BYTES);
  size_t n = 0;
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_session_seal(a.get(), header.data(), header.size(), 5, pt.data(),
                                                        pt.size(), out.data(), out.size() - 1, &n));
  EXPECT_EQ(n, out.size());
  EXPECT_NE(std::string(wzp_last_error()).find("16"), std::string::npos) << wzp_last_error();
  // The failed call did not use the sequence number: sealing seq 5 now works and opens.
  ASSERT_WZP_OK(wzp_session_seal(a.get(), header.data(), header.size(), 5, pt.data(), pt.size(), out.data(),
                                 out.size(), &n));
  Bytes back(pt.size());
  size_t m = 0;
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_session_open(b.get(), header.data(), header.size(), 5, out.data(),
                                                        out.size(), back.data(), back.size() - 1, &m));
  EXPECT_EQ(m, pt.size());
  ASSERT_WZP_OK(wzp_session_open(b.get(), header.data(), header.size(), 5, out.data(), out.size(),
                                 back.data(), back.size(), &m));
  EXPECT_EQ(back, pt);

  uint8_t key[32] = {}, nonce[12] = {};
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL,
             wzp_aead_seal(key, nonce, nullptr, 0, pt.data(), pt.size(), out.data(), 3, &n));
  EXPECT_EQ(n, pt.size() + 16);
  ASSERT_WZP_OK(wzp_aead_seal(key, nonce, nullptr, 0, pt.data(), pt.size(), out.data(), out.size(), &n));
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL,
             wzp_aead_open(key, nonce, nullptr, 0, out.data(), out.size(), back.data(), 1, &m));
  EXPECT_EQ(m, pt.size());

  Identity id = identity_from_seed(Bytes(32, 1));
  char small[WZP_FINGERPRINT_STR_LEN];
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_identity_fingerprint_str(id.get(), small, sizeof small));
  EXPECT_NE(std::string(wzp_last_error()).find("40"), std::string::npos) << wzp_last_error();
  uint8_t fp[WZP_FINGERPRINT_BYTES] = {};
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_fingerprint_format(fp, small, sizeof small));
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_fingerprint_format(fp, small, 0));

  const uint8_t frame[] = {0, 2, 0, 1, 0, 1, 'a', 0, 2, 0, 0};
  wzp_trunk_entry one[1];
  size_t count = 0;
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_trunk_frame_parse(frame, sizeof frame, one, 1, &count));
  EXPECT_EQ(count, 2U);
}

// A call that fails on its output arguments must not consume the session's nonce or
// receive counter: the next good call behaves as if the failed one never happened.
TEST(CapiAbi, FailedOutputArgumentsConsumeNothing) {
  const Json& stream = crypto_section("session_streams").at(2);
  ASSERT_GE(stream.at("packets").size(), 2U);
  const Json& p0 = stream.at("packets").at(0);
  const Bytes key = unhex(stream.at("key_hex"));
  const Bytes header = unhex(p0.at("header_hex")), pt = unhex(p0.at("plaintext_hex"));
  const Bytes ct = unhex(p0.at("ciphertext_and_tag_hex"));
  Session sender = session_from_key(key, WZP_SESSION_REFERENCE);
  Session receiver = session_from_key(key, WZP_SESSION_REFERENCE);
  Bytes out(ct.size());
  size_t n = 0;
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_session_seal(sender.get(), header.data(), header.size(), 0,
                                                        pt.data(), pt.size(), nullptr, out.size(), &n));
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL,
             wzp_session_seal(sender.get(), header.data(), header.size(), 0, pt.data(), pt.size(), out.data(),
                              out.size() - 1, &n));
  EXPECT_EQ(hex(seal(sender.get(), header, 0, pt)), hex(ct));

  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_session_open(receiver.get(), header.data(), header.size(), 0,
                                                        ct.data(), ct.size(), nullptr, out.size(), &n));
  EXPECT_WZP(WZP_ERR_BUFFER_TOO_SMALL, wzp_session_open(receiver.get(), header.data(), header.size(), 0,
                                                        ct.data(), ct.size(), out.data(), pt.size() - 1, &n));
  int rc = 0;
  EXPECT_EQ(hex(open(receiver.get(), header, 0, ct, &rc)), hex(pt));
  EXPECT_WZP(WZP_OK, rc);

  // V2: the replay window does not record a packet whose plaintext was never delivered.
  Session a = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLER);
  Session b = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLEE);
  const Bytes v2 = seal(a.get(), header, 9, pt);
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_session_open(b.get(), header.data(), header.size(), 9, v2.data(),
                                                        v2.size(), nullptr, out.size(), &n));
  EXPECT_EQ(hex(open(b.get(), header, 9, v2, &rc)), hex(pt));
  EXPECT_WZP(WZP_OK, rc);
}

// Older callers pass a smaller struct (struct_size tells how much of it exists): fields
// beyond it are never read, whatever the memory after them holds.
TEST(CapiAbi, OlderConfigStructsStillWork) {
  Identity alice = identity_from_seed(Bytes(32, 0xaa));
  Identity bob = identity_from_seed(Bytes(32, 0xbb));
  const Bytes secret(32, 0x42);

  // Handshake config that ends before session_mode: the mode defaults to v2 even though the
  // memory where session_mode would be holds garbage.
  wzp_handshake_config old_cfg;
  std::memset(&old_cfg, 0xEE, sizeof old_cfg);
  old_cfg.struct_size = offsetof(wzp_handshake_config, session_mode);
  old_cfg.ephemeral_secret = secret.data();
  wzp_caller* raw = nullptr;
  ASSERT_WZP_OK(wzp_caller_new(alice.get(), &old_cfg, &raw));
  Caller caller(raw);
  char* offer_raw = nullptr;
  ASSERT_WZP_OK(wzp_caller_offer_json(caller.get(), &offer_raw));
  const std::string offer = take_string(offer_raw);
  EXPECT_NE(offer.find(R"("wzp_media_session":2)"), std::string::npos);
  // The fixed ephemeral secret was honoured: a second caller makes the same offer.
  wzp_handshake_config full;
  wzp_handshake_config_init(&full);
  full.ephemeral_secret = secret.data();
  ASSERT_WZP_OK(wzp_caller_new(alice.get(), &full, &raw));
  Caller same(raw);
  ASSERT_WZP_OK(wzp_caller_offer_json(same.get(), &offer_raw));
  EXPECT_EQ(take_string(offer_raw), offer);

  // A config with only struct_size: every field defaults (random ephemeral, v2).
  wzp_handshake_config tiny;
  std::memset(&tiny, 0xEE, sizeof tiny);
  tiny.struct_size = sizeof(size_t);
  wzp_callee* callee_raw = nullptr;
  ASSERT_WZP_OK(wzp_callee_new(bob.get(), &tiny, &callee_raw));
  Callee callee(callee_raw);
  char* answer = nullptr;
  wzp_session* session = nullptr;
  ASSERT_WZP_OK(wzp_callee_accept_offer(callee.get(), offer.data(), offer.size(), &answer, &session));
  Session callee_session(session);
  const std::string answer_json = take_string(answer);
  EXPECT_NE(answer_json.find(R"("wzp_media_session":2)"), std::string::npos);

  // Session config that ends before role: the role defaults to caller.
  wzp_session_config old_session;
  std::memset(&old_session, 0xEE, sizeof old_session);
  old_session.struct_size = offsetof(wzp_session_config, role);
  old_session.mode = WZP_SESSION_V2;
  wzp_session* s_raw = nullptr;
  const Bytes key(32, 9);
  ASSERT_WZP_OK(wzp_session_new(key.data(), &old_session, &s_raw));
  Session old_caller(s_raw);
  Session callee_side = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLEE);
  EXPECT_EQ(text_of(open(callee_side.get(), bytes_of("h"), 1,
                         seal(old_caller.get(), bytes_of("h"), 1, bytes_of("hello")))),
            "hello");

  // A newer caller's larger struct: the known fields are read, the rest ignored.
  struct Newer {
    wzp_session_config base;
    uint64_t future_field;
  } newer;
  wzp_session_config_init(&newer.base);
  newer.base.struct_size = sizeof newer;
  newer.base.mode = WZP_SESSION_REFERENCE;
  newer.future_field = ~0ULL;
  ASSERT_WZP_OK(wzp_session_new(key.data(), &newer.base, &s_raw));
  Session reference(s_raw);
  Session reference_too = session_from_key(key, WZP_SESSION_REFERENCE);
  EXPECT_EQ(seal(reference.get(), bytes_of("h"), 0, bytes_of("x")),
            seal(reference_too.get(), bytes_of("h"), 0, bytes_of("x")));
}

TEST(CapiAbi, LibraryOwnedBuffersAreReleasedWithWzpFree) {
  Identity id = identity_from_seed(Bytes(32, 0x55));
  for (int i = 0; i < 100; ++i) {
    char* words = nullptr;
    ASSERT_WZP_OK(wzp_identity_mnemonic(id.get(), &words));
    EXPECT_EQ(std::count(words, words + std::strlen(words), ' '), 23);
    wzp_free(words);
    uint8_t* framed = nullptr;
    size_t n = 0;
    ASSERT_WZP_OK(wzp_signal_frame("\"Hold\"", 6, &framed, &n));
    wzp_free(framed);
  }
}

}  // namespace
}  // namespace wzp_capi_test
