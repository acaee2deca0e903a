// Sound files for wzp-call (libsndfile): any format, rate and channel count libsndfile reads
// in (mixed to mono, resampled to 48 kHz with libspeexdsp); 48 kHz mono 16-bit WAV out.
#pragma once

#include <sndfile.h>
#include <speex/speex_resampler.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace call_tool {

/// Reads a whole sound file (WAV, FLAC, Ogg, ... at any rate, any channels) as 48 kHz mono
/// 16-bit PCM. False with `error` set when it cannot be read.
bool read_wav_48k_mono(const std::string& path, std::vector<int16_t>& out, std::string& error);

/// Writes 48 kHz mono 16-bit PCM to a WAV file as it comes; the header is completed on close.
class WavWriter {
 public:
  bool open(const std::string& path, std::string& error);
  void write(const int16_t* pcm, size_t samples);
  uint64_t samples() const { return samples_; }

 private:
  struct Closer {
    void operator()(SNDFILE* f) const { sf_close(f); }
  };
  std::unique_ptr<SNDFILE, Closer> file_;
  uint64_t samples_ = 0;
};

}  // namespace call_tool
