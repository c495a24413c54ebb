// SPDX-License-Identifier: MIT
// Helpers every Tern benchmark binary shares: failing fast on a runtime
// error, order statistics of samples, and the budget verdict.
#pragma once

#include <tern/tern.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace tern::bench {

// Set by main() so that errors name the binary.
inline const char* program = "tern-bench";

[[noreturn]] inline void die(const char* call, tern_status s) {
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    tern_last_error(&d);
    std::fprintf(stderr, "%s: %s: %s: %s\n", program, call, tern_status_str(s), d.message);
    std::exit(1);
}

// Nearest-rank percentile, p in [0, 1]; v must not be empty.
inline double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
    return v[i];
}

inline double median(std::vector<double> v) {
    return percentile(std::move(v), 0.5);
}

inline const char* verdict(bool ok) {
    return ok ? "PASS" : "MISS";
}

}  // namespace tern::bench

#define CHECK(call)                        \
    do {                                   \
        const tern_status s_ = (call);     \
        if (s_ != TERN_OK)                 \
            ::tern::bench::die(#call, s_); \
    } while (0)
