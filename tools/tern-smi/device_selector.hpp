// SPDX-License-Identifier: MIT
// -d/--device values: an index ("0"), a PCI address ("0000:03:00.0" or
// "03:00.0"), or a device node ("/dev/accel/accel0", "mock:0"). Parsing is
// separate from matching, so a malformed value is a usage error before any
// device is opened.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::smi {

struct DeviceSelector {
    enum class Kind { index, pci_address, node } kind = Kind::index;
    uint32_t index = 0;
    std::string text;  // normalised PCI address ("0000:03:00.0") or node path
    std::string original;
};

// Throws CliError(Exit::usage) for a value that is none of the three.
DeviceSelector parse_selector(const std::string& value);

// All values of repeated and comma-separated -d options, in order.
std::vector<DeviceSelector> parse_selectors(const std::vector<std::string>& values);

}  // namespace tern::smi
