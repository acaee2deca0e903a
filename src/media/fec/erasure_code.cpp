#include "media/fec/erasure_code.hpp"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace wzp::media {

namespace {

// ISA-L takes non-const pointers even for inputs it only reads.
uint8_t** mutable_ptrs(std::span<const uint8_t* const> ptrs) {
  return const_cast<uint8_t**>(ptrs.data());  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

// ISA-L's AVX2/AVX-512 kernels return with the upper halves of the vector registers dirty
// (no VZEROUPPER). Until something clears them, every legacy-SSE instruction afterwards pays a
// transition penalty or a false dependency: libopus (SSE) encoded a GOOD frame 50 % slower
// after each Reed–Solomon encode (bench_call). Clearing is one instruction, valid wherever AVX is.
void clear_upper_vector_state() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool has_avx = __builtin_cpu_supports("avx");
  if (has_avx) __asm__ volatile("vzeroupper" ::: "memory");
#endif
}

// One ISA-L encode (also the decode, with decode tables), then the vector state cleared.
void isal_encode(size_t len, size_t k, size_t rows, uint8_t* tables, uint8_t** in, uint8_t** out) {
  ec_encode_data(static_cast<int>(len), static_cast<int>(k), static_cast<int>(rows), tables, in, out);
  clear_upper_vector_state();
}

}  // namespace

ErasureCode::ErasureCode(size_t k, size_t r)
    : k_(k), r_(r), matrix_((k + r) * k), encode_tables_(32 * k * r) {
  gf_gen_cauchy1_matrix(matrix_.data(), static_cast<int>(k + r), static_cast<int>(k));
  ec_init_tables(static_cast<int>(k), static_cast<int>(r), matrix_.data() + k * k, encode_tables_.data());
}

Result<std::shared_ptr<const ErasureCode>> ErasureCode::get(size_t k, size_t r) {
  if (k < 1 || k > kFecMaxSource || r < 1 || r > kFecMaxRepair || k + r > kFecMaxSymbols) {
    return make_error(Errc::invalid_argument,
                      "erasure code (" + std::to_string(k) + ", " + std::to_string(r) + ") out of range");
  }
  // Tables cost 32*k*r bytes and a matrix build: made once per (k, r) for the process.
  static std::mutex mutex;
  static std::map<std::pair<size_t, size_t>, std::shared_ptr<const ErasureCode>> cache;
  const std::lock_guard lock(mutex);
  auto& slot = cache[{k, r}];
  if (!slot) slot = std::make_shared<const ErasureCode>(k, r);
  return slot;
}

void ErasureCode::encode(std::span<const uint8_t* const> sources, std::span<uint8_t* const> repairs,
                         size_t len) const {
  isal_encode(len, k_, r_, const_cast<uint8_t*>(encode_tables_.data()),  // NOLINT: read only
              mutable_ptrs(sources), const_cast<uint8_t**>(repairs.data()));  // NOLINT
}

Status ErasureCode::decode(std::span<const uint8_t> indices, std::span<const uint8_t* const> symbols,
                           std::span<const uint8_t> missing, std::span<uint8_t* const> out,
                           size_t len) const {
  if (indices.size() != k_ || symbols.size() != k_ || missing.size() != out.size() || missing.size() > k_) {
    return make_error(Errc::invalid_argument, "erasure decode: wrong symbol counts");
  }
  if (missing.empty()) return {};
  std::array<bool, kFecMaxSymbols> seen{};
  for (const uint8_t index : indices) {
    if (index >= k_ + r_ || seen[index])
      return make_error(Errc::invalid_argument, "erasure decode: bad index");
    seen[index] = true;
  }
  for (const uint8_t index : missing) {
    if (index >= k_) return make_error(Errc::invalid_argument, "erasure decode: missing index is no source");
  }
  // Rows of the surviving symbols form a k x k matrix B with B * sources = survivors;
  // row j of B^-1 rebuilds source j from the survivors.
  std::vector<uint8_t> rows(k_ * k_);
  for (size_t i = 0; i < k_; ++i) {
    std::copy_n(matrix_.data() + size_t{indices[i]} * k_, k_, rows.data() + i * k_);
  }
  std::vector<uint8_t> inverse(k_ * k_);
  if (gf_invert_matrix(rows.data(), inverse.data(), static_cast<int>(k_)) != 0) {
    return make_error(Errc::internal, "erasure decode: singular matrix");
  }
  std::vector<uint8_t> decode_rows(missing.size() * k_);
  for (size_t m = 0; m < missing.size(); ++m) {
    std::copy_n(inverse.data() + size_t{missing[m]} * k_, k_, decode_rows.data() + m * k_);
  }
  std::vector<uint8_t> tables(32 * k_ * missing.size());
  ec_init_tables(static_cast<int>(k_), static_cast<int>(missing.size()), decode_rows.data(), tables.data());
  isal_encode(len, k_, missing.size(), tables.data(), mutable_ptrs(symbols),
              const_cast<uint8_t**>(out.data()));  // NOLINT
  return {};
}

}  // namespace wzp::media
