// A systematic MDS erasure code over GF(2^8) on Intel ISA-L: K source symbols, R repair
// symbols from a Cauchy matrix, any K of the K + R symbols rebuild the sources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace wzp::media {

inline constexpr size_t kFecMaxSource = 32;   // K
inline constexpr size_t kFecMaxRepair = 32;   // R
inline constexpr size_t kFecMaxSymbols = 64;  // K + R (symbol indices fit the header byte)

/// The length to code a T-byte symbol over: ISA-L's vector kernels take multiples of their
/// vector width (64 bytes with AVX-512, 32 with AVX2) and send shorter lengths and tails
/// through a scalar path up to a hundred times slower, so symbols are coded zero-padded to
/// a multiple of 64 (the padding codes to zero and is never sent).
constexpr size_t coded_length(size_t t) noexcept { return (t + 63) / 64 * 64; }

class ErasureCode {
 public:
  /// The code for (k, r), built once per process and shared (thread-safe).
  /// Errors: Errc::invalid_argument unless 1 <= k <= 32, 1 <= r <= 32, k + r <= 64.
  static Result<std::shared_ptr<const ErasureCode>> get(size_t k, size_t r);

  size_t k() const noexcept { return k_; }
  size_t r() const noexcept { return r_; }

  /// Repair symbols from the k source symbols, each `len` bytes long.
  /// `sources` has k pointers, `repairs` has r pointers to len writable bytes.
  void encode(std::span<const uint8_t* const> sources, std::span<uint8_t* const> repairs, size_t len) const;

  /// Rebuild source symbols. `indices[i]` is the symbol index (0..k+r-1) of the
  /// `symbols[i]`, exactly k distinct indices; `missing` lists the source indices
  /// (0..k-1) to rebuild into `out` (one pointer each, len bytes).
  /// Errors: Errc::invalid_argument on bad indices; Errc::internal if the matrix
  /// does not invert (cannot happen for a Cauchy code).
  Status decode(std::span<const uint8_t> indices, std::span<const uint8_t* const> symbols,
                std::span<const uint8_t> missing, std::span<uint8_t* const> out, size_t len) const;

  ErasureCode(size_t k, size_t r);  // use get(); public for make_shared

 private:
  size_t k_;
  size_t r_;
  std::vector<uint8_t> matrix_;         // (k + r) x k: identity over the Cauchy rows
  std::vector<uint8_t> encode_tables_;  // ec_init_tables of the r Cauchy rows
};

}  // namespace wzp::media
