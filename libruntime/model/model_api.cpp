// SPDX-License-Identifier: MIT
// tern_model_destroy and model introspection.
#include "../core/api_struct.hpp"
#include "../core/runtime.hpp"
#include "../core/status.hpp"
#include "model_api_util.hpp"
#include "model_file.hpp"
#include "model_object.hpp"

#include <algorithm>
#include <cstring>
#include <string>

using namespace tern::rt;

namespace {

void copy_name(char (&dst)[TERN_MODEL_NAME_MAX], const std::string& s) {
    const size_t n = std::min(s.size(), sizeof(dst) - 1);
    std::memcpy(dst, s.data(), n);
    dst[n] = '\0';
}

tern_status tensor_info(tern_model model, uint32_t index, bool input,
                        tern_model_tensor_info* info) {
    LoadedModel* m = find_model(model);
    if (m == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status s = check_out_struct(info, "info"); s != TERN_OK)
        return s;
    const auto& list = input ? m->meta.inputs : m->meta.outputs;
    if (index >= list.size())
        return fail(TERN_ERROR_OUT_OF_RANGE, "{} {} does not exist: model '{}' has {}",
                    input ? "input" : "output", index, m->meta.name, list.size());
    const tern::model::TensorSpec& t = list[index];
    tern_model_tensor_info i{};
    i.struct_size = sizeof(i);
    i.index = index;
    copy_name(i.name, t.name);
    i.dtype = static_cast<tern_dtype>(t.dtype);
    i.rank = static_cast<uint32_t>(t.shape.size());
    std::copy(t.shape.begin(), t.shape.end(), i.shape);
    i.size_bytes = tern::model::tensor_bytes(t);
    write_struct(info, i);
    return TERN_OK;
}

tern_status find(tern_model model, const char* name, bool input, uint32_t* index) {
    LoadedModel* m = find_model(model);
    if (m == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (name == nullptr || index == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "name and index must not be NULL");
    const auto& list = input ? m->meta.inputs : m->meta.outputs;
    std::string known;
    for (uint32_t i = 0; i < list.size(); ++i) {
        if (list[i].name == name) {
            *index = i;
            return TERN_OK;
        }
        known += (i ? ", '" : "'") + list[i].name + "'";
    }
    return fail(TERN_ERROR_INVALID_ARGUMENT, "model '{}' has no {} '{}' (it has {})", m->meta.name,
                input ? "input" : "output", name, known.empty() ? "none" : known);
}

}  // namespace

extern "C" {

TERN_API tern_status tern_model_destroy(tern_model model) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    LoadedModel* m = ModelTable::instance().remove(model);
    if (m == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live model handle");
    delete m;  // runs in flight keep their memory on the device
    return TERN_OK;
}

TERN_API tern_status tern_model_get_info(tern_model model, tern_model_info* info) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    LoadedModel* m = find_model(model);
    if (m == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status s = check_out_struct(info, "info"); s != TERN_OK)
        return s;
    tern_model_info i{};
    i.struct_size = sizeof(i);
    i.format_version = (uint32_t(m->version_major) << 16) | m->version_minor;
    copy_name(i.name, m->meta.name);
    i.num_inputs = static_cast<uint32_t>(m->meta.inputs.size());
    i.num_outputs = static_cast<uint32_t>(m->meta.outputs.size());
    i.num_bindings = static_cast<uint32_t>(m->meta.bindings.size());
    i.num_programs = static_cast<uint32_t>(m->programs.size());
    i.weights_bytes = m->weights_bytes;
    i.program_bytes = m->program_bytes;
    i.scratch_bytes = m->meta.scratch_bytes;
    i.scratch_arenas = m->scratch_arenas();
    i.device_bytes = i.weights_bytes + i.program_bytes +
                     uint64_t(i.scratch_arenas) * ((i.scratch_bytes + 3) / 4 * 4);
    write_struct(info, i);
    return TERN_OK;
}

TERN_API tern_status tern_model_get_input(tern_model model, uint32_t index,
                                          tern_model_tensor_info* info) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    return tensor_info(model, index, true, info);
}

TERN_API tern_status tern_model_get_output(tern_model model, uint32_t index,
                                           tern_model_tensor_info* info) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    return tensor_info(model, index, false, info);
}

TERN_API tern_status tern_model_find_input(tern_model model, const char* name, uint32_t* index) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    return guarded([&] { return find(model, name, true, index); });
}

TERN_API tern_status tern_model_find_output(tern_model model, const char* name, uint32_t* index) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    return guarded([&] { return find(model, name, false, index); });
}

}  // extern "C"
