// Harness for end-to-end tests: an in-process relay and clients over real QUIC
// on loopback, bare transport endpoints for hand-made (mis)behaviour, and a
// featherChat auth stand-in on a local HTTP port.
//
// Everything the relay and the clients report arrives on their loop threads;
// it is recorded under a mutex and awaited with a condition variable and a
// generous deadline. Tests never assert timings and never sleep to wait.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/client.hpp"
#include "common/auth_stand_in.hpp"
#include "common/loopback_tcp.hpp"
#include "core/event_loop.hpp"
#include "crypto/identity.hpp"
#include "relay/relay_server.hpp"
#include "transport/endpoint.hpp"
#include "wire/close_codes.hpp"
#include "wire/media_packet.hpp"
#include "wire/signal_message.hpp"

namespace wzp::live_testing {

using namespace std::chrono_literals;

/// Deadline for anything awaited; a healthy run needs a small fraction of it.
inline constexpr std::chrono::milliseconds kWait = 20s;

/// Events appended from any thread, awaited from the test thread.
template <class Event>
class EventLog {
 public:
  void push(Event event) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }

  /// Waits until `predicate(events)` holds (evaluated under the lock).
  template <class Predicate>
  bool wait(Predicate predicate, std::chrono::milliseconds timeout = kWait) const {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return predicate(events_); });
  }

  /// The first event matching `match`, once there is one (nullopt after the deadline).
  template <class Match>
  std::optional<Event> wait_for(Match match, std::chrono::milliseconds timeout = kWait) const {
    std::optional<Event> found;
    wait(
        [&](const std::vector<Event>& events) {
          for (const auto& e : events) {
            if (match(e)) {
              found = e;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }

  std::vector<Event> snapshot() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

  template <class Match>
  size_t count(Match match) const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& e : events_) n += match(e) ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::vector<Event> events_;
};

// ---------------------------------------------------------------------------
// Relay

/// A relay on 127.0.0.1, any free port, short enough deadlines for tests.
/// WZP_TEST_RELAY_THREADS runs it on that many event loops (the live suite
/// runs again that way: tests/CMakeLists.txt, "live_loops").
inline relay::RelayConfig relay_config() {
  relay::RelayConfig config;
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  if (const char* threads = std::getenv("WZP_TEST_RELAY_THREADS"))
    config.threads = std::strtoul(threads, nullptr, 10);
  return config;
}

class TestRelay {
 public:
  EventLog<relay::RelayEvent> events;  // declared first: outlives the server's sink
  std::unique_ptr<relay::RelayServer> server;

  static std::unique_ptr<TestRelay> start(relay::RelayConfig config = relay_config()) {
    auto relay = std::make_unique<TestRelay>();
    TestRelay* self = relay.get();
    auto started =
        relay::RelayServer::start(std::move(config), [self](relay::RelayEvent e) { self->events.push(e); });
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    if (!started.ok()) return nullptr;
    relay->server = std::move(*started);
    return relay;
  }

  uint16_t port() const { return server->port(); }
  const relay::RelayCounters& counters() const { return server->counters(); }

  std::optional<relay::RelayEvent> wait_event(relay::RelayEventType type,
                                              transport::ConnectionId connection = 0) {
    return events.wait_for([&](const relay::RelayEvent& e) {
      return e.type == type && (connection == 0 || e.connection == connection);
    });
  }
  size_t count(relay::RelayEventType type) const {
    return events.count([&](const relay::RelayEvent& e) { return e.type == type; });
  }
};

// ---------------------------------------------------------------------------
// Clients

/// A deterministic identity (seed = 32 x `fill`), so a test can use one twice.
inline crypto::Identity identity_from(uint8_t fill) {
  auto seed = crypto::Seed::from_bytes(Bytes(crypto::Seed::kSize, fill));
  EXPECT_TRUE(seed.ok());
  return crypto::Identity::from_seed(*seed);
}

/// For counters, which change without a notification: polls `predicate` until
/// it holds or the deadline passes. Everything with an event is awaited instead.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = kWait) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// A client of whatever listens on 127.0.0.1:`port`.
inline client::ClientConfig client_config_to(uint16_t port, std::string sni = "default",
                                             std::optional<std::string> token = std::nullopt) {
  client::ClientConfig config;
  config.relay_host = "127.0.0.1";
  config.relay_port = port;
  config.sni = std::move(sni);
  config.token = std::move(token);
  return config;
}

inline client::ClientConfig client_config(const TestRelay& relay, std::string sni = "default",
                                          std::optional<std::string> token = std::nullopt) {
  return client_config_to(relay.port(), std::move(sni), std::move(token));
}

class TestClient {
 public:
  EventLog<client::ClientEvent> events;  // declared first: outlives the client's sink
  std::unique_ptr<client::Client> client;
  std::string display_fingerprint;  // of the client's identity

  /// Creates and starts connecting (does not wait).
  static std::unique_ptr<TestClient> connect(client::ClientConfig config) {
    auto tc = std::make_unique<TestClient>();
    TestClient* self = tc.get();
    tc->display_fingerprint = config.identity.fingerprint().to_display();
    auto created =
        client::Client::create(std::move(config), [self](client::ClientEvent e) { self->events.push(e); });
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (!created.ok()) return nullptr;
    tc->client = std::move(*created);
    Status st = tc->client->connect();
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
    return tc;
  }

  /// Creates, connects and waits until joined (a failed expectation otherwise).
  static std::unique_ptr<TestClient> join(client::ClientConfig config) {
    auto tc = connect(std::move(config));
    if (tc == nullptr) return nullptr;
    Status joined = tc->client->wait_joined(static_cast<int>(kWait.count()));
    EXPECT_TRUE(joined.ok()) << (joined.ok() ? "" : joined.error().message);
    if (!joined.ok()) return nullptr;
    // wait_joined() follows the state, the sink's events trail it a little.
    EXPECT_TRUE(tc->wait_joined_event());
    return tc;
  }

  bool wait_joined_event() const {
    return events
        .wait_for([](const client::ClientEvent& e) { return e.type == client::ClientEventType::joined; })
        .has_value();
  }

  /// The states reported so far, in order.
  std::vector<client::ClientState> states() const {
    std::vector<client::ClientState> out;
    for (auto& e : events.snapshot()) {
      if (e.type == client::ClientEventType::state) out.push_back(e.state);
    }
    return out;
  }

  /// Media datagrams received so far.
  std::vector<Bytes> media() const {
    std::vector<Bytes> out;
    for (auto& e : events.snapshot()) {
      if (e.type == client::ClientEventType::media) out.push_back(e.data);
    }
    return out;
  }
  bool wait_media_count(size_t n) const {
    return events.wait([&](const std::vector<client::ClientEvent>& all) {
      size_t count = 0;
      for (const auto& e : all) count += e.type == client::ClientEventType::media ? 1 : 0;
      return count >= n;
    });
  }

  /// The closed event's info, once the client is closed (nullopt after the deadline).
  std::optional<transport::CloseInfo> wait_closed() const {
    auto e = events.wait_for(
        [](const client::ClientEvent& ev) { return ev.type == client::ClientEventType::closed; });
    if (!e) return std::nullopt;
    return e->close;
  }

  Status send(ByteView datagram) { return client->send_media(datagram); }
};

/// A relay (of `config`) and `count` clients joined to `room`, in join order.
struct RoomSetup {
  std::unique_ptr<TestRelay> relay;
  std::vector<std::unique_ptr<TestClient>> members;  // declared last: leave before the relay stops

  static RoomSetup start(const std::string& room, size_t count, relay::RelayConfig config = relay_config()) {
    RoomSetup setup;
    setup.relay = TestRelay::start(std::move(config));
    if (!setup.relay) return setup;
    for (size_t i = 0; i < count; ++i)
      setup.members.push_back(TestClient::join(client_config(*setup.relay, room)));
    return setup;
  }
  bool ok() const {
    return relay && std::all_of(members.begin(), members.end(), [](const auto& m) { return m != nullptr; });
  }
  TestClient& operator[](size_t i) { return *members.at(i); }
};

/// `client` receives exactly `expected` (in that order, nothing before).
inline void expect_media(const TestClient& client, const std::vector<Bytes>& expected) {
  ASSERT_TRUE(client.wait_media_count(expected.size()));
  EXPECT_EQ(client.media(), expected);
}

// ---------------------------------------------------------------------------
// Media packets

/// A well-formed media packet whose payload says who sent it and which one it is.
inline Bytes media_packet(uint8_t sender, uint16_t seq, size_t payload_size = 40) {
  wire::MediaHeader header;
  header.codec = wire::CodecId::opus16k;
  header.seq = seq;
  header.timestamp = 1000u + seq * 20u;
  header.fec_block = sender;
  header.fec_symbol = static_cast<uint8_t>(seq);
  Bytes payload(payload_size);
  for (size_t i = 0; i < payload_size; ++i) payload[i] = static_cast<uint8_t>(sender * 31 + seq * 7 + i);
  Bytes out;
  wire::append_media_packet(out, header, payload, std::nullopt);
  return out;
}

/// Datagrams in a fixed order (shortest first, then bytewise), to compare what
/// arrived with what was sent when the order across senders is not defined.
inline std::vector<Bytes> sorted(std::vector<Bytes> v) {
  // vector's operator< makes GCC 12 at -O3 warn about its inlined memcmp
  // (-Wstringop-overread, a false positive on the length it cannot bound).
  std::sort(v.begin(), v.end(), [](const Bytes& a, const Bytes& b) {
    if (a.size() != b.size()) return a.size() < b.size();
    return !a.empty() && std::memcmp(a.data(), b.data(), a.size()) < 0;
  });
  return v;
}

/// What a receiver gets for `sent`: the relay clears byte 1's two unused low bits.
inline Bytes as_forwarded(Bytes sent) {
  sent[1] &= 0xFC;
  return sent;
}

// ---------------------------------------------------------------------------
// Bare transport endpoints (raw clients and a mute server), for behaviour the
// Client class never shows: tampered offers, bad framing, silence.

class RawEndpoint {
 public:
  struct State {
    bool established = false;
    std::vector<Bytes> signals;
    std::optional<transport::CloseInfo> closed;
  };

  EventLoop loop;
  std::unique_ptr<transport::Endpoint> endpoint;

  RawEndpoint() { loop.start(); }
  ~RawEndpoint() {
    loop.run_sync([this] { endpoint.reset(); });
    loop.stop();
  }
  RawEndpoint(const RawEndpoint&) = delete;
  RawEndpoint& operator=(const RawEndpoint&) = delete;

  /// A client endpoint connecting to `host:port` with SNI `sni` (starts the handshake).
  /// `from`: the local address to connect from (e.g. another 127.x.y.z).
  static std::unique_ptr<RawEndpoint> connect(uint16_t port, std::string sni = "default",
                                              transport::TransportSettings settings = {},
                                              const std::string& host = "127.0.0.1",
                                              std::optional<transport::SocketAddress> from = std::nullopt) {
    auto raw = std::make_unique<RawEndpoint>();
    RawEndpoint* self = raw.get();
    transport::ClientConfig config;
    config.transport = settings;
    config.bind_address = from;
    auto created = raw->loop.run_sync(
        [&] { return transport::Endpoint::create_client(self->loop, config, self->callbacks()); });
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (!created.ok()) return nullptr;
    raw->endpoint = std::move(*created);
    auto remote = transport::SocketAddress::from_ip(host, port);
    EXPECT_TRUE(remote.ok());
    if (!remote.ok()) return nullptr;
    transport::ConnectOptions options;
    options.sni = std::move(sni);
    auto id = raw->loop.run_sync([&] { return self->endpoint->connect(*remote, options); });
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    if (id.ok()) raw->id_ = *id;
    return raw;
  }

  /// A server endpoint on 127.0.0.1 that completes QUIC handshakes and then says nothing.
  static std::unique_ptr<RawEndpoint> mute_server() {
    auto raw = std::make_unique<RawEndpoint>();
    RawEndpoint* self = raw.get();
    transport::ServerConfig config;
    config.bind_address = transport::SocketAddress::ipv4_loopback(0);
    auto created = raw->loop.run_sync(
        [&] { return transport::Endpoint::create_server(self->loop, config, self->callbacks()); });
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    if (!created.ok()) return nullptr;
    raw->endpoint = std::move(*created);
    return raw;
  }

  uint16_t port() {
    return loop.run_sync([this] { return endpoint->local_address().port(); });
  }

  bool wait_established() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return state_.established || state_.closed.has_value(); });
    return state_.established;
  }
  bool wait_signals(size_t n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kWait, [&] { return state_.signals.size() >= n; });
  }
  std::optional<transport::CloseInfo> wait_closed() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kWait, [&] { return state_.closed.has_value(); });
    return state_.closed;
  }
  State state() {
    std::lock_guard lock(mutex_);
    return state_;
  }

  /// Runs `action(connection)` on the loop thread; Errc::not_found once the connection is gone.
  Status with_connection(const std::function<Status(transport::Connection&)>& action) {
    return loop.run_sync([&]() -> Status {
      transport::Connection* conn = endpoint ? endpoint->find(id_) : nullptr;
      if (conn == nullptr) return make_error(Errc::not_found, "no connection");
      return action(*conn);
    });
  }
  Status send_signal(const wire::SignalMessage& message) {
    return send_signal_text(wire::encode_json(message));
  }
  Status send_signal_text(const std::string& text) {
    return with_connection([&](transport::Connection& c) { return c.send_signal(as_bytes(text)); });
  }
  Status send_raw_stream(ByteView bytes) {
    return with_connection([&](transport::Connection& c) { return c.send_raw_stream(bytes); });
  }
  /// `bytes` on a new stream that is left open (no FIN).
  Status send_raw_stream_open(ByteView bytes) {
    return with_connection([&](transport::Connection& c) { return c.send_raw_stream(bytes, false); });
  }
  void close(uint64_t code, const std::string& reason) {
    (void)with_connection([&](transport::Connection& c) -> Status {
      c.close(code, reason);
      return {};
    });
  }

 private:
  transport::EndpointCallbacks callbacks() {
    transport::EndpointCallbacks cb;
    cb.on_new_connection = [this](transport::Connection& c) { id_ = c.id(); };
    cb.on_handshake_completed = [this](transport::Connection&) {
      update([&] { state_.established = true; });
    };
    cb.on_signal = [this](transport::Connection&, ByteView payload) {
      update([&] { state_.signals.emplace_back(payload.begin(), payload.end()); });
    };
    cb.on_closed = [this](transport::Connection&, const transport::CloseInfo& info) {
      update([&] { state_.closed = info; });
    };
    return cb;
  }
  template <class F>
  void update(F f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    cv_.notify_all();
  }

  transport::ConnectionId id_ = 0;  // loop thread (set before the loop touches it otherwise)
  std::mutex mutex_;
  std::condition_variable cv_;
  State state_;
};

