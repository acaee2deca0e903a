// The relay never holds a plaintext frame of an end-to-end encrypted call. Three clients join
// a room of an in-process relay (real QUIC on loopback, trunked forwarding so each receiver
// tells the senders apart), each runs a LiveCall under e2e::CallEncryption (policy required,
// the three as members) and sends two seconds of a tone. A decorator around each sender's
// FrameProtection records every plaintext datagram before it is sealed; the relay's
// forward_observer (a test hook, relay_config.hpp) shows every datagram it forwards. No 8-byte
// window of any plaintext payload may appear in anything the relay forwarded, nor in its
// forwarding buffer once it stopped. The same run without end-to-end encryption, checked the
// same way, must find them (the check can fail).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <memory>
#include <mutex>
#include <numbers>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/tones.hpp"
#include "e2e/call_encryption.hpp"
#include "e2e/policy.hpp"
#include "live_harness.hpp"
#include "media/call/call_hooks.hpp"
#include "media/call/live_call.hpp"
#include "wire/media_packet.hpp"

namespace wzp::live_testing {
namespace {

constexpr const char* kRoom = "e2erelay";
constexpr size_t kMembers = 3;
constexpr size_t kWindow = 8;  // bytes of plaintext that must not appear at the relay
constexpr int kToneMs = 2'000;
constexpr int kFrameMs = 20;

// Every datagram the relay forwarded (copied on its loop thread), and where its forwarding
// buffer was the last time.
class ForwardLog {
 public:
  void observe(ByteView datagram) {
    std::lock_guard lock(mutex_);
    datagrams_.emplace_back(datagram.begin(), datagram.end());
    last_ = datagram;
  }
  std::vector<Bytes> datagrams() const {
    std::lock_guard lock(mutex_);
    return datagrams_;
  }
  size_t count() const {
    std::lock_guard lock(mutex_);
    return datagrams_.size();
  }
  /// The relay's own forwarding buffer: read it only once the relay's loop stopped.
  ByteView last_buffer() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Bytes> datagrams_;
  ByteView last_;
};

// A sender's protection stage with a recorder in front: the payload of every datagram it is
// asked to protect (after the 12-byte header, before any quality report), as the call made it.
class RecordingProtection final : public media::PayloadProtection {
 public:
  explicit RecordingProtection(std::shared_ptr<media::PayloadProtection> inner) : inner_(std::move(inner)) {}

  Status protect(Bytes& datagram) override {
    {
      std::lock_guard lock(mutex_);
      if (auto packet = wire::parse_media_packet(datagram); packet) {
        payloads_.emplace_back(packet->payload.begin(), packet->payload.end());
      } else {
        ++unparsed_;
      }
    }
    return inner_->protect(datagram);
  }
  Result<ByteView> unprotect(uint16_t source, ByteView datagram, Bytes& scratch) override {
    return inner_->unprotect(source, datagram, scratch);
  }
  std::vector<std::pair<uint16_t, Bytes>> take_ready() override { return inner_->take_ready(); }

  std::vector<Bytes> payloads() const {
    std::lock_guard lock(mutex_);
    return payloads_;
  }
  size_t unparsed() const {
    std::lock_guard lock(mutex_);
    return unparsed_;
  }

