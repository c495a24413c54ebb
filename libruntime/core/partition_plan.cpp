// SPDX-License-Identifier: MIT
#include "partition_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace tern::rt::partition {

namespace {

uint64_t align_up(uint64_t v) {
    return v > UINT64_MAX - (kAlign - 1) ? UINT64_MAX : (v + kAlign - 1) / kAlign * kAlign;
}

uint64_t align_down(uint64_t v) {
    return v / kAlign * kAlign;
}

bool fail(std::string* error, std::string msg) {
    *error = std::move(msg);
    return false;
}

// The aligned PF reserve, or false if it leaves no room for any window.
bool reserve_of(const PfResources& pf, uint64_t pf_reserve, uint64_t* out, std::string* error) {
    const uint64_t top = align_down(pf.card_mem_size);
    const uint64_t r = align_up(pf_reserve);
    if (r >= top)
        return fail(error, fmt::format("the PF reserve of {} leaves no device memory for "
                                       "partitions: the card has {}",
                                       format_bytes(pf_reserve), format_bytes(pf.card_mem_size)));
    *out = r;
    return true;
}

// Set bits of `mask`, lowest first.
std::vector<uint32_t> bits_of(uint32_t mask) {
    std::vector<uint32_t> out;
    for (uint32_t b = 0; b < 32; ++b)
        if ((mask >> b) & 1)
            out.push_back(b);
    return out;
}

bool check_count(const PfResources& pf, uint32_t n, std::string* error) {
    if (pf.max_partitions == 0)
        return fail(error, "this PF cannot be partitioned (max_partitions is 0)");
    if (n == 0 || n > pf.max_partitions)
        return fail(error,
                    fmt::format("num_partitions is {}: this PF takes 1..{}", n, pf.max_partitions));
    const uint32_t cores = uint32_t(std::popcount(pf.card_core_mask));
    if (n > cores)
        return fail(error, fmt::format("{} partitions need at least {} cores; the card has {}", n,
                                       n, cores));
    return true;
}

bool plan_equal(const PfResources& pf, const Request& req, std::vector<drm_tern_partition>* out,
                std::string* error) {
    const uint32_t n = req.num_partitions;
    if (n != 1 && n != 2 && n != 4 && n != 8)
        return fail(error, fmt::format("an equal split is 1, 2, 4 or 8 ways, not {}; describe "
                                       "other layouts partition by partition (explicit specs)",
                                       n));
    if (!check_count(pf, n, error))
        return false;
    uint64_t reserve = 0;
    if (!reserve_of(pf, req.pf_reserve, &reserve, error))
        return false;
    const uint64_t top = align_down(pf.card_mem_size);
    const uint64_t each = align_down((top - reserve) / n);
    if (each < kAlign)
        return fail(error, fmt::format("{} partitions of the {} above the PF reserve would be "
                                       "smaller than 2 MiB each",
                                       n, format_bytes(top - reserve)));
    const std::vector<uint32_t> cores = bits_of(pf.card_core_mask);
    const size_t per = cores.size() / n;
    out->clear();
    for (uint32_t i = 0; i < n; ++i) {
        drm_tern_partition e{};
        e.mem_size = each;
        e.mem_base = top - uint64_t(n - i) * each;
        for (size_t c = i * per; c < (i + 1) * per; ++c)
            e.core_mask |= 1u << cores[c];
        e.num_queues = default_queues(pf, n);
        e.num_asids = default_asids(pf, n);
        out->push_back(e);
    }
    return true;
}

struct Range {
    uint64_t base, size;
};

bool overlaps(const Range& a, const Range& b) {
    return a.base < b.base + b.size && b.base < a.base + a.size;
}

// The highest aligned range of `size` in [lo, hi) clear of `taken`.
bool place_top_down(uint64_t lo, uint64_t hi, uint64_t size, const std::vector<Range>& taken,
                    uint64_t* base) {
    if (size > hi - lo)
        return false;
    uint64_t candidate = hi - size;
    for (;;) {
        const Range r{candidate, size};
        // The taken range that blocks this candidate with the lowest base:
        // the next candidate must end at or below it.
        const Range* block = nullptr;
        for (const Range& t : taken)
            if (overlaps(r, t) && (block == nullptr || t.base < block->base))
                block = &t;
        if (block == nullptr) {
            *base = candidate;
            return true;
        }
        if (block->base < lo + size)
            return false;
        candidate = block->base - size;
    }
}

bool plan_explicit(const PfResources& pf, const Request& req, std::vector<drm_tern_partition>* out,
                   std::string* error) {
    const uint32_t n = req.num_partitions;
    if (req.specs.size() != n)
        return fail(error, fmt::format("{} specs for {} partitions", req.specs.size(), n));
    if (!check_count(pf, n, error))
        return false;
    uint64_t reserve = 0;
    if (!reserve_of(pf, req.pf_reserve, &reserve, error))
        return false;
    const uint64_t top = align_down(pf.card_mem_size);
    std::vector<drm_tern_partition> e(n);
    std::vector<Range> windows;
    uint32_t used_cores = 0;

    // Fields, explicit core masks and explicit windows first, in VF order.
    for (uint32_t i = 0; i < n; ++i) {
        const Spec& s = req.specs[i];
        const std::string at = fmt::format("specs[{}]", i);
        if ((s.num_cores == 0) == (s.core_mask == 0))
            return fail(error, at + ": set exactly one of num_cores and core_mask");
        if (s.core_mask != 0) {
            if ((s.core_mask & ~pf.card_core_mask) != 0)
                return fail(error, fmt::format("{}: core_mask {:#x} names cores the card does not "
                                               "have (its cores: {:#x})",
                                               at, s.core_mask, pf.card_core_mask));
            if ((s.core_mask & used_cores) != 0)
                return fail(error, fmt::format("{}: core_mask {:#x} overlaps the cores of an "
                                               "earlier partition ({:#x})",
                                               at, s.core_mask, s.core_mask & used_cores));
            used_cores |= s.core_mask;
            e[i].core_mask = s.core_mask;
        }
        if (s.num_queues > kMaxQueues)
            return fail(error, fmt::format("{}: num_queues is {}, at most {}", at, s.num_queues,
                                           kMaxQueues));
        if (s.num_asids > kMaxAsids)
            return fail(error, fmt::format("{}: num_address_spaces is {}, at most {}", at,
                                           s.num_asids, kMaxAsids));
        e[i].num_queues = s.num_queues != 0 ? s.num_queues : default_queues(pf, n);
        e[i].num_asids = s.num_asids != 0 ? s.num_asids : default_asids(pf, n);
        if (s.mem_size == 0 || s.mem_size % kAlign != 0)
            return fail(error, fmt::format("{}: memory_bytes {} is not a non-zero multiple of "
                                           "2 MiB",
                                           at, s.mem_size));
        if (s.mem_size > top)
            return fail(error, fmt::format("{}: memory_bytes {} is more than the card's {}", at,
                                           format_bytes(s.mem_size), format_bytes(top)));
        e[i].mem_size = s.mem_size;
        if (s.mem_base == kBaseAuto)
            continue;
        if (s.mem_base % kAlign != 0)
            return fail(error,
                        fmt::format("{}: memory_base {:#x} is not 2 MiB aligned", at, s.mem_base));
        if (s.mem_base > top - s.mem_size)
            return fail(error, fmt::format("{}: window [{:#x}, {:#x}) ends beyond the card's "
                                           "{:#x} bytes",
                                           at, s.mem_base, s.mem_base + s.mem_size, top));
        if (s.mem_base < reserve)
            return fail(error, fmt::format("{}: memory_base {:#x} is inside the PF reserve "
                                           "(the lowest {})",
                                           at, s.mem_base, format_bytes(reserve)));
        const Range w{s.mem_base, s.mem_size};
        for (uint32_t j = 0; j < i; ++j) {
            const Spec& o = req.specs[j];
            if (o.mem_base != kBaseAuto && overlaps(w, Range{o.mem_base, o.mem_size}))
                return fail(error, fmt::format("{}: window [{:#x}, {:#x}) overlaps specs[{}]'s", at,
                                               w.base, w.base + w.size, j));
        }
        windows.push_back(w);
        e[i].mem_base = s.mem_base;
    }

    // Core counts from the lowest free cores.
    for (uint32_t i = 0; i < n; ++i) {
        const Spec& s = req.specs[i];
        if (s.num_cores == 0)
            continue;
        const std::vector<uint32_t> free_cores = bits_of(pf.card_core_mask & ~used_cores);
        if (s.num_cores > free_cores.size())
            return fail(error, fmt::format("specs[{}]: {} cores asked, {} left of the card's {} "
                                           "(free mask {:#x})",
                                           i, s.num_cores, free_cores.size(),
                                           std::popcount(pf.card_core_mask),
                                           pf.card_core_mask & ~used_cores));
        for (uint32_t c = 0; c < s.num_cores; ++c)
            e[i].core_mask |= 1u << free_cores[c];
        used_cores |= e[i].core_mask;
    }

    // Automatic windows from the top down, the last VF highest.
    for (uint32_t k = n; k-- > 0;) {
        const Spec& s = req.specs[k];
        if (s.mem_base != kBaseAuto)
            continue;
        uint64_t base = 0;
        if (!place_top_down(reserve, top, s.mem_size, windows, &base)) {
            uint64_t taken = 0;
            for (const Range& w : windows)
                taken += w.size;
            return fail(error, fmt::format("specs[{}]: no free {} window left above the PF "
                                           "reserve ({} of the card's {} above it are taken)",
                                           k, format_bytes(s.mem_size), format_bytes(taken),
                                           format_bytes(top - reserve)));
        }
        windows.push_back(Range{base, s.mem_size});
        e[k].mem_base = base;
    }
    *out = std::move(e);
    return true;
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (u + 1 < std::size(kUnits) && bytes >= (1ull << (10 * (u + 1))))
        ++u;
    if (u == 0)
        return fmt::format("{} B", bytes);
    const uint64_t unit = 1ull << (10 * u);
    if (bytes % unit == 0)
        return fmt::format("{} {}", bytes / unit, kUnits[u]);
    return fmt::format("{:.1f} {}", double(bytes) / double(unit), kUnits[u]);
}

uint32_t default_queues(const PfResources& pf, uint32_t n) {
    return std::clamp<uint32_t>(n != 0 ? pf.pf_queues / n : 1, 1, kMaxQueues);
}

uint32_t default_asids(const PfResources& pf, uint32_t n) {
    return std::clamp<uint32_t>(n != 0 ? pf.pf_asids / n : 1, 1, kMaxAsids);
}

bool profiles(const PfResources& pf, uint64_t pf_reserve, std::vector<Profile>* out,
              std::string* error) {
    out->clear();
    uint64_t reserve = 0;
    if (!reserve_of(pf, pf_reserve, &reserve, error))
        return false;
    const uint32_t cores = uint32_t(std::popcount(pf.card_core_mask));
    const uint64_t room = align_down(pf.card_mem_size) - reserve;
    for (uint32_t n : {1u, 2u, 4u, 8u}) {
        if (n > pf.max_partitions || n > cores || room / n < kAlign)
            continue;
        Profile p;
        p.num_partitions = n;
        p.cores_each = cores / n;
        p.queues_each = default_queues(pf, n);
        p.asids_each = default_asids(pf, n);
        p.mem_each = align_down(room / n);
        p.pf_reserve = reserve;
        out->push_back(p);
    }
    return true;
}

bool plan(const PfResources& pf, const Request& req, std::vector<drm_tern_partition>* out,
          std::string* error) {
    return req.equal ? plan_equal(pf, req, out, error) : plan_explicit(pf, req, out, error);
}

}  // namespace tern::rt::partition
