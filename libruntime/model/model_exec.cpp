// SPDX-License-Identifier: MIT
// tern_model_execute / tern_model_execute_n: check the caller's tensors
// against the model, build the binding table (inputs, outputs, weights,
// the queue's scratch arena) and launch the model's programs in order.
// Every argument of every run is checked before anything is queued.
#include "../core/api_struct.hpp"
#include "../core/context.hpp"
#include "../core/device.hpp"
#include "../core/event.hpp"
#include "../core/queue.hpp"
#include "../core/runtime.hpp"
#include "../core/status.hpp"
#include "../core/tensor.hpp"
#include "model_api_util.hpp"
#include "model_file.hpp"
#include "model_object.hpp"

#include <drm/tern_accel.h>

#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace tern::rt {

namespace {

constexpr uint32_t kMaxRuns = 65536;

std::string shape_str(const uint64_t* shape, uint32_t rank) {
    std::string s = "[";
    for (uint32_t i = 0; i < rank; ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// The device address of the caller's tensor for input/output `i`, after
// checking it against the model's spec. `run` < 0: a single execute.
tern_status check_tensor(const Queue* q, const model::TensorSpec& spec, bool input, uint32_t i,
                         tern_tensor h, int64_t run, uint64_t* va) {
    char prefix[32] = "";
    if (run >= 0)
        std::snprintf(prefix, sizeof(prefix), "run %lld: ", static_cast<long long>(run));
    const char* kind = input ? "input" : "output";
    if (h == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "{}{} {} '{}' is NULL", prefix, kind, i, spec.name);
    Tensor* t = lookup<Tensor>(h);
    if (t == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "{}{} {} '{}' is not a live tensor handle", prefix,
                    kind, i, spec.name);
    if (t->context() != q->context())
        return fail(TERN_ERROR_INVALID_HANDLE,
                    "{}{} {} '{}' belongs to another context than the queue", prefix, kind, i,
                    spec.name);
    tern_tensor_info info{};
    info.struct_size = sizeof(info);
    t->info(&info);
    if (uint32_t(info.dtype) != uint32_t(spec.dtype))
        return fail(TERN_ERROR_DTYPE_MISMATCH, "{}{} {} '{}' is {}, the model expects {}", prefix,
                    kind, i, spec.name, model::dtype_name(model::DType(info.dtype)),
                    model::dtype_name(spec.dtype));
    bool same = info.rank == spec.shape.size();
    for (uint32_t d = 0; same && d < info.rank; ++d)
        same = info.shape[d] == spec.shape[d];
    if (!same)
        return fail(TERN_ERROR_SHAPE_MISMATCH, "{}{} {} '{}' has shape {}, the model expects {}",
                    prefix, kind, i, spec.name, shape_str(info.shape, info.rank),
                    shape_str(spec.shape.data(), uint32_t(spec.shape.size())));
    *va = info.device_address;
    return TERN_OK;
}

struct Args {
    Queue* q;
    LoadedModel* m;
    uint32_t core_mask;
    bool same;
};

tern_status check_common(tern_queue queue, tern_model model, uint32_t n_in, uint32_t n_out,
                         const tern_tensor* inputs, const tern_tensor* outputs,
                         const tern_model_execute_desc* desc, Args* a) {
    a->q = lookup<Queue>(queue);
    if (a->q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    a->m = find_model(model);
    if (a->m == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    LoadedModel& m = *a->m;
    if (a->q->context() != m.context)
        return fail(TERN_ERROR_INVALID_HANDLE,
                    "the queue belongs to another context than the model (load the model into "
                    "the queue's context)");
    tern_model_execute_desc d{};
    if (desc != nullptr)
        if (tern_status s = read_struct(desc, &d, "desc"); s != TERN_OK)
            return s;
    if ((d.flags & ~uint32_t(TERN_MODEL_EXECUTE_SAME_TENSORS)) != 0 || d.reserved != 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "desc->flags has unknown bits or desc->reserved is not zero");
    const uint32_t cores = a->q->context()->device()->num_cores();
    if (cores < 32 && (d.core_mask >> cores) != 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "core_mask {:#x} names cores beyond the device's {}", d.core_mask, cores);
    a->core_mask = d.core_mask;
    a->same = (d.flags & TERN_MODEL_EXECUTE_SAME_TENSORS) != 0;
    if (n_in != m.meta.inputs.size() || n_out != m.meta.outputs.size())
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "{} inputs and {} outputs given, model '{}' has {} and {}", n_in, n_out,
                    m.meta.name, m.meta.inputs.size(), m.meta.outputs.size());
    if ((n_in != 0 && inputs == nullptr) || outputs == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "inputs or outputs is NULL");
    return TERN_OK;
}

// Checks one run's tensors; vas[0..n_in) inputs, then outputs.
tern_status check_run(const Args& a, const tern_tensor* inputs, const tern_tensor* outputs,
                      int64_t run, uint64_t* vas) {
    const auto& meta = a.m->meta;
    const uint32_t n_in = uint32_t(meta.inputs.size());
    for (uint32_t i = 0; i < n_in; ++i)
        if (tern_status s = check_tensor(a.q, meta.inputs[i], true, i, inputs[i], run, &vas[i]);
            s != TERN_OK)
            return s;
    for (uint32_t j = 0; j < meta.outputs.size(); ++j)
        if (tern_status s =
                check_tensor(a.q, meta.outputs[j], false, j, outputs[j], run, &vas[n_in + j]);
            s != TERN_OK)
            return s;
    return TERN_OK;
}

using Table = uint64_t[model::kMaxBindings][2];

void fill_table(const LoadedModel& m, const uint64_t* vas, uint64_t scratch_va, Table& table) {
    const uint32_t n_in = uint32_t(m.meta.inputs.size());
    for (size_t k = 0; k < m.meta.bindings.size(); ++k) {
        const model::Binding& b = m.meta.bindings[k];
        uint64_t va = 0;
        switch (b.role) {
            case model::BindingRole::kInput:
                va = vas[b.index];
                break;
            case model::BindingRole::kOutput:
                va = vas[n_in + b.index];
                break;
            case model::BindingRole::kWeights:
                va = m.weights_va;
                break;
            case model::BindingRole::kScratch:
                va = scratch_va;
                break;
        }
        table[k][0] = va;
        table[k][1] = b.size;
    }
}

tern_status launch_run(const Args& a, const Table& table) {
    const LoadedModel& m = *a.m;
    const auto n = uint32_t(m.meta.bindings.size());
    for (const LoadedModel::Program& p : m.programs)
        if (tern_status s = a.q->launch(m.programs_va + p.offset, p.size, table, n, a.core_mask);
            s != TERN_OK)
            return s;
    return TERN_OK;
}

tern_status record_event(Queue* q, tern_event* event_out) {
    if (event_out == nullptr)
        return TERN_OK;
    auto* e = new Event(q->context());
    uint64_t point;
    if (tern_status s = q->record(&point); s != TERN_OK) {
        e->release();
        return s;
    }
    e->set(q, point);
    if (!Registry::instance().add(e)) {
        e->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *event_out = to_handle<tern_event>(e);
    return TERN_OK;
}

tern_status execute_one(tern_queue queue, tern_model model, const tern_tensor* inputs,
                        uint32_t n_in, const tern_tensor* outputs, uint32_t n_out,
                        const tern_model_execute_desc* desc, tern_event* event_out) {
    Args a;
    if (tern_status s = check_common(queue, model, n_in, n_out, inputs, outputs, desc, &a);
        s != TERN_OK)
        return s;
    uint64_t vas[model::kMaxInputs + model::kMaxOutputs];
    if (tern_status s = check_run(a, inputs, outputs, -1, vas); s != TERN_OK)
        return s;
    uint64_t scratch;
    if (tern_status s = a.m->scratch_for(a.q, &scratch); s != TERN_OK)
        return s;
    Table table;
    fill_table(*a.m, vas, scratch, table);
    if (tern_status s = launch_run(a, table); s != TERN_OK)
        return s;
    return record_event(a.q, event_out);
}

tern_status execute_n(tern_queue queue, tern_model model, uint32_t runs, const tern_tensor* inputs,
                      uint32_t n_in, const tern_tensor* outputs, uint32_t n_out,
                      const tern_model_execute_desc* desc, tern_event* event_out) {
    Args a;
    if (tern_status s = check_common(queue, model, n_in, n_out, inputs, outputs, desc, &a);
        s != TERN_OK)
        return s;
    if (runs < 1 || runs > kMaxRuns)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "num_runs {} is not in 1..{}", runs, kMaxRuns);
    const uint32_t per_run = n_in + n_out;
    // Check every run before queueing any (argument errors queue nothing).
    const uint32_t distinct = a.same ? 1 : runs;
    std::vector<uint64_t> vas(uint64_t(distinct) * per_run);
    for (uint32_t r = 0; r < distinct; ++r)
        if (tern_status s = check_run(a, inputs + uint64_t(r) * n_in, outputs + uint64_t(r) * n_out,
                                      a.same ? -1 : int64_t(r), vas.data() + uint64_t(r) * per_run);
            s != TERN_OK)
            return s;
    uint64_t scratch;
    if (tern_status s = a.m->scratch_for(a.q, &scratch); s != TERN_OK)
        return s;
    Table table;
    for (uint32_t r = 0; r < runs; ++r) {
        if (r < distinct)
            fill_table(*a.m, vas.data() + uint64_t(r) * per_run, scratch, table);
        if (tern_status s = launch_run(a, table); s != TERN_OK)
            return s;
    }
    return record_event(a.q, event_out);
}

}  // namespace

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_model_execute(tern_queue queue, tern_model model,
                                        const tern_tensor* inputs, uint32_t num_inputs,
                                        const tern_tensor* outputs, uint32_t num_outputs,
                                        const tern_model_execute_desc* desc,
                                        tern_event* event_out) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    return guarded([&] {
        return execute_one(queue, model, inputs, num_inputs, outputs, num_outputs, desc, event_out);
    });
}

TERN_API tern_status tern_model_execute_n(tern_queue queue, tern_model model, uint32_t num_runs,
                                          const tern_tensor* inputs, uint32_t num_inputs,
                                          const tern_tensor* outputs, uint32_t num_outputs,
                                          const tern_model_execute_desc* desc,
                                          tern_event* event_out) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    return guarded([&] {
        return execute_n(queue, model, num_runs, inputs, num_inputs, outputs, num_outputs, desc,
                         event_out);
    });
}

}  // extern "C"
