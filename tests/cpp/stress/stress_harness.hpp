// Helpers of the stress tests: they drive libwzp only through <wzp.h>, from many
// threads at once, and are meant to run under ThreadSanitizer and AddressSanitizer.
#pragma once

#include <gtest/gtest.h>
#include <wzp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wzp_stress {

using namespace std::chrono_literals;

/// Fails the test instead of letting it hang: if not disarmed (destroyed) within
/// `limit`, prints what hung and aborts the process. A hang guard, not a timing test.
class Watchdog {
 public:
  Watchdog(std::chrono::seconds limit, std::string what) : what_(std::move(what)) {
    thread_ = std::thread([this, limit] {
      std::unique_lock lock(mutex_);
      if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
        (void)std::fprintf(stderr, "WATCHDOG: hung (deadlock?) in: %s\n", what_.c_str());
        std::abort();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::string what_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// Polls until `predicate` holds or 20 s pass (a hang guard).
inline bool eventually(const std::function<bool()>& predicate) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

inline wzp_relay* new_relay(wzp_event_cb callback = nullptr, void* user_data = nullptr) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.callback = callback;
  c.user_data = user_data;
  wzp_relay* relay = nullptr;
  EXPECT_EQ(wzp_relay_new(&c, &relay), WZP_OK) << wzp_last_error();
  return relay;
}

inline uint16_t port_of(const wzp_relay* relay) {
  uint16_t port = 0;
  EXPECT_EQ(wzp_relay_port(relay, &port), WZP_OK) << wzp_last_error();
  return port;
}

inline wzp_client* new_client(uint16_t port, const char* room, wzp_event_cb callback = nullptr,
                              void* user_data = nullptr) {
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = "127.0.0.1";
  c.relay_port = port;
  c.room = room;
  c.callback = callback;
  c.user_data = user_data;
  c.handshake_timeout_ms = 15'000;
  wzp_client* client = nullptr;
  EXPECT_EQ(wzp_client_new(&c, &client), WZP_OK) << wzp_last_error();
  return client;
}

/// A client that joined `room`, or nullptr (with a test failure).
inline wzp_client* joined_client(uint16_t port, const char* room, wzp_event_cb callback = nullptr,
                                 void* user_data = nullptr) {
  wzp_client* client = new_client(port, room, callback, user_data);
  if (client == nullptr) return nullptr;
  EXPECT_EQ(wzp_client_connect(client), WZP_OK) << wzp_last_error();
  int rc = wzp_client_wait_joined(client, 20'000);
  EXPECT_EQ(rc, WZP_OK) << wzp_last_error();
  if (rc != WZP_OK) {
    wzp_client_free(client);
    return nullptr;
  }
  return client;
}

/// A 12-byte media header and a short payload.
inline std::vector<uint8_t> media_packet(uint16_t seq) {
  wzp_media_header h{};
  h.codec = WZP_CODEC_OPUS16K;
  h.seq = seq;
  static const uint8_t payload[] = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<uint8_t> out(WZP_MEDIA_HEADER_BYTES + sizeof payload);
  size_t n = 0;
  EXPECT_EQ(wzp_media_packet_build(&h, payload, sizeof payload, nullptr, out.data(), out.size(), &n), WZP_OK);
  out.resize(n);
  return out;
}

/// Every read-only relay call once; returns false if one failed unexpectedly.
inline bool poke_relay(wzp_relay* relay) {
  wzp_relay_stats st;
  st.struct_size = sizeof st;
  bool ok = wzp_relay_stats_get(relay, &st) == WZP_OK;
  char* json = nullptr;
  ok = ok && wzp_relay_rooms_json(relay, &json) == WZP_OK && json != nullptr && json[0] == '[';
  wzp_free(json);
  char fp[WZP_FINGERPRINT_STR_LEN + 1];
  ok = ok && wzp_relay_fingerprint(relay, fp, sizeof fp) == WZP_OK;
  uint16_t port = 0;
  int rc = wzp_relay_port(relay, &port);
  ok = ok && (rc == WZP_OK || rc == WZP_ERR_INVALID_STATE);
  uint8_t cert[32];
  rc = wzp_relay_cert_sha256(relay, cert);
  ok = ok && (rc == WZP_OK || rc == WZP_ERR_INVALID_STATE);
  return ok;
}

}  // namespace wzp_stress
