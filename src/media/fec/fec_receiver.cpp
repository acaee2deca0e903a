#include "media/fec/fec_receiver.hpp"

#include <algorithm>
#include <cstring>

#include "media/fec/repair_format.hpp"

namespace wzp::media {

namespace {

// A packet this far behind the newest sequence number is a new stream (the sender
// restarted): nothing held can belong to it.
constexpr int32_t kResyncSeqs = 3000;

int32_t seq_delta(uint16_t a, uint16_t b) { return static_cast<int16_t>(static_cast<uint16_t>(a - b)); }
int64_t ts_delta(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

bool all_zero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

FecReceiver::FecReceiver(FecReceiverConfig config) : config_(config) {}

void FecReceiver::advance_clock(const wire::MediaHeader& header) {
  const bool is_cn = header.codec == wire::CodecId::comfort_noise;
  if (have_clock_ && seq_delta(header.seq, newest_seq_) < -kResyncSeqs) {
    for (auto& block : blocks_) drop(block);
    blocks_.clear();
    have_clock_ = false;
  }
  if (!have_clock_) {
    have_clock_ = true;
    newest_seq_ = header.seq;
    newest_ts_ = header.timestamp;
    newest_block_ = header.fec_block;
    return;
  }
  if (seq_delta(header.seq, newest_seq_) > 0) {
    newest_seq_ = header.seq;
    if (ts_delta(header.timestamp, newest_ts_) > 0) newest_ts_ = header.timestamp;
    // A CN packet names the next (empty) block: it says nothing about blocks in flight.
    if (!is_cn) newest_block_ = header.fec_block;
  }
}

bool FecReceiver::is_stale(const wire::MediaHeader& header) const {
  const auto behind = static_cast<uint8_t>(newest_block_ - header.fec_block);
  return behind > config_.max_blocks_behind || ts_delta(newest_ts_, header.timestamp) > config_.max_age_ms;
}

bool FecReceiver::missing_sources(const Block& block) const {
  if (block.k == 0) return false;  // without a repair nobody knows what is missing
  for (size_t i = 0; i < block.k; ++i) {
    if (!block.sources[i]) return true;
  }
  return false;
}

void FecReceiver::drop(Block& block) {
  if (!block.done && missing_sources(block)) ++stats_.blocks_expired;
}

void FecReceiver::expire() {
  std::erase_if(blocks_, [&](Block& block) {
    const auto behind = static_cast<uint8_t>(newest_block_ - block.id);
    const bool old =
        behind > config_.max_blocks_behind || ts_delta(newest_ts_, block.last_ts) > config_.max_age_ms;
    if (old) drop(block);
    return old;
  });
}

FecReceiver::Block* FecReceiver::find_block(const wire::MediaHeader& header) {
  const auto seq0 = static_cast<uint16_t>(header.seq - header.fec_symbol);
  for (auto it = blocks_.begin(); it != blocks_.end(); ++it) {
    if (it->id != header.fec_block) continue;
    if (it->seq0 == seq0) return &*it;
    if (seq_delta(seq0, it->seq0) < 0) return nullptr;  // a straggler from before the id wrapped
    drop(*it);                                          // the id was reused: a fresh block
    blocks_.erase(it);
    break;
  }
  Block& block = blocks_.emplace_back();
  block.id = header.fec_block;
  block.seq0 = seq0;
  block.last_ts = header.timestamp;
  block.codec = header.codec;
  return &block;
}

void FecReceiver::on_packet(const wire::MediaPacketView& packet, std::vector<RecoveredFrame>& recovered,
                            SeqHints* hints) {
  const auto& header = packet.header;
  advance_clock(header);
  expire();
  if (header.codec == wire::CodecId::comfort_noise) return;  // never in a block (N-8)

  std::optional<RepairPayload> repair;
  if (header.is_repair) {
    if (!is_libwzp_repair(header)) {
      ++stats_.foreign_repairs;
      return;
    }
    auto parsed = parse_repair_payload(packet.payload);
    if (!parsed.ok() || header.fec_symbol < parsed->k ||
        size_t{header.fec_symbol} - parsed->k >= kFecMaxRepair || header.fec_symbol >= kFecMaxSymbols) {
      ++stats_.malformed;
      return;
    }
    repair = *parsed;
    libwzp_sender_ = true;
  } else if (header.fec_symbol >= kFecMaxSource) {
    ++stats_.malformed;
    return;
  } else if (packet.payload.size() > kFecMaxFrameBytes) {
    return;  // sent unprotected, in a block of its own
  }

  if (is_stale(header)) {
    ++stats_.stale;
    return;
  }
  Block* block = find_block(header);
  if (block == nullptr) {
    ++stats_.stale;
    return;
  }
  if (ts_delta(header.timestamp, block->last_ts) > 0) block->last_ts = header.timestamp;
  if (block->done) {
    if (hints != nullptr) describe(*block, *hints);
    return;
  }

  if (repair) {
    if (block->k == 0) {
      block->k = repair->k;
      block->t = repair->symbol.size();
      block->codec = header.codec;
      block->repair_ts = header.timestamp;
      // Sources claiming an index the block does not have cannot belong to it.
      for (size_t i = block->k; i < kFecMaxSource; ++i) {
        if (block->sources[i]) {
          block->sources[i].reset();
          ++stats_.malformed;
        }
      }
    } else if (block->k != repair->k || block->t != repair->symbol.size() ||
               block->repair_ts != header.timestamp) {
      ++stats_.malformed;
      return;
    }
    Bytes& slot = block->repairs[header.fec_symbol - block->k];
    if (!slot.empty()) return;  // duplicate
    slot.assign(repair->symbol.begin(), repair->symbol.end());
  } else {
    if (block->k != 0 && header.fec_symbol >= block->k) {
      ++stats_.malformed;
      return;
    }
    auto& slot = block->sources[header.fec_symbol];
    if (slot) return;  // duplicate
    slot = Source{header.seq, header.timestamp, Bytes(packet.payload.begin(), packet.payload.end())};
  }
  try_rebuild(*block, recovered);
  if (hints != nullptr) describe(*block, *hints);
}

// The block before (direction -1) or after (+1) this one in the sender's sequence: the
// adjacent id, starting on the right side of this block's first seq.
FecReceiver::Block* FecReceiver::adjacent(const Block& block, int direction) {
  const auto id = static_cast<uint8_t>(block.id + direction);
  for (auto& other : blocks_) {
    if (other.id != id) continue;
    const int32_t d = seq_delta(other.seq0, block.seq0);
    if (direction < 0 ? d < 0 : d > 0) return &other;
  }
  return nullptr;
}

// A block's frame duration: from two of its sources, or a source and the repairs' time
// (just after the last frame), or the codec's own.
uint32_t FecReceiver::frame_ms_of(const Block& block) const {
  const Source* first = nullptr;
  size_t first_index = 0;
  for (size_t i = 0; i < kFecMaxSource; ++i) {
    if (!block.sources[i]) continue;
    if (first == nullptr) {
      first = &*block.sources[i];
      first_index = i;
      continue;
    }
    const int64_t span = ts_delta(block.sources[i]->timestamp, first->timestamp);
    const auto steps = static_cast<int64_t>(i - first_index);
    if (span > 0 && span % steps == 0) return static_cast<uint32_t>(span / steps);
    break;
  }
  if (first != nullptr && block.k > first_index) {
    const int64_t span = ts_delta(block.repair_ts, first->timestamp);
    const auto steps = static_cast<int64_t>(block.k - first_index);
    if (span > 0 && span % steps == 0) return static_cast<uint32_t>(span / steps);
  }
  return wire::codec_frame_duration_ms(block.codec);
}

void FecReceiver::describe(Block& block, SeqHints& hints) {
  if (!libwzp_sender_) return;
  // Repairs follow the K sources; between them and the next block's first source come only
  // more repairs and comfort-noise packets. Each seq is told once: up to the highest repair
  // held while the next block is unknown, the whole span once it is known. The span is
  // bounded: a long silence's CN seqs past it stay unknown, which the jitter buffer handles
  // by their media time.
  constexpr int32_t kMaxSpan = 256;
  const auto no_audio_after = [&](Block& before, const Block* after) {
    if (before.k == 0 || before.gap_told) return;
    const auto first = static_cast<uint16_t>(before.seq0 + before.k);
    int32_t span = 0;
    if (after != nullptr) {
      span = seq_delta(after->seq0, first);
      before.gap_told = true;
    } else {
      for (size_t i = 0; i < kFecMaxRepair; ++i) {
        if (!before.repairs[i].empty()) span = static_cast<int32_t>(i) + 1;
      }
    }
    span = std::min(span, kMaxSpan);
    for (int32_t i = before.no_audio_told; i < span; ++i)
      hints.no_audio.push_back(static_cast<uint16_t>(first + i));
    before.no_audio_told = std::max(before.no_audio_told, span);
  };
  if (Block* before = adjacent(block, -1)) no_audio_after(*before, &block);
  no_audio_after(block, adjacent(block, +1));

  // Missing sources, placed in time from a received source or from the repairs' time.
  const Source* anchor = nullptr;
  size_t anchor_index = 0;
  size_t known = block.k;
  for (size_t i = 0; i < kFecMaxSource; ++i) {
    if (!block.sources[i]) continue;
    if (anchor == nullptr) {
      anchor = &*block.sources[i];
      anchor_index = i;
    }
    if (block.k == 0) known = i + 1;
  }
  if (block.rebuilt || (anchor == nullptr && block.k == 0)) return;
  const int64_t frame_ms = frame_ms_of(block);
  const int64_t ts0 = anchor != nullptr
                          ? int64_t{anchor->timestamp} - static_cast<int64_t>(anchor_index) * frame_ms
                          : int64_t{block.repair_ts} - static_cast<int64_t>(block.k) * frame_ms;
  for (size_t i = 0; i < known; ++i) {
    if (block.sources[i]) continue;
    hints.missing.push_back(ExpectedFrame{static_cast<uint16_t>(block.seq0 + i),
                                          static_cast<uint32_t>(ts0 + static_cast<int64_t>(i) * frame_ms),
                                          block.codec, static_cast<uint32_t>(frame_ms)});
  }
}

void FecReceiver::try_rebuild(Block& block, std::vector<RecoveredFrame>& recovered) {
  if (block.k == 0) return;
  const size_t k = block.k;
  const size_t t = block.t;
  std::vector<uint8_t> missing;
  size_t have = 0;
  for (size_t i = 0; i < k; ++i) {
    if (block.sources[i]) {
      ++have;
    } else {
      missing.push_back(static_cast<uint8_t>(i));
    }
  }
  if (missing.empty()) {
    block.done = true;  // complete: nothing to rebuild
    return;
  }
  size_t repairs_held = 0;
  size_t highest_repair = 0;
  for (size_t i = 0; i < kFecMaxRepair; ++i) {
    if (!block.repairs[i].empty()) {
      ++repairs_held;
      highest_repair = i;
    }
  }
  if (have + repairs_held < k) return;
  block.done = true;  // one attempt: success or a block that contradicts itself

  auto give_up = [&] { ++stats_.blocks_unrecoverable; };
  // The K symbols used, zero-padded to the coded length; a received source longer than
  // T - 2 contradicts the repairs.
  const size_t stride = coded_length(t);
  Bytes symbols(k * stride);
  Bytes repair_copies(k * stride);
  std::vector<uint8_t> indices;
  std::vector<const uint8_t*> inputs;
  for (size_t i = 0; i < k; ++i) {
    if (!block.sources[i]) continue;
    if (block.sources[i]->frame.size() + kSymbolPrefixBytes > t) return give_up();
    write_symbol(block.sources[i]->frame, MutableByteView(symbols.data() + i * stride, t));
    indices.push_back(static_cast<uint8_t>(i));
    inputs.push_back(symbols.data() + i * stride);
  }
  for (size_t i = 0, used = 0; i < kFecMaxRepair && inputs.size() < k; ++i) {
    if (block.repairs[i].empty()) continue;
    uint8_t* copy = repair_copies.data() + (used++) * stride;
    std::copy(block.repairs[i].begin(), block.repairs[i].end(), copy);
    indices.push_back(static_cast<uint8_t>(k + i));
    inputs.push_back(copy);
  }
  auto code = ErasureCode::get(k, highest_repair + 1);
  if (!code.ok()) return give_up();
  std::vector<uint8_t*> outputs;
  for (const uint8_t index : missing) outputs.push_back(symbols.data() + size_t{index} * stride);
  if (!(*code)->decode(indices, inputs, missing, outputs, stride).ok()) return give_up();

  // Every rebuilt symbol must read back as a frame followed by zero padding.
  std::vector<ByteView> frames;
  for (const uint8_t index : missing) {
    const ByteView symbol(symbols.data() + size_t{index} * stride, t);
    auto frame = read_symbol(symbol);
    if (!frame.ok() || !all_zero(symbol.subspan(kSymbolPrefixBytes + frame->size()))) return give_up();
    frames.push_back(*frame);
  }
  // Sequence numbers follow symbol 0; times follow a received source, spaced by the
  // frame duration the block shows (repair time = just after its last frame).
  const Source* anchor = nullptr;
  size_t anchor_index = 0;
  for (size_t i = 0; i < k && anchor == nullptr; ++i) {
    if (block.sources[i]) {
      anchor = &*block.sources[i];
      anchor_index = i;
    }
  }
  int64_t frame_ms = wire::codec_frame_duration_ms(block.codec);
  int64_t ts0 = int64_t{block.repair_ts} - static_cast<int64_t>(k) * frame_ms;
  if (anchor != nullptr) {
    const int64_t span = ts_delta(block.repair_ts, anchor->timestamp);
    const auto steps = static_cast<int64_t>(k - anchor_index);
    if (span > 0 && span % steps == 0) frame_ms = span / steps;
    ts0 = int64_t{anchor->timestamp} - static_cast<int64_t>(anchor_index) * frame_ms;
  }
  for (size_t m = 0; m < missing.size(); ++m) {
    RecoveredFrame out;
    out.seq = static_cast<uint16_t>(block.seq0 + missing[m]);
    out.timestamp = static_cast<uint32_t>(ts0 + int64_t{missing[m]} * frame_ms);
    out.codec = block.codec;
    out.frame.assign(frames[m].begin(), frames[m].end());
    recovered.push_back(std::move(out));
  }
  block.rebuilt = true;
  ++stats_.blocks_decoded;
  stats_.frames_recovered += missing.size();
}

}  // namespace wzp::media
