// The pre-room phases seen from both ends: hand-made bad openings from a bare
// QUIC connection (relay spec §5.3, scenarios HS-2, HS-3, HS-7) and the
// client's own deadline and pinning checks (featherChat spec §2.5).
#include <gtest/gtest.h>

#include "handshake/signal_handshake.hpp"
#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

using wire::CloseCode;

/// The client closed the connection itself with `code`.
void expect_local_close(const std::optional<transport::CloseInfo>& closed, CloseCode code,
                        const std::string& reason_part) {
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->kind, transport::CloseKind::local) << transport::describe(*closed);
  EXPECT_FALSE(closed->transport_code);
  EXPECT_EQ(closed->code, wire::code_value(code)) << closed->reason;
  EXPECT_NE(closed->reason.find(reason_part), std::string::npos) << closed->reason;
}

// A relay and one bare connection to it that completed QUIC.
class LiveRawOpening : public ::testing::Test {
 protected:
  void open(relay::RelayConfig config = relay_config()) {
    relay = TestRelay::start(std::move(config));
    ASSERT_TRUE(relay);
    raw = raw_connection(*relay);
    ASSERT_TRUE(raw);
  }
  std::optional<transport::CloseInfo> expect_refused(CloseCode code, const std::string& reason_part) {
    return expect_raw_refused(*relay, *raw, code, reason_part);
  }

  std::unique_ptr<TestRelay> relay;
  std::unique_ptr<RawEndpoint> raw;
};

TEST_F(LiveRawOpening, TamperedOfferSignatureIsRefused) {
  open();
  handshake::Caller caller(identity_from(4));
  wire::CallOffer offer = caller.offer();
  ASSERT_EQ(offer.signature.size(), 64u);
  offer.signature[5] ^= 0x01;
  ASSERT_TRUE(raw->send_signal(offer).ok());
  expect_refused(CloseCode::handshake_failed, "signature verification failed");
  EXPECT_EQ(relay->counters().handshakes_failed.load(), 1u);
}

// The same offer untouched is answered: the tampering is what the relay refused.
TEST_F(LiveRawOpening, HandMadeOfferIsAnswered) {
  open();
  // A datagram before the join is dropped (and counted), not forwarded.
  ASSERT_TRUE(
      raw->with_connection([&](transport::Connection& c) { return c.send_datagram(media_packet(4, 0)); })
          .ok());
  ASSERT_TRUE(eventually([&] { return relay->counters().datagrams_dropped.load() == 1; }));
  handshake::Caller caller(identity_from(4));
  ASSERT_TRUE(raw->send_signal(caller.offer()).ok());
  auto joined = relay->wait_event(relay::RelayEventType::joined);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->fingerprint, identity_from(4).fingerprint().to_display());
  EXPECT_EQ(joined->room, "default");
  // The CallAnswer arrives and verifies.
  ASSERT_TRUE(raw->wait_signals(1));
  auto answer = wire::decode_json(as_chars(raw->state().signals[0]));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  auto session = caller.accept(*answer);
  ASSERT_TRUE(session.ok()) << session.error().message;
  EXPECT_EQ(session->peer_fingerprint(), relay->server->identity().fingerprint());
}

TEST_F(LiveRawOpening, InvalidJsonFirstSignal) {
  open();
  ASSERT_TRUE(raw->send_signal_text("{\"CallOffer\":").ok());
  expect_refused(CloseCode::malformed_signal, "malformed signal");
  EXPECT_EQ(relay->counters().rejected_malformed.load(), 1u);
}

TEST_F(LiveRawOpening, OversizedSignalLengthPrefix) {
  open();
  Bytes stream(4 + 64, 'x');
  store_be32(stream.data(), 1024 * 1024 + 1);  // declares one byte over the 1 MiB limit
  ASSERT_TRUE(raw->send_raw_stream(stream).ok());
  expect_refused(CloseCode::malformed_signal, "malformed signal");
  EXPECT_EQ(relay->counters().rejected_malformed.load(), 1u);
}

TEST_F(LiveRawOpening, UnexpectedFirstMessage) {
  open();
  ASSERT_TRUE(raw->send_signal(wire::Ping{1}).ok());
  expect_refused(CloseCode::handshake_failed, "handshake failed");
  EXPECT_EQ(relay->counters().handshakes_failed.load(), 1u);
}

TEST_F(LiveRawOpening, SilenceAfterTheQuicHandshakeTimesOut) {
  auto config = relay_config();
  config.phase_timeout_ms = 300;
  open(config);
  expect_refused(CloseCode::timeout, "no CallOffer within 300 ms");
  EXPECT_EQ(relay->counters().rejected_timeout.load(), 1u);
  EXPECT_EQ(relay->counters().sessions_active.load(), 0u);
}

