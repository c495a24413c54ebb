// SPDX-License-Identifier: MIT
#include "partition_args.hpp"

#include "cli_error.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace tern::smi {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// Decimal, or hex with 0x; false on anything else or on overflow.
bool parse_number(const std::string& s, uint64_t* out) {
    size_t i = 0;
    unsigned base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i >= s.size())
        return false;
    uint64_t v = 0;
    for (; i < s.size(); ++i) {
        const char c = char(std::tolower(static_cast<unsigned char>(s[i])));
        unsigned d;
        if (c >= '0' && c <= '9')
            d = unsigned(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = unsigned(c - 'a' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

uint32_t parse_u32(const std::string& text, const std::string& what) {
    uint64_t v = 0;
    if (!parse_number(text, &v) || v > UINT32_MAX)
        throw CliError(Exit::usage, what + " = \"" + text + "\" is not a number (e.g. 4 or 0x30)");
    return uint32_t(v);
}

}  // namespace

uint64_t parse_size_arg(const std::string& text, const std::string& what) {
    std::string s = lower(text);
    unsigned shift = 0;
    for (const char* suffix : {"ib", "b"}) {
        const std::string sf = suffix;
        if (s.size() > sf.size() && s.compare(s.size() - sf.size(), sf.size(), sf) == 0 &&
            std::isalpha(static_cast<unsigned char>(s[s.size() - sf.size() - 1])) != 0) {
            s.resize(s.size() - sf.size());
            break;
        }
    }
    if (!s.empty()) {
        switch (s.back()) {
            case 'k':
                shift = 10;
                break;
            case 'm':
                shift = 20;
                break;
            case 'g':
                shift = 30;
                break;
            case 't':
                shift = 40;
                break;
            default:
                break;
        }
        if (shift != 0)
            s.pop_back();
    }
    uint64_t v = 0;
    if (s.empty() ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        !parse_number(s, &v) || (shift != 0 && v > (UINT64_MAX >> shift)))
        throw CliError(Exit::usage, what + " = \"" + text +
                                        "\" is not a size: bytes, or with K, M, G or T "
                                        "(binary units), e.g. 64M");
    return v << shift;
}

uint32_t parse_profile(const std::string& text) {
    std::string s = lower(text);
    if (s.size() > 3 && s.compare(s.size() - 3, 3, "way") == 0)
        s.resize(s.size() - 3);
    if (s == "1" || s == "2" || s == "4" || s == "8")
        return uint32_t(s[0] - '0');
    throw CliError(Exit::usage,
                   "--profile \"" + text +
                       "\": the profiles are 1way, 2way, 4way and 8way (equal splits); other "
                       "layouts with --vf, once per partition",
                   {"`tern-smi partition list -d DEVICE` shows the profiles that fit"});
}

tern_partition_spec parse_vf_spec(const std::string& text) {
    tern_partition_spec s{};
    s.struct_size = sizeof(s);
    s.memory_base = TERN_PARTITION_BASE_AUTO;
    std::set<std::string> seen;
    size_t start = 0;
    const std::string where = "--vf \"" + text + "\"";
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? text.size() + 1 : comma + 1;
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw CliError(Exit::usage, where + ": \"" + item +
                                            "\" is not key=value; keys: cores, mask, mem, "
                                            "queues, asids, base");
        const std::string key = lower(item.substr(0, eq)), value = item.substr(eq + 1);
        if (!seen.insert(key).second)
            throw CliError(Exit::usage, where + ": " + key + " given twice");
        const std::string what = where + ": " + key;
        if (key == "cores")
            s.num_cores = parse_u32(value, what);
        else if (key == "mask")
            s.core_mask = parse_u32(value, what);
        else if (key == "mem")
            s.memory_bytes = parse_size_arg(value, what);
        else if (key == "queues")
            s.num_queues = parse_u32(value, what);
        else if (key == "asids")
            s.num_address_spaces = parse_u32(value, what);
        else if (key == "base")
            s.memory_base = parse_size_arg(value, what);
        else
            throw CliError(Exit::usage, where + ": unknown key \"" + key +
                                            "\"; keys: cores, mask, mem, queues, asids, base");
    }
    if (seen.count("cores") + seen.count("mask") != 1)
        throw CliError(Exit::usage, where +
                                        ": give the cores as cores=N or as mask=0xM (one of "
                                        "the two)");
    if (seen.count("mem") == 0)
        throw CliError(Exit::usage, where + ": mem=SIZE is required, e.g. mem=64M");
    return s;
}

}  // namespace tern::smi
