// SPDX-License-Identifier: MIT
// The memory behind an ivshmem function's BAR2: an anonymous memfd that the
// emulator maps and hands to QEMU over the server socket.
#pragma once

#include <cstdint>
#include <string>

#include "unique_fd.hpp"

namespace tern::emu {

// ivshmem BAR2 size for a card with `mem_size` bytes of device memory: the
// next power of two >= TERN_EMU_MEM_OFFSET + mem_size (hw-spec 11.1).
uint64_t ivshmem_size_for(uint64_t mem_size);

class SharedMemory {
public:
    // Creates a zeroed memfd of `size` bytes (a power of two, as BAR sizes
    // are), seals its size so that no peer can shrink it under our mapping,
    // and maps it. Throws std::system_error.
    SharedMemory(const std::string& name, uint64_t size);
    ~SharedMemory();
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;

    int fd() const { return fd_.get(); }
    uint8_t* data() const { return data_; }
    uint64_t size() const { return size_; }

private:
    UniqueFd fd_;
    uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace tern::emu
