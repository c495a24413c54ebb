// SPDX-License-Identifier: MIT
// Descriptor encoders (tern_desc.h). Seqnos are filled in by QueueDriver.
#pragma once

#include <cstdint>

#include "tern/hw/tern_desc.h"

namespace tern::test {

tern_desc make_nop(uint8_t flags = 0);
tern_desc make_dma(uint64_t src_va, uint64_t dst_va, uint64_t size, uint8_t flags = 0);
tern_desc make_exec(uint64_t program_va, uint32_t program_size, uint64_t bindings_va,
                    uint32_t binding_count, uint32_t core_mask = 0, uint8_t flags = 0);
tern_desc make_sem_signal(uint32_t index, uint32_t op, uint64_t value, uint8_t flags = 0);
tern_desc make_sem_wait(uint32_t index, uint64_t value, uint8_t flags = 0);
tern_desc make_timestamp(uint64_t dst_va, uint8_t flags = 0);

}  // namespace tern::test
