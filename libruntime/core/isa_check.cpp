// SPDX-License-Identifier: MIT
#include "isa_check.hpp"

#include <tern/hw/tern_isa.h>

#include <cstring>

namespace tern::rt {

bool check_program_header(const void* image, size_t size, std::string* why) {
    if (size < sizeof(tern_isa_header)) {
        *why = "the image is smaller than a program header (" +
               std::to_string(sizeof(tern_isa_header)) + " bytes)";
        return false;
    }
    if (size > TERN_ISA_MAX_PROGRAM_SIZE) {
        *why = "the image is larger than the device's limit of " +
               std::to_string(TERN_ISA_MAX_PROGRAM_SIZE) + " bytes";
        return false;
    }
    tern_isa_header h;
    std::memcpy(&h, image, sizeof(h));
    if (h.magic != TERN_ISA_MAGIC) {
        *why = "bad magic (not a Tern program image)";
        return false;
    }
    if (h.version != TERN_ISA_VERSION) {
        *why = "ISA version " + std::to_string(h.version) + ", this device runs version " +
               std::to_string(TERN_ISA_VERSION);
        return false;
    }
    if (h.size != size) {
        *why = "the header says " + std::to_string(h.size) + " bytes, the image has " +
               std::to_string(size);
        return false;
    }
    return true;
}

}  // namespace tern::rt
