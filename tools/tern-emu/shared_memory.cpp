// SPDX-License-Identifier: MIT
#include "shared_memory.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <stdexcept>

#include "system_error.hpp"
#include "tern/hw/tern_emu.h"

namespace tern::emu {

uint64_t ivshmem_size_for(uint64_t mem_size) {
    if (mem_size > (uint64_t{1} << 62)) {
        throw std::invalid_argument("device memory too large for an ivshmem BAR");
    }
    return std::bit_ceil(TERN_EMU_MEM_OFFSET + mem_size);
}

SharedMemory::SharedMemory(const std::string& name, uint64_t size) : size_(size) {
    if (!std::has_single_bit(size)) {
        throw std::invalid_argument("ivshmem size must be a power of two");
    }
    fd_.reset(memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd_.valid()) {
        throw_errno("memfd_create");
    }
    if (ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
        throw_errno("ftruncate of the ivshmem memfd");
    }
    // QEMU maps the whole fd as BAR2; a shrunk file would SIGBUS both sides.
    if (fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        throw_errno("sealing the ivshmem memfd");
    }
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) {
        throw_errno("mmap of the ivshmem memfd");
    }
    data_ = static_cast<uint8_t*>(p);
}

SharedMemory::~SharedMemory() {
    if (data_ != nullptr) {
        munmap(data_, size_);
    }
}

}  // namespace tern::emu
