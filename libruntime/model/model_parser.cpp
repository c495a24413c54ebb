// SPDX-License-Identifier: MIT
// Parses and checks a model file (docs/model-format.md), field by field,
// before anything in it is used. Every failure is a FormatError that names
// the field and the rule.
#include "byte_io.hpp"
#include "model_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <system_error>

namespace tern::model {

namespace {

[[noreturn]] void bad(const std::string& msg) {
    throw FormatError(msg);
}

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof(b), "%#llx", static_cast<unsigned long long>(v));
    return b;
}

std::string version_str(uint16_t major, uint16_t minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

const std::string kOurs = version_str(kVersionMajor, kVersionMinor);

bool printable(const uint8_t* p, uint64_t n) {
    return std::all_of(p, p + n, [](uint8_t c) { return c >= 0x20 && c <= 0x7e; });
}

// FEATURE_NAMES: bit -> name (format frozen, docs section 6).
std::map<uint32_t, std::string> parse_feature_names(std::span<const uint8_t> s) {
    io::Reader r(s, "FEATURE_NAMES");
    uint32_t count = r.get<uint32_t>("count");
    if (count > 64)
        bad("FEATURE_NAMES: count " + std::to_string(count) + " is more than 64");
    std::map<uint32_t, std::string> names;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t bit = r.get<uint32_t>("bit");
        uint32_t len = r.get<uint32_t>("name_length");
        if (bit >= 64 || len < 1 || len > 63)
            bad("FEATURE_NAMES: entry " + std::to_string(i) + " has bit " + std::to_string(bit) +
                " and name_length " + std::to_string(len));
        const uint8_t* p = r.take(len, "name");
        if (!printable(p, len))
            bad("FEATURE_NAMES: entry " + std::to_string(i) + " is not printable ASCII");
        names[bit] = std::string(reinterpret_cast<const char*>(p), len);
    }
    if (r.left() != 0)
        bad("FEATURE_NAMES: " + std::to_string(r.left()) + " bytes after the last entry");
    return names;
}

struct Fixed {
    uint16_t major, minor;
    uint64_t required, optional;
    uint32_t count;
};

// Magic, version and the fields that locate the section table.
Fixed check_fixed(std::span<const uint8_t> head) {
    if (head.size() < sizeof(kMagic) || std::memcmp(head.data(), kMagic, sizeof(kMagic)) != 0)
        bad("not a Tern model file (bad magic; expected \"TERNMODL\")");
    if (head.size() < 32)
        bad("truncated: " + std::to_string(head.size()) + " bytes, the file header alone is 128");
    Fixed f;
    f.major = io::load<uint16_t>(head.data() + 8);
    f.minor = io::load<uint16_t>(head.data() + 10);
    f.required = io::load<uint64_t>(head.data() + 16);
    if (f.major != kVersionMajor)
        bad("model file format " + version_str(f.major, f.minor) + " is " +
            (f.major > kVersionMajor ? "newer" : "older") + " than this runtime's " + kOurs +
            (f.required != 0 ? " (it requires features " + hex(f.required) + ")" : "") +
            "; it cannot be read" +
            (f.major > kVersionMajor ? ": update libternrt" : ": rebuild the model"));
    if (head.size() < kHeaderSize)
        bad("truncated: " + std::to_string(head.size()) + " bytes, the file header alone is 128");
    f.optional = io::load<uint64_t>(head.data() + 24);
    const uint32_t header_size = io::load<uint32_t>(head.data() + 12);
    const uint64_t table = io::load<uint64_t>(head.data() + 40);
    f.count = io::load<uint32_t>(head.data() + 48);
    const uint32_t entry = io::load<uint32_t>(head.data() + 52);
    if (header_size != kHeaderSize)
        bad("header_size is " + std::to_string(header_size) + ", must be 128");
    if (table != kHeaderSize)
        bad("section_table_offset is " + std::to_string(table) + ", must be 128");
    if (entry != kSectionEntrySize)
        bad("section_entry_size is " + std::to_string(entry) + ", must be 64");
    if (f.count < 1 || f.count > kMaxSections)
        bad("section_count is " + std::to_string(f.count) + ", must be 1.." +
            std::to_string(kMaxSections));
    return f;
}

