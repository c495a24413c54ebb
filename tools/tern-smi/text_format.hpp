// SPDX-License-Identifier: MIT
// Human-readable values and tables. Unavailable values print as "n/a".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::smi {

inline constexpr const char* kNotAvailable = "n/a";

// 0 B, 512 B, 4 KiB, 256 MiB, 1.5 GiB (binary units, at most one decimal).
std::string format_bytes(uint64_t bytes);
std::string format_celsius(const std::optional<double>& c);  // "35.4 C"
std::string format_watts(const std::optional<double>& w);    // "45.0 W"
std::string format_percent(const std::optional<double>& p);  // "12.5 %"
std::string format_duration_ns(uint64_t ns);                 // "1.234 s", "12 ms"

template <class T>
std::string format_or_na(const std::optional<T>& v);

// A plain table with a header, like nvidia-smi's: columns are padded to
// their widest cell; `right` aligns a column to the right.
class TextTable {
public:
    struct Column {
        std::string title;
        bool right = false;
    };
    explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}
    void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    std::string render() const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace tern::smi
