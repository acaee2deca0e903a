// The two stages a call leaves open for later: payload protection (end-to-end
// encryption) between the packetiser and the transport, and audio processing
// (echo cancellation, noise suppression, gain) around the codec.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/pcm.hpp"

namespace wzp::media {

/// Applied to every datagram the call sends (after FEC: repair packets are
/// protected like source packets) and to every datagram it receives, before
/// parsing. An end-to-end cipher would seal the payload with the 12-byte header
/// as associated data and keep the header readable: relays route and trunk on it.
/// The default is the identity.
class PayloadProtection {
 public:
  virtual ~PayloadProtection() = default;
  /// Transform one outgoing datagram in place. An error drops it (counted by the caller).
  virtual Status protect(Bytes& datagram) = 0;
  /// The plain datagram for an incoming one from `source`: a view of `datagram` itself or
  /// of `scratch`. Errc::would_block: held (e.g. its key is on its way), handed back later
  /// by take_ready. Any other error drops it (counted as malformed).
  virtual Result<ByteView> unprotect(uint16_t source, ByteView datagram, Bytes& scratch) = 0;
  /// Held datagrams that can now be read, plain, with their sources (oldest first).
  virtual std::vector<std::pair<uint16_t, Bytes>> take_ready() { return {}; }
};

class IdentityProtection final : public PayloadProtection {
 public:
  Status protect(Bytes&) override { return {}; }
  Result<ByteView> unprotect(uint16_t, ByteView datagram, Bytes&) override { return datagram; }
};

/// Where an echo canceller / noise suppressor (e.g. libwebrtc-audio-processing)
/// plugs in: it sees every captured frame before silence detection and encoding,
/// and every mixed playout period (the far end, its echo reference). Frames are
/// 48 kHz mono; capture frames are the profile's (20 or 40 ms), render periods 20 ms.
class AudioProcessing {
 public:
  virtual ~AudioProcessing() = default;
  virtual void process_capture(PcmSpan frame) = 0;
  virtual void process_render(PcmView period) = 0;
};

}  // namespace wzp::media