// Everything of the header and section table except the features.
FileLayout check_table(std::span<const uint8_t> head, uint64_t file_size, const Fixed& f) {
    const uint64_t area = kHeaderSize + uint64_t(f.count) * kSectionEntrySize;
    if (head.size() < area)
        bad("truncated: the section table ends at byte " + std::to_string(area) + ", only " +
            std::to_string(head.size()) + " bytes given");
    const uint8_t* h = head.data();
    FileLayout L;
    L.version_major = f.major;
    L.version_minor = f.minor;
    L.required_features = f.required;
    L.optional_features = f.optional;
    L.section_count = f.count;
    L.file_size = io::load<uint64_t>(h + 32);
    const uint32_t alignment = io::load<uint32_t>(h + 56);
    const uint32_t checksum_type = io::load<uint32_t>(h + 60);
    if (L.file_size != file_size)
        bad(L.file_size > file_size
                ? "truncated: the header says the file is " + std::to_string(L.file_size) +
                      " bytes, it has " + std::to_string(file_size)
                : "file_size is " + std::to_string(L.file_size) + " but the file has " +
                      std::to_string(file_size) + " bytes (trailing data)");
    if (alignment != kAlignment)
        bad("alignment is " + std::to_string(alignment) + ", must be 4096");
    if (checksum_type != kChecksumXxh3)
        bad("checksum_type is " + std::to_string(checksum_type) + ", must be 1 (XXH3-64)");
    if (!std::all_of(h + 64, h + 120, [](uint8_t b) { return b == 0; }))
        bad("reserved header bytes 64..119 must be zero");
    std::vector<uint8_t> copy(h, h + area);
    io::store<uint64_t>(copy.data() + 120, 0);
    const uint64_t want = io::load<uint64_t>(h + 120);
    if (checksum(copy) != want)
        bad("header_checksum mismatch (the header or section table is corrupt)");

    struct Range {
        uint64_t begin, end;
        uint32_t index;
    };
    std::vector<Range> ranges;
    for (uint32_t i = 0; i < f.count; ++i) {
        const uint8_t* e = h + kHeaderSize + uint64_t(i) * kSectionEntrySize;
        const uint32_t type = io::load<uint32_t>(e);
        const uint32_t flags = io::load<uint32_t>(e + 4);
        SectionRef s;
        s.present = true;
        s.offset = io::load<uint64_t>(e + 8);
        s.size = io::load<uint64_t>(e + 16);
        s.checksum = io::load<uint64_t>(e + 24);
        const std::string what =
            "section " + std::to_string(i) + " (type " + std::to_string(type) + ")";
        if ((flags & ~kSectionRequired) != 0)
            bad(what + ": unknown flags " + hex(flags));
        if (!std::all_of(e + 32, e + 64, [](uint8_t b) { return b == 0; }))
            bad(what + ": reserved bytes must be zero");
        if (s.offset % kAlignment != 0)
            bad(what + ": offset " + std::to_string(s.offset) +
                " is not a multiple of the 4096-byte alignment");
        if (s.offset < kAlignment)
            bad(what + ": offset " + std::to_string(s.offset) +
                " lies in the header page (sections start at 4096 or later)");
        if (s.offset > file_size || s.size > file_size - s.offset)
            bad(what + ": bytes [" + std::to_string(s.offset) + ", " + std::to_string(s.offset) +
                "+" + std::to_string(s.size) + ") extend past the end of the file (" +
                std::to_string(file_size) + " bytes)");
        SectionRef* slot = nullptr;
        uint64_t min_size = 0, max_size = 0;
        switch (type) {
            case uint32_t(SectionType::kMetadata):
                slot = &L.metadata, min_size = 1, max_size = kMaxMetadataBytes;
                break;
            case uint32_t(SectionType::kWeights):
                slot = &L.weights, min_size = 0, max_size = kMaxWeightsBytes;
                break;
            case uint32_t(SectionType::kPrograms):
                slot = &L.programs, min_size = 1, max_size = kMaxProgramsBytes;
                break;
            case uint32_t(SectionType::kFeatureNames):
                slot = &L.feature_names, min_size = 4, max_size = kMaxFeatureNamesBytes;
                break;
            default:
                if (flags & kSectionRequired)
                    bad(what + " is unknown to this runtime (format " + kOurs +
                        ") and marked REQUIRED; the file is format " +
                        version_str(f.major, f.minor) + ": update libternrt");
                ++L.unknown_sections;
                break;
        }
        if (slot != nullptr) {
            const char* name = section_name(SectionType(type));
            if (slot->present)
                bad(std::string("two ") + name + " sections (sections " + std::to_string(i) +
                    " and an earlier one)");
            if (s.size < min_size || s.size > max_size)
                bad(std::string(name) + " section: size " + std::to_string(s.size) + " is not in " +
                    std::to_string(min_size) + ".." + std::to_string(max_size));
            // An empty section has nothing to verify later: check now.
            if (s.size == 0 && s.checksum != checksum({}))
                bad(std::string(name) + " section checksum mismatch (the file is corrupt)");
            *slot = s;
        }
        ranges.push_back({s.offset, s.offset + std::max<uint64_t>(s.size, 1), i});
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.begin < b.begin; });
    for (size_t i = 1; i < ranges.size(); ++i)
        if (ranges[i].begin < ranges[i - 1].end)
            bad("sections " + std::to_string(ranges[i - 1].index) + " and " +
                std::to_string(ranges[i].index) + " overlap");
    if (!L.metadata.present)
        bad("no METADATA section");
    if (!L.programs.present)
        bad("no PROGRAMS section");
    return L;
}

