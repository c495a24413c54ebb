// SPDX-License-Identifier: MIT
#include "memory_plan.hpp"

#include <algorithm>
#include <numeric>

namespace tern::builder::detail {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

bool overlap_in_time(const Lifetime& a, const Lifetime& b) {
    return a.begin < b.end && b.begin < a.end;
}

}  // namespace

MemoryPlan plan_memory(std::span<const Lifetime> buffers, uint64_t alignment, bool reuse) {
    MemoryPlan plan;
    plan.offsets.assign(buffers.size(), 0);
    if (!reuse) {
        for (size_t i = 0; i < buffers.size(); ++i) {
            plan.offsets[i] = plan.total;
            plan.total += align_up(buffers[i].bytes, alignment);
        }
        return plan;
    }
    std::vector<size_t> order(buffers.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (buffers[a].bytes != buffers[b].bytes) {
            return buffers[a].bytes > buffers[b].bytes;
        }
        return buffers[a].begin < buffers[b].begin;
    });
    std::vector<size_t> placed;
    std::vector<size_t> conflicts;
    for (size_t i : order) {
        conflicts.clear();
        for (size_t j : placed) {
            if (overlap_in_time(buffers[i], buffers[j])) {
                conflicts.push_back(j);
            }
        }
        std::sort(conflicts.begin(), conflicts.end(),
                  [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
        uint64_t candidate = 0;
        for (size_t j : conflicts) {
            if (candidate + buffers[i].bytes <= plan.offsets[j]) {
                break;  // fits in the gap before j
            }
            candidate =
                std::max(candidate, align_up(plan.offsets[j] + buffers[j].bytes, alignment));
        }
        plan.offsets[i] = candidate;
        plan.total = std::max(plan.total, align_up(candidate + buffers[i].bytes, alignment));
        placed.push_back(i);
    }
    return plan;
}

}  // namespace tern::builder::detail
