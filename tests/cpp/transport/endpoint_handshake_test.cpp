// Handshake, SNI, ALPN, certificates and pinning over real loopback UDP.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "core/hex.hpp"
#include "core/log.hpp"
#include "transport/close_info.hpp"
#include "transport_harness.hpp"

namespace wzp::transport::testing {
namespace {

constexpr uint64_t kCryptoError = 0x100;
constexpr uint64_t kAlertNoApplicationProtocol = 120;
constexpr uint64_t kAlertIllegalParameter = 47;

// The server-side id of the single connection the server saw.
ConnectionId only_server_connection(Side& server) {
  EXPECT_TRUE(server.recorder.wait([](auto& c) { return !c.empty(); }));
  auto all = server.recorder.all();
  EXPECT_EQ(all.size(), 1u);
  return all.empty() ? 0 : all.begin()->first;
}

TEST(EndpointHandshake, SniSeenByServerAndBothSidesEstablished) {
  auto server = make_server();
  auto client = make_client();
  const std::string sni = "0123456789abcdef0123456789abcdef";
  ConnectionId cid = connect(*client, server_address(*server), with_sni(sni));
  ASSERT_TRUE(wait_established(*client, cid));
  ConnectionId sid = only_server_connection(*server);
  ASSERT_TRUE(wait_established(*server, sid));

  auto s = server->recorder.get(sid);
  EXPECT_TRUE(s.announced);
  EXPECT_TRUE(s.sni_present);
  EXPECT_EQ(s.sni, sni);
  auto c = client->recorder.get(cid);
  EXPECT_FALSE(c.announced);  // on_new_connection is server-only
  EXPECT_EQ(c.sni, sni);

  // The client saw the server's certificate, and it is the server's.
  auto seen = client->on_loop([&] { return client->endpoint->find(cid)->peer_certificate_sha256(); });
  ASSERT_TRUE(seen.has_value());
  auto expected = server->on_loop([&] { return server->endpoint->credentials()->certificate_sha256(); });
  EXPECT_EQ(*seen, expected);

  // Addresses line up both ways.
  auto client_local = client->on_loop([&] { return client->endpoint->find(cid)->local_address(); });
  auto server_remote = server->on_loop([&] { return server->endpoint->find(sid)->remote_address(); });
  EXPECT_EQ(client_local.port(), server_remote.port());
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->connection_count(); }), 1u);
}

TEST(EndpointHandshake, NoSniIsReportedAsAbsent) {
  auto server = make_server();
  auto client = make_client();
  ConnectionId cid = connect(*client, server_address(*server));
  ASSERT_TRUE(wait_established(*client, cid));
  ConnectionId sid = only_server_connection(*server);
  ASSERT_TRUE(wait_established(*server, sid));
  auto s = server->recorder.get(sid);
  EXPECT_FALSE(s.sni_present);
  EXPECT_EQ(s.sni, "");
}

TEST(EndpointHandshake, SniKeptAsSentWithoutLowerCasing) {
  auto server = make_server();
  auto client = make_client();
  ConnectionId cid = connect(*client, server_address(*server), with_sni("MyRoom.Example"));
  ASSERT_TRUE(wait_established(*client, cid));
  ConnectionId sid = only_server_connection(*server);
  ASSERT_TRUE(wait_established(*server, sid));
  EXPECT_EQ(server->recorder.get(sid).sni, "MyRoom.Example");
}