 private:
  std::shared_ptr<media::PayloadProtection> inner_;
  mutable std::mutex mutex_;
  std::vector<Bytes> payloads_;
  size_t unparsed_ = 0;
};

uint64_t window_at(const uint8_t* p) {
  uint64_t w = 0;
  std::memcpy(&w, p, kWindow);
  return w;
}

/// Every kWindow-byte window of every payload (shorter payloads have none).
std::unordered_set<uint64_t> windows_of(const std::vector<Bytes>& payloads) {
  std::unordered_set<uint64_t> out;
  for (const auto& p : payloads) {
    for (size_t i = 0; i + kWindow <= p.size(); ++i) out.insert(window_at(p.data() + i));
  }
  return out;
}

/// Positions of `bytes` (the whole datagram, header included) where a plaintext window starts.
size_t windows_found(const std::unordered_set<uint64_t>& windows, ByteView bytes) {
  size_t found = 0;
  for (size_t i = 0; i + kWindow <= bytes.size(); ++i) found += windows.count(window_at(bytes.data() + i));
  return found;
}

using wzp::test::Tone;

struct Member {
  std::unique_ptr<TestClient> client;  // declared first: outlives its call and encryption
  std::unique_ptr<media::LiveCall> call;
  std::shared_ptr<e2e::CallEncryption> e2e;  // null without end-to-end encryption
  std::shared_ptr<RecordingProtection> recorder;
};

// What one call left behind, for the checks.
struct Outcome {
  std::vector<Bytes> forwarded;    // every datagram the relay forwarded
  std::vector<Bytes> plaintexts;   // every payload the senders protected, all senders
  size_t unparsed = 0;             // datagrams the recorder could not parse (none expected)
  size_t last_buffer_windows = 0;  // plaintext windows in the relay's forwarding buffer, stopped
  size_t last_buffer_size = 0;     // its size (0: nothing forwarded)
  bool last_buffer_is_last_forwarded = false;
  std::vector<std::string> fingerprints;                        // of the members, in join order
  std::vector<std::vector<e2e::ParticipantKeys>> participants;  // per member (e2e only)
  std::vector<e2e::ProtectionCounters> counters;                // per member (e2e only)
  std::vector<size_t> sources_heard;                            // per member
};

// Three members (identities from `first_fill`), a tone from each for kToneMs, then the relay
// stops and what it forwarded is collected.
Outcome run_call(bool encrypted, uint8_t first_fill) {
  Outcome outcome;
  ForwardLog log;  // outlives the relay (its observer writes here)
  auto config = relay_config();
  config.trunking = true;  // each receiver hears the two others as two sources
  config.forward_observer = [&log](ByteView datagram) { log.observe(datagram); };
  auto relay = TestRelay::start(std::move(config));
  EXPECT_TRUE(relay);
  if (!relay) return outcome;

  std::vector<Member> members(kMembers);
  for (size_t i = 0; i < kMembers; ++i) {
    auto cc = client_config(*relay, kRoom);
    cc.identity = identity_from(static_cast<uint8_t>(first_fill + i));
    members[i].client = TestClient::join(std::move(cc));
    EXPECT_TRUE(members[i].client);
    if (!members[i].client) return outcome;
    outcome.fingerprints.push_back(members[i].client->display_fingerprint);
  }
  const std::set<std::string> all(outcome.fingerprints.begin(), outcome.fingerprints.end());
  for (auto& m : members) {
    auto call = media::LiveCall::attach(*m.client->client, media::LiveCallConfig{}, {});
    EXPECT_TRUE(call.ok()) << (call.ok() ? "" : call.error().message);
    if (!call.ok()) return outcome;
    m.call = std::move(*call);
    std::shared_ptr<media::PayloadProtection> inner = std::make_shared<media::IdentityProtection>();
    if (encrypted) {
      auto enc = e2e::CallEncryption::attach(*m.client->client, *m.call,
                                             e2e::CallEncryptionConfig{e2e::Policy::required, all, 3000}, {});
      EXPECT_TRUE(enc.ok()) << (enc.ok() ? "" : enc.error().message);
      if (!enc.ok()) return outcome;
      m.e2e = std::move(*enc);
      inner = m.e2e->protection();
      EXPECT_TRUE(inner != nullptr);
      if (!inner) return outcome;
    }
    m.recorder = std::make_shared<RecordingProtection>(std::move(inner));
    m.call->set_protection(m.recorder);  // before any media: every sealed frame is recorded
  }

  if (encrypted) {
    // Every member holds the keys of both others before the tone starts.
    const bool keyed = eventually([&] {
      for (const auto& m : members) {
        size_t ok = 0;
        for (const auto& p : m.e2e->participants()) ok += p.state == e2e::KeyState::ok ? 1 : 0;
        if (ok < kMembers - 1) return false;
      }
      return true;
    });
    EXPECT_TRUE(keyed) << "the key exchange did not complete";
  }

  // The tone, one 20 ms frame per member per tick, paced in real time.
  std::vector<Tone> tones;
  for (size_t i = 0; i < kMembers; ++i) tones.emplace_back(440.0 + 220.0 * double(i));
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < kToneMs / kFrameMs; ++t) {
    for (size_t i = 0; i < kMembers; ++i) {
      const auto frame = tones[i].next();
      Status st = members[i].call->send_pcm(frame);
      EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    }
    std::this_thread::sleep_until(start + std::chrono::milliseconds((t + 1) * kFrameMs));
  }

  size_t sent = 0;
  for (const auto& m : members) sent += m.recorder->payloads().size();
  // Loopback loses nothing in practice; a datagram the transport did drop only shortens the wait.
  (void)eventually([&] { return log.count() >= sent; }, 5s);
  if (encrypted) {
    (void)eventually(
        [&] {
          for (const auto& m : members) {
            for (const auto& p : m.e2e->participants())
              if (p.decrypted == 0) return false;
          }
          return true;
        },
        5s);
  }

  for (auto& m : members) {
    auto payloads = m.recorder->payloads();
    outcome.plaintexts.insert(outcome.plaintexts.end(), payloads.begin(), payloads.end());
    outcome.unparsed += m.recorder->unparsed();
    outcome.sources_heard.push_back(m.call->sources().size());
    if (m.e2e) {
      outcome.participants.push_back(m.e2e->participants());
      outcome.counters.push_back(m.e2e->counters());
      m.e2e->detach();
    }
    m.call->detach();
  }

