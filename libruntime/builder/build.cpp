// SPDX-License-Identifier: MIT
// ModelBuilder::build: lower the graph, pack the weights, plan the scratch
// arena, lay out the binding table and encode the programs.
#include <tern/hw/tern_isa.h>

#include <algorithm>

#include "graph.hpp"
#include "lower.hpp"
#include "memory_plan.hpp"
#include "model/model_file.hpp"
#include "numerics.hpp"
#include "program_encoder.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder {

using detail::Lowered;
using detail::Place;

namespace {

// Weights and activations start on 64-byte boundaries (a cache line; more
// than any dtype needs).
constexpr uint64_t kAlignment = 64;

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

void pack_weights(const detail::Graph& g, Lowered* l, std::vector<uint8_t>* blob) {
    for (detail::Storage& s : l->storages) {
        if (s.place != Place::kWeights) {
            continue;
        }
        s.offset = align_up(blob->size(), kAlignment);
        const std::vector<uint8_t>& data = g.constants[s.constant];
        blob->resize(s.offset);
        blob->insert(blob->end(), data.begin(), data.end());
    }
    blob->resize(align_up(blob->size(), kAlignment));
}

// Places every activation; returns the arena size.
uint64_t plan_scratch(Lowered* l, bool reuse, BuildStats* stats) {
    constexpr uint32_t kUnset = UINT32_MAX;
    std::vector<uint32_t> first(l->storages.size(), kUnset), last(l->storages.size(), 0);
    for (uint32_t t = 0; t < l->ops.size(); ++t) {
        const detail::LoweredOp& op = l->ops[t];
        first[op.dst.storage] = std::min(first[op.dst.storage], t);
        last[op.dst.storage] = std::max(last[op.dst.storage], t);
        for (const auto& s : op.src) {
            if (s) {
                first[s->storage] = std::min(first[s->storage], t);
                last[s->storage] = std::max(last[s->storage], t);
            }
        }
    }
    std::vector<detail::Lifetime> lifetimes;
    std::vector<uint32_t> which;
    for (uint32_t i = 0; i < l->storages.size(); ++i) {
        if (l->storages[i].place != Place::kScratch || first[i] == kUnset) {
            continue;
        }
        // Occupied from the op that writes it up to the op that last reads
        // it, which may write its result over it (ops read before writing).
        lifetimes.push_back({l->storages[i].bytes, first[i], std::max(last[i], first[i] + 1)});
        which.push_back(i);
        stats->scratch_bytes_without_reuse += align_up(l->storages[i].bytes, kAlignment);
    }
    const detail::MemoryPlan plan = detail::plan_memory(lifetimes, kAlignment, reuse);
    for (size_t j = 0; j < which.size(); ++j) {
        l->storages[which[j]].offset = plan.offsets[j];
    }
    stats->activations = static_cast<uint32_t>(which.size());
    return plan.total;
}

uint64_t spec_bytes(const tern::model::TensorSpec& s) {
    return detail::element_count(s.shape) * detail::dtype_size(s.dtype);
}

}  // namespace

tern::model::ModelImage ModelBuilder::build(const BuildOptions& options, BuildStats* stats) const {
    const detail::Graph& g = *graph_;
    if (options.max_tensors_per_program < 4 ||
        options.max_tensors_per_program > TERN_ISA_MAX_TENSORS || options.max_ops_per_program < 1 ||
        options.max_ops_per_program > TERN_ISA_MAX_OPS) {
        throw BuildError("model '" + g.name +
                         "': build: program limits must be 4..4096 tensors and 1..65536 ops");
    }
    BuildStats local;
    BuildStats& st = stats != nullptr ? *stats : local;
    st = BuildStats{};

    Lowered lowered = detail::lower_graph(g);
    tern::model::ModelImage image;
    image.name = g.name;
    image.inputs = input_specs();
    image.outputs = output_specs();

    pack_weights(g, &lowered, &image.weights);
    image.scratch_bytes = plan_scratch(&lowered, options.reuse_scratch, &st);

    // Binding table: inputs, outputs, then weights and scratch if used.
    const size_t n_in = image.inputs.size(), n_out = image.outputs.size();
    for (size_t i = 0; i < n_in; ++i) {
        image.bindings.push_back({tern::model::BindingRole::kInput, static_cast<uint32_t>(i),
                                  spec_bytes(image.inputs[i])});
    }
    for (size_t i = 0; i < n_out; ++i) {
        image.bindings.push_back({tern::model::BindingRole::kOutput, static_cast<uint32_t>(i),
                                  spec_bytes(image.outputs[i])});
    }
    uint16_t weights_slot = 0, scratch_slot = 0;
    if (!image.weights.empty()) {
        weights_slot = static_cast<uint16_t>(image.bindings.size());
        image.bindings.push_back({tern::model::BindingRole::kWeights, 0, image.weights.size()});
    }
    if (image.scratch_bytes != 0) {
        scratch_slot = static_cast<uint16_t>(image.bindings.size());
        image.bindings.push_back({tern::model::BindingRole::kScratch, 0, image.scratch_bytes});
    }
    if (image.bindings.size() > TERN_ISA_MAX_BINDINGS) {
        throw BuildError("model '" + g.name + "': " + std::to_string(image.bindings.size()) +
                         " bindings (inputs + outputs + weights + scratch); the device allows " +
                         std::to_string(TERN_ISA_MAX_BINDINGS));
    }
    std::vector<uint16_t> binding_of(lowered.storages.size());
    for (size_t i = 0; i < lowered.storages.size(); ++i) {
        const detail::Storage& s = lowered.storages[i];
        switch (s.place) {
            case Place::kInput:
                binding_of[i] = static_cast<uint16_t>(s.index);
                break;
            case Place::kOutput:
                binding_of[i] = static_cast<uint16_t>(n_in + s.index);
                break;
            case Place::kWeights:
                binding_of[i] = weights_slot;
                break;
            case Place::kScratch:
                binding_of[i] = scratch_slot;
                break;
        }
    }
    detail::EncodedPrograms programs = detail::encode_programs(
        lowered, binding_of, options.max_tensors_per_program, options.max_ops_per_program);
    if (programs.images.size() > tern::model::kMaxPrograms) {
        throw BuildError("model '" + g.name + "': " + std::to_string(programs.images.size()) +
                         " programs; a model file holds at most " +
                         std::to_string(tern::model::kMaxPrograms));
    }
    image.programs = std::move(programs.images);

    // The container's own rules (names, bindings, every descriptor within
    // its slot): a failure here is a builder bug, reported as such.
    if (const std::string why = tern::model::validate(image); !why.empty()) {
        throw BuildError("model '" + g.name +
                         "': internal error, the built image is invalid: " + why);
    }

    st.weights_bytes = image.weights.size();
    st.scratch_bytes = image.scratch_bytes;
    st.outputs_written_in_place = lowered.outputs_in_place;
    st.programs = static_cast<uint32_t>(image.programs.size());
    st.ops = static_cast<uint32_t>(lowered.ops.size());
    st.tensors = programs.tensors;
    return image;
}

}  // namespace tern::builder
