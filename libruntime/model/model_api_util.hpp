// SPDX-License-Identifier: MIT
// Helpers shared by the tern_model_* entry points.
#pragma once

#include "../core/status.hpp"
#include "model_object.hpp"

#include <exception>
#include <new>

namespace tern::rt {

// The live model of `h`, or nullptr with TERN_ERROR_INVALID_HANDLE
// recorded (also for a model whose memory tern_shutdown released).
inline LoadedModel* find_model(tern_model h) {
    LoadedModel* m = ModelTable::instance().find(h);
    if (m == nullptr) {
        fail(TERN_ERROR_INVALID_HANDLE, "not a live model handle");
        return nullptr;
    }
    if (!m->alive()) {
        fail(TERN_ERROR_INVALID_HANDLE,
             "the model's device memory was released by tern_shutdown; destroy the handle "
             "and load the model again");
        return nullptr;
    }
    return m;
}

// Runs `f`; exceptions never cross the C ABI.
template <class F>
tern_status guarded(F&& f) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "out of host memory");
    } catch (const std::exception& e) {
        return fail(TERN_ERROR_INTERNAL, "{}", e.what());
    }
}

}  // namespace tern::rt