  // The relay's loop is joined by stop(): its forwarding buffer can be read from here.
  relay->server->stop();
  outcome.forwarded = log.datagrams();
  const ByteView last = log.last_buffer();
  outcome.last_buffer_size = last.size();
  outcome.last_buffer_windows = windows_found(windows_of(outcome.plaintexts), last);
  outcome.last_buffer_is_last_forwarded =
      !outcome.forwarded.empty() && outcome.forwarded.back().size() == last.size() &&
      std::memcmp(outcome.forwarded.back().data(), last.data(), last.size()) == 0;
  return outcome;
}

// Datagrams of `forwarded` holding at least one plaintext window, and the windows found.
std::pair<size_t, size_t> scan(const Outcome& o) {
  const auto windows = windows_of(o.plaintexts);
  size_t datagrams = 0, total = 0;
  for (const auto& d : o.forwarded) {
    const size_t found = windows_found(windows, d);
    datagrams += found > 0 ? 1 : 0;
    total += found;
  }
  return {datagrams, total};
}

TEST(LiveE2eRelay, RelayForwardsNoPlaintextOfAnEncryptedCall) {
  const Outcome o = run_call(true, 0x51);
  ASSERT_EQ(o.fingerprints.size(), kMembers);
  EXPECT_EQ(o.unparsed, 0u);

  // (1) The relay forwarded the call, every datagram of it marked encrypted.
  EXPECT_GT(o.forwarded.size(), 100u);
  size_t marked = 0;
  for (const auto& d : o.forwarded)
    marked +=
        d.size() > e2e::kEncryptedMarkerOffset && d[e2e::kEncryptedMarkerOffset] == e2e::kEncryptedMarker;
  EXPECT_EQ(marked, o.forwarded.size()) << "forwarded datagrams without the encrypted marker";

  // (2) No 8-byte window of any plaintext payload in anything it forwarded.
  ASSERT_GT(windows_of(o.plaintexts).size(), 1000u) << "too little plaintext recorded to mean anything";
  const auto [datagrams, total] = scan(o);
  EXPECT_EQ(datagrams, 0u) << total << " plaintext windows at the relay";
  std::cout << "[ e2e      ] forwarded " << o.forwarded.size() << " datagrams, " << o.plaintexts.size()
            << " plaintext payloads (" << windows_of(o.plaintexts).size() << " distinct windows), " << total
            << " found at the relay\n";
  // Nor in the relay's own forwarding buffer, read after it stopped (the last datagram it
  // forwarded: the one buffer of its own that media pass through).
  EXPECT_GT(o.last_buffer_size, 0u);
  EXPECT_TRUE(o.last_buffer_is_last_forwarded);
  EXPECT_EQ(o.last_buffer_windows, 0u);

  // (3) Every member opened the frames of both others, and nothing failed.
  ASSERT_EQ(o.participants.size(), kMembers);
  for (size_t i = 0; i < kMembers; ++i) {
    std::set<std::string> heard;
    for (const auto& p : o.participants[i]) {
      EXPECT_EQ(p.state, e2e::KeyState::ok) << "member " << i << " about " << p.fingerprint;
      EXPECT_GT(p.decrypted, 0u) << "member " << i << " about " << p.fingerprint;
      EXPECT_EQ(p.decrypt_failed + p.replayed + p.missing_key, 0u) << "member " << i;
      if (p.state == e2e::KeyState::ok && p.decrypted > 0) heard.insert(p.fingerprint);
    }
    std::set<std::string> others(o.fingerprints.begin(), o.fingerprints.end());
    others.erase(o.fingerprints[i]);
    EXPECT_EQ(heard, others) << "member " << i;
    const auto& c = o.counters[i];
    EXPECT_GT(c.encrypted, 0u);
    EXPECT_EQ(c.sent_clear + c.clear_received + c.clear_refused + c.malformed + c.decrypt_failed, 0u)
        << "member " << i;
    EXPECT_EQ(o.sources_heard[i], kMembers - 1) << "member " << i;
    std::cout << "[ e2e      ] member " << i << ": encrypted " << c.encrypted << ", decrypted " << c.decrypted
              << " (held " << c.held << ", released " << c.released << ")\n";
  }
}

// (4) The control: the same call without end-to-end encryption, the same check finds the plaintext.
TEST(LiveE2eRelay, WithoutEncryptionTheSameCheckFindsPlaintext) {
  const Outcome o = run_call(false, 0x61);
  ASSERT_EQ(o.fingerprints.size(), kMembers);
  EXPECT_GT(o.forwarded.size(), 100u);
  for (const auto& d : o.forwarded) ASSERT_NE(d[e2e::kEncryptedMarkerOffset], e2e::kEncryptedMarker);
  const auto [datagrams, total] = scan(o);
  EXPECT_GT(total, 0u);
  // Every forwarded datagram with a payload of a window or more carries its own plaintext.
  size_t long_enough = 0;
  for (const auto& d : o.forwarded) {
    auto packet = wire::parse_media_packet(d);
    long_enough += packet && packet->payload.size() >= kWindow ? 1 : 0;
  }
  EXPECT_GT(long_enough, 100u);
  EXPECT_EQ(datagrams, long_enough);
  std::cout << "[ control  ] forwarded " << o.forwarded.size() << " datagrams, " << o.plaintexts.size()
            << " plaintext payloads; " << datagrams << " forwarded datagrams hold plaintext windows ("
            << total << " windows)\n";
  EXPECT_GT(o.last_buffer_windows, 0u) << "the relay's forwarding buffer holds plaintext";
  for (size_t n : o.sources_heard) EXPECT_EQ(n, kMembers - 1);
}

}  // namespace
}  // namespace wzp::live_testing