// ---------------------------------------------------------------------------
// featherChat auth stand-in

using test_support::AuthStandIn;

// ---------------------------------------------------------------------------
// Rejections

/// What the client saw: an application close with `code` and a reason containing `reason_part`.
inline void expect_application_close(const std::optional<transport::CloseInfo>& info, wire::CloseCode code,
                                     const std::string& reason_part) {
  ASSERT_TRUE(info.has_value()) << "not closed";
  EXPECT_EQ(info->kind, transport::CloseKind::application) << transport::describe(*info);
  EXPECT_FALSE(info->transport_code);
  EXPECT_EQ(info->code, wire::code_value(code))
      << wire::close_code_name(info->code) << " instead of " << wire::close_code_name(wire::code_value(code))
      << ": " << info->reason;
  EXPECT_NE(info->reason.find(reason_part), std::string::npos) << info->reason;
}

/// The relay's REJECTED event with `code`; its reason is the one the peer saw.
inline void expect_rejected_event(TestRelay& relay, wire::CloseCode code, const std::string& peer_reason) {
  auto event = relay.events.wait_for([&](const relay::RelayEvent& e) {
    return e.type == relay::RelayEventType::rejected && e.close.code == wire::code_value(code);
  });
  ASSERT_TRUE(event.has_value()) << "no REJECTED event with "
                                 << wire::close_code_name(wire::code_value(code));
  EXPECT_EQ(event->close.kind, transport::CloseKind::local);
  EXPECT_EQ(event->close.reason, peer_reason);
}

