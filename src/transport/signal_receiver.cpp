#include "transport/signal_receiver.hpp"

#include <algorithm>
#include <string>

#include "core/clock.hpp"

namespace wzp::transport {

SignalReceiver::SignalReceiver(int64_t first_stream_id, size_t max_message, size_t max_buffered,
                               size_t max_streams)
    : next_(first_stream_id),
      max_message_(max_message),
      max_buffered_(max_buffered),
      max_streams_(max_streams) {}

bool SignalReceiver::is_pending_peer_stream(int64_t stream_id) const noexcept {
  return stream_id >= next_ && (stream_id & 3) == (next_ & 3);
}

SignalReceiver::Stream* SignalReceiver::track(int64_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it != streams_.end()) return &it->second;
  if (streams_.size() >= max_streams_) return nullptr;
  Stream& stream = streams_[stream_id];
  stream.first_seen_ns = clock::now_ns();
  return &stream;
}

void SignalReceiver::on_open(int64_t stream_id) {
  if (is_pending_peer_stream(stream_id)) track(stream_id);
}

SignalReceiver::FeedResult SignalReceiver::fail(Stream& stream, Error error) {
  buffered_ -= stream.body.size();
  stream.body = Bytes{};
  stream.state = State::failed;
  return {true, false, std::move(error)};
}

SignalReceiver::FeedResult SignalReceiver::on_data(int64_t stream_id, ByteView data, bool fin) {
  if (!is_pending_peer_stream(stream_id)) return {true, false, std::nullopt};
  Stream* tracked = track(stream_id);
  if (tracked == nullptr) {
    return {
        true, false,
        make_error(Errc::too_large, "more than " + std::to_string(max_streams_) + " signal streams pending")};
  }
  Stream& stream = *tracked;
  if (stream.state != State::reading) return {true, false, std::nullopt};

  size_t used = 0;
  bool header_was_complete = stream.header_len == 4;
  while (stream.header_len < 4 && used < data.size()) stream.header[stream.header_len++] = data[used++];
  if (stream.header_len == 4 && !header_was_complete) {
    stream.length = load_be32(stream.header);
    if (stream.length > max_message_) {
      return fail(stream, make_error(Errc::too_large, "signal on stream " + std::to_string(stream_id) +
                                                          " declares " + std::to_string(stream.length) +
                                                          " bytes, above the limit of " +
                                                          std::to_string(max_message_)));
    }
  }
  if (stream.header_len == 4) {
    size_t take = std::min<size_t>(stream.length - stream.body.size(), data.size() - used);
    if (buffered_ + take > max_buffered_) {
      return fail(stream, make_error(Errc::too_large, "signal receive buffer limit of " +
                                                          std::to_string(max_buffered_) + " bytes exceeded"));
    }
    stream.body.insert(stream.body.end(), data.begin() + static_cast<ptrdiff_t>(used),
                       data.begin() + static_cast<ptrdiff_t>(used + take));
    buffered_ += take;
    if (stream.body.size() == stream.length) {
      stream.state = State::complete;  // bytes after the message are ignored, FIN is not awaited
      return {true, true, std::nullopt};
    }
  }
  if (fin) {
    std::string what = stream.header_len < 4 ? "ended after " + std::to_string(stream.header_len) +
                                                   " of the 4 length-prefix bytes"
                                             : "ended after " + std::to_string(stream.body.size()) + " of " +
                                                   std::to_string(stream.length) + " payload bytes";
    return fail(stream,
                make_error(Errc::malformed, "signal stream " + std::to_string(stream_id) + " " + what));
  }
  return {false, false, std::nullopt};
}

std::optional<Error> SignalReceiver::on_reset(int64_t stream_id, uint64_t app_error_code) {
  if (!is_pending_peer_stream(stream_id)) return std::nullopt;
  bool known = streams_.count(stream_id) != 0;
  Stream* tracked = track(stream_id);
  if (tracked == nullptr) return std::nullopt;
  Stream& stream = *tracked;
  if (!known) stream.returns_credit = false;
  if (stream.state != State::reading) return std::nullopt;
  return fail(stream, make_error(Errc::transport,
                                 "signal stream " + std::to_string(stream_id) + " reset by the peer (code " +
                                     std::to_string(app_error_code) + ") before its message was complete"))
      .error;
}

std::vector<SignalReceiver::Failure> SignalReceiver::set_limits(size_t max_message, size_t max_buffered) {
  max_message_ = max_message;
  max_buffered_ = max_buffered;
  std::vector<Failure> failed;
  for (auto& [id, stream] : streams_) {
    if (stream.state == State::reading && stream.header_len == 4 && stream.length > max_message_) {
      failed.emplace_back(
          id, *fail(stream, make_error(Errc::too_large, "signal on stream " + std::to_string(id) +
                                                            " declares " + std::to_string(stream.length) +
                                                            " bytes, above the new limit of " +
                                                            std::to_string(max_message_)))
                   .error);
    }
  }
  while (buffered_ > max_buffered_) {
    Stream* largest = nullptr;
    int64_t largest_id = -1;
    for (auto& [id, stream] : streams_) {
      if (stream.state == State::reading &&
          (largest == nullptr || stream.body.size() > largest->body.size())) {
        largest = &stream;
        largest_id = id;
      }
    }
    if (largest == nullptr || largest->body.empty()) break;  // the rest is complete messages
    failed.emplace_back(
        largest_id, *fail(*largest, make_error(Errc::too_large, "signal receive buffer limit lowered to " +
                                                                    std::to_string(max_buffered_) + " bytes"))
                         .error);
  }
  return failed;
}

std::vector<SignalReceiver::Failure> SignalReceiver::expire(uint64_t now_ns, uint64_t timeout_ns) {
  std::vector<Failure> failed;
  for (auto& [id, stream] : streams_) {
    if (stream.state != State::reading || now_ns - stream.first_seen_ns < timeout_ns) continue;
    failed.emplace_back(
        id,
        *fail(stream, make_error(Errc::timeout, "signal stream " + std::to_string(id) + " unfinished after " +
                                                    std::to_string(timeout_ns / 1'000'000) + " ms"))
             .error);
  }
  return failed;
}

std::optional<uint64_t> SignalReceiver::next_expiry(uint64_t timeout_ns) const {
  std::optional<uint64_t> earliest;
  for (const auto& [id, stream] : streams_) {
    if (stream.state != State::reading) continue;
    uint64_t at = stream.first_seen_ns + timeout_ns;
    if (!earliest || at < *earliest) earliest = at;
  }
  return earliest;
}

std::optional<Bytes> SignalReceiver::pop_message() {
  for (;;) {
    auto it = streams_.find(next_);
    if (it == streams_.end() || it->second.state == State::reading) return std::nullopt;
    next_ += 4;
    if (it->second.returns_credit) ++released_;
    if (it->second.state == State::failed) {
      streams_.erase(it);
      continue;
    }
    Bytes message = std::move(it->second.body);
    buffered_ -= message.size();
    streams_.erase(it);
    return message;
  }
}

uint64_t SignalReceiver::take_released_streams() noexcept {
  uint64_t n = released_;
  released_ = 0;
  return n;
}

}  // namespace wzp::transport
