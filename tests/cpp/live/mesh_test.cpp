// The relay mesh on loopback: probe links, presence gossip, mesh
// authentication and expiry (relay spec §9-§11 with libwzp's fixes).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handshake/signal_handshake.hpp"
#include "live/live_harness.hpp"
#include "wire/base64.hpp"

namespace wzp::live_testing {
namespace {

using relay::PresenceLocation;
using relay::RelayEventType;

/// A UDP port free right now on 127.0.0.1 (relays that probe each other must
/// know each other's ports before they start).
uint16_t free_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

struct MeshNode {
  uint8_t seed;
  uint16_t port;
  std::unique_ptr<TestRelay> relay;
  std::string fingerprint() const { return identity_from(seed).fingerprint().to_display(); }
  std::string address() const { return loopback(port); }
  std::optional<PresenceLocation> lookup(const std::string& fp) const {
    return relay->server->presence().lookup(fp);
  }
  bool finds_at(const std::string& fp, const std::string& addr) const {
    auto where = lookup(fp);
    return where && !where->local && where->relay_addr == addr;
  }
};

struct MeshOptions {
  uint32_t probe_interval_ms = 100;
  // Large by default: only change-triggered gossip can be what a test sees.
  uint32_t gossip_every_pings = 100'000;
  uint32_t presence_ttl_s = 30;
};

relay::RelayConfig node_config(const MeshNode& self, const std::vector<MeshNode>& all, const MeshOptions& o) {
  auto config = relay_config();
  config.listen_port = self.port;
  config.identity = identity_from(self.seed);
  for (const auto& other : all) {
    if (other.seed == self.seed) continue;
    config.probe_targets.push_back(other.address());
    config.mesh_peers.push_back(other.fingerprint());
  }
  config.probe_interval_ms = o.probe_interval_ms;
  config.gossip_every_pings = o.gossip_every_pings;
  config.presence_ttl_s = o.presence_ttl_s;
  return config;
}

/// Three relays, each probing the two others, each listing the others as mesh peers.
std::vector<MeshNode> start_mesh(const MeshOptions& options = {}) {
  std::vector<MeshNode> nodes;
  for (uint8_t seed : {0xA1, 0xB2, 0xC3}) nodes.push_back(MeshNode{seed, free_udp_port(), nullptr});
  for (auto& node : nodes) {
    node.relay = TestRelay::start(node_config(node, nodes, options));
    if (!node.relay) return {};
  }
  // Every link authenticated both ways before the test starts.
  for (auto& node : nodes) {
    EXPECT_TRUE(eventually([&] { return node.relay->server->probe_peers().size() == 2; }))
        << node.address() << " has not authenticated its peers";
  }
  return nodes;
}

client::ClientConfig client_of(const MeshNode& node, uint8_t identity_seed) {
  auto config = client_config_to(node.port);
  config.identity = identity_from(identity_seed);
  return config;
}

bool presence_event(const TestRelay& relay, const std::string& fp, bool online, const std::string& addr) {
  return relay.events
      .wait_for([&](const relay::RelayEvent& e) {
        return e.type == RelayEventType::presence && e.fingerprint == fp && e.online == online &&
               e.relay_addr == addr;
      })
      .has_value();
}

TEST(Mesh, ClientOnOneRelayIsFoundOnTheOthersUnderItsAddressUntilItLeaves) {
  auto nodes = start_mesh();
  ASSERT_EQ(nodes.size(), 3u);
  auto& a = nodes[0];
  for (const auto& node : nodes) {
    EXPECT_EQ(node.relay->server->advertised_address(), node.address());
    auto status = node.relay->server->probe_status();
    ASSERT_EQ(status.size(), 2u);
    for (const auto& s : status) {
      EXPECT_EQ(s.kind, "libwzp");
      EXPECT_TRUE(eventually([&] {
        for (const auto& now : node.relay->server->probe_status())
          if (now.target == s.target && now.up && now.pongs_received > 0) return true;
        return false;
      }));
    }
  }

  auto user = TestClient::join(client_of(a, 0x11));
  ASSERT_TRUE(user);
  const std::string fp = user->display_fingerprint;
  // Local on A (with an event naming its room), remote at A's address on B and C.
  EXPECT_TRUE(a.relay->events.wait_for([&](const relay::RelayEvent& e) {
    return e.type == RelayEventType::presence && e.fingerprint == fp && e.online && !e.relay_addr &&
           e.room == "default";
  }));
  EXPECT_EQ(a.lookup(fp), (PresenceLocation{true, ""}));
  for (size_t i = 1; i < 3; ++i) {
    // gossip_every_pings is out of reach: only the change-triggered update can do this.
    EXPECT_TRUE(presence_event(*nodes[i].relay, fp, true, a.address()));
    EXPECT_TRUE(nodes[i].finds_at(fp, a.address()));
  }
  EXPECT_GT(a.relay->counters().mesh.gossip_out.load(), 0u);

  user->client->hangup(wire::HangupReason::normal);
  for (size_t i = 1; i < 3; ++i) {
    EXPECT_TRUE(presence_event(*nodes[i].relay, fp, false, a.address()));
    EXPECT_FALSE(nodes[i].lookup(fp).has_value());
  }
  EXPECT_FALSE(a.lookup(fp).has_value());
  // Nothing was refused between listed peers.
  for (const auto& node : nodes) {
    EXPECT_EQ(node.relay->counters().mesh.gossip_refused_unauthenticated.load(), 0u);
    EXPECT_EQ(node.relay->counters().mesh.gossip_refused_address.load(), 0u);
  }
}

TEST(Mesh, OneFingerprintOnTwoConnectionsStaysOnlineUntilBothLeave) {
  auto nodes = start_mesh();
  ASSERT_EQ(nodes.size(), 3u);
  auto& a = nodes[0];
  auto& b = nodes[1];
  auto first = TestClient::join(client_of(a, 0x22));
  auto second = TestClient::join(client_of(a, 0x22));
  ASSERT_TRUE(first && second);
  const std::string fp = first->display_fingerprint;
  ASSERT_TRUE(presence_event(*b.relay, fp, true, a.address()));

  first->client->hangup(wire::HangupReason::normal);
  // A marker user joining after the first connection left: once B knows the
  // marker it has A's set from after the leave, which must still list fp.
  auto marker = TestClient::join(client_of(a, 0x23));
  ASSERT_TRUE(marker);
  ASSERT_TRUE(eventually([&] { return b.finds_at(marker->display_fingerprint, a.address()); }));
  EXPECT_TRUE(b.finds_at(fp, a.address()));
  EXPECT_EQ(a.lookup(fp), (PresenceLocation{true, ""}));
  EXPECT_EQ(b.relay->events.count([&](const relay::RelayEvent& e) {
    return e.type == RelayEventType::presence && e.fingerprint == fp && !e.online;
  }),
            0u);

  second->client->hangup(wire::HangupReason::normal);
  EXPECT_TRUE(presence_event(*b.relay, fp, false, a.address()));
  EXPECT_FALSE(b.lookup(fp).has_value());
  EXPECT_TRUE(b.finds_at(marker->display_fingerprint, a.address()));
}

TEST(Mesh, AStoppedRelayIsMarkedDownAndItsUsersExpire) {
  MeshOptions options;
  options.gossip_every_pings = 5;  // periodic refresh every 0.5 s
  options.presence_ttl_s = 2;
  auto nodes = start_mesh(options);
  ASSERT_EQ(nodes.size(), 3u);
  auto& a = nodes[0];
  auto& b = nodes[1];
  auto& c = nodes[2];
  auto on_a = TestClient::join(client_of(a, 0x31));
  auto on_c = TestClient::join(client_of(c, 0x33));
  ASSERT_TRUE(on_a && on_c);
  ASSERT_TRUE(eventually([&] { return b.finds_at(on_c->display_fingerprint, c.address()); }));
  ASSERT_TRUE(eventually([&] { return b.finds_at(on_a->display_fingerprint, a.address()); }));

  // A relay that dies without a word: its users stay until the TTL runs out.
  c.relay->server->stop();
  auto down_at = [&](const MeshNode& node) {
    for (const auto& s : node.relay->server->probe_status())
      if (s.target == c.address()) return !s.up && s.rtt_ms == 0;
    return false;
  };
  EXPECT_TRUE(eventually([&] { return down_at(a) && down_at(b); }));
  EXPECT_TRUE(presence_event(*b.relay, on_c->display_fingerprint, false, c.address()));
  EXPECT_FALSE(b.lookup(on_c->display_fingerprint).has_value());
  EXPECT_GT(b.relay->server->presence().counters().expired.load(), 0u);
  // A live relay's users are refreshed by its periodic gossip and stay.
  EXPECT_TRUE(b.finds_at(on_a->display_fingerprint, a.address()));
}

// ---------------------------------------------------------------------------
// Who may change presence

/// A relay with one local user; returns it and the user's fingerprint.
struct Guarded {
  std::unique_ptr<TestRelay> relay;
  std::unique_ptr<TestClient> user;
};

Guarded guarded_relay(relay::RelayConfig config) {
  Guarded g;
  g.relay = TestRelay::start(std::move(config));
  if (!g.relay) return g;
  g.user = TestClient::join(client_config(*g.relay));
  return g;
}

std::vector<wire::SignalMessage> decoded(const std::vector<Bytes>& signals) {
  std::vector<wire::SignalMessage> out;
  for (const auto& s : signals) {
    auto m = wire::decode_json(as_chars(s));
    EXPECT_TRUE(m.ok());
    if (m) out.push_back(*m);
  }
  return out;
}

template <class T>
size_t count_of(const std::vector<wire::SignalMessage>& messages) {
  return static_cast<size_t>(std::count_if(messages.begin(), messages.end(),
                                           [](const auto& m) { return std::holds_alternative<T>(m); }));
}

TEST(MeshAuth, AnUnauthenticatedProberGetsPongsButChangesAndLearnsNothing) {
  auto g = guarded_relay(relay_config());
  ASSERT_TRUE(g.relay && g.user);
  auto& counters = g.relay->counters().mesh;
  auto prober = RawEndpoint::connect(g.relay->port(), "wzp-probe");
  ASSERT_TRUE(prober && prober->wait_established());

  // As the reference prober: Ping, then PresenceUpdate.
  ASSERT_TRUE(prober->send_signal(wire::Ping{1733400000123}).ok());
  ASSERT_TRUE(prober->wait_signals(1));
  EXPECT_EQ(decoded(prober->state().signals).at(0), wire::SignalMessage(wire::Pong{1733400000123}));
  // Injection, and a wipe naming the relay's own address.
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"evil:fp"}, "10.9.9.9:4433"}).ok());
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{}, g.relay->server->address()}).ok());
  ASSERT_TRUE(eventually([&] { return counters.gossip_refused_unauthenticated.load() == 2; }));
  ASSERT_TRUE(prober->send_signal(wire::Ping{7}).ok());
  ASSERT_TRUE(prober->wait_signals(2));
  auto got = decoded(prober->state().signals);
  EXPECT_EQ(count_of<wire::Pong>(got), 2u);
  EXPECT_EQ(count_of<wire::PresenceUpdate>(got), 0u) << "an unauthenticated prober learned the local users";
  EXPECT_FALSE(g.relay->server->presence().lookup("evil:fp").has_value());
  EXPECT_EQ(g.relay->server->presence().peer_count(), 0u);
  EXPECT_EQ(g.relay->server->presence().lookup(g.user->display_fingerprint), (PresenceLocation{true, ""}));
  EXPECT_FALSE(prober->state().closed.has_value());  // Ping/Pong stays open
}