TEST(EndpointHandshake, SniFilterRefusesWithIllegalParameter) {
  ServerConfig config;
  std::mutex mutex;
  std::vector<std::optional<std::string>> filtered;
  config.sni_filter = [&](const std::optional<std::string>& sni) {
    std::lock_guard lock(mutex);
    filtered.push_back(sni);
    return sni && *sni != "forbidden";
  };
  auto server = make_server(config);
  auto client = make_client();
  ConnectionId refused = connect(*client, server_address(*server), with_sni("forbidden"));
  ASSERT_TRUE(client->recorder.wait([&](auto& c) { return c.count(refused) && c.at(refused).closed; }));
  auto info = *client->recorder.get(refused).closed;
  EXPECT_EQ(info.kind, CloseKind::transport) << describe(info);
  EXPECT_EQ(info.code, kCryptoError | kAlertIllegalParameter);
  EXPECT_FALSE(client->recorder.get(refused).established);
  EXPECT_TRUE(server->recorder.all().empty());
  // Never announced, yet visible: counted and reported with its id and reason.
  auto refusals = server->recorder.refusals();
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_NE(refusals[0].connection, 0u);
  EXPECT_EQ(refusals[0].sni, std::optional<std::string>("forbidden"));
  EXPECT_NE(refusals[0].reason.find("refused by the server"), std::string::npos) << refusals[0].reason;
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->stats().tls_handshakes_refused; }), 1u);

  ConnectionId allowed = connect(*client, server_address(*server), with_sni("allowed"));
  EXPECT_TRUE(wait_established(*client, allowed));
  std::lock_guard lock(mutex);
  ASSERT_EQ(filtered.size(), 2u);
  EXPECT_EQ(filtered[0], std::optional<std::string>("forbidden"));
  EXPECT_EQ(filtered[1], std::optional<std::string>("allowed"));
}

// GnuTLS (the server's TLS library) refuses host names with '_' such as the
// reference's "_probe"; the failure must be clean on both sides, and the
// server's log must say why.
TEST(EndpointHandshake, UnderscoreSniRefusedByGnuTlsCleanly) {
  std::mutex mutex;
  std::vector<std::string> lines;
  const auto saved_level = log::level();
  log::set_level(log::Level::debug);
  log::set_sink([&](log::Level, std::string_view, std::string_view message) {
    std::lock_guard lock(mutex);
    lines.emplace_back(message);
  });
  auto server = make_server();
  auto client = make_client();
  ConnectionId cid = connect(*client, server_address(*server), with_sni("_probe"));
  ASSERT_TRUE(client->recorder.wait([&](auto& c) { return c.count(cid) && c.at(cid).closed; }));
  auto info = *client->recorder.get(cid).closed;
  EXPECT_EQ(info.kind, CloseKind::transport) << describe(info);
  EXPECT_EQ(info.code, kCryptoError | kAlertIllegalParameter) << describe(info);
  EXPECT_TRUE(poll_until(
      [&] { return server->on_loop([&] { return server->endpoint->stats().connections_refused; }) == 1; }));
  EXPECT_TRUE(server->recorder.all().empty());  // never announced to the application
  auto refusals = server->recorder.refusals();
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_NE(refusals[0].connection, 0u);
  EXPECT_EQ(refusals[0].sni, std::optional<std::string>("_probe"));
  EXPECT_EQ(refusals[0].remote.port(),
            client->on_loop([&] { return client->endpoint->local_address().port(); }));
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->stats().tls_handshakes_refused; }), 1u);
  log::set_sink({});
  log::set_level(saved_level);
  std::lock_guard lock(mutex);
  bool explained = false;
  for (const auto& line : lines)
    explained = explained || (line.find("'_probe' refused by GnuTLS") != std::string::npos &&
                              line.find("TLS handshake of connection") != std::string::npos);
  EXPECT_TRUE(explained);
}

TEST(EndpointHandshake, AlpnMismatchRefused) {
  auto server = make_server();
  ClientConfig config;
  config.transport.alpn = "not-wzp";
  auto client = make_client(config);
  ConnectionId cid = connect(*client, server_address(*server), with_sni("room"));
  ASSERT_TRUE(client->recorder.wait([&](auto& c) { return c.count(cid) && c.at(cid).closed; }));
  auto info = *client->recorder.get(cid).closed;
  EXPECT_FALSE(client->recorder.get(cid).established);
  EXPECT_EQ(info.kind, CloseKind::transport) << describe(info);
  EXPECT_EQ(info.code, kCryptoError | kAlertNoApplicationProtocol) << describe(info);

  // The attempt failed on its first packet: counted, never announced.
  EXPECT_TRUE(poll_until(
      [&] { return server->on_loop([&] { return server->endpoint->stats().connections_refused; }) == 1; }));
  EXPECT_TRUE(server->recorder.all().empty());
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->connection_count(); }), 0u);
  EXPECT_EQ(server->recorder.refusals().size(), 1u);
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->stats().tls_handshakes_refused; }), 1u);
}