// Client side: a server that completes QUIC but never sends a CallAnswer.
TEST(LiveHandshake, ClientGivesUpOnARelayThatNeverAnswers) {
  auto mute = RawEndpoint::mute_server();
  ASSERT_TRUE(mute);
  auto config = client_config_to(mute->port());
  config.handshake_timeout_ms = 300;
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  auto closed = c->wait_closed();
  expect_local_close(closed, CloseCode::timeout, "not joined within 300 ms (state HANDSHAKING)");
  // The reason says which phase was missed, at which address.
  ASSERT_TRUE(closed);
  EXPECT_NE(closed->reason.find("the relay at 127.0.0.1:" + std::to_string(mute->port()) +
                                " completed the QUIC handshake but sent no CallAnswer"),
            std::string::npos)
      << closed->reason;
  Status joined = c->client->wait_joined(0);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, Errc::timeout);
  EXPECT_NE(joined.error().message.find("WZP_CLOSE_TIMEOUT"), std::string::npos) << joined.error().message;
  // The server was told why.
  auto seen = mute->wait_closed();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->kind, transport::CloseKind::application);
  EXPECT_EQ(seen->code, wire::code_value(CloseCode::timeout));
  EXPECT_EQ(mute->state().signals.size(), 1u);  // the CallOffer
}

// Nothing answers at all: the same deadline covers the QUIC handshake, with a
// code of its own (not the relay's phase deadline) and a reason naming the address.
TEST(LiveHandshake, ClientGivesUpWhenNothingListens) {
  uint16_t port = 0;
  {
    auto gone = RawEndpoint::mute_server();
    ASSERT_TRUE(gone);
    port = gone->port();
  }
  auto config = client_config_to(port);
  config.handshake_timeout_ms = 300;
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  expect_local_close(c->wait_closed(), CloseCode::connect_timeout,
                     "no answer from relay 127.0.0.1:" + std::to_string(port) + " within 300 ms");
  Status joined = c->client->wait_joined(0);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, Errc::timeout);
  EXPECT_NE(joined.error().message.find("WZP_CLOSE_CONNECT_TIMEOUT"), std::string::npos)
      << joined.error().message;
  EXPECT_EQ(
      c->events.count([](const client::ClientEvent& e) { return e.type == client::ClientEventType::closed; }),
      1u);
}

// A relay stand-in that answers the client's CallOffer with `reply` (`adjust` edits the client's config).
std::optional<transport::CloseInfo> client_closed_after_reply(
    const std::function<std::string(const wire::CallOffer&)>& reply,
    const std::function<void(client::ClientConfig&)>& adjust = {}) {
  auto server = RawEndpoint::mute_server();
  EXPECT_TRUE(server);
  if (!server) return std::nullopt;
  auto config = client_config_to(server->port());
  if (adjust) adjust(config);
  auto c = TestClient::connect(std::move(config));
  EXPECT_TRUE(c);
  if (!c) return std::nullopt;
  EXPECT_TRUE(server->wait_signals(1));
  auto offer = wire::decode_json(as_chars(server->state().signals.at(0)));
  EXPECT_TRUE(offer.ok() && std::holds_alternative<wire::CallOffer>(*offer));
  if (!offer.ok() || !std::holds_alternative<wire::CallOffer>(*offer)) return std::nullopt;
  EXPECT_TRUE(server->send_signal_text(reply(std::get<wire::CallOffer>(*offer))).ok());
  auto closed = c->wait_closed();
  EXPECT_FALSE(c->client->relay_fingerprint().has_value());
  EXPECT_EQ(
      c->events.count([](const client::ClientEvent& e) { return e.type == client::ClientEventType::joined; }),
      0u);
  auto seen = server->wait_closed();  // the stand-in is told why
  EXPECT_TRUE(seen && closed && seen->code == closed->code && seen->reason == closed->reason);
  return closed;
}

TEST(LiveClientHandshake, MalformedReplyFromTheRelay) {
  expect_local_close(
      client_closed_after_reply([](const wire::CallOffer&) { return std::string("{\"CallAnswer\""); }),
      CloseCode::malformed_signal, "malformed signal from the relay");
}

TEST(LiveClientHandshake, ReplyThatIsNotACallAnswer) {
  expect_local_close(client_closed_after_reply([](const wire::CallOffer&) {
                       return wire::encode_json(wire::SignalMessage(wire::Pong{1}));
                     }),
                     CloseCode::handshake_failed, "handshake failed");
}

TEST(LiveClientHandshake, AnswerWithABadSignature) {
  auto relay_identity = identity_from(20);
  expect_local_close(client_closed_after_reply([&](const wire::CallOffer& offer) {
                       auto answered = handshake::answer_offer(relay_identity, wire::SignalMessage(offer));
                       EXPECT_TRUE(answered.ok());
                       wire::CallAnswer answer = answered->answer;
                       answer.signature[10] ^= 0x40;
                       return wire::encode_json(wire::SignalMessage(answer));
                     }),
                     CloseCode::handshake_failed, "signature verification failed");
}