TEST(MeshAuth, AnAuthenticatedButUnlistedRelayCannotChangePresence) {
  auto b = guarded_relay(relay_config());
  ASSERT_TRUE(b.relay && b.user);
  // X lists B, B does not list X.
  auto x_config = relay_config();
  x_config.identity = identity_from(0x77);
  x_config.probe_targets = {b.relay->server->address()};
  x_config.mesh_peers = {b.relay->server->identity().fingerprint().to_display()};
  x_config.probe_interval_ms = 100;
  x_config.gossip_every_pings = 2;
  auto x = guarded_relay(x_config);
  ASSERT_TRUE(x.relay && x.user);
  ASSERT_TRUE(eventually([&] { return b.relay->counters().mesh.mesh_auth_unlisted.load() > 0; }));
  // X's pings are answered, but it never authenticates and B never hears of X's user.
  ASSERT_TRUE(eventually([&] { return x.relay->server->probe_status().at(0).pongs_received >= 3; }));
  EXPECT_TRUE(x.relay->server->probe_peers().empty());
  EXPECT_FALSE(b.relay->server->presence().lookup(x.user->display_fingerprint).has_value());
  EXPECT_FALSE(x.relay->server->presence().lookup(b.user->display_fingerprint).has_value());
  EXPECT_EQ(b.relay->server->presence().peer_count(), 0u);
}

