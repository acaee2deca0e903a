// The ISA-L Reed–Solomon wrapper: any K of K + R symbols rebuild the sources.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <numeric>
#include <random>
#include <vector>

#include "core/bytes.hpp"
#include "media/fec/erasure_code.hpp"

namespace wzp::media {
namespace {

struct Block {
  size_t k, r, len;
  std::vector<Bytes> symbols;  // k sources then r repairs
};

Block make_block(size_t k, size_t r, size_t len, uint64_t seed) {
  Block block{k, r, len, std::vector<Bytes>(k + r, Bytes(len))};
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < k; ++i) {
    for (auto& b : block.symbols[i]) b = static_cast<uint8_t>(rng());
  }
  auto code = ErasureCode::get(k, r);
  EXPECT_TRUE(code.ok());
  std::vector<const uint8_t*> sources;
  std::vector<uint8_t*> repairs;
  for (size_t i = 0; i < k; ++i) sources.push_back(block.symbols[i].data());
  for (size_t i = 0; i < r; ++i) repairs.push_back(block.symbols[k + i].data());
  (*code)->encode(sources, repairs, len);
  return block;
}

// Rebuild every source from the symbols at `survivors` (exactly k indices).
void expect_rebuilds(const Block& block, const std::vector<uint8_t>& survivors) {
  auto code = ErasureCode::get(block.k, block.r);
  ASSERT_TRUE(code.ok());
  std::vector<const uint8_t*> inputs;
  for (const uint8_t s : survivors) inputs.push_back(block.symbols[s].data());
  std::vector<uint8_t> missing;
  for (size_t i = 0; i < block.k; ++i) {
    if (std::find(survivors.begin(), survivors.end(), i) == survivors.end())
      missing.push_back(static_cast<uint8_t>(i));
  }
  std::vector<Bytes> out(missing.size(), Bytes(block.len, 0xAA));
  std::vector<uint8_t*> out_ptrs;
  for (auto& o : out) out_ptrs.push_back(o.data());
  ASSERT_TRUE((*code)->decode(survivors, inputs, missing, out_ptrs, block.len).ok());
  for (size_t m = 0; m < missing.size(); ++m) {
    ASSERT_EQ(out[m], block.symbols[missing[m]]) << "source " << int{missing[m]};
  }
}

// Every k-subset of k + r symbols (exhaustive).
void every_subset_rebuilds(size_t k, size_t r) {
  const Block block = make_block(k, r, 37, k * 100 + r);
  const size_t n = k + r;
  size_t subsets = 0;
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    if (static_cast<size_t>(std::popcount(mask)) != k) continue;
    std::vector<uint8_t> survivors;
    for (size_t i = 0; i < n; ++i) {
      if (mask & (uint64_t{1} << i)) survivors.push_back(static_cast<uint8_t>(i));
    }
    expect_rebuilds(block, survivors);
    ++subsets;
  }
  // C(n, k) subsets were tried.
  uint64_t expected = 1;
  for (size_t i = 1; i <= k; ++i) expected = expected * (n - k + i) / i;
  EXPECT_EQ(subsets, expected);
}

TEST(FecErasureCode, EverySubsetRebuildsGood) { every_subset_rebuilds(5, 1); }
TEST(FecErasureCode, EverySubsetRebuildsDegraded) { every_subset_rebuilds(10, 5); }
TEST(FecErasureCode, EverySubsetRebuildsCatastrophic) { every_subset_rebuilds(8, 8); }
TEST(FecErasureCode, EverySubsetRebuildsResilient) { every_subset_rebuilds(5, 5); }
TEST(FecErasureCode, EverySubsetRebuildsResilientDeep) { every_subset_rebuilds(8, 8); }
TEST(FecErasureCode, EverySubsetRebuildsSmall) {
  for (size_t k = 1; k <= 4; ++k) {
    for (size_t r = 1; r <= 4; ++r) every_subset_rebuilds(k, r);
  }
}

TEST(FecErasureCode, LargestCodeRandomSubsets) {
  const Block block = make_block(32, 32, 64, 7);
  std::mt19937_64 rng(11);
  std::vector<uint8_t> all(64);
  std::iota(all.begin(), all.end(), 0);
  for (int trial = 0; trial < 200; ++trial) {
    std::shuffle(all.begin(), all.end(), rng);
    std::vector<uint8_t> survivors(all.begin(), all.begin() + 32);
    expect_rebuilds(block, survivors);
  }
}

TEST(FecErasureCode, SourcesSurviveUntouched) {
  // Systematic: with all sources present nothing is to be rebuilt.
  const Block block = make_block(5, 2, 10, 3);
  expect_rebuilds(block, {0, 1, 2, 3, 4});
}

TEST(FecErasureCode, RefusesOutOfRangeParameters) {
  EXPECT_FALSE(ErasureCode::get(0, 1).ok());
  EXPECT_FALSE(ErasureCode::get(1, 0).ok());
  EXPECT_FALSE(ErasureCode::get(33, 1).ok());
  EXPECT_FALSE(ErasureCode::get(1, 33).ok());
  EXPECT_TRUE(ErasureCode::get(32, 32).ok());
  EXPECT_EQ(ErasureCode::get(5, 1)->get(), ErasureCode::get(5, 1)->get());  // cached
}

TEST(FecErasureCode, DecodeRefusesBadIndices) {
  const Block block = make_block(3, 2, 8, 5);
  auto code = ErasureCode::get(3, 2);
  ASSERT_TRUE(code.ok());
  std::vector<const uint8_t*> inputs{block.symbols[0].data(), block.symbols[0].data(),
                                     block.symbols[3].data()};
  Bytes out(8);
  std::vector<uint8_t*> out_ptrs{out.data()};
  const std::vector<uint8_t> duplicate{0, 0, 3};
  const std::vector<uint8_t> missing{1};
  EXPECT_FALSE((*code)->decode(duplicate, inputs, missing, out_ptrs, 8).ok());
  const std::vector<uint8_t> beyond{0, 3, 5};
  EXPECT_FALSE((*code)->decode(beyond, inputs, missing, out_ptrs, 8).ok());
  const std::vector<uint8_t> survivors{0, 2, 3};
  const std::vector<uint8_t> not_source{3};
  EXPECT_FALSE((*code)->decode(survivors, inputs, not_source, out_ptrs, 8).ok());
}

}  // namespace
}  // namespace wzp::media
