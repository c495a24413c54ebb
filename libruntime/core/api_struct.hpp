// SPDX-License-Identifier: MIT
// struct_size versioning of the C ABI's structs, in one place. An input
// struct may be larger than ours (a newer caller) if the bytes we do not
// know are zero; an output struct gets min(its size, ours) bytes and zeros
// beyond ours.
#pragma once

#include "status.hpp"

#include <cstring>

namespace tern::rt {

template <class T>
tern_status read_struct(const T* in, T* out, const char* what) {
    if (in == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "{} is NULL", what);
    uint32_t n = in->struct_size;
    if (n < sizeof(T))
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "{}->struct_size is {}, expected sizeof = {} (set it before the call)", what, n,
                    sizeof(T));
    const unsigned char* extra = reinterpret_cast<const unsigned char*>(in) + sizeof(T);
    for (uint32_t i = 0; i < n - sizeof(T); ++i)
        if (extra[i] != 0)
            return fail(TERN_ERROR_NOT_SUPPORTED,
                        "{} sets a field unknown to this runtime (byte {} of {}); update "
                        "libternrt",
                        what, sizeof(T) + i, n);
    std::memcpy(out, in, sizeof(T));
    return TERN_OK;
}

template <class T>
tern_status check_out_struct(const T* out, const char* what) {
    if (out == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "{} is NULL", what);
    if (out->struct_size < sizeof(T))
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "{}->struct_size is {}, expected sizeof = {} (set it before the call)", what,
                    out->struct_size, sizeof(T));
    return TERN_OK;
}

// The bits of a caller's enum field: any value may arrive over the C ABI,
// and loading an out-of-range value as the enum type is undefined in C++.
template <class E>
uint32_t raw_enum(const E& e) {
    static_assert(sizeof(E) == sizeof(uint32_t));
    uint32_t v;
    std::memcpy(&v, &e, sizeof(v));
    return v;
}

// After check_out_struct: copies `val` but keeps the caller's struct_size.
template <class T>
void write_struct(T* out, const T& val) {
    uint32_t n = out->struct_size;
    std::memcpy(reinterpret_cast<char*>(out) + sizeof(uint32_t),
                reinterpret_cast<const char*>(&val) + sizeof(uint32_t),
                sizeof(T) - sizeof(uint32_t));
    if (n > sizeof(T))
        std::memset(reinterpret_cast<char*>(out) + sizeof(T), 0, n - sizeof(T));
}

}  // namespace tern::rt
