// SPDX-License-Identifier: MIT
// XXH3-64 (xxHash 0.8, seed 0), the checksum of the model file's header
// and sections, in one shot or streamed (the loader hashes the weights
// chunk by chunk while they travel to the device).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace tern::model {

class StreamingChecksum {
public:
    StreamingChecksum();
    ~StreamingChecksum();
    StreamingChecksum(const StreamingChecksum&) = delete;
    StreamingChecksum& operator=(const StreamingChecksum&) = delete;

    void update(const void* data, size_t size);
    uint64_t digest() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tern::model
