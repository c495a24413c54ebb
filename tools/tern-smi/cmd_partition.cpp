// SPDX-License-Identifier: MIT
// tern-smi partition list|create|destroy. Partitioning (SR-IOV VFs) has no
// runtime API yet (issue #9), so every action fails with exit code 5 and
// says so, rather than pretending.
#include "cli_error.hpp"
#include "commands.hpp"

namespace tern::smi {

Exit cmd_partition(const GlobalOptions&, const std::string& action) {
    throw CliError(Exit::not_supported,
                   "partition " + action +
                       ": partitioning is not supported yet: the Tern runtime has no partition "
                       "API (issue #9, SR-IOV partitions)",
                   {"partitions will appear as ordinary devices in `tern-smi list` once "
                    "supported"});
}

}  // namespace tern::smi