void check_section_checksum(std::span<const uint8_t> bytes, const SectionRef& s, const char* name) {
    if (bytes.size() != s.size)
        bad(std::string(name) + ": " + std::to_string(bytes.size()) +
            " bytes given, the table says " + std::to_string(s.size));
    if (checksum(bytes) != s.checksum)
        bad(std::string(name) + " section checksum mismatch (the file is corrupt)");
}

TensorSpec read_spec(io::Reader& r, const std::string& what) {
    TensorSpec t;
    uint32_t len = r.get<uint32_t>(what + " name_length");
    if (len < 1 || len > kMaxNameLength)
        bad("METADATA: " + what + " name_length " + std::to_string(len) + " is not in 1..255");
    const uint8_t* p = r.take(len, what + " name");
    t.name.assign(reinterpret_cast<const char*>(p), len);
    uint32_t dtype = r.get<uint32_t>(what + " dtype");
    if (dtype < uint32_t(DType::kFp32) || dtype > uint32_t(DType::kInt32))
        bad("METADATA: " + what + " '" + t.name + "': unknown dtype " + std::to_string(dtype));
    t.dtype = DType(dtype);
    uint32_t rank = r.get<uint32_t>(what + " rank");
    if (rank < 1 || rank > kMaxRank)
        bad("METADATA: " + what + " '" + t.name + "': rank " + std::to_string(rank) +
            " is not in 1..6");
    for (uint32_t d = 0; d < rank; ++d)
        t.shape.push_back(r.get<uint64_t>(what + " shape"));
    return t;
}

}  // namespace

uint64_t header_area_size(std::span<const uint8_t> head) {
    Fixed f = check_fixed(head);
    return kHeaderSize + uint64_t(f.count) * kSectionEntrySize;
}

