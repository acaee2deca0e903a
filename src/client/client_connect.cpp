// Client: from connect() to the QUIC handshake of the one connection it keeps.
#include <algorithm>

#include "client/client.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "transport/host_resolver.hpp"
#include "wire/close_codes.hpp"

namespace wzp::client {
namespace {
constexpr std::string_view kLog = "client";

transport::CloseInfo connect_timeout(std::string reason) {
  return {transport::CloseKind::local, wire::code_value(wire::CloseCode::connect_timeout), false,
          std::move(reason)};
}
}  // namespace

Status Client::connect() {
  return loop_.run_sync([this]() -> Status {
    // One client, one connection: a closed client (hung up, refused, disconnected) stays closed.
    if (state_.load() == ClientState::closed) {
      return make_error(Errc::invalid_state,
                        "the client is closed and cannot connect again: create a new client");
    }
    if (state_.load() != ClientState::idle)
      return make_error(Errc::invalid_state, "connect() was already called");
    auto literal = transport::SocketAddress::from_ip(config_.relay_host, config_.relay_port);
    if (literal) {
      // An IP literal starts at once, so a socket error is connect()'s own.
      auto started = start_attempt(*literal);
      if (!started) return started;
      addresses_ = {*literal};
      next_address_ = 1;
      begin_connecting(literal->to_string());
      return {};
    }
    // A host name: getaddrinfo may block for seconds, so not on the loop thread.
    Resolver resolver = config_.resolver ? config_.resolver : transport::resolve_host;
    auto started = BackgroundResolve::start(
        std::move(resolver), config_.relay_host, config_.relay_port, [this](ResolveResult result) {
          loop_.post([this, result = std::move(result)]() mutable { on_resolved(std::move(result)); });
        });
    if (!started) return std::move(started).error();
    resolve_ = std::move(*started);
    begin_connecting(config_.relay_host + ":" + std::to_string(config_.relay_port));
    return {};
  });
}

void Client::begin_connecting(const std::string& target) {
  WZP_LOG(info, kLog,
          "connecting to " + target + " (SNI " + (config_.sni.empty() ? "none" : config_.sni) + ") as " +
              config_.identity.fingerprint().to_display());
  set_state(ClientState::connecting);
  uint64_t deadline = clock::now_ns() + uint64_t{config_.handshake_timeout_ms} * 1'000'000;
  deadline_ = loop_.add_timer(deadline, [this] {
    deadline_.reset();
    on_deadline();
  });
}

void Client::on_deadline() {
  auto s = state_.load();
  if (s == ClientState::joined || s == ClientState::closed) return;
  if (s == ClientState::connecting && !connection_id_) {
    // No QUIC handshake completed: nothing (that we could reach) answered.
    abandon_connecting(connect_timeout(no_answer_reason()));
    return;
  }
  if (auto* conn = connection()) {
    fail(*conn, wire::code_value(wire::CloseCode::timeout),
         "not joined within " + std::to_string(config_.handshake_timeout_ms) + " ms (state " +
             std::string(client_state_name(s)) + "): the relay at " + relay_address_ +
             " completed the QUIC handshake but sent no CallAnswer" +
             (config_.token ? " (the AuthToken and the CallOffer were sent)" : " (the CallOffer was sent)"));
  }
}

void Client::on_resolved(ResolveResult result) {
  if (!resolve_) return;  // given up meanwhile
  resolve_.reset();
  if (state_.load() != ClientState::connecting) return;
  if (!result) {
    abandon_connecting(connect_timeout(result.error().message));
    return;
  }
  addresses_ = std::move(*result);
  next_address_ = 0;
  std::string list;
  for (const auto& a : addresses_) list += (list.empty() ? "" : ", ") + a.to_string();
  WZP_LOG(debug, kLog, "relay host '" + config_.relay_host + "' resolved to " + list);
  start_next_attempt();
  if (attempts_.empty())
    abandon_connecting(connect_timeout("cannot reach " + relay_description() + ": " + attempt_failures_));
}

void Client::note_failure(const transport::SocketAddress& remote, const std::string& why) {
  attempt_failures_ += (attempt_failures_.empty() ? "" : "; ") + remote.to_string() + ": " + why;
}

Status Client::start_attempt(const transport::SocketAddress& remote) {
  transport::ConnectOptions options;
  options.sni = config_.sni;
  options.pinned_certificate_sha256 = config_.pin_certificate_sha256;
  auto id = endpoint_->connect(remote, options);
  if (!id) return std::move(id).error();
  attempts_.push_back({*id, remote});
  WZP_LOG(debug, kLog, "trying " + remote.to_string());
  return {};
}

void Client::start_next_attempt() {
  if (attempt_timer_) {
    loop_.cancel_timer(*attempt_timer_);
    attempt_timer_.reset();
  }
  while (next_address_ < addresses_.size()) {
    const transport::SocketAddress remote = addresses_[next_address_++];
    auto started = start_attempt(remote);
    if (!started) {
      note_failure(remote, started.error().message);
      continue;
    }
    if (next_address_ < addresses_.size()) {
      uint64_t at = clock::now_ns() + uint64_t{config_.attempt_delay_ms} * 1'000'000;
      attempt_timer_ = loop_.add_timer(at, [this] {
        attempt_timer_.reset();
        if (state_.load() == ClientState::connecting && !connection_id_) start_next_attempt();
      });
    }
    return;
  }
}

bool Client::take_connection(transport::Connection& conn) {
  if (connection_id_) return conn.id() == *connection_id_;
  auto it =
      std::find_if(attempts_.begin(), attempts_.end(), [&](const Attempt& a) { return a.id == conn.id(); });
  if (it == attempts_.end() || state_.load() != ClientState::connecting) return false;
  connection_id_ = conn.id();
  relay_address_ = it->remote.to_string();
  if (attempt_timer_) {
    loop_.cancel_timer(*attempt_timer_);
    attempt_timer_.reset();
  }
  next_address_ = addresses_.size();
  for (const auto& other : attempts_) {
    if (other.id == conn.id()) continue;
    if (auto* loser = endpoint_->find(other.id))
      loser->close(wire::code_value(wire::CloseCode::normal), "another address answered first");
  }
  attempts_.clear();
  return true;
}

void Client::on_attempt_closed(transport::Connection& conn, const transport::CloseInfo& info) {
  auto it =
      std::find_if(attempts_.begin(), attempts_.end(), [&](const Attempt& a) { return a.id == conn.id(); });
  if (it == attempts_.end()) return;  // a loser of the race, or already given up
  const transport::SocketAddress remote = it->remote;
  attempts_.erase(it);
  if (state_.load() != ClientState::connecting) return;
  note_failure(remote, transport::describe(info));
  if (next_address_ < addresses_.size()) start_next_attempt();  // at once: no need to wait
  if (!attempts_.empty()) return;
  // Every address failed. A refusal (e.g. a TLS alert) is reported as it came;
  // silence that outlasted the transport's own timers is still "nothing answered".
  if (info.kind == transport::CloseKind::idle_timeout) {
    abandon_connecting(connect_timeout(no_answer_reason()));
    return;
  }
  report_closed(info, conn.stats());
}

void Client::abandon_connecting(const transport::CloseInfo& info) {
  resolve_.reset();
  if (attempt_timer_) {
    loop_.cancel_timer(*attempt_timer_);
    attempt_timer_.reset();
  }
  next_address_ = addresses_.size();
  std::vector<Attempt> attempts;
  attempts.swap(attempts_);  // their closes are not reported: this one is
  for (const auto& a : attempts) {
    if (auto* conn = endpoint_->find(a.id)) conn->close(info.code, info.reason);
  }
  if (info.code == wire::code_value(wire::CloseCode::connect_timeout))
    WZP_LOG(warn, kLog, "giving up: " + info.reason);
  report_closed(info, {});
}

std::string Client::relay_description() const {
  if (auto literal = transport::SocketAddress::from_ip(config_.relay_host, config_.relay_port))
    return "relay " + literal->to_string();
  std::string out = "relay " + config_.relay_host + ":" + std::to_string(config_.relay_port);
  if (addresses_.empty()) return out;
  out += " (";
  for (size_t i = 0; i < addresses_.size(); ++i) out += (i ? ", " : "") + addresses_[i].to_string();
  return out + ")";
}

std::string Client::no_answer_reason() const {
  std::string within = " within " + std::to_string(config_.handshake_timeout_ms) + " ms";
  if (resolve_) return "cannot resolve relay host '" + config_.relay_host + "'" + within;
  std::string out = "no answer from " + relay_description() + within;
  if (!attempt_failures_.empty()) out += " (" + attempt_failures_ + ")";
  return out;
}

}  // namespace wzp::client
