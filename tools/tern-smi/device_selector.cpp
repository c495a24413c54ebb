// SPDX-License-Identifier: MIT
#include "device_selector.hpp"

#include "cli_error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace tern::smi {

namespace {

bool all_hex(const std::string& s) {
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return false;
    return !s.empty();
}

// "[dddd:]bb:dd.f" with hex fields, device < 32, function < 8.
bool parse_pci(const std::string& s, std::string* normalised) {
    std::string domain = "0000", rest = s;
    if (std::count(s.begin(), s.end(), ':') == 2) {
        domain = s.substr(0, s.find(':'));
        rest = s.substr(s.find(':') + 1);
    }
    if (domain.size() != 4 || !all_hex(domain) || rest.size() != 7 || rest[2] != ':' ||
        rest[5] != '.')
        return false;
    const std::string bus = rest.substr(0, 2), dev = rest.substr(3, 2), fn = rest.substr(6, 1);
    if (!all_hex(bus) || !all_hex(dev) || !all_hex(fn))
        return false;
    const unsigned long d = std::stoul(dev, nullptr, 16), f = std::stoul(fn, nullptr, 16);
    if (d > 31 || f > 7)
        return false;
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%04lx:%02lx:%02lx.%lx", std::stoul(domain, nullptr, 16),
                  std::stoul(bus, nullptr, 16), d, f);
    *normalised = buf;
    return true;
}

}  // namespace

DeviceSelector parse_selector(const std::string& value) {
    DeviceSelector sel;
    sel.original = value;
    if (!value.empty() && value.size() <= 5 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        sel.kind = DeviceSelector::Kind::index;
        sel.index = uint32_t(std::stoul(value));
        return sel;
    }
    if (!value.empty() && value[0] == '/') {
        sel.kind = DeviceSelector::Kind::node;
        sel.text = value;
        return sel;
    }
    if (value.rfind("mock:", 0) == 0 && value.size() > 5) {
        sel.kind = DeviceSelector::Kind::node;
        sel.text = value;
        return sel;
    }
    if (value.find(':') != std::string::npos) {
        if (!parse_pci(value, &sel.text))
            throw CliError(Exit::usage, "malformed PCI address \"" + value +
                                            "\": expected domain:bus:device.function in hex, "
                                            "e.g. 0000:03:00.0 (device 00..1f, function 0..7)");
        sel.kind = DeviceSelector::Kind::pci_address;
        return sel;
    }
    throw CliError(Exit::usage, "bad device \"" + value +
                                    "\": use an index (0), a PCI address (0000:03:00.0) or a "
                                    "device node (/dev/accel/accel0, mock:0)");
}

std::vector<DeviceSelector> parse_selectors(const std::vector<std::string>& values) {
    std::vector<DeviceSelector> out;
    for (const std::string& v : values) {
        size_t start = 0;
        for (;;) {
            size_t comma = v.find(',', start);
            std::string part = v.substr(start, comma == std::string::npos ? comma : comma - start);
            out.push_back(parse_selector(part));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    return out;
}

}  // namespace tern::smi
