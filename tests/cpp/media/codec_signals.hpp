// Test signals and objective measures for the codec tests: a deterministic speech-like signal
// (harmonics of a wandering pitch shaped by three formants, under a syllable envelope), tones,
// alignment by cross-correlation, and spectra by Goertzel filters.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <vector>

namespace wzp::media::test {

inline constexpr double kRate = 48000.0;

/// `seconds` of a voiced, speech-like signal at 48 kHz, peak about 9000; band-limited to
/// 3.4 kHz so that narrowband codecs can keep all of it.
inline std::vector<int16_t> speech_like(double seconds) {
  const auto n = static_cast<size_t>(seconds * kRate);
  std::vector<int16_t> out(n);
  constexpr double formants[] = {700.0, 1200.0, 2500.0};
  std::vector<double> phases(40, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double f0 = 140.0 + 35.0 * std::sin(2 * std::numbers::pi * 0.7 * t) +
                      12.0 * std::sin(2 * std::numbers::pi * 2.3 * t);
    double v = 0.0;
    for (size_t k = 1; k < phases.size(); ++k) {
      const double f = f0 * static_cast<double>(k);
      if (f > 3400.0) break;
      double gain = 0.03;
      for (const double formant : formants) gain += 1.0 / (1.0 + std::pow((f - formant) / 120.0, 2.0));
      phases[k] += 2 * std::numbers::pi * f / kRate;
      v += gain / std::sqrt(static_cast<double>(k)) * std::sin(phases[k]);
    }
    const double envelope = 0.25 + 0.75 * (0.5 - 0.5 * std::cos(2 * std::numbers::pi * 3.5 * t));
    out[i] = static_cast<int16_t>(std::clamp(3000.0 * envelope * v, -32767.0, 32767.0));
  }
  return out;
}

inline std::vector<int16_t> tone(double hz, double amplitude, size_t n) {
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<int16_t>(amplitude *
                                  std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / kRate));
  }
  return out;
}

/// Harmonics of `hz` below 3.4 kHz with amplitudes 1/k (a buzzy, voice-like tone).
inline std::vector<int16_t> harmonic_tone(double hz, double amplitude, size_t n) {
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    double v = 0;
    for (int k = 1; k * hz < 3400.0; ++k) {
      v += std::sin(2 * std::numbers::pi * hz * k * static_cast<double>(i) / kRate) / k;
    }
    out[i] = static_cast<int16_t>(std::clamp(amplitude * v, -32767.0, 32767.0));
  }
  return out;
}

/// Normalised correlation of ref[i] with out[i + lag] over i in [from, to).
inline double correlation_at(const std::vector<int16_t>& ref, const std::vector<int16_t>& out, size_t lag,
                             size_t from, size_t to) {
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = from; i < to && i + lag < out.size() && i < ref.size(); ++i) {
    const double x = ref[i];
    const double y = out[i + lag];
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  return (xx > 0 && yy > 0) ? xy / std::sqrt(xx * yy) : 0.0;
}

struct Alignment {
  size_t lag = 0;
  double correlation = 0.0;
};

/// The delay of `out` against `ref` (0..max_lag samples) with the highest correlation, measured
/// after a warm-up of `skip` samples.
inline Alignment align(const std::vector<int16_t>& ref, const std::vector<int16_t>& out, size_t max_lag,
                       size_t skip) {
  Alignment best;
  const size_t to = std::min(ref.size(), out.size() > max_lag ? out.size() - max_lag : 0);
  for (size_t lag = 0; lag <= max_lag; ++lag) {
    const double c = correlation_at(ref, out, lag, skip, to);
    if (c > best.correlation) best = {lag, c};
  }
  return best;
}

/// Pearson correlation of two equally long series (0 when either is constant).
inline double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= static_cast<double>(a.size());
  mb /= static_cast<double>(b.size());
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    xy += (a[i] - ma) * (b[i] - mb);
    xx += (a[i] - ma) * (a[i] - ma);
    yy += (b[i] - mb) * (b[i] - mb);
  }
  return (xx > 0 && yy > 0) ? xy / std::sqrt(xx * yy) : 0.0;
}

/// Power of `x[from..to)` at `hz` (Goertzel).
inline double goertzel(const std::vector<int16_t>& x, double hz, size_t from, size_t to) {
  const double w = 2 * std::numbers::pi * hz / kRate;
  const double coeff = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (size_t i = from; i < to && i < x.size(); ++i) {
    const double s = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/// Correlation of two signals' long-term log spectra (50 Hz bins, 100..3400 Hz, 40 ms Goertzel
/// windows averaged). Waveform-free: fits parametric codecs such as Codec2.
inline double spectral_similarity(const std::vector<int16_t>& a, const std::vector<int16_t>& b, size_t skip) {
  const size_t window = 1920;
  std::vector<double> la, lb;
  for (double hz = 100; hz <= 3400; hz += 50) {
    double pa = 0, pb = 0;
    for (size_t at = skip; at + window <= std::min(a.size(), b.size()); at += window) {
      pa += goertzel(a, hz, at, at + window);
      pb += goertzel(b, hz, at, at + window);
    }
    la.push_back(std::log10(pa + 1.0));
    lb.push_back(std::log10(pb + 1.0));
  }
  return pearson(la, lb);
}

/// Correlation of the two signals' 10 ms energy envelopes, `out` shifted by `lag`.
inline double envelope_correlation(const std::vector<int16_t>& ref, const std::vector<int16_t>& out,
                                   size_t lag, size_t skip) {
  std::vector<double> ea, eb;
  for (size_t at = skip; at + 480 + lag <= out.size() && at + 480 <= ref.size(); at += 480) {
    double sa = 0, sb = 0;
    for (size_t i = at; i < at + 480; ++i) {
      sa += static_cast<double>(ref[i]) * ref[i];
      sb += static_cast<double>(out[i + lag]) * out[i + lag];
    }
    ea.push_back(std::sqrt(sa / 480));
    eb.push_back(std::sqrt(sb / 480));
  }
  return pearson(ea, eb);
}

/// Frequency estimate from upward zero crossings over x[from..to).
inline double zero_crossing_hz(const std::vector<int16_t>& x, size_t from, size_t to) {
  size_t crossings = 0;
  for (size_t i = from + 1; i < to && i < x.size(); ++i) {
    if (x[i - 1] < 0 && x[i] >= 0) ++crossings;
  }
  return static_cast<double>(crossings) * kRate / static_cast<double>(to - from);
}

/// Pitch from the autocorrelation peak of x[from..to) between min_hz and max_hz.
inline double autocorrelation_pitch_hz(const std::vector<int16_t>& x, size_t from, size_t to, double min_hz,
                                       double max_hz) {
  const auto min_lag = static_cast<size_t>(kRate / max_hz);
  const auto max_lag = static_cast<size_t>(kRate / min_hz);
  size_t best_lag = min_lag;
  double best = -1e300;
  for (size_t lag = min_lag; lag <= max_lag; ++lag) {
    double sum = 0;
    for (size_t i = from; i + lag < to && i + lag < x.size(); ++i)
      sum += static_cast<double>(x[i]) * x[i + lag];
    if (sum > best) best = sum, best_lag = lag;
  }
  return kRate / static_cast<double>(best_lag);
}

}  // namespace wzp::media::test