TEST(EndpointHandshake, PinnedCertificateAccepted) {
  auto server = make_server();
  auto client = make_client();
  auto pin = server->on_loop([&] { return server->endpoint->credentials()->certificate_sha256(); });
  ConnectionId cid = connect(*client, server_address(*server), with_sni("room", pin));
  EXPECT_TRUE(wait_established(*client, cid));
}

TEST(EndpointHandshake, PinMismatchFailsWithClearReason) {
  auto server = make_server();
  auto client = make_client();
  ByteArray<32> wrong{};
  wrong.fill(0xab);
  ConnectionId cid = connect(*client, server_address(*server), with_sni("room", wrong));
  ASSERT_TRUE(client->recorder.wait([&](auto& c) { return c.count(cid) && c.at(cid).closed; }));
  auto c = client->recorder.get(cid);
  EXPECT_FALSE(c.established);
  EXPECT_EQ(c.closed->kind, CloseKind::local);
  EXPECT_TRUE(c.closed->transport_code);
  EXPECT_NE(c.closed->reason.find("pinned"), std::string::npos) << c.closed->reason;
  EXPECT_NE(c.closed->reason.find(to_hex(wrong)), std::string::npos) << c.closed->reason;

  // The server learns of the failure as a transport error carrying a TLS alert.
  ConnectionId sid = only_server_connection(*server);
  ASSERT_TRUE(server->recorder.wait([&](auto& all) { return all.at(sid).closed.has_value(); }));
  auto s = *server->recorder.get(sid).closed;
  EXPECT_EQ(s.kind, CloseKind::transport) << describe(s);
  EXPECT_EQ(s.code & 0xff00, kCryptoError) << describe(s);
}

TEST(EndpointHandshake, PemFilesServeTheSameCertificate) {
  auto generated = TlsCredentials::generate_self_signed("relay.test");
  ASSERT_TRUE(generated.ok()) << generated.error().message;
  std::string dir = ::testing::TempDir();
  std::string cert_path = dir + "/wzp_transport_cert.pem";
  std::string key_path = dir + "/wzp_transport_key.pem";
  std::ofstream(cert_path) << (*generated)->certificate_pem();
  std::ofstream(key_path) << (*generated)->private_key_pem();
  auto loaded = TlsCredentials::from_pem_files(cert_path, key_path);
  std::remove(cert_path.c_str());
  std::remove(key_path.c_str());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ((*loaded)->certificate_sha256(), (*generated)->certificate_sha256());

  ServerConfig config;
  config.credentials = *loaded;
  auto server = make_server(config);
  auto client = make_client();
  ConnectionId cid =
      connect(*client, server_address(*server), with_sni("relay.test", (*generated)->certificate_sha256()));
  EXPECT_TRUE(wait_established(*client, cid));
}

TEST(EndpointHandshake, Ipv6Loopback) {
  ServerConfig config;
  config.bind_address = SocketAddress::ipv6_loopback(0);
  auto server = make_server(config);
  auto address = server_address(*server);
  ASSERT_TRUE(address.is_ipv6());
  ASSERT_NE(address.port(), 0);
  auto client = make_client();
  ConnectionId cid = connect(*client, address, with_sni("v6"));
  ASSERT_TRUE(wait_established(*client, cid));
  ConnectionId sid = only_server_connection(*server);
  ASSERT_TRUE(wait_established(*server, sid));
  EXPECT_EQ(server->recorder.get(sid).sni, "v6");
  auto remote = server->on_loop([&] { return server->endpoint->find(sid)->remote_address(); });
  EXPECT_TRUE(remote.is_ipv6());
  EXPECT_EQ(remote.ip_string(), "::1");
}

TEST(EndpointHandshake, ServerBoundToPortZeroReportsItsPort) {
  auto server = make_server();
  auto address = server_address(*server);
  EXPECT_EQ(address.ip_string(), "127.0.0.1");
  EXPECT_NE(address.port(), 0);
}

TEST(EndpointHandshake, ConnectToWrongFamilyFromServerSocketFails) {
  auto server = make_server();
  auto result = server->on_loop([&] { return server->endpoint->connect(SocketAddress::ipv6_loopback(1)); });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace wzp::transport::testing
