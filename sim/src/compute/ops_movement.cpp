// SPDX-License-Identifier: MIT
// COPY, FILL, PERMUTE, GATHER: element moves with dtype conversion.
#include <algorithm>
#include <cstring>

#include "compute/dtype.hpp"
#include "compute/ops.hpp"

namespace tern::sim::compute {

namespace {

// Converts packed elements of src_dtype and writes them to dst.
OpStatus convert_and_write(const OpEnv& env, const TensorView& dst, uint32_t src_dtype,
                           const std::vector<uint8_t>& packed) {
    if (src_dtype == dst.dtype) {
        return write_elements(env.mem, dst, packed.data(), env.fault) ? OpStatus::kOk
                                                                      : OpStatus::kFault;
    }
    std::vector<uint8_t> out(dst.count() * dst.esize());
    convert_elements(src_dtype, packed.data(), dst.dtype, out.data(), dst.count());
    return write_elements(env.mem, dst, out.data(), env.fault) ? OpStatus::kOk : OpStatus::kFault;
}

OpStatus copy_view(const OpEnv& env, const TensorView& src, const TensorView& dst) {
    std::vector<uint8_t> packed(src.count() * src.esize());
    if (!read_elements(env.mem, src, packed.data(), env.fault)) {
        return OpStatus::kFault;
    }
    return convert_and_write(env, dst, src.dtype, packed);
}

OpStatus fill(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& dst = env.dst(op);
    const size_t es = dst.esize();
    uint8_t value[4];
    float f;
    std::memcpy(&f, &op.param[0], 4);
    store_float(dst.dtype, value, f);
    std::vector<uint8_t> packed(dst.count() * es);
    for (size_t i = 0; i < packed.size(); i += es) {
        std::memcpy(&packed[i], value, es);
    }
    return write_elements(env.mem, dst, packed.data(), env.fault) ? OpStatus::kOk
                                                                  : OpStatus::kFault;
}

OpStatus permute(const OpEnv& env, const tern_isa_op& op) {
    // dst[i0..] = src[..] with dst axis i taken from src axis param[i]: read
    // src through a view whose axes are already in dst order.
    const TensorView& src = env.src(op, 0);
    TensorView view = src;
    for (uint32_t i = 0; i < src.rank; ++i) {
        view.shape[i] = src.shape[op.param[i]];
        view.stride[i] = src.stride[op.param[i]];
    }
    return copy_view(env, view, env.dst(op));
}

OpStatus gather(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& table = env.src(op, 0);
    const TensorView& idx = env.src(op, 1);
    const uint64_t n = idx.count();
    std::vector<int32_t> rows(n);
    if (!read_elements(env.mem, idx, reinterpret_cast<uint8_t*>(rows.data()), env.fault)) {
        return OpStatus::kFault;
    }
    const int64_t nrows = table.shape[0];
    for (const int32_t r : rows) {
        if (r < 0 || r >= nrows) {
            return OpStatus::kIndex;
        }
    }
    // Read each referenced row once, in ascending row order.
    std::vector<int32_t> unique = rows;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    const size_t es = table.esize();
    const size_t row_bytes = size_t{table.shape[1]} * es;
    std::vector<uint8_t> cache(unique.size() * row_bytes);
    TensorView row = table;
    row.rank = 1;
    row.shape = {table.shape[1], 1, 1, 1, 1, 1};
    row.stride = {table.stride[1], 0, 0, 0, 0, 0};
    for (size_t u = 0; u < unique.size(); ++u) {
        row.va = table.va + uint64_t(unique[u]) * table.stride[0] * es;
        if (!read_elements(env.mem, row, cache.data() + u * row_bytes, env.fault)) {
            return OpStatus::kFault;
        }
    }
    std::vector<uint8_t> packed(n * row_bytes);
    for (uint64_t i = 0; i < n; ++i) {
        const size_t u = std::lower_bound(unique.begin(), unique.end(), rows[i]) - unique.begin();
        std::memcpy(packed.data() + i * row_bytes, cache.data() + u * row_bytes, row_bytes);
    }
    return convert_and_write(env, env.dst(op), table.dtype, packed);
}

}  // namespace

OpStatus run_movement(const OpEnv& env, const tern_isa_op& op) {
    switch (op.opcode) {
        case TERN_ISA_COPY:
            return copy_view(env, env.src(op, 0), env.dst(op));
        case TERN_ISA_FILL:
            return fill(env, op);
        case TERN_ISA_PERMUTE:
            return permute(env, op);
        default:
            return gather(env, op);
    }
}

}  // namespace tern::sim::compute
