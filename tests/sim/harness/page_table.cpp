// SPDX-License-Identifier: MIT
#include "harness/page_table.hpp"

#include <gtest/gtest.h>

#include "tern/hw/tern_mmu.h"

namespace tern::test {

namespace {
void store_pte(uint64_t* slot, uint64_t value) {
    __atomic_store_n(slot, value, __ATOMIC_RELEASE);
}
uint64_t load_pte(const uint64_t* slot) {
    return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}
}  // namespace

PageTable::PageTable(HostArena& arena) : arena_(arena) {
    alloc_table(&root_bus_);
}

uint64_t* PageTable::alloc_table(uint64_t* bus_out) {
    HostBuffer b = arena_.alloc(TERN_PAGE_SIZE);
    if (b.ptr == nullptr) {
        return nullptr;
    }
    tables_[b.bus] = b.as<uint64_t>();
    *bus_out = b.bus;
    return b.as<uint64_t>();
}

uint64_t* PageTable::table_at(uint64_t va, unsigned level) {
    auto it = tables_.find(root_bus_);
    if (it == tables_.end()) {
        return nullptr;
    }
    uint64_t* table = it->second;
    for (unsigned l = TERN_PT_LEVELS - 1; l > level; --l) {
        uint64_t* slot = &table[TERN_PT_INDEX(va, l)];
        uint64_t pte = load_pte(slot);
        if ((pte & TERN_PTE_VALID) == 0) {
            uint64_t bus = 0;
            if (alloc_table(&bus) == nullptr) {
                return nullptr;
            }
            pte = bus | TERN_PTE_VALID;
            store_pte(slot, pte);
        } else if ((pte & TERN_PTE_LEAF) != 0 || tables_.count(pte & TERN_PTE_ADDR) == 0) {
            ADD_FAILURE() << "page-table walk of va 0x" << std::hex << va
                          << " hits a leaf at level " << l;
            return nullptr;
        }
        table = tables_.at(pte & TERN_PTE_ADDR);
    }
    return table;
}

void PageTable::map_range(uint64_t va, uint64_t addr, uint64_t size, uint64_t flags, bool large) {
    const uint64_t page = large ? TERN_LARGE_PAGE_SIZE : TERN_PAGE_SIZE;
    const unsigned level = large ? 1 : 0;
    if ((va | addr | size) % page != 0 || size == 0) {
        ADD_FAILURE() << "unaligned mapping va 0x" << std::hex << va << " addr 0x" << addr
                      << " size 0x" << size;
        return;
    }
    for (uint64_t off = 0; off < size; off += page) {
        uint64_t* table = table_at(va + off, level);
        if (table == nullptr) {
            return;
        }
        uint64_t pte = ((addr + off) & TERN_PTE_ADDR) | TERN_PTE_VALID | flags;
        if (large) {
            pte |= TERN_PTE_LEAF;
        }
        store_pte(&table[TERN_PT_INDEX(va + off, level)], pte);
    }
}

void PageTable::map_host(uint64_t va, uint64_t bus, uint64_t size, bool writable) {
    map_range(va, bus, size, writable ? TERN_PTE_WRITE : 0, false);
}

void PageTable::map_host_large(uint64_t va, uint64_t bus, uint64_t size, bool writable) {
    map_range(va, bus, size, writable ? TERN_PTE_WRITE : 0, true);
}

void PageTable::map_dev(uint64_t va, uint64_t dev_offset, uint64_t size, bool writable) {
    map_range(va, dev_offset, size, TERN_PTE_DEVMEM | (writable ? TERN_PTE_WRITE : 0), false);
}

void PageTable::map_dev_large(uint64_t va, uint64_t dev_offset, uint64_t size, bool writable) {
    map_range(va, dev_offset, size, TERN_PTE_DEVMEM | (writable ? TERN_PTE_WRITE : 0), true);
}

void PageTable::unmap(uint64_t va, uint64_t size) {
    const uint64_t end = va + size;
    while (va < end) {
        uint64_t* table = tables_.at(root_bus_);
        uint64_t step = TERN_PAGE_SIZE;
        for (unsigned l = TERN_PT_LEVELS - 1;; --l) {
            uint64_t* slot = &table[TERN_PT_INDEX(va, l)];
            const uint64_t pte = load_pte(slot);
            const uint64_t span = TERN_PAGE_SIZE << (9 * l);
            if ((pte & TERN_PTE_VALID) == 0) {
                step = span - (va & (span - 1));  // nothing mapped below
                break;
            }
            if (l == 0 || (pte & TERN_PTE_LEAF) != 0) {
                store_pte(slot, 0);
                step = span - (va & (span - 1));
                break;
            }
            table = tables_.at(pte & TERN_PTE_ADDR);
        }
        va += step;
    }
}

void PageTable::set_entry(uint64_t va, unsigned level, uint64_t raw) {
    uint64_t* table = table_at(va, level);
    if (table != nullptr) {
        store_pte(&table[TERN_PT_INDEX(va, level)], raw);
    }
}

uint64_t PageTable::entry(uint64_t va, unsigned level) {
    uint64_t* table = table_at(va, level);
    return table == nullptr ? 0 : load_pte(&table[TERN_PT_INDEX(va, level)]);
}

}  // namespace tern::test
