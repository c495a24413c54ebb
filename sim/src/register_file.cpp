// SPDX-License-Identifier: MIT
#include "register_file.hpp"

namespace tern::sim {

RegisterFile::RegisterFile()
    : internal_(new uint64_t[TERN_REGS_SIZE / sizeof(uint64_t)]()),
      base_(reinterpret_cast<uint8_t*>(internal_.get())) {}

void RegisterFile::bind(uint8_t* external) {
    base_.store(external != nullptr ? external : reinterpret_cast<uint8_t*>(internal_.get()),
                std::memory_order_release);
}

void RegisterFile::clear(uint32_t begin, uint32_t end) {
    for (uint32_t off = begin; off + 8 <= end; off += 8) {
        store64(off, 0);
    }
}

}  // namespace tern::sim