/// A prober that completes the mesh handshake by hand as relay `identity`.
std::unique_ptr<RawEndpoint> authenticated_prober(uint16_t port, const crypto::Identity& identity) {
  auto prober = RawEndpoint::connect(port, "wzp-probe");
  if (!prober || !prober->wait_established()) return nullptr;
  handshake::Options options;
  options.require_v2 = true;
  handshake::Caller caller(identity, options);
  EXPECT_TRUE(prober->send_signal(caller.offer()).ok());
  EXPECT_TRUE(prober->wait_signals(1));
  auto answer = wire::decode_json(as_chars(prober->state().signals.at(0)));
  EXPECT_TRUE(answer.ok());
  if (!answer) return nullptr;
  auto session = caller.accept(*answer);
  EXPECT_TRUE(session.ok()) << (session.ok() ? "" : session.error().message);
  if (!session) return nullptr;
  auto& media = std::get<crypto::MediaSession>(session->session());
  auto tag = media.seal(as_bytes(std::string_view("wzp-mesh-confirm")), 0, {});
  EXPECT_TRUE(tag.ok());
  std::string json = "{\"wzp_mesh_confirm\":\"";
  wire::append_base64(json, *tag);
  json += "\"}";
  EXPECT_TRUE(prober->send_signal_text(json).ok());
  return prober;
}

