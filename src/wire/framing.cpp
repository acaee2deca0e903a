#include "wire/framing.hpp"

#include <algorithm>

namespace wzp::wire {

Result<Bytes> frame_signal(std::string_view json) {
  if (json.size() > kMaxSignalLength) {
    return make_error(Errc::too_large, "signal message too large: " + std::to_string(json.size()) +
                                           " bytes (limit " + std::to_string(kMaxSignalLength) + ")");
  }
  Bytes out(kFramePrefixSize + json.size());
  store_be32(out.data(), static_cast<uint32_t>(json.size()));
  std::copy(json.begin(), json.end(), out.begin() + kFramePrefixSize);
  return out;
}

Result<Bytes> frame_signal(const SignalMessage& message) { return frame_signal(encode_json(message)); }

Status FrameReader::feed(ByteView chunk) {
  if (error_) return *error_;
  if (!have_length_) {
    const size_t take = std::min(kFramePrefixSize - prefix_have_, chunk.size());
    std::copy_n(chunk.begin(), take, prefix_.begin() + static_cast<std::ptrdiff_t>(prefix_have_));
    prefix_have_ += take;
    chunk = chunk.subspan(take);
    if (prefix_have_ < kFramePrefixSize) return {};
    length_ = load_be32(prefix_.data());
    if (length_ > max_length_) {
      error_ = make_error(Errc::too_large, "signal message too large: " + std::to_string(length_) +
                                               " bytes declared (limit " + std::to_string(max_length_) + ")");
      return *error_;
    }
    have_length_ = true;
    // Grow with the data rather than trusting the declared length up front.
    payload_.reserve(std::min<uint32_t>(length_, 64 * 1024));
  }
  const size_t take = std::min<size_t>(length_ - payload_.size(), chunk.size());
  payload_.append(as_chars(chunk.first(take)));
  if (take < chunk.size() && trailing_ == TrailingBytes::reject) {
    error_ = make_error(Errc::too_large,
                        "signal stream has bytes beyond the declared length " + std::to_string(length_));
    return *error_;
  }
  return {};
}

Result<std::string> FrameReader::finish() {
  if (error_) return *error_;
  if (!have_length_) {
    return make_error(Errc::malformed, "signal stream ended inside the 4-byte length prefix (" +
                                           std::to_string(prefix_have_) + " bytes)");
  }
  if (payload_.size() < length_) {
    return make_error(Errc::malformed, "signal stream ended after " + std::to_string(payload_.size()) +
                                           " of " + std::to_string(length_) + " declared bytes");
  }
  std::string payload = std::move(payload_);
  error_ = make_error(Errc::invalid_state, "signal frame already taken by finish()");
  return payload;
}

Result<SignalMessage> decode_signal_frame(ByteView stream) {
  FrameReader reader;
  WZP_TRY(reader.feed(stream));
  auto json = reader.finish();
  if (!json) return std::move(json).error();
  return decode_json(*json);
}

}  // namespace wzp::wire
