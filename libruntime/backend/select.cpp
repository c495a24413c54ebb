// SPDX-License-Identifier: MIT
// Backend selection: TERN_BACKEND=kernel|mock (or tern_init_info.backend),
// default kernel. There is no fallback: a backend that cannot be used is an
// error that says why and what to do.
#include "backend.hpp"
#include "kernel/kernel_backend.hpp"

#if TERN_HAVE_MOCK
#include "../mock/mock_backend.hpp"
#endif

#include <cstdlib>
#include <cstring>

namespace tern::rt {

std::unique_ptr<Backend> make_backend(const char* name, std::string* error_message) {
    const char* source = "tern_init_info.backend";
    if (name == nullptr || *name == '\0') {
        name = std::getenv("TERN_BACKEND");
        source = "TERN_BACKEND";
        if (name == nullptr || *name == '\0') {
            name = "kernel";
            source = "default";
        }
    }
    if (std::strcmp(name, "kernel") == 0)
        return make_kernel_backend(error_message);
    if (std::strcmp(name, "mock") == 0) {
#if TERN_HAVE_MOCK
        return make_mock_backend(error_message);
#else
        *error_message = "the mock backend was not built into this libternrt";
        return nullptr;
#endif
    }
    *error_message = std::string("unknown backend \"") + name + "\" (from " + source +
                     "): use \"kernel\" (a Tern device through tern.ko) or \"mock\" (the "
                     "device model in-process)";
    return nullptr;
}

}  // namespace tern::rt
