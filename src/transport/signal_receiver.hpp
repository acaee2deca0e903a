// Receive side of signalling (wire-and-transport spec §3.2): every
// peer-opened bidirectional stream carries BE32(len) || len bytes. Streams
// are reassembled independently and complete messages are released in
// stream-ID order, so a later stream whose bytes happen to arrive first
// waits for the earlier ones. Memory is bounded: a declared length above the
// limit fails that stream at once, and the bytes held across all streams
// (partial or waiting for their turn) have a cap.
//
// Limits can be tightened while streams are open (a relay expects only small
// signals once a client has joined), and streams that stay unfinished can be
// expired; both fail the streams concerned.
//
// Pure logic, no QUIC calls: the connection feeds it stream events. Stream
// ages come from core/clock (replaceable in tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::transport {

class SignalReceiver {
 public:
  /// `first_stream_id`: 0 when the peer is the client (IDs 0, 4, 8, ...), 1
  /// when the peer is the server (1, 5, 9, ...). `max_streams` bounds the
  /// streams tracked at once (the QUIC stream credit should keep the peer
  /// well below it).
  SignalReceiver(int64_t first_stream_id, size_t max_message, size_t max_buffered, size_t max_streams);

  struct FeedResult {
    /// The stream needs no more bytes (message complete, stream failed, or
    /// not a signal stream of the peer's); further data can be discarded.
    bool stop_reading = false;
    /// Set by the call that completed the message.
    bool completed = false;
    /// Set when this call made the stream fail.
    std::optional<Error> error;
  };

  /// The QUIC stack created the peer's stream (before or with its first bytes).
  void on_open(int64_t stream_id);

  /// In-order bytes of `stream_id` (QUIC delivers each stream in order).
  FeedResult on_data(int64_t stream_id, ByteView data, bool fin);
  /// The peer reset the stream; an error if its message was not complete.
  /// A stream reset before it was ever opened is skipped without returning
  /// its credit (the QUIC stack returns that credit itself).
  std::optional<Error> on_reset(int64_t stream_id, uint64_t app_error_code);

  /// A stream this receiver made fail, and why.
  using Failure = std::pair<int64_t, Error>;

  /// New limits for what arrives from now on; unfinished streams that already
  /// break them fail (a declared length above `max_message`; then the largest
  /// partial bodies until the bytes held fit `max_buffered`).
  std::vector<Failure> set_limits(size_t max_message, size_t max_buffered);
  /// Fails every stream still unfinished `timeout_ns` after it was first seen.
  std::vector<Failure> expire(uint64_t now_ns, uint64_t timeout_ns);
  /// When the oldest unfinished stream reaches `timeout_ns` (nullopt: none).
  [[nodiscard]] std::optional<uint64_t> next_expiry(uint64_t timeout_ns) const;

  /// The next complete message in stream-ID order, if its turn has come.
  /// Failed streams are skipped when their turn comes.
  std::optional<Bytes> pop_message();
  /// Streams whose turn passed (delivered or skipped) since the last call:
  /// the stream credit the connection can re-issue to the peer.
  uint64_t take_released_streams() noexcept;

  [[nodiscard]] size_t buffered_bytes() const noexcept { return buffered_; }
  [[nodiscard]] size_t tracked_streams() const noexcept { return streams_.size(); }
  [[nodiscard]] int64_t next_stream_id() const noexcept { return next_; }

 private:
  enum class State { reading, complete, failed };
  struct Stream {
    State state = State::reading;
    uint8_t header[4] = {};
    size_t header_len = 0;
    uint32_t length = 0;
    bool returns_credit = true;
    uint64_t first_seen_ns = 0;
    Bytes body;
  };

  bool is_pending_peer_stream(int64_t stream_id) const noexcept;
  Stream* track(int64_t stream_id);
  FeedResult fail(Stream& stream, Error error);

  int64_t next_;
  size_t max_message_;
  size_t max_buffered_;
  size_t max_streams_;
  size_t buffered_ = 0;
  uint64_t released_ = 0;
  std::map<int64_t, Stream> streams_;
};

}  // namespace wzp::transport