TEST(MeshAuth, AListedPeerCannotFileUsersUnderAnotherRelaysAddress) {
  auto nodes = start_mesh();
  ASSERT_EQ(nodes.size(), 3u);
  auto& a = nodes[0];
  auto& b = nodes[1];
  auto user = TestClient::join(client_of(a, 0x41));
  ASSERT_TRUE(user);
  ASSERT_TRUE(eventually([&] { return b.finds_at(user->display_fingerprint, a.address()); }));

  // C's identity (listed on B) on a hand-made probe: it may speak for C's address only.
  auto prober = authenticated_prober(b.port, identity_from(0xC3));
  ASSERT_TRUE(prober);
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{}, a.address()}).ok());  // wipe A's users
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"forged:fp"}, "127.0.0.1:9"}).ok());
  ASSERT_TRUE(eventually([&] { return b.relay->counters().mesh.gossip_refused_address.load() == 2; }));
  EXPECT_TRUE(b.finds_at(user->display_fingerprint, a.address()));
  EXPECT_FALSE(b.lookup("forged:fp").has_value());
  // Under its own address it is heard, and answered.
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"c:own"}, nodes[2].address()}).ok());
  EXPECT_TRUE(eventually([&] { return b.finds_at("c:own", nodes[2].address()); }));
  EXPECT_TRUE(prober->wait_signals(2));
  EXPECT_EQ(count_of<wire::PresenceUpdate>(decoded(prober->state().signals)), 1u);
}

TEST(MeshAuth, APeersAddressIsBoundUntilItsRecordExpires) {
  auto config = relay_config();
  config.mesh_peers = {identity_from(0x99).fingerprint().to_display()};
  config.presence_ttl_s = 1;
  config.presence_expiry_interval_ms = 100;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto& presence = relay->server->presence();
  auto prober = authenticated_prober(relay->port(), identity_from(0x99));
  ASSERT_TRUE(prober);
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"u:1"}, "127.0.0.1:7001"}).ok());
  ASSERT_TRUE(eventually([&] { return presence.lookup("u:1").has_value(); }));
  // Another address while the first one's record lives: refused.
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"u:2"}, "127.0.0.1:7002"}).ok());
  ASSERT_TRUE(eventually([&] { return relay->counters().mesh.gossip_refused_address.load() == 1; }));
  EXPECT_FALSE(presence.lookup("u:2").has_value());
  // Once it expired (the relay moved, say), the new address is heard.
  ASSERT_TRUE(eventually([&] { return presence.peer_count() == 0; }));
  EXPECT_TRUE(eventually([&] {
    (void)prober->send_signal(wire::PresenceUpdate{{"u:2"}, "127.0.0.1:7002"});
    return eventually([&] { return presence.lookup("u:2").has_value(); }, std::chrono::milliseconds(300));
  }));
  EXPECT_EQ(presence.lookup("u:2"), (PresenceLocation{false, "127.0.0.1:7002"}));
}

