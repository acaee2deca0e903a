// One-time libsodium initialisation shared by every crypto entry point.
#pragma once

namespace wzp::crypto {

/// Calls sodium_init() exactly once per process (thread-safe, cheap after the
/// first call). Every public function of this layer that uses libsodium calls
/// it, so users never need to. If libsodium cannot initialise (no usable
/// randomness source), no key can be made safely: the process is aborted with
/// a message rather than continuing with weak keys.
void ensure_init() noexcept;

}  // namespace wzp::crypto
