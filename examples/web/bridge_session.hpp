// One browser WebSocket = one wzp_client in the relay room + one wzp_call played by a 20 ms timer.
// Everything a session does runs on its strand; it costs no thread of its own.
#pragma once

#include <wzp.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bridge_metrics.hpp"
#include "token_check.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
using error_code = boost::system::error_code;

// A WebSocket over plain TCP or TLS, behind one interface so that a session is not a template.
// Completion handlers run on the connection's strand.
class WsConnection {
 public:
  using Handler = std::function<void(error_code, size_t)>;
  virtual ~WsConnection() = default;
  virtual asio::any_io_executor executor() = 0;
  virtual void async_accept(std::function<void(error_code)> done) = 0;
  virtual void async_read(beast::flat_buffer& buffer, Handler done) = 0;
  virtual bool got_text() const = 0;
  virtual void async_write(bool binary, asio::const_buffer data, Handler done) = 0;
  virtual void async_close(const beast::websocket::close_reason& why,
                           std::function<void(error_code)> done) = 0;
  // Ends the connection at once, without a close handshake: every pending operation fails.
  virtual void close_socket() = 0;
};

// What every session shares: the bridge's settings, counters, loops and token checker.
struct BridgeShared {
  std::string relay_host;
  uint16_t relay_port = 0;
  std::optional<std::vector<uint8_t>> relay_pin;  // 16 bytes
  const wzp_identity* identity = nullptr;
  std::vector<wzp_loop*> loops;
  std::atomic<size_t> next_loop{0};
  TokenChecker* token_checker = nullptr;  // null without --auth-url
  BridgeMetrics metrics;
  size_t max_sessions = 200;
  std::atomic<size_t> sessions_open{0};
  std::chrono::milliseconds auth_timeout{10000};
  uint32_t relay_timeout_ms = 10000;
};

// The WebSocket close codes of every failure (docs/WEB.md, "Close codes").
enum CloseCode : uint16_t {
  kNormal = 1000,
  kInternal = 1011,
  kBadAuthFrame = 4000,
  kTokenRejected = 4001,
  kAuthUnavailable = 4002,
  kOriginRefused = 4003,
  kAclDenied = 4004,
  kRelayFull = 4005,
  kTimeout = 4008,
  kBridgeFull = 4013,
  kRelayUnreachable = 4014,
  kRelayClosed = 4015,
};

class BridgeSession : public std::enable_shared_from_this<BridgeSession> {
 public:
  struct Refuse {
    uint16_t code;
    std::string reason;
    Refusal metric;
  };

  BridgeSession(BridgeShared& shared, std::unique_ptr<WsConnection> ws, std::string room, bool events);
  ~BridgeSession();
  BridgeSession(const BridgeSession&) = delete;
  BridgeSession& operator=(const BridgeSession&) = delete;

  // Accepts the upgrade; with a refusal, closes at once with its code.
  void start(std::optional<Refuse> refuse);
  // Bridge shutdown: hang up and close with 1001. Any thread.
  void stop_from_outside();

 private:
  struct Outgoing {
    bool binary;
    std::string data;
  };
  // Relay events, posted from the wzp_loop thread. The weak pointer keeps a late event harmless.
  struct ClientContext {
    asio::any_io_executor strand;
    std::weak_ptr<BridgeSession> session;
  };
  static void on_client_event(const wzp_event* event, void* user_data);

  void read_next();
  void on_read(error_code ec, size_t bytes);
  void on_auth_frame();
  void on_token_verdict(const TokenVerdict& verdict);
  void connect_relay();
  void on_joined(std::string relay_fingerprint);
  void on_relay_closed(uint64_t code, wzp_close_origin origin, const std::string& reason);
  void tick();
  void queue(bool binary, std::string data);
  void write_next();
  void close(uint16_t code, std::string reason, std::optional<Refusal> refusal);
  void release_client();

  BridgeShared& shared_;
  GaugeHold gauge_;
  std::unique_ptr<WsConnection> ws_;
  asio::any_io_executor strand_;
  std::string room_;
  bool events_;
  bool counted_ = false;  // holds one of shared_.sessions_open
  beast::flat_buffer in_;
  asio::steady_timer auth_timer_;
  asio::steady_timer play_timer_;
  std::chrono::steady_clock::time_point next_tick_;
  std::chrono::steady_clock::time_point connect_started_;
  std::chrono::steady_clock::time_point write_started_;
  std::optional<std::string> token_;
  bool authenticating_ = false;
  bool joined_ = false;
  bool closing_ = false;
  bool writing_ = false;
  std::deque<Outgoing> out_;
  std::unique_ptr<ClientContext> context_;
  wzp_client* client_ = nullptr;
  wzp_call* call_ = nullptr;
};
