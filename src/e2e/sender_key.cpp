#include "e2e/sender_key.hpp"

#include <sodium.h>

namespace wzp::e2e {

SenderKey SenderKey::fresh() {
  SenderKey key;
  uint64_t prefix = 0;
  // Never 0, so that a zeroed KID cannot name a real key.
  while (prefix == 0) {
    randombytes_buf(&prefix, sizeof prefix);
    prefix &= kPrefixMask;
  }
  key.prefix = prefix;
  randombytes_buf(key.base.data(), crypto::sframe::BaseKey::kSize);
  return key;
}

void SenderKey::ratchet() {
  if (step == UINT16_MAX) {
    *this = fresh();
    return;
  }
  base = crypto::sframe::ratchet(base);
  ++step;
}

}  // namespace wzp::e2e
