#include "crypto/sodium_init.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace wzp::crypto {

void ensure_init() noexcept {
  // A function-local static is initialised exactly once, even under concurrent calls.
  static const bool initialised = [] {
    if (sodium_init() < 0) {
      (void)std::fputs("libwzp: sodium_init() failed; refusing to run without a working CSPRNG\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)initialised;
}

}  // namespace wzp::crypto
