#include "web_server.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>

namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

using Request = http::request<http::string_body>;
constexpr auto kHttpTimeout = std::chrono::seconds(30);
constexpr auto kCloseHandshakeTimeout = std::chrono::seconds(5);

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Our WebSocket over either stream type.
template <class Stream>
class WsConnectionOf final : public WsConnection {
 public:
  WsConnectionOf(Stream&& stream, Request request) : ws_(std::move(stream)), request_(std::move(request)) {
    // No Beast timers at all: in Boost 1.74 a Beast timer that fires while the close handshake is
    // under way, with a read of ours waiting behind the close, trips an assertion in
    // websocket/impl/read.hpp (debug builds abort). The session watches liveness itself (a browser
    // that stops reading is dropped) and the close handshake has its own deadline below.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = websocket::stream_base::none();
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "wzp-web"); }));
    ws_.read_message_max(64 * 1024);
  }
  asio::any_io_executor executor() override { return ws_.get_executor(); }
  void close_socket() override {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }
  void async_accept(std::function<void(error_code)> done) override {
    ws_.async_accept(request_, std::move(done));
  }
  void async_read(beast::flat_buffer& buffer, Handler done) override {
    ws_.async_read(buffer, std::move(done));
  }
  bool got_text() const override { return ws_.got_text(); }
  void async_write(bool binary, asio::const_buffer data, Handler done) override {
    ws_.binary(binary);
    ws_.async_write(data, std::move(done));
  }
  void async_close(const websocket::close_reason& why, std::function<void(error_code)> done) override {
    // A browser that does not answer our close frame in time: closing the socket ends both.
    close_deadline_.expires_after(kCloseHandshakeTimeout);
    close_deadline_.async_wait([this](error_code ec) {
      if (!ec) close_socket();  // else cancelled: the close finished (and this may be gone)
    });
    ws_.async_close(why, [this, done = std::move(done)](error_code ec) {
      close_deadline_.cancel();
      done(ec);
    });
  }

 private:
  websocket::stream<Stream> ws_;
  Request request_;
  asio::steady_timer close_deadline_{ws_.get_executor()};
};

// Listed origins, the page's own origin (Origin's host == Host) and non-browser clients (no Origin).
bool origin_allowed(const Request& req, const std::vector<std::string>& allowed) {
  auto origin = req.find(http::field::origin);
  if (origin == req.end()) return true;  // not a browser page: nothing to protect against
  const std::string value(origin->value());
  for (const auto& a : allowed) {
    if (a == "*" || a == value) return true;
  }
  auto scheme = value.find("://");
  if (scheme == std::string::npos) return false;
  return lower(value.substr(scheme + 3)) == lower(std::string(req[http::field::host]));
}

