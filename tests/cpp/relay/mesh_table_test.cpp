// The reference's /mesh table (relay spec §12.5; U-PROBE-8 and U-PROBE-9).
#include "relay/mesh_table.hpp"

#include <gtest/gtest.h>

namespace wzp::relay {
namespace {

std::string rule() {
  std::string r;
  for (int i = 0; i < 41; ++i) r += "\u2500";
  return r;
}

TEST(MeshTable, EmptyTableAsTheReferencePrintsIt) {
  EXPECT_EQ(mesh_table({}), "Relay Mesh Health\n" + rule() +
                                "\n"
                                "Target                  RTT   Loss  Jitter  Status\n"
                                "  (no probe targets configured)\n");
}

TEST(MeshTable, RowsSortedUpAndDown) {
  std::vector<ProbeStatus> rows{
      {"127.0.0.1:4435", "wzp", false, 0, 100, 0, 5, 0},
      {"127.0.0.1:4434", "reference", true, 12.4, 0, 2.2, 60, 60},
  };
  EXPECT_EQ(mesh_table(rows), "Relay Mesh Health\n" + rule() +
                                  "\n"
                                  "Target                  RTT   Loss  Jitter  Status\n"
                                  "127.0.0.1:4434          12ms   0.0%     2ms  UP\n"
                                  "127.0.0.1:4435           0ms 100.0%     0ms  DOWN\n");
}

}  // namespace
}  // namespace wzp::relay
