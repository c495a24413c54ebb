// SPDX-License-Identifier: MIT
// libFuzzer target: the model file parser and validator
// (libruntime/model), which see every byte of an untrusted file before the
// loader allocates anything. Each input is parsed twice: as it is (the
// header and checksum paths) and resealed, i.e. with every checksum
// recomputed, so that mutations reach the semantic checks behind them. A
// file that parses must serialize and parse back to the same model.
// Anything but tern::model::FormatError escaping is a bug (libFuzzer
// reports an uncaught exception as a crash).
#include "model/model_file.hpp"

#include <cstring>
#include <vector>

namespace {

using tern::model::FormatError;

template <class T>
T get(const std::vector<uint8_t>& f, size_t off) {
    T v;
    std::memcpy(&v, f.data() + off, sizeof(T));
    return v;
}

// Recomputes section checksums and the header checksum where the fields
// that locate them are in bounds (mirrors docs/model-format.md).
void reseal(std::vector<uint8_t>& f) {
    if (f.size() < 128)
        return;
    const uint32_t count = get<uint32_t>(f, 48);
    if (count > 32 || 128 + size_t(count) * 64 > f.size())
        return;
    for (uint32_t i = 0; i < count; ++i) {
        const size_t e = 128 + size_t(i) * 64;
        const uint64_t off = get<uint64_t>(f, e + 8), size = get<uint64_t>(f, e + 16);
        if (off <= f.size() && size <= f.size() - off) {
            const uint64_t sum =
                tern::model::checksum(std::span<const uint8_t>(f.data() + off, size));
            std::memcpy(f.data() + e + 24, &sum, 8);
        }
    }
    std::vector<uint8_t> h(f.begin(), f.begin() + 128 + long(count) * 64);
    std::memset(h.data() + 120, 0, 8);
    const uint64_t sum = tern::model::checksum(h);
    std::memcpy(f.data() + 120, &sum, 8);
}

void check(std::span<const uint8_t> file) {
    tern::model::ModelImage m;
    try {
        m = tern::model::parse(file);
    } catch (const FormatError&) {
        return;
    }
    // Accepted: the writer must accept it too and round-trip it.
    const std::vector<uint8_t> again = tern::model::serialize(m);
    const tern::model::ModelImage back = tern::model::parse(again);
    if (back.programs != m.programs || back.weights != m.weights ||
        back.bindings.size() != m.bindings.size() || back.name != m.name)
        __builtin_trap();
}

// The loader's step-wise path (header first, then sections).
void check_stepwise(std::span<const uint8_t> file) {
    try {
        const uint64_t head = tern::model::header_area_size(file);
        if (head > file.size())
            return;
        auto L = tern::model::parse_layout(
            file.first(head), file.size(), [&](uint64_t off, uint64_t size) {
                return std::vector<uint8_t>(file.begin() + long(off),
                                            file.begin() + long(off + size));
            });
        tern::model::ModelImage m;
        auto refs =
            tern::model::parse_metadata(file.subspan(L.metadata.offset, L.metadata.size), L, &m);
        tern::model::parse_programs(file.subspan(L.programs.offset, L.programs.size), L, refs, &m);
        (void)tern::model::validate(m, L.weights.size);
    } catch (const FormatError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> raw(data, size);
    check(raw);
    std::vector<uint8_t> sealed(data, data + size);
    reseal(sealed);
    check(sealed);
    check_stepwise(sealed);
    return 0;
}
