// SPDX-License-Identifier: MIT
// A function's 64 KiB register window as a plain little-endian byte array.
// The storage may be shared with another process (the emulator's ivshmem
// BAR), so every access is a single atomic 32- or 64-bit load or store.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

#include "tern/hw/tern_regs.h"

namespace tern::sim {

static_assert(std::endian::native == std::endian::little,
              "registers and descriptors are little-endian; the model stores them natively");

class RegisterFile {
public:
    RegisterFile();
    RegisterFile(const RegisterFile&) = delete;
    RegisterFile& operator=(const RegisterFile&) = delete;

    // Switches to external storage (8-byte aligned, TERN_REGS_SIZE bytes), or
    // back to the internal buffer with nullptr. Only while no engine runs.
    void bind(uint8_t* external);
    uint8_t* data() const { return base_.load(std::memory_order_acquire); }

    static constexpr bool valid32(uint32_t off) {
        return off % 4 == 0 && off <= TERN_REGS_SIZE - 4;
    }
    static constexpr bool valid64(uint32_t off) {
        return off % 8 == 0 && off <= TERN_REGS_SIZE - 8;
    }

    // Callers pass offsets that satisfy valid32/valid64 (constants or
    // checked guest offsets).
    uint32_t load32(uint32_t off) const { return ref32(off).load(std::memory_order_acquire); }
    uint64_t load64(uint32_t off) const { return ref64(off).load(std::memory_order_acquire); }
    void store32(uint32_t off, uint32_t v) { ref32(off).store(v, std::memory_order_release); }
    void store64(uint32_t off, uint64_t v) { ref64(off).store(v, std::memory_order_release); }
    uint64_t fetch_add64(uint32_t off, uint64_t v) {
        return ref64(off).fetch_add(v, std::memory_order_acq_rel);
    }

    // Zeroes [begin, end) (both 8-byte aligned) with atomic stores, so that
    // concurrent readers never race with a plain memset.
    void clear(uint32_t begin, uint32_t end);

private:
    std::atomic_ref<uint32_t> ref32(uint32_t off) const {
        return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(data() + off));
    }
    std::atomic_ref<uint64_t> ref64(uint32_t off) const {
        return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(data() + off));
    }

    std::unique_ptr<uint64_t[]> internal_;  // uint64_t for 8-byte alignment
    std::atomic<uint8_t*> base_;
};

}  // namespace tern::sim