FileLayout parse_layout(std::span<const uint8_t> head, uint64_t file_size,
                        const SectionReader& read) {
    Fixed f = check_fixed(head);
    const uint64_t unknown = f.required & ~kKnownRequiredFeatures;
    if (unknown != 0) {
        // Name the features if the table is sound enough to find them.
        std::map<uint32_t, std::string> names;
        try {
            FileLayout L = check_table(head, file_size, f);
            if (L.feature_names.present && read) {
                std::vector<uint8_t> s = read(L.feature_names.offset, L.feature_names.size);
                check_section_checksum(s, L.feature_names, "FEATURE_NAMES");
                names = parse_feature_names(s);
            }
        } catch (const std::exception&) {
            // Only the bits can be reported.
        }
        std::string list;
        for (uint32_t bit = 0; bit < 64; ++bit) {
            if (!(unknown >> bit & 1))
                continue;
            if (!list.empty())
                list += ", ";
            auto it = names.find(bit);
            list += it != names.end() ? "'" + it->second + "' (bit " + std::to_string(bit) + ")"
                                      : "bit " + std::to_string(bit);
        }
        bad("model file (format " + version_str(f.major, f.minor) + ") requires feature" +
            (__builtin_popcountll(unknown) > 1 ? "s " : " ") + list +
            ", which this runtime (format " + kOurs + ") does not implement; update libternrt");
    }
    FileLayout L = check_table(head, file_size, f);
    if (L.feature_names.present && read) {
        // Optional, but if present it must be sound.
        std::vector<uint8_t> s = read(L.feature_names.offset, L.feature_names.size);
        check_section_checksum(s, L.feature_names, "FEATURE_NAMES");
        (void)parse_feature_names(s);
    }
    return L;
}

std::vector<ProgramRef> parse_metadata(std::span<const uint8_t> meta, const FileLayout& L,
                                       ModelImage* out) {
    check_section_checksum(meta, L.metadata, "METADATA");
    io::Reader r(meta, "METADATA");
    uint32_t len = r.get<uint32_t>("name_length");
    if (len < 1 || len > kMaxNameLength)
        bad("METADATA: name_length " + std::to_string(len) + " is not in 1..255");
    out->name.assign(reinterpret_cast<const char*>(r.take(len, "name")), len);
    const uint32_t n_in = r.get<uint32_t>("num_inputs");
    const uint32_t n_out = r.get<uint32_t>("num_outputs");
    const uint32_t n_bind = r.get<uint32_t>("num_bindings");
    const uint32_t n_prog = r.get<uint32_t>("num_programs");
    const uint64_t weights_size = r.get<uint64_t>("weights_size");
    out->scratch_bytes = r.get<uint64_t>("scratch_bytes");
    if (n_in > kMaxInputs)
        bad("METADATA: num_inputs " + std::to_string(n_in) + " is more than 256");
    if (n_out < 1 || n_out > kMaxOutputs)
        bad("METADATA: num_outputs " + std::to_string(n_out) + " is not in 1..256");
    if (n_bind < 1 || n_bind > kMaxBindings)
        bad("METADATA: num_bindings " + std::to_string(n_bind) + " is not in 1..256");
    if (n_prog < 1 || n_prog > kMaxPrograms)
        bad("METADATA: num_programs " + std::to_string(n_prog) + " is not in 1..1024");
    const uint64_t have = L.weights.present ? L.weights.size : 0;
    if (weights_size != have)
        bad("METADATA: weights_size is " + std::to_string(weights_size) +
            " but the WEIGHTS section has " + std::to_string(have) + " bytes");
    if (out->scratch_bytes > kMaxScratchBytes)
        bad("METADATA: scratch_bytes " + std::to_string(out->scratch_bytes) + " is more than 2^40");
    out->inputs.clear();
    out->outputs.clear();
    for (uint32_t i = 0; i < n_in; ++i)
        out->inputs.push_back(read_spec(r, "input " + std::to_string(i)));
    for (uint32_t i = 0; i < n_out; ++i)
        out->outputs.push_back(read_spec(r, "output " + std::to_string(i)));
    out->bindings.clear();
    for (uint32_t i = 0; i < n_bind; ++i) {
        const uint32_t role = r.get<uint32_t>("binding role");
        const uint32_t index = r.get<uint32_t>("binding index");
        const uint64_t size = r.get<uint64_t>("binding size");
        if (role < uint32_t(BindingRole::kInput) || role > uint32_t(BindingRole::kScratch))
            bad("METADATA: binding " + std::to_string(i) + ": unknown role " +
                std::to_string(role));
        out->bindings.push_back(Binding{BindingRole(role), index, size});
    }
    std::vector<ProgramRef> refs;
    uint64_t end = 0;
    for (uint32_t i = 0; i < n_prog; ++i) {
        ProgramRef p;
        p.offset = r.get<uint64_t>("program offset");
        p.size = r.get<uint64_t>("program size");
        const std::string what = "METADATA: program " + std::to_string(i);
        if (p.offset % kProgramAlignment != 0)
            bad(what + ": offset " + std::to_string(p.offset) + " is not a multiple of 64");
        if (p.size < 32 || p.size > kMaxProgramSize)
            bad(what + ": size " + std::to_string(p.size) + " is not in 32.." +
                std::to_string(kMaxProgramSize));
        if (i > 0 && p.offset < end)
            bad(what + ": offset " + std::to_string(p.offset) +
                " overlaps or precedes the previous program (which ends at " + std::to_string(end) +
                ")");
        if (p.offset > L.programs.size || p.size > L.programs.size - p.offset)
            bad(what + ": bytes [" + std::to_string(p.offset) + ", +" + std::to_string(p.size) +
                ") lie outside the PROGRAMS section (" + std::to_string(L.programs.size) +
                " bytes)");
        end = p.offset + p.size;
        refs.push_back(p);
    }
    if (r.left() != 0)
        bad("METADATA: " + std::to_string(r.left()) + " bytes after the program table");
    return refs;
}