TEST(MeshAuth, MeshOpenAcceptsAReferenceProbersPresenceAndAnswersAsTheReference) {
  auto config = relay_config();
  config.mesh_open = true;
  auto g = guarded_relay(config);
  ASSERT_TRUE(g.relay && g.user);
  auto prober = RawEndpoint::connect(g.relay->port(), "wzp-probe");
  ASSERT_TRUE(prober && prober->wait_established());
  ASSERT_TRUE(prober->send_signal(wire::Ping{1733400000999}).ok());
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"ref:user"}, "127.0.0.1:9999"}).ok());
  ASSERT_TRUE(prober->wait_signals(2));
  auto got = decoded(prober->state().signals);
  EXPECT_EQ(got.at(0), wire::SignalMessage(wire::Pong{1733400000999}));
  // The reply lists the local users, under this relay's own address.
  EXPECT_EQ(got.at(1), wire::SignalMessage(
                           wire::PresenceUpdate{{g.user->display_fingerprint}, g.relay->server->address()}));
  EXPECT_EQ(g.relay->server->presence().lookup("ref:user"), (PresenceLocation{false, "127.0.0.1:9999"}));
  // A relay_addr that does not parse: the connection's address, as the reference.
  ASSERT_TRUE(prober->send_signal(wire::PresenceUpdate{{"ref:other"}, "not an address"}).ok());
  EXPECT_TRUE(eventually([&] {
    auto where = g.relay->server->presence().lookup("ref:other");
    return where && where->relay_addr.starts_with("127.0.0.1:") && where->relay_addr != "127.0.0.1:9999";
  }));
  EXPECT_EQ(g.relay->counters().mesh.gossip_refused_unauthenticated.load(), 0u);
}

// ---------------------------------------------------------------------------
// Probing a reference relay

TEST(MeshReference, AReferenceTargetIsProbedWithTheReferenceSni) {
  // A GnuTLS server (ours) refuses "_probe" in its ClientHello, and reports the
  // name it refused: that shows what the prober sent.
  struct Refused {
    std::mutex m;
    std::optional<std::string> sni;
  } refused;
  EventLoop loop;
  loop.start();
  transport::ServerConfig server;
  server.bind_address = transport::SocketAddress::ipv4_loopback(0);
  transport::EndpointCallbacks callbacks;
  callbacks.on_handshake_refused = [&](const transport::HandshakeRefusal& r) {
    std::lock_guard lock(refused.m);
    refused.sni = r.sni;
  };
  auto endpoint = loop.run_sync([&] { return transport::Endpoint::create_server(loop, server, callbacks); });
  ASSERT_TRUE(endpoint.ok());
  uint16_t port = loop.run_sync([&] { return (*endpoint)->local_address().port(); });

  auto config = relay_config();
  config.probe_targets = {"ref:" + loopback(port)};
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  EXPECT_EQ(relay->server->probe_status().at(0).kind, "reference");
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(refused.m);
    return refused.sni == "_probe";
  }));
  EXPECT_FALSE(relay->server->probe_status().at(0).up);
  relay.reset();
  loop.run_sync([&] { endpoint->reset(); });
  loop.stop();
}

/// A reference-style probe responder (relay spec §9) built from the transport
/// layer. It cannot accept "_probe" (GnuTLS), so the relay under test is told to
/// use another name for reference targets; everything else is the reference's.
class ReferenceResponder {
 public:
  ReferenceResponder() {
    loop_.start();
    transport::ServerConfig server;
    server.bind_address = transport::SocketAddress::ipv4_loopback(0);
    transport::EndpointCallbacks callbacks;
    callbacks.on_signal = [this](transport::Connection& conn, ByteView payload) {
      auto message = wire::decode_json(as_chars(payload));
      std::lock_guard lock(mutex_);
      if (!message) return;
      received_.push_back(*message);
      if (const auto* ping = std::get_if<wire::Ping>(&*message)) {
        (void)conn.send_signal(
            as_bytes(wire::encode_json(wire::SignalMessage(wire::Pong{ping->timestamp_ms}))));
      } else if (std::holds_alternative<wire::PresenceUpdate>(*message)) {
        wire::PresenceUpdate reply{{"refuser:1"}, conn.remote_address().to_string()};
        (void)conn.send_signal(as_bytes(wire::encode_json(wire::SignalMessage(reply))));
      }
    };
    auto created =
        loop_.run_sync([&] { return transport::Endpoint::create_server(loop_, server, callbacks); });
    EXPECT_TRUE(created.ok());
    if (created) endpoint_ = std::move(*created);
  }
  ~ReferenceResponder() {
    loop_.run_sync([&] { endpoint_.reset(); });
    loop_.stop();
  }
  uint16_t port() {
    return loop_.run_sync([&] { return endpoint_->local_address().port(); });
  }
  std::vector<wire::SignalMessage> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  EventLoop loop_;
  std::unique_ptr<transport::Endpoint> endpoint_;
  std::mutex mutex_;
  std::vector<wire::SignalMessage> received_;
};

