// SPDX-License-Identifier: MIT
// Little-endian encoding for the model file: an appending writer and a
// bounds-checked reader that throws FormatError naming the field it could
// not read. (x86-64 and aarch64 Linux are little-endian; the static_assert
// keeps it that way.)
#pragma once

#include "model_file.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::model::io {

static_assert(std::endian::native == std::endian::little, "the model file is little-endian");

class Writer {
public:
    explicit Writer(std::vector<uint8_t>* out) : out_(out) {}
    template <class T>
    void put(T v) {
        size_t n = out_->size();
        out_->resize(n + sizeof(T));
        std::memcpy(out_->data() + n, &v, sizeof(T));
    }
    void bytes(const void* p, size_t n) {
        // resize + memcpy: GCC 12 -O3 misreads insert() here (-Warray-bounds).
        const size_t at = out_->size();
        out_->resize(at + n);
        if (n != 0)
            std::memcpy(out_->data() + at, p, n);
    }
    void str(const std::string& s) {
        put<uint32_t>(static_cast<uint32_t>(s.size()));
        bytes(s.data(), s.size());
    }

private:
    std::vector<uint8_t>* out_;
};

class Reader {
public:
    // `where` prefixes every error ("METADATA", ...).
    Reader(std::span<const uint8_t> data, std::string_view where) : data_(data), where_(where) {}

    template <class T>
    T get(std::string_view field) {
        T v;
        std::memcpy(&v, take(sizeof(T), field), sizeof(T));
        return v;
    }
    const uint8_t* take(uint64_t n, std::string_view field) {
        if (n > data_.size() - pos_)
            throw FormatError(std::string(where_) + ": truncated at byte " + std::to_string(pos_) +
                              " reading " + std::string(field) + " (" + std::to_string(n) +
                              " bytes needed, " + std::to_string(data_.size() - pos_) + " left)");
        const uint8_t* p = data_.data() + pos_;
        pos_ += n;
        return p;
    }
    uint64_t pos() const { return pos_; }
    uint64_t left() const { return data_.size() - pos_; }

private:
    std::span<const uint8_t> data_;
    std::string_view where_;
    uint64_t pos_ = 0;
};

template <class T>
T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

template <class T>
void store(uint8_t* p, T v) {
    std::memcpy(p, &v, sizeof(T));
}

}  // namespace tern::model::io