// One HTTP connection: requests until it closes or becomes a WebSocket.
template <class Stream>
class HttpConnection : public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  HttpConnection(std::shared_ptr<WebServer> server, Stream&& stream)
      : server_(std::move(server)), stream_(std::move(stream)) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read_request();
    } else {
      beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (!ec) self->read_request();
                              });
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(size_t{8} * 1024);
    beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](error_code ec, size_t) {
      if (ec) return self->shutdown();
      self->on_request(self->parser_->release());
    });
  }

  void on_request(Request req) {
    const std::string target(req.target());
    const auto question = target.find('?');
    const std::string raw_path = target.substr(0, question);
    const std::string query = question == std::string::npos ? "" : target.substr(question + 1);
    if (raw_path.rfind("/ws/", 0) == 0) return on_ws_route(std::move(req), raw_path.substr(4), query);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return respond(req, http::status::method_not_allowed, "text/plain; charset=utf-8", "GET only\n");
    }
    if (raw_path == "/metrics") {
      return respond(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                     server_->shared().metrics.render());
    }
    if (raw_path == "/healthz") return respond(req, http::status::ok, "text/plain; charset=utf-8", "ok\n");
    auto path = percent_decode(raw_path);
    if (!path || !StaticFiles::safe_path(*path)) {
      return respond(req, http::status::bad_request, "text/plain; charset=utf-8", "bad path\n");
    }
    auto file = server_->files().lookup(*path);
    if (!file) return respond(req, http::status::not_found, "text/plain; charset=utf-8", "no page\n");
    respond(req, http::status::ok, file->content_type, std::move(file->body));
  }

  void on_ws_route(Request req, const std::string& segment, const std::string& query) {
    auto room = percent_decode(segment);
    if (!room || room->empty() || segment.find('/') != std::string::npos ||
        room->find('\0') != std::string::npos) {
      return respond(req, http::status::not_found, "text/plain; charset=utf-8", "no such room path\n");
    }
    if (!websocket::is_upgrade(req)) {
      return respond(req, http::status::upgrade_required, "text/plain; charset=utf-8", "WebSocket only\n");
    }
    bool events = false;
    for (size_t start = 0; start <= query.size();) {
      size_t end = query.find('&', start);
      if (end == std::string::npos) end = query.size();
      if (query.compare(start, end - start, "events=1") == 0) events = true;
      start = end + 1;
    }
    std::optional<BridgeSession::Refuse> refuse;
    if (!origin_allowed(req, server_->options().allowed_origins)) {
      // Named, so that an operator reading the page's message knows what to pass to --allow-origin.
      refuse = BridgeSession::Refuse{
          kOriginRefused, "origin " + std::string(req[http::field::origin]) + " not allowed (--allow-origin)",
          Refusal::origin};
    }
    auto ws = std::make_unique<WsConnectionOf<Stream>>(std::move(stream_), std::move(req));
    auto session =
        std::make_shared<BridgeSession>(server_->shared(), std::move(ws), std::move(*room), events);
    server_->track(session);
    session->start(std::move(refuse));
  }

  void respond(const Request& req, http::status status, const std::string& type, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, "wzp-web");
    res->set(http::field::content_type, type);
    res->set(http::field::cache_control, "no-cache");
    res->set("X-Content-Type-Options", "nosniff");
    res->keep_alive(req.keep_alive());
    res->body() = std::move(body);
    res->prepare_payload();
    if (req.method() == http::verb::head) res->body().clear();
    http::async_write(stream_, *res, [self = this->shared_from_this(), res](error_code ec, size_t) {
      if (ec || res->need_eof()) return self->shutdown();
      self->read_request();
    });
  }

  void shutdown() {
    error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  std::shared_ptr<WebServer> server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex(text[i + 1]), low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

WebServer::WebServer(asio::io_context& io, BridgeShared& shared, StaticFiles files, WebServerOptions options)
    : io_(io),
      shared_(shared),
      files_(std::move(files)),
      options_(std::move(options)),
      acceptor_(asio::make_strand(io)) {}

bool WebServer::listen(const tcp::endpoint& where, std::string* error) {
  error_code ec;
  acceptor_.open(where.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(where, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = ec.message();
    return false;
  }
  port_ = acceptor_.local_endpoint().port();
  accept_next();
  return true;
}

void WebServer::accept_next() {
  acceptor_.async_accept(
      asio::make_strand(io_), [self = shared_from_this()](error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
          beast::tcp_stream stream(std::move(socket));
          if (self->options_.tls) {
            using Tls = beast::ssl_stream<beast::tcp_stream>;
            std::make_shared<HttpConnection<Tls>>(self, Tls(std::move(stream), *self->options_.tls))->start();
          } else {
            std::make_shared<HttpConnection<beast::tcp_stream>>(self, std::move(stream))->start();
          }
        }
        self->accept_next();
      });
}

void WebServer::track(const std::shared_ptr<BridgeSession>& session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](auto& w) { return w.expired(); }),
                  sessions_.end());
  sessions_.push_back(session);
}

void WebServer::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ec;
    self->acceptor_.close(ec);
  });
  std::lock_guard lock(mutex_);
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->stop_from_outside();
  }
}
