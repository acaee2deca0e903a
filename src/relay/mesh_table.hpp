// The reference's plain-text mesh health table (GET /mesh, --mesh-status).
#pragma once

#include <string>
#include <vector>

#include "relay/probe_status.hpp"

namespace wzp::relay {

/// The table, byte for byte as the reference prints it; rows sorted by target.
std::string mesh_table(std::vector<ProbeStatus> rows);

}  // namespace wzp::relay
