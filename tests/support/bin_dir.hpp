// Where the build put the programs the integration tests run (build/bin).
#pragma once

#include <string>

namespace clab::testing {

inline const std::string kBin = CLUSTERLAB_BIN_DIR;

}  // namespace clab::testing