// Someone on the path strips "wzp_media_session" from the relay's answer: a client that
// requires the v2 session closes instead of falling back to the reference session.
TEST(LiveClientHandshake, AClientThatRequiresV2RefusesAnAnswerWithoutIt) {
  auto relay_identity = identity_from(21);
  expect_local_close(client_closed_after_reply(
                         [&](const wire::CallOffer& offer) {
                           EXPECT_EQ(offer.media_session_version, handshake::kMediaSessionVersion);
                           auto answered =
                               handshake::answer_offer(relay_identity, wire::SignalMessage(offer));
                           EXPECT_TRUE(answered.ok());
                           wire::CallAnswer answer = answered->answer;
                           answer.media_session_version.reset();
                           return wire::encode_json(wire::SignalMessage(answer));
                         },
                         [](client::ClientConfig& c) { c.require_media_session_v2 = true; }),
                     CloseCode::handshake_failed, "v2 media session is required");
}

TEST(LiveHandshake, PinnedRelayIdentityAndCertificateMatch) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto config = client_config(*relay);
  config.pin_relay_fingerprint = relay->server->identity().fingerprint();
  config.pin_certificate_sha256 = relay->server->certificate_sha256();
  auto c = TestClient::join(std::move(config));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->client->relay_fingerprint(), relay->server->identity().fingerprint());
}

TEST(LiveHandshake, PinnedRelayIdentityMismatch) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto config = client_config(*relay);
  config.pin_relay_fingerprint = identity_from(9).fingerprint();
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  auto closed = c->wait_closed();
  expect_local_close(closed, CloseCode::handshake_failed,
                     "is not the pinned " + identity_from(9).fingerprint().to_display());
  ASSERT_TRUE(closed);
  EXPECT_FALSE(c->client->wait_joined(0).ok());
  EXPECT_FALSE(c->client->relay_fingerprint().has_value());
  // The relay had admitted it; it sees the client leave with that code.
  auto left = relay->wait_event(relay::RelayEventType::left);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->close.kind, transport::CloseKind::application);
  EXPECT_EQ(left->close.code, wire::code_value(CloseCode::handshake_failed));
  EXPECT_EQ(left->close.reason, closed->reason);
}

TEST(LiveHandshake, PinnedCertificateMismatchFailsTheConnection) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto config = client_config(*relay);
  ByteArray<32> wrong = relay->server->certificate_sha256();
  wrong[0] ^= 0xFF;
  config.pin_certificate_sha256 = wrong;
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  auto closed = c->wait_closed();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->kind, transport::CloseKind::local) << transport::describe(*closed);
  EXPECT_TRUE(closed->transport_code);
  EXPECT_NE(closed->reason.find("pinned"), std::string::npos) << closed->reason;
  Status joined = c->client->wait_joined(0);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, Errc::tls) << joined.error().message;
  EXPECT_EQ(relay->count(relay::RelayEventType::joined), 0u);
  EXPECT_EQ(relay->counters().handshakes_ok.load(), 0u);
}

TEST(LiveClient, MisuseIsReported) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto no_port = client_config(*relay);
  no_port.relay_port = 0;
  auto created = client::Client::create(no_port, nullptr);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::invalid_argument);
  auto no_host = client_config(*relay);
  no_host.relay_host = "";
  created = client::Client::create(no_host, nullptr);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::invalid_argument);

  created = client::Client::create(client_config(*relay), nullptr);
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto& c = *created;
  EXPECT_EQ(c->state(), client::ClientState::idle);
  EXPECT_EQ(c->send_media(media_packet(1, 1)).error().code, Errc::invalid_state);
  EXPECT_EQ(c->send_signal(wire::Ping{1}).error().code, Errc::invalid_state);
  EXPECT_EQ(c->wait_joined(0).error().code, Errc::timeout);
  EXPECT_FALSE(c->close_info().has_value());
  ASSERT_TRUE(c->connect().ok());
  EXPECT_EQ(c->connect().error().code, Errc::invalid_state);
  ASSERT_TRUE(c->wait_joined(static_cast<int>(kWait.count())).ok());
  c->hangup(wire::HangupReason::normal);
  EXPECT_EQ(c->send_media(media_packet(1, 2)).error().code, Errc::closed);
  EXPECT_EQ(c->send_signal(wire::Ping{2}).error().code, Errc::closed);
  ASSERT_TRUE(c->close_info().has_value());
  EXPECT_EQ(c->close_info()->code, 0u);
}

TEST(LiveClient, StatesWithoutAuthentication) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto c = TestClient::join(client_config(*relay));
  ASSERT_TRUE(c);
  c->client->hangup(wire::HangupReason::normal);
  ASSERT_TRUE(c->wait_closed());
  EXPECT_EQ(c->states(), (std::vector<client::ClientState>{
                             client::ClientState::connecting, client::ClientState::handshaking,
                             client::ClientState::joined, client::ClientState::closed}));
  EXPECT_EQ(
      c->events.count([](const client::ClientEvent& e) { return e.type == client::ClientEventType::joined; }),
      1u);
  EXPECT_GT(c->client->stats().bytes_sent, 0u);
}

}  // namespace
}  // namespace wzp::live_testing