/// A relay probing `responder` as a reference relay, gossiping every `every` pings.
relay::RelayConfig probing_reference(ReferenceResponder& responder, uint32_t every) {
  auto config = relay_config();
  config.probe_targets = {"ref:" + loopback(responder.port())};
  config.reference_probe_sni = "refprobe";
  config.probe_interval_ms = 100;
  config.gossip_every_pings = every;
  return config;
}

TEST(MeshReference, ARelayProbesAReferenceResponderAsTheReferenceProberDoes) {
  ReferenceResponder responder;
  auto config = probing_reference(responder, 3);
  config.mesh_open = true;  // a reference relay cannot authenticate
  auto g = guarded_relay(config);
  ASSERT_TRUE(g.relay && g.user);
  EXPECT_TRUE(eventually([&] { return g.relay->server->presence().lookup("refuser:1").has_value(); }));
  // Each signal has its own stream, so the third Ping may be read after the PresenceUpdate it preceded.
  EXPECT_TRUE(eventually([&] { return count_of<wire::Ping>(responder.received()) >= 3; }));
  auto got = responder.received();
  EXPECT_EQ(count_of<wire::CallOffer>(got), 0u);  // no mesh handshake towards a reference relay
  auto update = std::find_if(got.begin(), got.end(),
                             [](const auto& m) { return std::holds_alternative<wire::PresenceUpdate>(m); });
  ASSERT_NE(update, got.end());
  EXPECT_EQ(std::get<wire::PresenceUpdate>(*update),
            (wire::PresenceUpdate{{g.user->display_fingerprint}, g.relay->server->address()}));
  auto status = g.relay->server->probe_status().at(0);
  EXPECT_TRUE(status.up);
  EXPECT_GT(status.pongs_received, 0u);
}

TEST(MeshReference, WithoutMeshOpenAReferenceRelaysPresenceIsRefused) {
  ReferenceResponder responder;
  auto relay = TestRelay::start(probing_reference(responder, 2));
  ASSERT_TRUE(relay);
  EXPECT_TRUE(eventually([&] { return relay->counters().mesh.gossip_refused_unauthenticated.load() > 0; }));
  EXPECT_FALSE(relay->server->presence().lookup("refuser:1").has_value());
}

TEST(MeshConfig, BadTargetsAddressesAndPeersAreRefusedAtStart) {
  auto bad = [](auto change) {
    auto config = relay_config();
    change(config);
    return !relay::RelayServer::start(std::move(config), nullptr).ok();
  };
  EXPECT_TRUE(bad([](relay::RelayConfig& c) { c.probe_targets = {"nowhere"}; }));
  EXPECT_TRUE(bad([](relay::RelayConfig& c) { c.probe_targets = {"127.0.0.1:5", "wzp:127.0.0.1:5"}; }));
  EXPECT_TRUE(bad([](relay::RelayConfig& c) { c.advertise = "0.0.0.0:4433"; }));
  EXPECT_TRUE(bad([](relay::RelayConfig& c) { c.mesh_peers = {"not a fingerprint"}; }));
  auto config = relay_config();
  config.listen_host = "0.0.0.0";
  auto wildcard = relay::RelayServer::start(std::move(config), nullptr);
  ASSERT_TRUE(wildcard.ok());
  EXPECT_EQ((*wildcard)->advertised_address(), "");
}

}  // namespace
}  // namespace wzp::live_testing
