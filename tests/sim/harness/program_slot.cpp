// SPDX-License-Identifier: MIT
#include "harness/program_slot.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "harness/desc.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::test {

ProgramSlot::ProgramSlot(HostArena& arena, AddressSpace& space, uint64_t va, size_t capacity)
    : va_(va) {
    capacity = (capacity + TERN_PAGE_SIZE - 1) & ~(TERN_PAGE_SIZE - 1);
    buf_ = arena.alloc(capacity);
    space.table().map_host(va, buf_.bus, capacity, /*writable=*/false);
    EXPECT_TRUE(space.flush());
}

tern_desc ProgramSlot::load(const std::vector<uint8_t>& image,
                            const std::vector<tern_isa_binding>& bindings, uint32_t core_mask) {
    const size_t bind_off = (image.size() + 63) & ~size_t{63};
    const size_t total = bind_off + bindings.size() * sizeof(tern_isa_binding);
    if (total > buf_.size) {
        ADD_FAILURE() << "program of " << total << " bytes does not fit the slot";
        return make_nop();
    }
    std::memset(buf_.ptr, 0, buf_.size);
    std::memcpy(buf_.ptr, image.data(), image.size());
    if (!bindings.empty()) {
        std::memcpy(buf_.ptr + bind_off, bindings.data(),
                    bindings.size() * sizeof(tern_isa_binding));
    }
    bindings_va_ = va_ + bind_off;
    return make_exec(va_, static_cast<uint32_t>(image.size()), bindings_va_,
                     static_cast<uint32_t>(bindings.size()), core_mask);
}

}  // namespace tern::test
