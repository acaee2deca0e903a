// Fuzz what an end-to-end encrypted call reads from the relay: SFrame headers, the key
// exchange's Hello and KeyShare messages (through RoomKeys, as a peer signal), and encrypted
// datagrams (through FrameProtection holding a real key). Nothing forged may open or install a
// key; nothing may crash or read out of bounds.
#include <cstdlib>

#include "crypto/e2e_key_share.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "crypto/sframe_header.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/room_keys.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

wzp::crypto::Identity identity_of(uint8_t n) {
  wzp::ByteArray<wzp::crypto::Seed::kSize> bytes{};
  bytes.fill(n);
  auto seed = wzp::crypto::Seed::from_bytes(bytes);
  check(seed.ok());
  return wzp::crypto::Identity::from_seed(*seed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp;
  const ByteView input(data, size);
  static const crypto::Identity self = identity_of(1);
  static const crypto::Identity peer = identity_of(2);
  static const std::string peer_fp = peer.fingerprint().to_display();

  if (auto parsed = crypto::sframe::parse_header(input); parsed.ok()) {
    check(parsed->size <= input.size() && parsed->size == crypto::sframe::header_size(parsed->header));
  }

  // A peer signal from an authorised member: refused unless well formed and signed by it.
  auto protection = std::make_shared<e2e::FrameProtection>(e2e::Policy::required);
  e2e::RoomKeysConfig config;
  config.members = std::set<std::string>{peer_fp};
  auto keys = e2e::RoomKeys::create(self, "fuzz", config, protection);
  check(keys.ok());
  std::vector<e2e::RoomKeys::Outgoing> out;
  (void)(*keys)->on_signal(peer_fp, input, 0, out);
  check((*keys)->stats().key_shares_received == 0);  // only a signature by `peer` installs a key

  // An encrypted datagram under a key we hold: it must not open (it was not sealed with it).
  e2e::SenderKey key = e2e::SenderKey::fresh();
  check(protection->add_receive_key(peer_fp, key.kid(), key.base, false).ok());
  Bytes scratch;
  auto plain = protection->unprotect(7, input, scratch);
  if (plain.ok()) {
    // Only a clear datagram could come back, and `required` refuses those.
    std::abort();
  }
  (void)protection->take_ready();
  return 0;
}
