#include "crypto/e2e_key_share.hpp"

#include <algorithm>
#include <string>

#include "crypto/aead.hpp"
#include "crypto/hkdf.hpp"
#include "crypto/nonce.hpp"
#include "crypto/sha256.hpp"

namespace wzp::crypto::e2e {
namespace {

constexpr size_t kHeaderSize = 6;  // magic(4) | type | version

// Hello offsets.
constexpr size_t kHelloEdOffset = kHeaderSize;
constexpr size_t kHelloXOffset = kHelloEdOffset + 32;
constexpr size_t kHelloSigOffset = kHelloXOffset + 32;
static_assert(kHelloSigOffset + 64 == kHelloSize);

// KeyShare offsets.
constexpr size_t kShareSenderOffset = kHeaderSize;
constexpr size_t kShareRecipientOffset = kShareSenderOffset + 32;
constexpr size_t kShareKidOffset = kShareRecipientOffset + Fingerprint::kSize;
constexpr size_t kShareFlagsOffset = kShareKidOffset + 8;
constexpr size_t kShareEphemeralOffset = kShareFlagsOffset + 1;
constexpr size_t kShareSealedOffset = kShareEphemeralOffset + 32;
constexpr size_t kShareSealedSize = 32 + aead::kTagSize;
constexpr size_t kShareSigOffset = kShareSealedOffset + kShareSealedSize;
static_assert(kShareSigOffset + 64 == kKeyShareSize);

void append(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

void append_be64(Bytes& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

uint64_t load_be64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

template <size_t N>
ByteArray<N> array_at(ByteView data, size_t offset) {
  ByteArray<N> out;
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(offset), N, out.begin());
  return out;
}

void append_header(Bytes& out, MessageType type) {
  append(out, as_bytes(kMagic));
  out.push_back(static_cast<uint8_t>(type));
  out.push_back(kVersion);
}

// label || ctx || body: what a message's signature covers.
Bytes signed_bytes(std::string_view label, const RoomContext& ctx, ByteView body) {
  Bytes out;
  out.reserve(label.size() + ctx.size() + body.size());
  append(out, as_bytes(label));
  append(out, ctx);
  append(out, body);
  return out;
}

// Size first, so the header checks never read past a truncated message.
Status check_frame(ByteView data, size_t size, MessageType type, std::string_view what) {
  if (data.size() != size) {
    return make_error(Errc::malformed, std::string(what) + ": expected " + std::to_string(size) +
                                           " bytes, got " + std::to_string(data.size()));
  }
  if (classify(data) != type) {
    return make_error(Errc::malformed, std::string(what) + ": bad magic, type or version");
  }
  return {};
}

// The single-use AEAD key of one share (both ends).
Result<Secret<32>> share_key(const X25519Secret& secret, const X25519Public& peer,
                             const X25519Public& ephemeral_pub, const X25519Public& recipient_pub) {
  auto shared = x25519(secret, peer);
  if (!shared) return std::move(shared).error();
  ByteArray<64> salt;
  std::copy(ephemeral_pub.begin(), ephemeral_pub.end(), salt.begin());
  std::copy(recipient_pub.begin(), recipient_pub.end(), salt.begin() + 32);
  return hkdf::derive32(salt, shared->view(), kKeyShareLabel);
}

}  // namespace

RoomContext room_context(std::string_view room) {
  Bytes material;
  append(material, as_bytes(kRoomContextLabel));
  append(material, as_bytes(room));
  return sha256(material);
}

std::optional<MessageType> classify(ByteView data) {
  if (data.size() < kHeaderSize || !std::equal(kMagic.begin(), kMagic.end(), data.begin()))
    return std::nullopt;
  if (data[5] != kVersion) return std::nullopt;
  switch (data[4]) {
    case static_cast<uint8_t>(MessageType::hello): return MessageType::hello;
    case static_cast<uint8_t>(MessageType::key_share): return MessageType::key_share;
    default: return std::nullopt;
  }
}

Bytes encode_hello(const Identity& self, const RoomContext& ctx) {
  Bytes out;
  out.reserve(kHelloSize);
  append_header(out, MessageType::hello);
  append(out, self.public_key());
  append(out, self.x25519_public_key());
  append(out, self.sign(signed_bytes(kHelloLabel, ctx, out)));
  return out;
}

Result<Hello> decode_hello(ByteView data, const RoomContext& ctx) {
  WZP_TRY(check_frame(data, kHelloSize, MessageType::hello, "e2e hello"));
  Hello hello;
  hello.identity_pub = array_at<32>(data, kHelloEdOffset);
  hello.x25519_pub = array_at<32>(data, kHelloXOffset);
  if (!verify(hello.identity_pub, signed_bytes(kHelloLabel, ctx, data.first(kHelloSigOffset)),
              data.subspan(kHelloSigOffset))) {
    return make_error(Errc::bad_signature, "e2e hello: signature verification failed");
  }
  return hello;
}

Result<Bytes> seal_key_share(const Identity& self, const Fingerprint& recipient,
                             const X25519Public& recipient_x25519, uint64_t kid, bool replaces,
                             const Secret<32>& base_key, const RoomContext& ctx,
                             const std::optional<X25519Secret>& fixed_ephemeral) {
  const auto ephemeral = EphemeralKeyPair::generate(fixed_ephemeral);
  auto key = share_key(ephemeral.secret, recipient_x25519, ephemeral.public_key, recipient_x25519);
  if (!key) return std::move(key).error();

  Bytes out;
  out.reserve(kKeyShareSize);  // no reallocation while it is being filled
  append_header(out, MessageType::key_share);
  append(out, self.public_key());
  append(out, recipient.bytes());
  append_be64(out, kid);
  out.push_back(replaces ? kFlagReplaces : 0);
  append(out, ephemeral.public_key);

  Bytes aad;
  aad.reserve(ctx.size() + out.size());
  append(aad, ctx);
  append(aad, out);
  aead::seal_append(*key, Nonce{}, aad, base_key.view(), out);
  append(out, self.sign(signed_bytes(kKeyShareLabel, ctx, out)));
  return out;
}

Result<KeyShare> open_key_share(const Identity& self, ByteView data, const RoomContext& ctx) {
  WZP_TRY(check_frame(data, kKeyShareSize, MessageType::key_share, "e2e key share"));
  KeyShare share;
  share.sender_pub = array_at<32>(data, kShareSenderOffset);
  if (!verify(share.sender_pub, signed_bytes(kKeyShareLabel, ctx, data.first(kShareSigOffset)),
              data.subspan(kShareSigOffset))) {
    return make_error(Errc::bad_signature, "e2e key share: signature verification failed");
  }
  // After the signature, so a flipped recipient reads as a forgery, and this
  // error means "authentic, but for someone else".
  if (Fingerprint(array_at<Fingerprint::kSize>(data, kShareRecipientOffset)) != self.fingerprint()) {
    return make_error(Errc::invalid_argument, "e2e key share: addressed to another identity");
  }
  share.kid = load_be64(data.data() + kShareKidOffset);
  share.replaces = (data[kShareFlagsOffset] & kFlagReplaces) != 0;  // other bits: reserved, ignored

  const auto ephemeral_pub = array_at<32>(data, kShareEphemeralOffset);
  auto key = share_key(self.x25519_secret(), ephemeral_pub, ephemeral_pub, self.x25519_public_key());
  if (!key) return std::move(key).error();
  Bytes aad;
  aad.reserve(ctx.size() + kShareSealedOffset);
  append(aad, ctx);
  append(aad, data.first(kShareSealedOffset));
  Bytes plain;
  plain.reserve(32);
  WZP_TRY(aead::open_append(*key, Nonce{}, aad, data.subspan(kShareSealedOffset, kShareSealedSize), plain));
  share.base_key = *Secret<32>::from(plain);  // 48 sealed bytes open to exactly 32
  wipe_bytes(plain);
  return share;
}

}  // namespace wzp::crypto::e2e
