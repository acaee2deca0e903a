// End-to-end encrypted calls through the C ABI (0.9.0): two clients of a live relay with
// e2e REQUIRED and each other as the only member exchange keys, hear each other, read the same
// safety words; the state JSON, the e2e counters and CALL_E2E events say so; the new calls
// refuse what they document.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "capi_test.hpp"
#include "wzp.h"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;

struct Member {
  wzp_identity* id = nullptr;
  std::array<char, 64> fp{};
  ClientOwner client;
  wzp_call* call = nullptr;
  ~Member() {
    wzp_call_free(call);
    wzp_client_free(client.h);
    client.h = nullptr;
    wzp_identity_free(id);
  }
};

void join(Member& m, uint16_t port) {
  ASSERT_EQ(wzp_identity_new_random(&m.id), WZP_OK);
  ASSERT_EQ(wzp_identity_fingerprint_str(m.id, m.fp.data(), m.fp.size()), WZP_OK);
  wzp_client_config c = loopback_client_config(port, "capi-e2e");
  c.identity = m.id;
  ASSERT_EQ(wzp_client_new(&c, &m.client.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_client_connect(m.client.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(m.client.h, kWaitMs), WZP_OK) << wzp_last_error();
}

nlohmann::json state_of(wzp_call* call) {
  char* json = nullptr;
  EXPECT_EQ(wzp_call_e2e_state_json(call, &json), WZP_OK) << wzp_last_error();
  auto parsed = nlohmann::json::parse(json == nullptr ? "{}" : json);
  wzp_free(json);
  return parsed;
}

std::string words_of(wzp_call* call) {
  char* words = nullptr;
  if (wzp_call_safety_words(call, &words) != WZP_OK) return {};
  std::string out(words);
  wzp_free(words);
  return out;
}

TEST(CapiCallE2e, TwoMembersKeyEachOtherAndReadTheSameWords) {
  RelayOwner relay;
  const uint16_t port = start_loopback_relay(relay);
  Member a, b;
  join(a, port);
  join(b, port);
  for (const auto& pair : {std::pair{&a, &b}, std::pair{&b, &a}}) {
    const char* members[] = {pair.second->fp.data()};
    wzp_call_config c;
    wzp_call_config_init(&c);
    c.e2e = WZP_E2E_REQUIRED;
    c.e2e_members = members;
    c.e2e_member_count = 1;
    ASSERT_EQ(wzp_call_new(pair.first->client.h, &c, &pair.first->call), WZP_OK) << wzp_last_error();
  }
  // Speak (a loud constant, never suppressed) until b has opened frames from a.
  const std::array<int16_t, WZP_CALL_FRAME_SAMPLES> frame = [] {
    std::array<int16_t, WZP_CALL_FRAME_SAMPLES> f{};
    for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<int16_t>(i % 48 < 24 ? 6000 : -6000);
    return f;
  }();
  wzp_call_stats st;
  wzp_call_stats_init(&st);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    ASSERT_EQ(wzp_call_send_pcm(a.call, frame.data(), frame.size()), WZP_OK);
    ASSERT_EQ(wzp_call_send_pcm(b.call, frame.data(), frame.size()), WZP_OK);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(wzp_call_stats_get(b.call, WZP_CALL_MIXED, &st), WZP_OK);
  } while (st.e2e_decrypted < 25 && std::chrono::steady_clock::now() < deadline);
  EXPECT_GE(st.e2e_decrypted, 25u);
  EXPECT_GT(st.e2e_encrypted, 0u);
  EXPECT_EQ(st.e2e_decrypt_failed, 0u);
  EXPECT_EQ(st.e2e_clear_refused, 0u);

  const auto state = state_of(b.call);
  EXPECT_EQ(state["policy"], "required");
  EXPECT_EQ(state["sending"], "encrypted");
  EXPECT_EQ(state["keys_from"], "room");
  ASSERT_EQ(state["members"].size(), 1u);
  EXPECT_EQ(state["members"][0], a.fp.data());
  bool a_ok = false;
  for (const auto& p : state["participants"]) a_ok |= p["fingerprint"] == a.fp.data() && p["state"] == "ok";
  EXPECT_TRUE(a_ok) << state.dump();

  const std::string wa = words_of(a.call), wb = words_of(b.call);
  EXPECT_FALSE(wa.empty());
  EXPECT_EQ(wa, wb);
  EXPECT_EQ(std::count(wa.begin(), wa.end(), ' '), 4) << wa;

  // b's queue got a CALL_E2E event saying a's key is ok.
  bool event_ok = false;
  wzp_event ev;
  wzp_event_init(&ev);
  while (wzp_client_next_event(b.client.h, &ev, 0) == WZP_OK) {
    if (ev.type == WZP_EVENT_CALL_E2E && ev.fingerprint != nullptr &&
        std::strcmp(ev.fingerprint, a.fp.data()) == 0)
      event_ok |= ev.e2e_state == WZP_E2E_OK;
  }
  wzp_event_clear(&ev);
  EXPECT_TRUE(event_ok);
  EXPECT_STREQ(wzp_event_type_name(WZP_EVENT_CALL_E2E), "CALL_E2E");

  // Removing a: b sends under a fresh key; a member list entry must be a fingerprint.
  const char* bad[] = {"not a fingerprint"};
  EXPECT_EQ(wzp_call_e2e_set_members(b.call, bad, 1), WZP_ERR_INVALID_ARGUMENT);
  const char* null_entry[] = {nullptr};
  EXPECT_EQ(wzp_call_e2e_set_members(b.call, null_entry, 1), WZP_ERR_INVALID_ARGUMENT);
  const char* none[] = {nullptr};
  EXPECT_EQ(wzp_call_e2e_set_members(b.call, none, 0), WZP_OK) << "an empty list: nobody";
  EXPECT_EQ(state_of(b.call)["keys"]["rotations"], 1);
  EXPECT_NE(words_of(b.call), wb);
}

TEST(CapiCallE2e, TheNewCallsRefuseWhatTheyDocument) {
  char* out = reinterpret_cast<char*>(1);
  EXPECT_EQ(wzp_call_e2e_state_json(nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  out = reinterpret_cast<char*>(1);
  EXPECT_EQ(wzp_call_safety_words(nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(wzp_call_e2e_set_members(nullptr, nullptr, 0), WZP_ERR_INVALID_ARGUMENT);

  RelayOwner relay;
  const uint16_t port = start_loopback_relay(relay);
  Member m;
  join(m, port);
  wzp_call_config c;
  wzp_call_config_init(&c);
  EXPECT_EQ(c.e2e, WZP_E2E_OFF);
  EXPECT_EQ(c.e2e_members, nullptr);
  c.e2e = 7;
  EXPECT_EQ(wzp_call_new(m.client.h, &c, &m.call), WZP_ERR_INVALID_ARGUMENT);
  c.e2e = WZP_E2E_REQUIRED;
  c.e2e_member_count = 2;  // and no list
  EXPECT_EQ(wzp_call_new(m.client.h, &c, &m.call), WZP_ERR_INVALID_ARGUMENT);
  wzp_call_config_init(&c);
  ASSERT_EQ(wzp_call_new(m.client.h, &c, &m.call), WZP_OK);
  EXPECT_EQ(wzp_call_e2e_state_json(m.call, &out), WZP_ERR_INVALID_STATE) << "not encrypted";
  EXPECT_EQ(wzp_call_safety_words(m.call, &out), WZP_ERR_INVALID_STATE);
  EXPECT_EQ(wzp_call_e2e_set_members(m.call, nullptr, 0), WZP_ERR_INVALID_STATE);
}

}  // namespace
}  // namespace wzp_capi_test