void parse_programs(std::span<const uint8_t> programs, const FileLayout& L,
                    const std::vector<ProgramRef>& refs, ModelImage* out) {
    check_section_checksum(programs, L.programs, "PROGRAMS");
    out->programs.clear();
    for (const ProgramRef& p : refs)
        out->programs.emplace_back(programs.begin() + p.offset,
                                   programs.begin() + p.offset + p.size);
}

ModelImage parse(std::span<const uint8_t> file) {
    auto section = [&](const SectionRef& s) { return file.subspan(s.offset, s.size); };
    FileLayout L = parse_layout(file, file.size(), [&](uint64_t off, uint64_t size) {
        return std::vector<uint8_t>(file.begin() + off, file.begin() + off + size);
    });
    ModelImage m;
    std::vector<ProgramRef> refs = parse_metadata(section(L.metadata), L, &m);
    parse_programs(section(L.programs), L, refs, &m);
    if (L.weights.present) {
        check_section_checksum(section(L.weights), L.weights, "WEIGHTS");
        auto w = section(L.weights);
        m.weights.assign(w.begin(), w.end());
    }
    if (std::string e = validate(m); !e.empty())
        bad(e);
    return m;
}

ModelImage read_model_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(), "open " + path);
    std::vector<uint8_t> data;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int e = errno;
        ::close(fd);
        throw std::system_error(e, std::generic_category(), "stat " + path);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw FormatError(path + " is not a regular file");
    }
    try {
        data.resize(static_cast<size_t>(st.st_size));
    } catch (...) {
        ::close(fd);
        throw;
    }
    uint64_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::pread(fd, data.data() + done, data.size() - done, off_t(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            ::close(fd);
            throw std::system_error(e, std::generic_category(), "read " + path);
        }
        done += uint64_t(n);
    }
    ::close(fd);
    try {
        return parse(data);
    } catch (const FormatError& e) {
        throw FormatError(path + ": " + e.what());
    }
}

}  // namespace tern::model
