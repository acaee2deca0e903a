#include "wav_file.hpp"

namespace call_tool {

bool read_wav_48k_mono(const std::string& path, std::vector<int16_t>& out, std::string& error) {
  SF_INFO info{};
  std::unique_ptr<SNDFILE, decltype(&sf_close)> file(sf_open(path.c_str(), SFM_READ, &info), &sf_close);
  if (!file) {
    error = path + ": " + sf_strerror(nullptr);
    return false;
  }
  if (info.samplerate != 48000 || info.channels != 1 ||
      (info.format & SF_FORMAT_SUBMASK) != SF_FORMAT_PCM_16) {
    error = path + ": " + std::to_string(info.samplerate) + " Hz, " + std::to_string(info.channels) +
            " channel(s); wzp-call sends 48000 Hz mono 16-bit PCM (convert it first, e.g. with sox " +
            "in.wav -r 48000 -c 1 -b 16 out.wav)";
    return false;
  }
  out.resize(static_cast<size_t>(info.frames));
  const sf_count_t got = sf_readf_short(file.get(), out.data(), info.frames);
  out.resize(static_cast<size_t>(got < 0 ? 0 : got));
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
