// SPDX-License-Identifier: MIT
#include "text_format.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tern::smi {

std::string format_bytes(uint64_t bytes) {
    static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024)
        return fmt::format("{} B", bytes);
    double v = double(bytes);
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < std::size(kUnits)) {
        v /= 1024.0;
        ++u;
    }
    std::string s = fmt::format("{:.1f}", v);
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0)
        s.resize(s.size() - 2);
    return s + " " + kUnits[u];
}

std::string format_celsius(const std::optional<double>& c) {
    return c ? fmt::format("{:.1f} C", *c) : kNotAvailable;
}

std::string format_watts(const std::optional<double>& w) {
    return w ? fmt::format("{:.1f} W", *w) : kNotAvailable;
}

std::string format_percent(const std::optional<double>& p) {
    return p ? fmt::format("{:.1f} %", *p) : kNotAvailable;
}

std::string format_duration_ns(uint64_t ns) {
    if (ns >= 1000000000ull)
        return fmt::format("{:.3f} s", double(ns) / 1e9);
    if (ns >= 1000000ull)
        return fmt::format("{:.1f} ms", double(ns) / 1e6);
    if (ns >= 1000ull)
        return fmt::format("{:.1f} us", double(ns) / 1e3);
    return fmt::format("{} ns", ns);
}

template <class T>
std::string format_or_na(const std::optional<T>& v) {
    return v ? fmt::format("{}", *v) : kNotAvailable;
}
template std::string format_or_na(const std::optional<uint32_t>&);
template std::string format_or_na(const std::optional<uint64_t>&);
template std::string format_or_na(const std::optional<int64_t>&);

std::string TextTable::render() const {
    std::vector<size_t> width(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c)
        width[c] = columns_[c].title.size();
    for (const auto& row : rows_)
        for (size_t c = 0; c < row.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], row[c].size());
    std::string rule = "+";
    for (size_t w : width)
        rule += std::string(w + 2, '-') + "+";
    rule += "\n";
    auto line = [&](const std::vector<std::string>& cells, bool header) {
        std::string s = "|";
        for (size_t c = 0; c < width.size(); ++c) {
            const std::string cell = c < cells.size() ? cells[c] : "";
            const std::string pad(width[c] - cell.size(), ' ');
            s += " " + (columns_[c].right && !header ? pad + cell : cell + pad) + " |";
        }
        return s + "\n";
    };
    std::vector<std::string> titles;
    for (const auto& col : columns_)
        titles.push_back(col.title);
    std::string out = rule + line(titles, true) + rule;
    for (const auto& row : rows_)
        out += line(row, false);
    return out + rule;
}

}  // namespace tern::smi
