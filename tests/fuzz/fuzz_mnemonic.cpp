// Feeds arbitrary bytes to the identity text parsers: BIP39 mnemonic, hex
// seed and lenient fingerprint. None may crash; successes must round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/bip39.hpp"
#include "crypto/fingerprint.hpp"
#include "crypto/seed.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::crypto;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto entropy = bip39::decode(text)) {
    auto words = bip39::encode(entropy->view());
    if (!words.ok()) std::abort();
    auto again = bip39::decode(words.value());
    if (!again.ok() || again->size != entropy->size || !(again->bytes == entropy->bytes)) std::abort();
  }
  if (auto seed = Seed::from_mnemonic(text)) {
    if (seed->to_mnemonic().empty()) std::abort();
  }
  if (auto seed = Seed::from_hex(text)) {
    auto again = Seed::from_hex(seed->to_hex());
    if (!again.ok() || !(*again == *seed)) std::abort();
  }
  if (auto fp = Fingerprint::parse(text)) {
    auto again = Fingerprint::parse(fp->to_display());
    if (!again.ok() || !(*again == *fp)) std::abort();
  }
  return 0;
}
