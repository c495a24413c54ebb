// SPDX-License-Identifier: MIT
#include "checksum.hpp"

#include "model_file.hpp"

#include <xxhash.h>

#include <new>

namespace tern::model {

uint64_t checksum(std::span<const uint8_t> bytes) {
    return XXH3_64bits(bytes.data(), bytes.size());
}

struct StreamingChecksum::State {
    XXH3_state_t* s;
};

StreamingChecksum::StreamingChecksum() : state_(std::make_unique<State>()) {
    state_->s = XXH3_createState();
    if (state_->s == nullptr)
        throw std::bad_alloc();
    XXH3_64bits_reset(state_->s);
}

StreamingChecksum::~StreamingChecksum() {
    XXH3_freeState(state_->s);
}

void StreamingChecksum::update(const void* data, size_t size) {
    XXH3_64bits_update(state_->s, data, size);
}

uint64_t StreamingChecksum::digest() const {
    return XXH3_64bits_digest(state_->s);
}

}  // namespace tern::model
