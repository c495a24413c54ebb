// SPDX-License-Identifier: MIT
#include "guest_ram.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstring>
#include <stdexcept>

#include "system_error.hpp"
#include "unique_fd.hpp"

namespace tern::emu {

GuestRam::GuestRam(const std::string& path) {
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
        throw_errno("cannot open guest RAM file " + path);
    }
    struct stat st {};
    if (fstat(fd.get(), &st) != 0) {
        throw_errno("cannot stat guest RAM file " + path);
    }
    if (!S_ISREG(st.st_mode)) {
        throw std::invalid_argument("guest RAM " + path + " is not a regular file");
    }
    if (st.st_size <= 0) {
        throw std::invalid_argument("guest RAM file " + path +
                                    " is empty (the harness creates it with the VM's RAM size)");
    }
    if (static_cast<uint64_t>(st.st_size) > kMaxSize) {
        throw std::invalid_argument("guest RAM file " + path +
                                    " is larger than 2 GiB: bus addresses would no longer be "
                                    "file offsets (hw-spec 11.6)");
    }
    size_ = static_cast<uint64_t>(st.st_size);
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) {
        throw_errno("cannot map guest RAM file " + path);
    }
    base_ = static_cast<uint8_t*>(p);
}

GuestRam::~GuestRam() {
    munmap(base_, size_);
}

uint8_t* GuestRam::resolve(uint64_t bus_addr, size_t len) const {
    // bus_addr < size_ first, so that size_ - bus_addr cannot wrap.
    if (bus_addr >= size_ || len > size_ - bus_addr) {
        return nullptr;
    }
    return base_ + bus_addr;
}

bool GuestRam::read(uint64_t bus_addr, void* dst, size_t len) {
    if (len == 0) {
        return true;
    }
    const uint8_t* p = resolve(bus_addr, len);
    if (p == nullptr) {
        return false;
    }
    std::memcpy(dst, p, len);
    return true;
}

bool GuestRam::write(uint64_t bus_addr, const void* src, size_t len) {
    if (len == 0) {
        return true;
    }
    uint8_t* p = resolve(bus_addr, len);
    if (p == nullptr) {
        return false;
    }
    std::memcpy(p, src, len);
    return true;
}

}  // namespace tern::emu
