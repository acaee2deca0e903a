#include "wav_file.hpp"

namespace call_tool {

namespace {

struct ResamplerCloser {
  void operator()(SpeexResamplerState* s) const { speex_resampler_destroy(s); }
};

// `in` at `rate` Hz to 48 kHz with libspeexdsp (quality 8: offline, so the best is affordable).
bool to_48k(std::vector<int16_t>& pcm, int rate, std::string& error) {
  if (rate == 48000 || pcm.empty()) return true;
  int err = 0;
  std::unique_ptr<SpeexResamplerState, ResamplerCloser> resampler(
      speex_resampler_init(1, static_cast<spx_uint32_t>(rate), 48000, 8, &err));
  if (!resampler) {
    error = "cannot resample from " + std::to_string(rate) + " Hz: " + speex_resampler_strerror(err);
    return false;
  }
  std::vector<int16_t> out(pcm.size() * 48000 / static_cast<size_t>(rate) + 64);
  auto in_len = static_cast<spx_uint32_t>(pcm.size());
  auto out_len = static_cast<spx_uint32_t>(out.size());
  speex_resampler_process_int(resampler.get(), 0, pcm.data(), &in_len, out.data(), &out_len);
  out.resize(out_len);
  pcm = std::move(out);
  return true;
}

}  // namespace

bool read_wav_48k_mono(const std::string& path, std::vector<int16_t>& out, std::string& error) {
  SF_INFO info{};
  std::unique_ptr<SNDFILE, decltype(&sf_close)> file(sf_open(path.c_str(), SFM_READ, &info), &sf_close);
  if (!file) {
    error = path + ": " + sf_strerror(nullptr);
    return false;
  }
  constexpr sf_count_t kMaxFrames = sf_count_t{48000} * 3600;  // an hour at 48 kHz
  if (info.channels < 1 || info.samplerate < 1000 || info.samplerate > 384000 || info.frames > kMaxFrames) {
    error = path + ": " + std::to_string(info.samplerate) + " Hz, " + std::to_string(info.channels) +
            " channel(s), " + std::to_string(info.frames) + " frames: not a sound file wzp-call can send";
    return false;
  }
  // libsndfile converts any sample format to 16-bit; channels are averaged to mono.
  const auto channels = static_cast<size_t>(info.channels);
  std::vector<int16_t> interleaved(static_cast<size_t>(info.frames) * channels);
  const sf_count_t got = sf_readf_short(file.get(), interleaved.data(), info.frames);
  const size_t frames = got < 0 ? 0 : static_cast<size_t>(got);
  out.assign(frames, 0);
  for (size_t i = 0; i < frames; ++i) {
    int32_t sum = 0;
    for (size_t c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    out[i] = static_cast<int16_t>(sum / static_cast<int32_t>(channels));
  }
  if (!to_48k(out, info.samplerate, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool WavWriter::open(const std::string& path, std::string& error) {
  SF_INFO info{};
  info.samplerate = 48000;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  file_.reset(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!file_) error = path + ": " + sf_strerror(nullptr);
  return file_ != nullptr;
}

void WavWriter::write(const int16_t* pcm, size_t samples) {
  if (!file_ || samples == 0) return;
  samples_ += static_cast<uint64_t>(sf_writef_short(file_.get(), pcm, static_cast<sf_count_t>(samples)));
}

}  // namespace call_tool
