// SPDX-License-Identifier: MIT
// Moving tensor views between device virtual memory and dense host buffers
// (docs/isa.md, "Memory access"). A dense buffer holds the view's elements
// packed in row-major order of its shape.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compute/compute.hpp"

namespace tern::sim::compute {

inline constexpr uint32_t kMaxRank = 6;

// A validated tensor descriptor: element [0,...,0] lives at va; shape is 1
// and stride 0 at and above rank.
struct TensorView {
    uint64_t va = 0;
    uint32_t dtype = 0;
    uint32_t rank = 0;
    std::array<uint32_t, kMaxRank> shape{1, 1, 1, 1, 1, 1};
    std::array<uint64_t, kMaxRank> stride{};

    size_t esize() const;
    uint64_t count() const;  // number of elements
};

// Reads the view's elements, packed in its own dtype, into out (count() *
// esize() bytes). Touches only 4 KiB pages that hold element bytes.
bool read_elements(VaSpace& mem, const TensorView& v, uint8_t* out, Fault* fault);
// Writes packed elements (view's dtype) to the view. Touches only element
// bytes, in ascending address order; where the view maps several elements to
// one address, the last in row-major order is stored.
bool write_elements(VaSpace& mem, const TensorView& v, const uint8_t* in, Fault* fault);

// The same through fp32: decode after reading, encode (round) before writing.
bool read_floats(VaSpace& mem, const TensorView& v, std::vector<float>* out, Fault* fault);
bool write_floats(VaSpace& mem, const TensorView& v, const float* in, Fault* fault);

}  // namespace tern::sim::compute
