// SPDX-License-Identifier: MIT
// gtest predicates on queue state with readable failure messages.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "harness/queue.hpp"

namespace tern::test {

std::string describe(const QueueRegs& r);
const char* qerr_name(uint32_t err);

// Waits (bounded) for the queue to halt, then checks STATUS.ERR.
::testing::AssertionResult halts_with(QueueDriver& q, uint32_t err);
// Waits (bounded) for COMPLETED_SEQ >= seq without a halt.
::testing::AssertionResult completes(QueueDriver& q, uint64_t seq);
// Waits (bounded) for the write-back slot to hold `seq`. The device writes
// it just after COMPLETED_SEQ (hw-spec 5.5), so having seen the completion
// does not mean the slot is written yet.
::testing::AssertionResult writes_back(QueueDriver& q, uint64_t seq);

inline constexpr int kAnyLevel = -1;
// FAULT_VA / FAULT_INFO of a halted queue.
::testing::AssertionResult fault_is(const QueueRegs& r, uint64_t va, uint32_t reason,
                                    uint32_t engine, bool write, int level = kAnyLevel);

}  // namespace tern::test
