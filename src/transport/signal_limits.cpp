// QuicConnection: per-connection signal receive limits and the deadline for
// unfinished signal streams (Connection::set_signal_limits).
#include "core/clock.hpp"
#include "transport/quic_connection.hpp"

namespace wzp::transport {

void QuicConnection::set_signal_limits(const SignalLimits& limits) {
  signal_stream_timeout_ns_ = limits.stream_timeout_ms * 1'000'000;
  fail_signal_streams(receiver_.set_limits(limits.max_message, limits.max_buffered));
  arm_signal_timer();
}

void QuicConnection::fail_signal_streams(std::vector<SignalReceiver::Failure> failed) {
  if (failed.empty()) return;
  for (auto& [stream_id, error] : failed) {
    if (error.code == Errc::timeout) ++stats_.signal_streams_timed_out;
    streams_to_reset_.push_back(stream_id);
    report_signal_error(error);
  }
  deliver_ready_signals();  // later streams may have been waiting on a failed one
}

void QuicConnection::arm_signal_timer() {
  if (signal_timer_id_ != 0) host_.loop().cancel_timer(signal_timer_id_);
  signal_timer_id_ = 0;
  if (signal_stream_timeout_ns_ == 0 || phase_ != Phase::active) return;
  // Wakes at the oldest unfinished stream's deadline; with none, looks again
  // one timeout from now (a stream opened meanwhile is then re-armed exactly).
  uint64_t at =
      receiver_.next_expiry(signal_stream_timeout_ns_).value_or(clock::now_ns() + signal_stream_timeout_ns_);
  signal_timer_id_ = host_.loop().add_timer(at, [this] {
    signal_timer_id_ = 0;
    on_signal_timer();
  });
}

void QuicConnection::on_signal_timer() {
  if (phase_ != Phase::active) return;
  fail_signal_streams(receiver_.expire(clock::now_ns(), signal_stream_timeout_ns_));
  arm_signal_timer();
}

}  // namespace wzp::transport
