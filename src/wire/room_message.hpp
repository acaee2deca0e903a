// libwzp's room extension: who is in the room, and signals between its
// members through the relay. Negotiated in the call handshake (the CallOffer
// and CallAnswer field "wzp_peers": 1, which a reference peer ignores), and
// sent only to clients that agreed, since a reference peer refuses unknown
// SignalMessage variants (wire spec §8.2).
//
// Each message travels like a SignalMessage: compact JSON in the externally
// tagged form, one per signal stream (BE32 length, FIN):
//   {"WzpRoomPeers":{"peers":[{"fingerprint":"..","alias":null}]}}   relay -> client, once, after the
//   CallAnswer
//   {"WzpPeerJoined":{"fingerprint":"..","alias":".."}}              relay -> client
//   {"WzpPeerLeft":{"fingerprint":"..","alias":null,"code":0,"origin":"peer","reason":"hangup (Normal)"}}
//   {"WzpPeerSignal":{"from":null,"to":"..","data":"<base64>"}}      client -> relay (from: null; to: null =
//   the room)
//   {"WzpPeerSignal":{"from":"..","to":null,"data":"<base64>"}}      relay -> client (from: the sender)
// Fingerprints are the members' handshake identities in display form; alias
// is what the auth server said about the member's token, or null.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/json_reader.hpp"

namespace wzp::wire {

/// The value of the "wzp_peers" handshake field this version speaks.
inline constexpr uint32_t kRoomPeersVersion = 1;
/// Largest peer signal payload: its base64 JSON message must fit the relay's
/// 16 KiB limit for a joined member's signal.
inline constexpr size_t kMaxPeerSignalBytes = 8192;

struct PeerEntry {
  std::string fingerprint;
  std::optional<std::string> alias;
  friend bool operator==(const PeerEntry&, const PeerEntry&) = default;
};

struct RoomPeers {
  std::vector<PeerEntry> peers;  // the other members, in join order
  friend bool operator==(const RoomPeers&, const RoomPeers&) = default;
};
struct PeerJoined {
  PeerEntry peer;
  friend bool operator==(const PeerJoined&, const PeerJoined&) = default;
};
/// origin: "peer" (the member closed or hung up), "relay" (the relay closed it),
/// "idle" (nothing heard from it), "transport" (a QUIC/TLS error).
struct PeerLeft {
  PeerEntry peer;
  uint64_t code = 0;
  std::string origin;
  std::string reason;
  friend bool operator==(const PeerLeft&, const PeerLeft&) = default;
};
struct PeerSignal {
  std::optional<std::string> from;
  std::optional<std::string> to;
  Bytes data;
  friend bool operator==(const PeerSignal&, const PeerSignal&) = default;
};

using RoomMessage = std::variant<RoomPeers, PeerJoined, PeerLeft, PeerSignal>;

std::string encode_json(const RoomMessage& message);

/// Whether `value` is tagged as a room message (an object whose one key is
/// one of the Wzp* names above); anything else is left to the SignalMessage decoder.
bool is_room_message(const json::Value& value) noexcept;
/// Decode a room message. Unknown fields are ignored. Errors: Errc::json
/// (not a room message, missing or mistyped field, bad base64).
Result<RoomMessage> decode_room_message(const json::Value& value);

}  // namespace wzp::wire
