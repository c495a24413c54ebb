// SPDX-License-Identifier: MIT
// The command-line forms of `tern-smi partition create`: --profile Nway,
// --vf key=value,... and sizes such as 64M. Parsing is separate from the
// runtime, so a malformed value is a usage error (exit 2) before any device
// is touched, and the tests can feed it anything.
#pragma once

#include <tern/tern_partition.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tern::smi {

// "64M", "1G", "512K", "2MiB", "4096" (binary units, case-insensitive).
// Throws CliError(usage) naming `what` on anything else or on overflow.
uint64_t parse_size_arg(const std::string& text, const std::string& what);

// "2way" (or "2") -> 2; only 1, 2, 4 and 8. Throws CliError(usage).
uint32_t parse_profile(const std::string& text);

// One --vf value: "cores=2,mem=64M[,queues=4][,asids=8][,base=128M]" or
// "mask=0x30,mem=64M,...". Keys once each; cores or mask, and mem, are
// required. Throws CliError(usage) that names the bad key.
tern_partition_spec parse_vf_spec(const std::string& text);

}  // namespace tern::smi
