// SPDX-License-Identifier: MIT
// Interface between the queue engine (sim/src) and the compute ISA
// (sim/src/compute): the engine validates the EXECUTE descriptor and then
// hands the program to execute_program().
#pragma once
#include <cstddef>
#include <cstdint>
namespace tern::sim {
struct Fault {
    uint64_t va = 0;
    uint32_t reason = 0;
    bool write = false;
    uint32_t level = 0;
};
// Memory as one queue sees it: device virtual addresses through the MMU.
class VaSpace {
public:
    virtual ~VaSpace() = default;
    // Copies len bytes; on a fault returns false and fills *fault (engine is set by the caller).
    virtual bool read(uint64_t va, void* dst, size_t len, Fault* fault) = 0;
    virtual bool write(uint64_t va, const void* src, size_t len, Fault* fault) = 0;
};
struct ExecRequest {
    uint64_t program_va;
    uint32_t program_size;
    uint64_t bindings_va;
    uint32_t binding_count;
};
struct ExecResult {
    uint32_t qerr = 0; /* TERN_QERR_* */
    uint32_t op_index = 0;
    Fault fault;
};
// Validates and runs one program (hw-spec section 7). Thread-safe; no global state.
ExecResult execute_program(VaSpace& mem, const ExecRequest& req);
}  // namespace tern::sim
