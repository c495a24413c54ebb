// SPDX-License-Identifier: MIT
// Host memory holding a program image and its binding table, mapped
// read-only into an address space; produces the EXECUTE descriptor.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/address_space.hpp"
#include "harness/host_arena.hpp"
#include "tern/hw/tern_desc.h"
#include "tern/hw/tern_isa.h"

namespace tern::test {

class ProgramSlot {
public:
    static constexpr uint64_t kDefaultVa = 0x0000'5000'0000ull;

    // Maps `capacity` bytes at `va` (read-only) and flushes the ASID.
    ProgramSlot(HostArena& arena, AddressSpace& space, uint64_t va = kDefaultVa,
                size_t capacity = 256 * 1024);

    // Copies the image (at va) and the bindings (after it, 64 B aligned) and
    // returns a matching EXECUTE descriptor.
    tern_desc load(const std::vector<uint8_t>& image, const std::vector<tern_isa_binding>& bindings,
                   uint32_t core_mask = 0);

    uint64_t va() const { return va_; }
    uint64_t bindings_va() const { return bindings_va_; }
    const HostBuffer& buffer() const { return buf_; }

private:
    HostBuffer buf_;
    uint64_t va_;
    uint64_t bindings_va_ = 0;
};

}  // namespace tern::test
