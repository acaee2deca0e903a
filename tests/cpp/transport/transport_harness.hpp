// Test helpers: a server and clients on real loopback UDP, each endpoint on
// its own EventLoop thread, with every callback recorded under a mutex.
// Waits are bounded condition-variable waits; nothing asserts timings.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/event_loop.hpp"
#include "transport/endpoint.hpp"

namespace wzp::transport::testing {

using namespace std::chrono_literals;

inline constexpr auto kWait = 20s;

/// Everything the callbacks saw, per connection id.
class Recorder {
 public:
  struct PerConnection {
    bool announced = false;
    bool established = false;
    bool sni_present = false;
    std::string sni;
    std::vector<Bytes> signals;
    std::vector<Error> signal_errors;
    std::vector<Bytes> datagrams;
    std::optional<CloseInfo> closed;
    size_t closed_count = 0;
  };

  EndpointCallbacks callbacks() {
    EndpointCallbacks cb;
    cb.on_new_connection = [this](Connection& c) {
      update([&] { conns_[c.id()].announced = true; });
      if (on_new_connection) on_new_connection(c);
    };
    cb.on_handshake_completed = [this](Connection& c) {
      update([&] {
        auto& s = conns_[c.id()];
        s.established = true;
        s.sni_present = c.sni_present();
        s.sni = c.sni();
      });
      if (on_handshake_completed) on_handshake_completed(c);
    };
    cb.on_signal = [this](Connection& c, ByteView payload) {
      update([&] { conns_[c.id()].signals.emplace_back(payload.begin(), payload.end()); });
      if (on_signal) on_signal(c, payload);
    };
    cb.on_signal_error = [this](Connection& c, const Error& e) {
      update([&] { conns_[c.id()].signal_errors.push_back(e); });
      if (on_signal_error) on_signal_error(c, e);
    };
    cb.on_datagram = [this](Connection& c, ByteView payload) {
      update([&] { conns_[c.id()].datagrams.emplace_back(payload.begin(), payload.end()); });
      if (on_datagram) on_datagram(c, payload);
    };
    cb.on_closed = [this](Connection& c, const CloseInfo& info) {
      update([&] {
        auto& s = conns_[c.id()];
        s.closed = info;
        ++s.closed_count;
      });
    };
    cb.on_handshake_refused = [this](const HandshakeRefusal& r) { update([&] { refusals_.push_back(r); }); };
    return cb;
  }

  /// Waits until `predicate(connections)` holds (under the lock).
  template <class Predicate>
  bool wait(Predicate predicate, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return predicate(conns_); });
  }

  PerConnection get(ConnectionId id) {
    std::lock_guard lock(mutex_);
    return conns_[id];
  }

  std::map<ConnectionId, PerConnection> all() {
    std::lock_guard lock(mutex_);
    return conns_;
  }

  /// What on_handshake_refused reported (kept apart: refused attempts are
  /// usually never announced).
  std::vector<HandshakeRefusal> refusals() {
    std::lock_guard lock(mutex_);
    return refusals_;
  }

  /// Optional extra behaviour, run on the loop thread after recording.
  std::function<void(Connection&)> on_new_connection;
  std::function<void(Connection&)> on_handshake_completed;
  std::function<void(Connection&, ByteView)> on_signal;
  std::function<void(Connection&, const Error&)> on_signal_error;
  std::function<void(Connection&, ByteView)> on_datagram;

 private:
  template <class F>
  void update(F f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    cv_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<ConnectionId, PerConnection> conns_;
  std::vector<HandshakeRefusal> refusals_;
};

/// One endpoint on its own loop thread.
struct Side {
  EventLoop loop;
  Recorder recorder;
  std::unique_ptr<Endpoint> endpoint;

  Side() { loop.start(); }
  ~Side() {
    loop.run_sync([this] { endpoint.reset(); });
    loop.stop();
  }

  template <class F>
  auto on_loop(F&& f) {
    return loop.run_sync(std::forward<F>(f));
  }
};

inline TransportSettings test_settings() {
  TransportSettings s;
  s.idle_timeout_ms = 10'000;
  return s;
}

