// SPDX-License-Identifier: MIT
// Tern runtime C++ API for compiled models: a header-only RAII wrapper over
// tern_model.h, in the style of tern.hpp (move-only, throws tern::Error).
//
//   tern::Model model(ctx, "mlp.tmodel");
//   tern::Tensor x(ctx, tern::DType::f32, model.input(0).shape());
//   tern::Tensor y(ctx, tern::DType::f32, model.output(0).shape());
//   model.execute(queue, {&x}, {&y});   // asynchronous
//   queue.synchronize();
//
// Thread safety: a Model may be executed from several threads at once, on
// the same or different queues (see tern_model.h).
#pragma once

#include <tern/tern_model.h>
#include <tern/tern.hpp>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tern {

// One input or output of a model.
struct ModelTensor {
    uint32_t index = 0;
    std::string name;
    DType dtype = DType::f32;
    std::vector<uint64_t> dims;
    uint64_t size_bytes = 0;

    std::span<const uint64_t> shape() const { return dims; }
};

// Load options (tern_model_load_desc).
struct ModelLoadOptions {
    enum class DirectIo { automatic, never, always };
    DirectIo direct_io = DirectIo::automatic;
};

class Model {
public:
    Model() = default;
    Model(const Context& ctx, const std::string& path, ModelLoadOptions options = {}) {
        tern_model_load_desc d = desc(options);
        tern_model m = nullptr;
        detail::check(tern_model_load_file(ctx.handle(), path.c_str(), &d, &m));
        h_ = Handle(m);
    }
    Model(const Context& ctx, std::span<const std::byte> file, ModelLoadOptions options = {}) {
        tern_model_load_desc d = desc(options);
        tern_model m = nullptr;
        detail::check(tern_model_load_memory(ctx.handle(), file.data(), file.size(), &d, &m));
        h_ = Handle(m);
    }

    tern_model_info info() const {
        tern_model_info i{};
        i.struct_size = sizeof(i);
        detail::check(tern_model_get_info(h_.get(), &i));
        return i;
    }
    std::string name() const { return info().name; }
    uint32_t num_inputs() const { return info().num_inputs; }
    uint32_t num_outputs() const { return info().num_outputs; }

    ModelTensor input(uint32_t index) const {
        tern_model_tensor_info t = tensor_info();
        detail::check(tern_model_get_input(h_.get(), index, &t));
        return convert(t);
    }
    ModelTensor output(uint32_t index) const {
        tern_model_tensor_info t = tensor_info();
        detail::check(tern_model_get_output(h_.get(), index, &t));
        return convert(t);
    }
    ModelTensor input(const std::string& name) const {
        uint32_t i = 0;
        detail::check(tern_model_find_input(h_.get(), name.c_str(), &i));
        return input(i);
    }
    ModelTensor output(const std::string& name) const {
        uint32_t i = 0;
        detail::check(tern_model_find_output(h_.get(), name.c_str(), &i));
        return output(i);
    }
    std::vector<ModelTensor> inputs() const {
        std::vector<ModelTensor> v;
        for (uint32_t i = 0, n = num_inputs(); i < n; ++i)
            v.push_back(input(i));
        return v;
    }
    std::vector<ModelTensor> outputs() const {
        std::vector<ModelTensor> v;
        for (uint32_t i = 0, n = num_outputs(); i < n; ++i)
            v.push_back(output(i));
        return v;
    }

