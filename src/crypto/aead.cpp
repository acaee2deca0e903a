#include "crypto/aead.hpp"

#include <sodium.h>

#include "crypto/sodium_init.hpp"

namespace wzp::crypto::aead {

void seal_append(const Secret<32>& key, const Nonce& nonce, ByteView aad, ByteView plaintext, Bytes& out) {
  ensure_init();
  const size_t start = out.size();
  out.resize(start + plaintext.size() + kTagSize);
  unsigned long long written = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data() + start, &written, plaintext.data(), plaintext.size(),
                                            aad.data(), aad.size(), nullptr, nonce.data(), key.data());
}

Status open_append(const Secret<32>& key, const Nonce& nonce, ByteView aad, ByteView ciphertext, Bytes& out) {
  if (ciphertext.size() < kTagSize) return make_error(Errc::decrypt_failed, std::string(kDecryptFailedText));
  ensure_init();
  const size_t start = out.size();
  out.resize(start + ciphertext.size() - kTagSize);
  unsigned long long written = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data() + start, &written, nullptr, ciphertext.data(),
                                                ciphertext.size(), aad.data(), aad.size(), nonce.data(),
                                                key.data()) != 0) {
    out.resize(start);
    return make_error(Errc::decrypt_failed, std::string(kDecryptFailedText));
  }
  return {};
}

}  // namespace wzp::crypto::aead
