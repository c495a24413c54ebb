// SPDX-License-Identifier: MIT
#include "compute/tensor_io.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include "compute/dtype.hpp"
#include "tern/hw/tern_isa.h"

namespace tern::sim::compute {

size_t TensorView::esize() const {
    return dtype_size(dtype);
}

uint64_t TensorView::count() const {
    uint64_t n = 1;
    for (uint32_t d = 0; d < rank; ++d) {
        n *= shape[d];
    }
    return n;
}

namespace {

// Reads may cover a gap of at most this many bytes between two element
// ranges; as it is below the page size the gap never reaches a page that
// holds no element byte.
constexpr uint64_t kReadGap = 512;

struct Dim {
    uint64_t n;
    uint64_t stride;  // elements
};

// Drops size-1 dimensions and merges dimensions that are contiguous with
// their inner neighbour. An empty result is a single element.
size_t simplify(const TensorView& v, Dim* dims) {
    size_t nd = 0;
    for (uint32_t d = 0; d < v.rank; ++d) {
        if (v.shape[d] == 1) {
            continue;
        }
        dims[nd++] = Dim{v.shape[d], v.stride[d]};
    }
    size_t out = 0;
    for (size_t i = 0; i < nd; ++i) {
        if (out > 0 && dims[out - 1].stride == dims[i].stride * dims[i].n) {
            dims[out - 1].n *= dims[i].n;
            dims[out - 1].stride = dims[i].stride;
        } else {
            dims[out++] = dims[i];
        }
    }
    return out;
}

// Element offsets of every index of dims[0..nd), in row-major order.
std::vector<uint64_t> offsets(const Dim* dims, size_t nd) {
    uint64_t total = 1;
    for (size_t i = 0; i < nd; ++i) {
        total *= dims[i].n;
    }
    std::vector<uint64_t> out(total);
    if (nd == 0) {
        out[0] = 0;
        return out;
    }
    const Dim inner = dims[nd - 1];
    uint64_t idx[kMaxRank] = {};
    uint64_t base = 0;
    size_t pos = 0;
    for (;;) {
        for (uint64_t j = 0; j < inner.n; ++j) {
            out[pos++] = base + j * inner.stride;
        }
        size_t d = nd - 1;
        for (;;) {
            if (d == 0) {
                return out;
            }
            --d;
            ++idx[d];
            base += dims[d].stride;
            if (idx[d] < dims[d].n) {
                break;
            }
            base -= dims[d].stride * idx[d];
            idx[d] = 0;
        }
    }
}

bool is_contiguous(const Dim* dims, size_t nd) {
    return nd == 0 || (nd == 1 && dims[0].stride == 1);
}

// Splits the view into rows: runs of row_len elements that are contiguous in
// memory. Returns the rows' start offsets (elements) in row-major order.
std::vector<uint64_t> rows(const Dim* dims, size_t nd, uint64_t* row_len) {
    if (nd > 0 && dims[nd - 1].stride == 1) {
        *row_len = dims[nd - 1].n;
        return offsets(dims, nd - 1);
    }
    *row_len = 1;
    return offsets(dims, nd);
}

}  // namespace

bool read_elements(VaSpace& mem, const TensorView& v, uint8_t* out, Fault* fault) {
    const uint64_t es = v.esize();
    Dim dims[kMaxRank];
    const size_t nd = simplify(v, dims);
    if (is_contiguous(dims, nd)) {
        return mem.read(v.va, out, v.count() * es, fault);
    }
    uint64_t row_len = 0;
    std::vector<uint64_t> start = rows(dims, nd, &row_len);
    const uint64_t row_bytes = row_len * es;
    const size_t nrows = start.size();

    // Visit rows in address order; merge rows into ranges read in one access.
    std::vector<uint32_t> order;
    bool sorted = true;
    for (size_t k = 1; k < nrows && sorted; ++k) {
        sorted = start[k] >= start[k - 1];
    }
    if (!sorted) {
        order.resize(nrows);
        std::iota(order.begin(), order.end(), 0u);
        std::sort(order.begin(), order.end(),
                  [&](uint32_t a, uint32_t b) { return start[a] < start[b]; });
    }
    struct Range {
        uint64_t lo, hi, stage;
    };
    std::vector<Range> ranges;
    std::vector<uint64_t> pos(nrows);  // staging offset of each row
    for (size_t i = 0; i < nrows; ++i) {
        const size_t k = sorted ? i : order[i];
        const uint64_t s = start[k] * es;
        if (ranges.empty() || s > ranges.back().hi + kReadGap) {
            const uint64_t stage =
                ranges.empty() ? 0 : ranges.back().stage + ranges.back().hi - ranges.back().lo;
            ranges.push_back(Range{s, s + row_bytes, stage});
        } else {
            ranges.back().hi = std::max(ranges.back().hi, s + row_bytes);
        }
        pos[k] = ranges.back().stage + (s - ranges.back().lo);
    }
    std::vector<uint8_t> staging(ranges.back().stage + ranges.back().hi - ranges.back().lo);
    for (const Range& r : ranges) {
        if (!mem.read(v.va + r.lo, staging.data() + r.stage, r.hi - r.lo, fault)) {
            return false;
        }
    }
    for (size_t k = 0; k < nrows; ++k) {
        std::memcpy(out + k * row_bytes, staging.data() + pos[k], row_bytes);
    }
    return true;
}

bool write_elements(VaSpace& mem, const TensorView& v, const uint8_t* in, Fault* fault) {
    const uint64_t es = v.esize();
    Dim dims[kMaxRank];
    const size_t nd = simplify(v, dims);
    if (is_contiguous(dims, nd)) {
        return mem.write(v.va, in, v.count() * es, fault);
    }
    uint64_t row_len = 0;
    const std::vector<uint64_t> start = rows(dims, nd, &row_len);
    const size_t nrows = start.size();
    bool disjoint = true;
    for (size_t k = 1; k < nrows && disjoint; ++k) {
        disjoint = start[k] >= start[k - 1] + row_len;
    }
    if (disjoint) {
        // Rows ascend without overlap: the packed data is in address order;
        // write maximal runs of adjacent rows.
        size_t first = 0;
        for (size_t k = 1; k <= nrows; ++k) {
            if (k < nrows && start[k] == start[k - 1] + row_len) {
                continue;
            }
            if (!mem.write(v.va + start[first] * es, in + first * row_len * es,
                           (k - first) * row_len * es, fault)) {
                return false;
            }
            first = k;
        }
        return true;
    }
    // General case: order elements by address (ties keep row-major order so
    // the last one wins), then write runs of adjacent distinct elements.
    const std::vector<uint64_t> off = offsets(dims, nd);
    std::vector<std::pair<uint64_t, uint64_t>> idx(off.size());
    for (size_t i = 0; i < off.size(); ++i) {
        idx[i] = {off[i], i};
    }
    std::sort(idx.begin(), idx.end());
    std::vector<uint8_t> staging;
    staging.reserve(off.size() * es);
    uint64_t run_lo = 0;
    uint64_t run_end = 0;  // element offset one past the run
    for (size_t i = 0; i < idx.size(); ++i) {
        if (i + 1 < idx.size() && idx[i + 1].first == idx[i].first) {
            continue;  // a later element stores to the same address
        }
        const uint64_t o = idx[i].first;
        if (!staging.empty() && o != run_end) {
            if (!mem.write(v.va + run_lo * es, staging.data(), staging.size(), fault)) {
                return false;
            }
            staging.clear();
        }
        if (staging.empty()) {
            run_lo = o;
        }
        const uint8_t* src = in + idx[i].second * es;
        staging.insert(staging.end(), src, src + es);
        run_end = o + 1;
    }
    return mem.write(v.va + run_lo * es, staging.data(), staging.size(), fault);
}

bool read_floats(VaSpace& mem, const TensorView& v, std::vector<float>* out, Fault* fault) {
    const uint64_t n = v.count();
    out->resize(n);
    if (v.dtype == TERN_ISA_DTYPE_FP32) {
        return read_elements(mem, v, reinterpret_cast<uint8_t*>(out->data()), fault);
    }
    std::vector<uint8_t> raw(n * v.esize());
    if (!read_elements(mem, v, raw.data(), fault)) {
        return false;
    }
    decode_floats(v.dtype, raw.data(), out->data(), n);
    return true;
}

bool write_floats(VaSpace& mem, const TensorView& v, const float* in, Fault* fault) {
    const uint64_t n = v.count();
    if (v.dtype == TERN_ISA_DTYPE_FP32) {
        return write_elements(mem, v, reinterpret_cast<const uint8_t*>(in), fault);
    }
    std::vector<uint8_t> raw(n * v.esize());
    encode_floats(v.dtype, in, raw.data(), n);
    return write_elements(mem, v, raw.data(), fault);
}

}  // namespace tern::sim::compute
