#include "featherchat/call_signal.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>

#include "crypto/fingerprint.hpp"
#include "crypto/sodium_init.hpp"
#include "featherchat/missed_call.hpp"
#include "wire/json_writer.hpp"

namespace wzp::featherchat {
namespace {

bool valid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    const size_t n = wire::json::utf8_sequence_length(text, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

Status check_fingerprint(const std::string& text, std::string_view field) {
  if (auto fp = crypto::Fingerprint::parse(text); !fp) {
    return make_error(Errc::invalid_argument,
                      "CallSignal " + std::string(field) + " is not a fingerprint: " + fp.error().message);
  }
  return {};
}

bool tag_fits(CallSignalType tag, const wire::SignalMessage& signal) {
  if (tag == call_signal_type_for(signal) || tag == CallSignalType::offer || tag == CallSignalType::ringing) {
    return true;
  }
  return (tag == CallSignalType::reject || tag == CallSignalType::busy) &&
         std::holds_alternative<wire::Hangup>(signal);
}

void append_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void append_string(Bytes& out, const std::string& s) {
  const uint64_t n = s.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), s.begin(), s.end());
}

// Reads bincode's little-endian integers and length-prefixed strings, naming the field in errors.
class Reader {
 public:
  explicit Reader(ByteView bytes) : bytes_(bytes) {}

  Result<uint32_t> u32(std::string_view field) {
    if (bytes_.size() - pos_ < 4) return truncated(field);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{bytes_[pos_ + i]} << (8 * i);
    pos_ += 4;
    return v;
  }

  Result<std::string> string(std::string_view field) {
    if (bytes_.size() - pos_ < 8) return truncated(field);
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= uint64_t{bytes_[pos_ + i]} << (8 * i);
    pos_ += 8;
    if (n > kMaxFieldBytes) {
      return make_error(Errc::malformed, "CallSignal " + std::string(field) + ": " + std::to_string(n) +
                                             " bytes, over the limit of " + std::to_string(kMaxFieldBytes));
    }
    if (bytes_.size() - pos_ < n) return truncated(field);
    std::string out(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    if (!valid_utf8(out))
      return make_error(Errc::malformed, "CallSignal " + std::string(field) + ": invalid UTF-8");
    return out;
  }

  size_t left() const noexcept { return bytes_.size() - pos_; }

 private:
  static Error truncated(std::string_view field) {
    return make_error(Errc::malformed, "CallSignal truncated in " + std::string(field));
  }
  ByteView bytes_;
  size_t pos_ = 0;
};

}  // namespace

std::string new_message_id() {
  crypto::ensure_init();
  uint8_t b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  ByteArray<16> bytes{};
  std::copy(std::begin(b), std::end(b), bytes.begin());
  return call_id_text(bytes);
}

CallSignal wrap_signal(const wire::SignalMessage& signal, const std::string& sender,
                       const std::string& target, const CallRoute& route, bool featherchat_tags_only) {
  CallSignal out;
  out.id = new_message_id();
  out.sender_fingerprint = sender;
  out.signal_type = call_signal_type_for(signal);
  if (featherchat_tags_only && static_cast<uint32_t>(out.signal_type) >= kFeatherchatSignalTypes) {
    out.signal_type = CallSignalType::offer;
  }
  out.payload = wire::encode_json(wire::CallPayload{signal, route.relay_addr, route.room, route.call_id});
  out.target = target;
  return out;
}

Result<CallSignal> state_signal(CallSignalType type, const std::string& sender, const std::string& target,
                                uint64_t now_ms, const CallRoute& route) {
  wire::SignalMessage signal;
  switch (type) {
    case CallSignalType::ringing: signal = wire::Ping{now_ms}; break;
    case CallSignalType::reject: signal = wire::Hangup{wire::HangupReason::declined}; break;
    case CallSignalType::busy: signal = wire::Hangup{wire::HangupReason::busy}; break;
    default:
      return make_error(Errc::invalid_argument, "only Ringing, Reject and Busy are state signals, not " +
                                                    std::string(call_signal_type_name(type)));
  }
  CallSignal out = wrap_signal(signal, sender, target, route);
  out.signal_type = type;
  return out;
}

Result<wire::CallPayload> open_signal(const CallSignal& message) {
  if (message.id.empty()) return make_error(Errc::invalid_argument, "CallSignal without an id");
  WZP_TRY(check_fingerprint(message.sender_fingerprint, "sender_fingerprint"));
  WZP_TRY(check_fingerprint(message.target, "target"));
  auto payload = wire::decode_call_payload(message.payload);
  if (!payload) return make_error(Errc::json, "invalid call payload: " + payload.error().message);
  if (!tag_fits(message.signal_type, payload->signal)) {
    return make_error(Errc::malformed, "CallSignal tagged " +
                                           std::string(call_signal_type_name(message.signal_type)) +
                                           " carries a " + std::string(wire::variant_name(payload->signal)));
  }
  return payload;
}

Bytes encode_bincode(const CallSignal& message, uint32_t variant) {
  Bytes out;
  out.reserve(4 + 4 + 8 * 4 + message.id.size() + message.sender_fingerprint.size() + message.payload.size() +
              message.target.size());
  append_u32(out, variant);
  append_string(out, message.id);
  append_string(out, message.sender_fingerprint);
  append_u32(out, static_cast<uint32_t>(message.signal_type));
  append_string(out, message.payload);
  append_string(out, message.target);
  return out;
}

Result<CallSignal> decode_bincode(ByteView bytes, uint32_t variant) {
  Reader in(bytes);
  auto tag = in.u32("the variant tag");
  if (!tag) return std::move(tag).error();
  if (*tag != variant) {
    return make_error(Errc::malformed, "not a CallSignal: WireMessage variant " + std::to_string(*tag) +
                                           ", expected " + std::to_string(variant));
  }
  CallSignal out;
  auto id = in.string("id");
  if (!id) return std::move(id).error();
  auto sender = in.string("sender_fingerprint");
  if (!sender) return std::move(sender).error();
  auto type = in.u32("signal_type");
  if (!type) return std::move(type).error();
  auto known = call_signal_type_from_index(*type);
  if (!known)
    return make_error(Errc::malformed, "CallSignal signal_type " + std::to_string(*type) + " is unknown");
  auto payload = in.string("payload");
  if (!payload) return std::move(payload).error();
  auto target = in.string("target");
  if (!target) return std::move(target).error();
  if (in.left() != 0) {
    return make_error(Errc::malformed, "CallSignal followed by " + std::to_string(in.left()) + " more bytes");
  }
  out.id = std::move(*id);
  out.sender_fingerprint = std::move(*sender);
  out.signal_type = *known;
  out.payload = std::move(*payload);
  out.target = std::move(*target);
  return out;
}

}  // namespace wzp::featherchat
