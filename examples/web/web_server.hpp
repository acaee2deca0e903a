// The HTTP(S) front: WebSocket upgrades on /ws/{room}, /metrics, /healthz and the page's files.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bridge_session.hpp"
#include "static_files.hpp"

struct WebServerOptions {
  std::vector<std::string> allowed_origins;  // besides same-origin and no Origin at all
  std::shared_ptr<asio::ssl::context> tls;   // null: plain HTTP/WS
};

class WebServer : public std::enable_shared_from_this<WebServer> {
 public:
  WebServer(asio::io_context& io, BridgeShared& shared, StaticFiles files, WebServerOptions options);

  // Binds and starts accepting; false with *error set when the address cannot be used.
  bool listen(const asio::ip::tcp::endpoint& where, std::string* error);
  uint16_t port() const { return port_; }
  // Stops accepting and closes every session (1001).
  void stop();

  // For the connections (internal).
  BridgeShared& shared() { return shared_; }
  const StaticFiles& files() const { return files_; }
  const WebServerOptions& options() const { return options_; }
  void track(const std::shared_ptr<BridgeSession>& session);

 private:
  void accept_next();

  asio::io_context& io_;
  BridgeShared& shared_;
  StaticFiles files_;
  WebServerOptions options_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<std::weak_ptr<BridgeSession>> sessions_;
};

// Percent-decoding of one URL component; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);
