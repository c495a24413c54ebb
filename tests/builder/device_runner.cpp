// SPDX-License-Identifier: MIT
#include "device_runner.hpp"

#include <tern/tern_model.hpp>

#include <cstring>
#include <stdexcept>
#include <string>

#include "device.hpp"
#include "model/model_file.hpp"

namespace tern_test::builder {

namespace {

tern::DType runtime_dtype(tern::model::DType d) {
    return static_cast<tern::DType>(static_cast<int>(d));
}

tern::Tensor make_tensor(Device& dev, tern::model::DType dtype,
                         const std::vector<uint64_t>& shape) {
    return tern::Tensor(dev.context, runtime_dtype(dtype), std::span<const uint64_t>(shape));
}

// A raw byte buffer of `bytes` (a multiple of 4) for the weights/scratch.
tern::Tensor make_buffer(Device& dev, uint64_t bytes) {
    const uint64_t words = (bytes + 3) / 4;
    return tern::Tensor(dev.context, tern::DType::i32, {words});
}

void check_inputs(const tern::model::ModelImage& image, std::span<const HostTensor> inputs) {
    if (inputs.size() != image.inputs.size()) {
        throw std::invalid_argument("run: " + std::to_string(inputs.size()) +
                                    " inputs for a model with " +
                                    std::to_string(image.inputs.size()));
    }
}

std::vector<HostTensor> read_outputs(const tern::model::ModelImage& image,
                                     std::vector<tern::Tensor>& outs) {
    std::vector<HostTensor> result;
    for (size_t i = 0; i < image.outputs.size(); ++i) {
        HostTensor h;
        h.dtype = image.outputs[i].dtype;
        h.shape = image.outputs[i].shape;
        h.data.resize(outs[i].size_bytes());
        outs[i].read(std::span<uint8_t>(h.data));
        result.push_back(std::move(h));
    }
    return result;
}

}  // namespace

void DeviceDeleter::operator()(Device* d) const {
    delete d;
}

std::unique_ptr<Device, DeviceDeleter> open_device() {
    return std::unique_ptr<Device, DeviceDeleter>(new Device);
}

std::vector<HostTensor> run_programs(Device& dev, const tern::model::ModelImage& image,
                                     std::span<const HostTensor> inputs) {
    check_inputs(image, inputs);
    std::vector<tern::Tensor> ins, outs;
    for (size_t i = 0; i < inputs.size(); ++i) {
        ins.push_back(make_tensor(dev, image.inputs[i].dtype, image.inputs[i].shape));
        ins.back().write(std::span<const uint8_t>(inputs[i].data));
    }
    for (const tern::model::TensorSpec& o : image.outputs) {
        outs.push_back(make_tensor(dev, o.dtype, o.shape));
    }
    tern::Tensor weights, scratch;
    std::vector<const tern::Tensor*> table;
    for (const tern::model::Binding& b : image.bindings) {
        switch (b.role) {
            case tern::model::BindingRole::kInput:
                table.push_back(&ins.at(b.index));
                break;
            case tern::model::BindingRole::kOutput:
                table.push_back(&outs.at(b.index));
                break;
            case tern::model::BindingRole::kWeights:
                weights = make_buffer(dev, image.weights.size());
                weights.write(std::span<const uint8_t>(image.weights));
                table.push_back(&weights);
                break;
            case tern::model::BindingRole::kScratch:
                scratch = make_buffer(dev, image.scratch_bytes);
                table.push_back(&scratch);
                break;
        }
    }
    std::vector<tern::Program> programs;
    for (const std::vector<uint8_t>& p : image.programs) {
        programs.emplace_back(dev.context, std::as_bytes(std::span(p)));
    }
    try {
        for (const tern::Program& p : programs) {
            dev.queue.launch(p, std::span<const tern::Tensor* const>(table));
        }
        dev.queue.synchronize();
    } catch (const tern::Error&) {
        // A failed program breaks its queue; later tests get a fresh one.
        dev.queue = tern::Queue(dev.context);
        throw;
    }
    return read_outputs(image, outs);
}

std::vector<HostTensor> run_model_file(Device& dev, const tern::model::ModelImage& image,
                                       std::span<const HostTensor> inputs) {
    check_inputs(image, inputs);
    const std::vector<uint8_t> file = tern::model::serialize(image);
    tern::Model model(dev.context, std::as_bytes(std::span(file)));
    std::vector<tern::Tensor> ins, outs;
    std::vector<const tern::Tensor*> in_ptrs, out_ptrs;
    for (size_t i = 0; i < inputs.size(); ++i) {
        ins.push_back(make_tensor(dev, image.inputs[i].dtype, image.inputs[i].shape));
        ins.back().write(std::span<const uint8_t>(inputs[i].data));
    }
    for (const tern::model::TensorSpec& o : image.outputs) {
        outs.push_back(make_tensor(dev, o.dtype, o.shape));
    }
    for (const tern::Tensor& t : ins) {
        in_ptrs.push_back(&t);
    }
    for (const tern::Tensor& t : outs) {
        out_ptrs.push_back(&t);
    }
    try {
        model.execute(dev.queue, in_ptrs, out_ptrs);
        dev.queue.synchronize();
    } catch (const tern::Error&) {
        dev.queue = tern::Queue(dev.context);
        throw;
    }
    return read_outputs(image, outs);
}

}  // namespace tern_test::builder
