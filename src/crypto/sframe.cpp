#include "crypto/sframe.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <string>

#include "crypto/hkdf.hpp"

namespace wzp::crypto::sframe {
namespace {

constexpr std::string_view kDecryptFailedText = "sframe: decryption failed (bad key or tampered frame)";

void store_be64(uint8_t* p, uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

/// HKDF-Expand of one derive_key_salt label: label || BE64(kid) || BE16(cipher suite) (§4.4.2).
Status expand_label(const hkdf::Prk& secret, std::string_view label, uint64_t kid, MutableByteView out) {
  std::array<uint8_t, 32 + 8 + 2> info;
  std::copy(label.begin(), label.end(), info.begin());
  store_be64(info.data() + label.size(), kid);
  store_be16(info.data() + label.size() + 8, kCipherSuite);
  return hkdf::expand(secret, ByteView(info.data(), label.size() + 10), out);
}

/// gnutls takes non-const iovec bases even for data it only reads.
giovec_t iovec(const uint8_t* p, size_t n) noexcept { return {const_cast<uint8_t*>(p), n}; }

// GnuTLS's one-shot AEAD calls want the AAD (header || metadata) in one piece; up to this size
// it is copied to the stack. Longer metadata goes through the iovec calls (encryptv2 and
// decryptv2), which need no copy but cost about 65 ns more per seal + open (GnuTLS 3.7.9, a
// 100-byte payload). Neither path allocates.
constexpr size_t kStackAadSize = 128;

class StackAad {
 public:
  StackAad(ByteView header, ByteView metadata) noexcept : size_(header.size() + metadata.size()) {
    std::copy(header.begin(), header.end(), bytes_.begin());
    std::copy(metadata.begin(), metadata.end(), bytes_.begin() + header.size());
  }
  const uint8_t* data() const noexcept { return bytes_.data(); }
  size_t size() const noexcept { return size_; }

 private:
  std::array<uint8_t, kStackAadSize> bytes_;
  size_t size_;
};

}  // namespace

void KeyContext::Deleter::operator()(api_aead_cipher_hd_st* handle) const noexcept {
  gnutls_aead_cipher_deinit(handle);
}

Result<KeyContext> KeyContext::derive(uint64_t kid, ByteView base_key) {
  static_assert(kSaltLabel.size() <= 32 && kKeyLabel.size() <= 32);
  const hkdf::Prk secret = hkdf::extract({}, base_key);
  KeyContext ctx;
  ctx.kid_ = kid;
  if (!expand_label(secret, kKeyLabel, kid, ctx.key_.mutable_view()).ok() ||
      !expand_label(secret, kSaltLabel, kid, ctx.salt_.mutable_view()).ok()) {
    return make_error(Errc::internal, "sframe: HKDF-Expand failed");  // 16 and 12 bytes: cannot happen
  }
  gnutls_datum_t key{ctx.key_.data(), static_cast<unsigned>(ctx.key_.size())};
  gnutls_aead_cipher_hd_t handle = nullptr;
  if (const int rc = gnutls_aead_cipher_init(&handle, GNUTLS_CIPHER_AES_128_GCM, &key); rc < 0) {
    return make_error(Errc::internal, std::string("sframe: gnutls_aead_cipher_init: ") + gnutls_strerror(rc));
  }
  ctx.aead_.reset(handle);
  return ctx;
}

ByteArray<kNonceSize> KeyContext::nonce(uint64_t ctr) const noexcept {
  ByteArray<kNonceSize> n;
  std::copy_n(salt_.data(), kNonceSize, n.begin());
  for (size_t i = 0; i < 8; ++i) n[kNonceSize - 1 - i] ^= static_cast<uint8_t>(ctr >> (8 * i));
  return n;
}

Status KeyContext::protect(uint64_t ctr, ByteView metadata, ByteView plaintext, Bytes& out) const {
  const size_t start = out.size();
  encode_header_append(Header{kid_, ctr}, out);
  const size_t header_len = out.size() - start;
  const size_t sealed_len = plaintext.size() + kTagSize;
  out.resize(start + header_len + sealed_len);
  uint8_t* header = out.data() + start;
  uint8_t* body = header + header_len;
  const auto iv = nonce(ctr);
  int rc = 0;
  if (header_len + metadata.size() <= kStackAadSize) {
    StackAad aad(ByteView(header, header_len), metadata);
    size_t written = sealed_len;
    rc = gnutls_aead_cipher_encrypt(aead_.get(), iv.data(), iv.size(), aad.data(), aad.size(), kTagSize,
                                    plaintext.data(), plaintext.size(), body, &written);
    if (rc >= 0 && written != sealed_len) rc = GNUTLS_E_INTERNAL_ERROR;
  } else {
    // In place: the plaintext goes where its ciphertext will be.
    std::copy(plaintext.begin(), plaintext.end(), body);
    const giovec_t aad[2] = {iovec(header, header_len), iovec(metadata.data(), metadata.size())};
    giovec_t data = iovec(body, plaintext.size());
    size_t tag_size = kTagSize;
    rc = gnutls_aead_cipher_encryptv2(aead_.get(), iv.data(), iv.size(), aad, 2, &data,
                                      plaintext.empty() ? 0 : 1, body + plaintext.size(), &tag_size);
    if (rc >= 0 && tag_size != kTagSize) rc = GNUTLS_E_INTERNAL_ERROR;
  }
  if (rc < 0) {
    sodium_memzero(body, sealed_len);  // may hold a copy of the plaintext
    out.resize(start);
    return make_error(Errc::internal,
                      std::string("sframe: AES-GCM encryption failed: ") + gnutls_strerror(rc));
  }
  return {};
}

Status KeyContext::unprotect(const ParsedHeader& parsed, ByteView frame, ByteView metadata,
                             Bytes& out) const {
  if (parsed.header.kid != kid_) {
    return make_error(Errc::invalid_argument, "sframe: frame KID " + std::to_string(parsed.header.kid) +
                                                  " is not this context's " + std::to_string(kid_));
  }
  if (parsed.size > frame.size() || frame.size() - parsed.size < kTagSize) {
    return make_error(Errc::decrypt_failed, std::string(kDecryptFailedText));
  }
  const ByteView header = frame.first(parsed.size);
  const ByteView sealed = frame.subspan(parsed.size);  // ciphertext || tag
  const size_t plain_len = sealed.size() - kTagSize;
  const size_t start = out.size();
  out.resize(start + plain_len);
  uint8_t* body = out.data() + start;
  const auto iv = nonce(parsed.header.ctr);
  int rc = 0;
  if (header.size() + metadata.size() <= kStackAadSize) {
    StackAad aad(header, metadata);
    size_t written = plain_len;
    rc = gnutls_aead_cipher_decrypt(aead_.get(), iv.data(), iv.size(), aad.data(), aad.size(), kTagSize,
                                    sealed.data(), sealed.size(), body, &written);
    if (rc >= 0 && written != plain_len) rc = GNUTLS_E_DECRYPTION_FAILED;
  } else {
    std::copy_n(sealed.begin(), plain_len, body);
    // decryptv2 takes a writable tag pointer; a copy keeps `frame` read-only.
    std::array<uint8_t, kTagSize> tag;
    std::copy_n(sealed.end() - kTagSize, kTagSize, tag.begin());
    const giovec_t aad[2] = {iovec(header.data(), header.size()), iovec(metadata.data(), metadata.size())};
    giovec_t data = iovec(body, plain_len);
    rc = gnutls_aead_cipher_decryptv2(aead_.get(), iv.data(), iv.size(), aad, 2, &data, plain_len ? 1 : 0,
                                      tag.data(), tag.size());
  }
  if (rc < 0) {
    // The buffer may hold unauthenticated plaintext: do not leave it in `out`'s capacity.
    sodium_memzero(body, plain_len);
    out.resize(start);
    return make_error(Errc::decrypt_failed, std::string(kDecryptFailedText));
  }
  return {};
}

BaseKey ratchet(ByteView base_key) { return hkdf::expand32(hkdf::extract({}, base_key), kRatchetLabel); }

}  // namespace wzp::crypto::sframe