inline std::unique_ptr<Side> make_server(ServerConfig config = {}) {
  auto side = std::make_unique<Side>();
  if (config.bind_address.empty() || config.bind_address == SocketAddress::ipv4_any(0)) {
    config.bind_address = SocketAddress::ipv4_loopback(0);
  }
  auto callbacks = side->recorder.callbacks();
  auto created = side->on_loop([&] { return Endpoint::create_server(side->loop, config, callbacks); });
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  if (created.ok()) side->endpoint = std::move(created.value());
  return side;
}

inline std::unique_ptr<Side> make_client(ClientConfig config = {}) {
  auto side = std::make_unique<Side>();
  auto callbacks = side->recorder.callbacks();
  auto created = side->on_loop([&] { return Endpoint::create_client(side->loop, config, callbacks); });
  EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
  if (created.ok()) side->endpoint = std::move(created.value());
  return side;
}

inline SocketAddress server_address(Side& server) {
  return server.on_loop([&] { return server.endpoint->local_address(); });
}

/// Polls `condition` (which may call into loops) until it holds, bounded.
template <class Condition>
bool poll_until(Condition condition, std::chrono::milliseconds timeout = kWait) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return condition();
}

inline ConnectOptions with_sni(std::string sni, std::optional<ByteArray<32>> pin = std::nullopt) {
  ConnectOptions options;
  options.sni = std::move(sni);
  options.pinned_certificate_sha256 = pin;
  return options;
}

inline ConnectionId connect(Side& client, const SocketAddress& to, ConnectOptions options = {}) {
  auto id = client.on_loop([&] { return client.endpoint->connect(to, options); });
  EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
  return id.ok() ? *id : 0;
}

/// Waits for the handshake on the client side and returns the server's id
/// for that connection (the only established one not in `known`).
inline bool wait_established(Side& side, ConnectionId id) {
  return side.recorder.wait([&](auto& c) {
    return c.count(id) && (c.at(id).established || c.at(id).closed);
  }) && side.recorder.get(id).established;
}

inline std::vector<ConnectionId> established_ids(Side& side) {
  std::vector<ConnectionId> ids;
  for (auto& [id, s] : side.recorder.all()) {
    if (s.established) ids.push_back(id);
  }
  return ids;
}

inline Bytes pattern(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 31 + (i >> 8));
  return out;
}

}  // namespace wzp::transport::testing

namespace wzp::transport::testing {

/// A server and a client with one established connection between them.
struct Pair {
  std::unique_ptr<Side> server;
  std::unique_ptr<Side> client;
  ConnectionId client_id = 0;  // the connection as the client sees it
  ConnectionId server_id = 0;  // the same connection on the server
};

inline Pair connect_pair(ServerConfig server_config = {}, ClientConfig client_config = {},
                         std::string sni = "room") {
  Pair p;
  p.server = make_server(std::move(server_config));
  p.client = make_client(std::move(client_config));
  p.client_id = connect(*p.client, server_address(*p.server), with_sni(std::move(sni)));
  EXPECT_TRUE(wait_established(*p.client, p.client_id));
  EXPECT_TRUE(p.server->recorder.wait([](auto& c) {
    for (auto& [id, s] : c) {
      if (s.established) return true;
    }
    return false;
  }));
  auto ids = established_ids(*p.server);
  EXPECT_EQ(ids.size(), 1u);
  if (!ids.empty()) p.server_id = ids.front();
  return p;
}

inline Status send_signal(Side& side, ConnectionId id, ByteView payload) {
  return side.on_loop([&]() -> Status {
    Connection* c = side.endpoint->find(id);
    if (c == nullptr) return make_error(Errc::not_found, "no connection");
    return c->send_signal(payload);
  });
}

inline Status send_datagram(Side& side, ConnectionId id, ByteView payload) {
  return side.on_loop([&]() -> Status {
    Connection* c = side.endpoint->find(id);
    if (c == nullptr) return make_error(Errc::not_found, "no connection");
    return c->send_datagram(payload);
  });
}

inline bool wait_closed(Side& side, ConnectionId id) {
  return side.recorder.wait([&](auto& c) { return c.count(id) && c.at(id).closed.has_value(); });
}

}  // namespace wzp::transport::testing
