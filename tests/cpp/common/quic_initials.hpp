// Hostile-traffic helpers: well-formed QUIC client Initials (real ClientHellos
// written by our client endpoint to a socket nobody answers from), replayed
// from a raw UDP socket that never answers: half-open handshakes.
#pragma once

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "transport/endpoint.hpp"
#include "transport/udp_socket.hpp"

namespace wzp::testing {

/// `count` distinct client Initials (each a new connection) for SNI `sni`.
inline std::vector<Bytes> capture_initials(size_t count, const std::string& sni = "default") {
  using namespace transport;
  constexpr size_t kBatch = 100;  // connections at once: their Initials fit the socket buffer
  auto sink = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  if (!sink.ok()) return {};
  std::vector<Bytes> out;
  std::set<Bytes> seen_dcids;
  UdpReceiveBatch batch(64, 2048);
  EventLoop loop;
  loop.start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    size_t want = std::min(kBatch, count - out.size());
    size_t target = out.size() + want;
    auto client = loop.run_sync([&] { return Endpoint::create_client(loop, ClientConfig{}, {}); });
    if (!client.ok()) break;
    std::unique_ptr<Endpoint> endpoint = std::move(*client);
    ConnectOptions options;
    options.sni = sni;
    loop.run_sync([&] {
      for (size_t i = 0; i < want; ++i) (void)endpoint->connect(sink->local_address(), options);
    });
    while (out.size() < target && std::chrono::steady_clock::now() < deadline) {
      pollfd pfd{sink->fd(), POLLIN, 0};
      if (::poll(&pfd, 1, 200) <= 0) continue;
      auto received = sink->receive(batch);
      if (!received.ok()) break;
      for (size_t i = 0; i < *received; ++i) {
        ByteView d = batch.data(i);
        // Long header (Initial): flags, version(4), DCID length, DCID...
        if (d.size() < 1200 || (d[0] & 0x80) == 0 || d[5] == 0 || 6u + d[5] > d.size()) continue;
        Bytes dcid(d.begin() + 6, d.begin() + 6 + d[5]);
        if (!seen_dcids.insert(dcid).second) continue;  // a retransmission or a close
        out.emplace_back(d.begin(), d.end());
      }
    }
    loop.run_sync([&] { endpoint.reset(); });
  }
  loop.stop();
  return out;
}

/// Sends `initials` to `to` from a socket that never answers, in bursts that
/// the receiver's socket buffer can take. The socket stays open (and mute)
/// as long as the returned object lives.
inline std::unique_ptr<transport::UdpSocket> send_half_open(const std::vector<Bytes>& initials,
                                                            const transport::SocketAddress& to) {
  auto socket = transport::UdpSocket::bind(transport::SocketAddress::ipv4_loopback(0));
  if (!socket.ok()) return nullptr;
  auto mute = std::make_unique<transport::UdpSocket>(std::move(*socket));
  size_t sent = 0;
  for (const Bytes& initial : initials) {
    mute->send_to(to, initial);
    if (++sent % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return mute;
}

}  // namespace wzp::testing
