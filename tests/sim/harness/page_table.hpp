// SPDX-License-Identifier: MIT
// Builds 4-level device page tables (tern_mmu.h format) in host memory, as a
// driver does. Only writes memory: installing the root and invalidating the
// TLB go through registers (see mmu.hpp / address_space.hpp).
#pragma once

#include <cstdint>
#include <map>

#include "harness/host_arena.hpp"

namespace tern::test {

class PageTable {
public:
    explicit PageTable(HostArena& arena);
    PageTable(const PageTable&) = delete;
    PageTable& operator=(const PageTable&) = delete;

    // Bus address of the level-3 (root) table.
    uint64_t root_bus() const { return root_bus_; }

    // Maps [va, va + size) to host bus addresses [bus, bus + size) with 4 KiB
    // pages. va, bus and size must be 4 KiB aligned.
    void map_host(uint64_t va, uint64_t bus, uint64_t size, bool writable = true);
    // Same with 2 MiB pages (level-1 leaves); everything 2 MiB aligned.
    void map_host_large(uint64_t va, uint64_t bus, uint64_t size, bool writable = true);
    // Maps [va, va + size) to device-memory offsets of the function.
    void map_dev(uint64_t va, uint64_t dev_offset, uint64_t size, bool writable = true);
    void map_dev_large(uint64_t va, uint64_t dev_offset, uint64_t size, bool writable = true);
    // Clears the leaf entries covering [va, va + size) (4 KiB or 2 MiB leaves).
    void unmap(uint64_t va, uint64_t size);

    // Raw access for negative tests: the entry at `level` on the walk of
    // `va`, creating intermediate tables (valid, non-leaf) above it.
    void set_entry(uint64_t va, unsigned level, uint64_t raw);
    uint64_t entry(uint64_t va, unsigned level);

    // Number of table pages allocated so far (root included).
    size_t table_count() const { return tables_.size(); }

private:
    uint64_t* alloc_table(uint64_t* bus_out);
    // Pointer to the table at `level` that covers `va`, creating missing
    // intermediate tables. Fails the test (returns nullptr) if a leaf sits
    // in the way.
    uint64_t* table_at(uint64_t va, unsigned level);
    void map_range(uint64_t va, uint64_t addr, uint64_t size, uint64_t flags, bool large);

    HostArena& arena_;
    uint64_t root_bus_ = 0;
    std::map<uint64_t, uint64_t*> tables_;  // bus address -> CPU pointer
};

}  // namespace tern::test
