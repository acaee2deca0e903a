// WAV files for wzp-call (libsndfile): 48 kHz mono 16-bit in, the same out.
#pragma once

#include <sndfile.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace call_tool {

/// Reads a whole 48 kHz mono 16-bit WAV file. False with `error` set for anything else.
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
