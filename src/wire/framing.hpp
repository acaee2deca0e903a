// Signaling stream framing (wire spec §3.2): each message travels on its own
// bidirectional stream as a 4-byte big-endian length, the JSON text, then FIN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/signal_message.hpp"

namespace wzp::wire {

inline constexpr size_t kFramePrefixSize = 4;
/// Largest accepted JSON length (1 MiB, inclusive).
inline constexpr uint32_t kMaxSignalLength = 1u << 20;

/// Prefix `json` with its length. Errors: Errc::too_large above kMaxSignalLength.
Result<Bytes> frame_signal(std::string_view json);

/// Encode `message` and frame it (messages never approach the limit unless
/// their strings do; then Errc::too_large).
Result<Bytes> frame_signal(const SignalMessage& message);

/// Incremental reader for the receive half of one signaling stream. Feed the
/// stream's bytes in chunks of any size, then call finish() at FIN (or as soon
/// as complete() is true: the reference does not wait for the FIN).
/// Memory held never exceeds the declared length, itself capped.
class FrameReader {
 public:
  enum class TrailingBytes {
    ignore,  // bytes after the declared length are dropped (reference behaviour)
    reject,  // they are an Errc::too_large error
  };

  explicit FrameReader(TrailingBytes trailing = TrailingBytes::ignore,
                       uint32_t max_length = kMaxSignalLength) noexcept
      : trailing_(trailing), max_length_(max_length) {}

  /// Consume a chunk. Errors (sticky: later calls return the same error):
  /// Errc::too_large as soon as the prefix declares more than the maximum, or
  /// (TrailingBytes::reject) bytes arrive beyond the declared length.
  Status feed(ByteView chunk);

  /// True once the prefix and all declared bytes have arrived.
  bool complete() const noexcept { return have_length_ && payload_.size() == length_; }

  /// End of stream: the JSON text. Errors: the sticky feed error;
  /// Errc::malformed if the stream ended inside the prefix or the payload;
  /// Errc::invalid_state once the text has been taken (call it once).
  Result<std::string> finish();

 private:
  TrailingBytes trailing_;
  uint32_t max_length_;
  ByteArray<kFramePrefixSize> prefix_{};
  size_t prefix_have_ = 0;
  bool have_length_ = false;
  uint32_t length_ = 0;
  std::string payload_;
  std::optional<Error> error_;
};

/// Read one whole stream (prefix + JSON, extra bytes ignored) and decode it.
/// Errors: as FrameReader, then as decode_json.
Result<SignalMessage> decode_signal_frame(ByteView stream);

}  // namespace wzp::wire
