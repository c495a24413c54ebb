// SPDX-License-Identifier: MIT
// Writes a ModelImage as a model file (docs/model-format.md). The image is
// validated first, so the writer never produces a file the loader rejects.
#include "byte_io.hpp"
#include "model_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace tern::model {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

struct Section {
    SectionType type;
    uint64_t offset;
    uint64_t size;
    uint64_t checksum;
};

std::vector<uint8_t> encode_metadata(const ModelImage& m, const std::vector<ProgramRef>& refs) {
    std::vector<uint8_t> out;
    io::Writer w(&out);
    w.str(m.name);
    w.put<uint32_t>(static_cast<uint32_t>(m.inputs.size()));
    w.put<uint32_t>(static_cast<uint32_t>(m.outputs.size()));
    w.put<uint32_t>(static_cast<uint32_t>(m.bindings.size()));
    w.put<uint32_t>(static_cast<uint32_t>(m.programs.size()));
    w.put<uint64_t>(m.weights.size());
    w.put<uint64_t>(m.scratch_bytes);
    for (const auto* list : {&m.inputs, &m.outputs}) {
        for (const TensorSpec& t : *list) {
            w.str(t.name);
            w.put<uint32_t>(static_cast<uint32_t>(t.dtype));
            w.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
            for (uint64_t d : t.shape)
                w.put<uint64_t>(d);
        }
    }
    for (const Binding& b : m.bindings) {
        w.put<uint32_t>(static_cast<uint32_t>(b.role));
        w.put<uint32_t>(b.index);
        w.put<uint64_t>(b.size);
    }
    for (const ProgramRef& r : refs) {
        w.put<uint64_t>(r.offset);
        w.put<uint64_t>(r.size);
    }
    return out;
}

// Everything before the weights: header, section table, METADATA and
// PROGRAMS, padded to the weights' offset. `weights_section` receives the
// WEIGHTS entry (offset, size) and the total file size.
std::vector<uint8_t> build_prefix(const ModelImage& m, uint64_t* weights_offset,
                                  uint64_t* file_size) {
    if (std::string e = validate(m); !e.empty())
        throw FormatError("cannot write model '" + m.name + "': " + e);

    std::vector<uint8_t> programs;
    std::vector<ProgramRef> refs;
    for (const auto& p : m.programs) {
        uint64_t off = align_up(programs.size(), kProgramAlignment);
        programs.resize(off);
        programs.insert(programs.end(), p.begin(), p.end());
        refs.push_back({off, p.size()});
    }
    std::vector<uint8_t> metadata = encode_metadata(m, refs);
    if (metadata.size() > kMaxMetadataBytes)
        throw FormatError("cannot write model '" + m.name + "': metadata is " +
                          std::to_string(metadata.size()) + " bytes, more than " +
                          std::to_string(kMaxMetadataBytes));
    if (programs.size() > kMaxProgramsBytes)
        throw FormatError("cannot write model '" + m.name + "': the programs take " +
                          std::to_string(programs.size()) + " bytes, more than " +
                          std::to_string(kMaxProgramsBytes));

    std::vector<Section> sections;
    uint64_t pos = kAlignment;  // the header page
    sections.push_back({SectionType::kMetadata, pos, metadata.size(), checksum(metadata)});
    pos = align_up(pos + metadata.size(), kAlignment);
    sections.push_back({SectionType::kPrograms, pos, programs.size(), checksum(programs)});
    pos = align_up(pos + programs.size(), kAlignment);
    *weights_offset = pos;
    if (!m.weights.empty()) {
        sections.push_back({SectionType::kWeights, pos, m.weights.size(), checksum(m.weights)});
        pos = align_up(pos + m.weights.size(), kAlignment);
    }
    *file_size = pos;

    std::vector<uint8_t> out(*weights_offset, 0);
    uint8_t* h = out.data();
    std::memcpy(h, kMagic, sizeof(kMagic));
    io::store<uint16_t>(h + 8, kVersionMajor);
    io::store<uint16_t>(h + 10, kVersionMinor);
    io::store<uint32_t>(h + 12, kHeaderSize);
    io::store<uint64_t>(h + 16, 0);  // required features
    io::store<uint64_t>(h + 24, 0);  // optional features
    io::store<uint64_t>(h + 32, *file_size);
    io::store<uint64_t>(h + 40, kHeaderSize);
    io::store<uint32_t>(h + 48, static_cast<uint32_t>(sections.size()));
    io::store<uint32_t>(h + 52, kSectionEntrySize);
    io::store<uint32_t>(h + 56, static_cast<uint32_t>(kAlignment));
    io::store<uint32_t>(h + 60, kChecksumXxh3);
    for (size_t i = 0; i < sections.size(); ++i) {
        uint8_t* e = h + kHeaderSize + i * kSectionEntrySize;
        io::store<uint32_t>(e + 0, static_cast<uint32_t>(sections[i].type));
        io::store<uint32_t>(e + 4, kSectionRequired);
        io::store<uint64_t>(e + 8, sections[i].offset);
        io::store<uint64_t>(e + 16, sections[i].size);
        io::store<uint64_t>(e + 24, sections[i].checksum);
    }
    const uint64_t area = kHeaderSize + sections.size() * kSectionEntrySize;
    io::store<uint64_t>(h + 120, checksum(std::span<const uint8_t>(h, area)));
    std::memcpy(out.data() + sections[0].offset, metadata.data(), metadata.size());
    std::memcpy(out.data() + sections[1].offset, programs.data(), programs.size());
    return out;
}

void write_all(int fd, const uint8_t* p, uint64_t n, const std::string& path) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, std::min<uint64_t>(n, 1u << 30));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            throw std::system_error(errno, std::generic_category(), "write " + path);
        p += w;
        n -= uint64_t(w);
    }
}

}  // namespace

std::vector<uint8_t> serialize(const ModelImage& image) {
    uint64_t weights_offset, file_size;
    std::vector<uint8_t> out = build_prefix(image, &weights_offset, &file_size);
    out.resize(file_size, 0);
    if (!image.weights.empty())
        std::memcpy(out.data() + weights_offset, image.weights.data(), image.weights.size());
    return out;
}

void write_model_file(const ModelImage& image, const std::string& path) {
    uint64_t weights_offset, file_size;
    const std::vector<uint8_t> prefix = build_prefix(image, &weights_offset, &file_size);

    std::string tmp = path + ".tmp.XXXXXX";
    int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(), "create " + tmp);
    try {
        write_all(fd, prefix.data(), prefix.size(), tmp);
        write_all(fd, image.weights.data(), image.weights.size(), tmp);
        const uint64_t pad = file_size - weights_offset - image.weights.size();
        static const uint8_t zeros[kAlignment] = {};
        write_all(fd, zeros, pad, tmp);
        // Readable like any file the user creates (mkstemp makes 0600).
        mode_t mask = ::umask(0);
        ::umask(mask);
        if (::fchmod(fd, 0666 & ~mask) != 0 || ::fsync(fd) != 0)
            throw std::system_error(errno, std::generic_category(), "fsync " + tmp);
        if (::close(fd) != 0) {
            fd = -1;
            throw std::system_error(errno, std::generic_category(), "close " + tmp);
        }
        fd = -1;
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw std::system_error(errno, std::generic_category(), "rename to " + path);
    } catch (...) {
        if (fd >= 0)
            ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
}

}  // namespace tern::model