/// A client refused by the relay: closed event, close_info(), wait_joined() and the relay's event agree.
inline void expect_refused(TestRelay& relay, TestClient& tc, wire::CloseCode code,
                           const std::string& reason_part) {
  auto info = tc.wait_closed();
  expect_application_close(info, code, reason_part);
  ASSERT_TRUE(info.has_value());
  auto from_client = tc.client->close_info();
  ASSERT_TRUE(from_client.has_value());
  EXPECT_EQ(from_client->code, info->code);
  EXPECT_EQ(from_client->reason, info->reason);
  EXPECT_EQ(tc.client->state(), client::ClientState::closed);
  // wait_joined says which refusal it was: its status, the code's name and the reason.
  Status joined = tc.client->wait_joined(0);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, wire::close_code_errc(wire::code_value(code))) << joined.error().message;
  EXPECT_NE(joined.error().message.find(wire::close_code_name(wire::code_value(code))), std::string::npos)
      << joined.error().message;
  EXPECT_NE(joined.error().message.find(info->reason), std::string::npos) << joined.error().message;
  EXPECT_EQ(
      tc.events.count([](const client::ClientEvent& e) { return e.type == client::ClientEventType::joined; }),
      0u);
  expect_rejected_event(relay, code, info->reason);
}

/// A bare connection that completed QUIC with the relay (null, and a failed expectation, otherwise).
inline std::unique_ptr<RawEndpoint> raw_connection(TestRelay& relay, std::string sni = "default") {
  auto raw = RawEndpoint::connect(relay.port(), std::move(sni));
  EXPECT_TRUE(raw && raw->wait_established());
  return raw && raw->state().established ? std::move(raw) : nullptr;
}

/// A bare connection refused before joining: an application close with `code`,
/// the relay's REJECTED event with the same reason, and no answer. Returns the close.
inline std::optional<transport::CloseInfo> expect_raw_refused(TestRelay& relay, RawEndpoint& raw,
                                                              wire::CloseCode code,
                                                              const std::string& reason_part) {
  auto closed = raw.wait_closed();
  expect_application_close(closed, code, reason_part);
  if (closed) expect_rejected_event(relay, code, closed->reason);
  EXPECT_TRUE(raw.state().signals.empty()) << "the relay answered";
  EXPECT_EQ(relay.counters().handshakes_ok.load(), 0u);
  EXPECT_EQ(relay.counters().participants.load(), 0u);
  return closed;
}

}  // namespace wzp::live_testing