    // Queues one run; inputs[i]/outputs[j] are the model's input i and
    // output j. Keep the tensors alive until the queue has passed the run.
    // `done` (optional) is recorded on the queue after the run.
    void execute(Queue& queue, std::span<const Tensor* const> inputs,
                 std::span<const Tensor* const> outputs, Event* done = nullptr,
                 uint32_t core_mask = 0) {
        submit(queue, 1, inputs, outputs, core_mask, 0, false);
        if (done != nullptr)
            done->record(queue);
    }
    void execute(Queue& queue, std::initializer_list<const Tensor*> inputs,
                 std::initializer_list<const Tensor*> outputs, Event* done = nullptr,
                 uint32_t core_mask = 0) {
        execute(queue, std::span(inputs.begin(), inputs.size()),
                std::span(outputs.begin(), outputs.size()), done, core_mask);
    }
    // `runs` runs in one call: inputs holds runs * num_inputs tensors
    // (run-major), outputs likewise (std::invalid_argument if the sizes
    // are not multiples of `runs`).
    void execute_n(Queue& queue, uint32_t runs, std::span<const Tensor* const> inputs,
                   std::span<const Tensor* const> outputs, Event* done = nullptr,
                   uint32_t core_mask = 0) {
        if (runs == 0 || inputs.size() % runs != 0 || outputs.size() % runs != 0)
            throw std::invalid_argument("tern::Model::execute_n: " + std::to_string(runs) +
                                        " runs, " + std::to_string(inputs.size()) + " inputs and " +
                                        std::to_string(outputs.size()) +
                                        " outputs: sizes must be multiples of the runs");
        submit(queue, runs, inputs, outputs, core_mask, 0, true);
        if (done != nullptr)
            done->record(queue);
    }
    // `runs` runs with the same tensors each time.
    void repeat(Queue& queue, uint32_t runs, std::span<const Tensor* const> inputs,
                std::span<const Tensor* const> outputs, Event* done = nullptr,
                uint32_t core_mask = 0) {
        submit(queue, runs, inputs, outputs, core_mask, TERN_MODEL_EXECUTE_SAME_TENSORS, true);
        if (done != nullptr)
            done->record(queue);
    }

    tern_model handle() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return h_.get() != nullptr; }

private:
    static tern_model_load_desc desc(const ModelLoadOptions& o) {
        tern_model_load_desc d{};
        d.struct_size = sizeof(d);
        if (o.direct_io == ModelLoadOptions::DirectIo::never)
            d.flags = TERN_MODEL_LOAD_NO_DIRECT_IO;
        else if (o.direct_io == ModelLoadOptions::DirectIo::always)
            d.flags = TERN_MODEL_LOAD_DIRECT_IO;
        return d;
    }
    static tern_model_tensor_info tensor_info() {
        tern_model_tensor_info t{};
        t.struct_size = sizeof(t);
        return t;
    }
    static ModelTensor convert(const tern_model_tensor_info& t) {
        ModelTensor m;
        m.index = t.index;
        m.name = t.name;
        m.dtype = static_cast<DType>(t.dtype);
        m.dims.assign(t.shape, t.shape + t.rank);
        m.size_bytes = t.size_bytes;
        return m;
    }
    void submit(Queue& queue, uint32_t runs, std::span<const Tensor* const> inputs,
                std::span<const Tensor* const> outputs, uint32_t core_mask, uint32_t flags,
                bool batched) {
        std::vector<tern_tensor> in(inputs.size()), out(outputs.size());
        for (size_t i = 0; i < inputs.size(); ++i)
            in[i] = inputs[i] != nullptr ? inputs[i]->handle() : nullptr;
        for (size_t i = 0; i < outputs.size(); ++i)
            out[i] = outputs[i] != nullptr ? outputs[i]->handle() : nullptr;
        tern_model_execute_desc d{};
        d.struct_size = sizeof(d);
        d.core_mask = core_mask;
        d.flags = flags;
        auto n_in = static_cast<uint32_t>(in.size());
        auto n_out = static_cast<uint32_t>(out.size());
        if (!batched) {
            detail::check(tern_model_execute(queue.handle(), h_.get(), in.data(), n_in, out.data(),
                                             n_out, &d, nullptr));
            return;
        }
        if ((flags & TERN_MODEL_EXECUTE_SAME_TENSORS) == 0) {
            n_in /= runs;  // the C call takes per-run counts
            n_out /= runs;
        }
        detail::check(tern_model_execute_n(queue.handle(), h_.get(), runs, in.data(), n_in,
                                           out.data(), n_out, &d, nullptr));
    }

    using Handle = detail::Handle<tern_model, tern_model_destroy>;
    Handle h_;
};

}  // namespace tern
