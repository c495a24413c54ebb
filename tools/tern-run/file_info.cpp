// SPDX-License-Identifier: MIT
#include "file_info.hpp"

#include "model/model_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace tern::run {

namespace {

class File {
public:
    explicit File(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0)
            throw std::system_error(errno, std::generic_category(), path);
        struct stat st {};
        if (::fstat(fd_, &st) != 0)
            throw std::system_error(errno, std::generic_category(), path);
        size_ = uint64_t(st.st_size);
    }
    ~File() { ::close(fd_); }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    std::vector<uint8_t> read(uint64_t off, uint64_t len) const {
        std::vector<uint8_t> v(len);
        for (uint64_t done = 0; done < len;) {
            ssize_t n = ::pread(fd_, v.data() + done, len - done, off_t(off + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                throw std::system_error(n < 0 ? errno : EIO, std::generic_category(), path_);
            done += uint64_t(n);
        }
        return v;
    }
    uint64_t size() const { return size_; }

private:
    std::string path_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof(b), "0x%016llx", static_cast<unsigned long long>(v));
    return b;
}

nlohmann::json spec_json(const model::TensorSpec& t) {
    return {{"name", t.name},
            {"dtype", model::dtype_name(t.dtype)},
            {"shape", t.shape},
            {"bytes", model::tensor_bytes(t)}};
}

}  // namespace

nlohmann::json file_info(const std::string& path) {
    File f(path);
    const std::vector<uint8_t> head = f.read(0, std::min<uint64_t>(f.size(), model::kAlignment));
    const model::FileLayout L = model::parse_layout(
        head, f.size(), [&](uint64_t off, uint64_t len) { return f.read(off, len); });
    model::ModelImage m;
    const auto refs = model::parse_metadata(f.read(L.metadata.offset, L.metadata.size), L, &m);
    model::parse_programs(f.read(L.programs.offset, L.programs.size), L, refs, &m);
    if (std::string e = model::validate(m, L.weights.size); !e.empty())
        throw model::FormatError(e);

    nlohmann::json sections = nlohmann::json::array();
    auto add = [&](const char* name, const model::SectionRef& s) {
        if (s.present)
            sections.push_back({{"type", name},
                                {"offset", s.offset},
                                {"size", s.size},
                                {"checksum", hex(s.checksum)}});
    };
    add("METADATA", L.metadata);
    add("PROGRAMS", L.programs);
    add("WEIGHTS", L.weights);
    add("FEATURE_NAMES", L.feature_names);
    nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
    for (const auto& t : m.inputs)
        inputs.push_back(spec_json(t));
    for (const auto& t : m.outputs)
        outputs.push_back(spec_json(t));
    nlohmann::json bindings = nlohmann::json::array();
    for (const auto& b : m.bindings)
        bindings.push_back(
            {{"role", model::role_name(b.role)}, {"index", b.index}, {"size", b.size}});
    nlohmann::json programs = nlohmann::json::array();
    for (size_t i = 0; i < refs.size(); ++i)
        programs.push_back({{"offset", refs[i].offset}, {"size", refs[i].size}});
    return {{"path", path},
            {"name", m.name},
            {"format", std::to_string(L.version_major) + "." + std::to_string(L.version_minor)},
            {"file_size", L.file_size},
            {"required_features", L.required_features},
            {"optional_features", L.optional_features},
            {"sections", sections},
            {"skipped_sections", L.unknown_sections},
            {"inputs", inputs},
            {"outputs", outputs},
            {"bindings", bindings},
            {"programs", programs},
            {"weights_bytes", L.weights.present ? L.weights.size : 0},
            {"scratch_bytes", m.scratch_bytes}};
}

std::string file_info_text(const nlohmann::json& j) {
    std::string s;
    char line[512];
    auto add = [&](const std::string& l) { s += l + "\n"; };
    add("model '" + j["name"].get<std::string>() + "', format " + j["format"].get<std::string>() +
        ", " + std::to_string(j["file_size"].get<uint64_t>()) + " bytes");
    add("sections:");
    for (const auto& sec : j["sections"]) {
        std::snprintf(line, sizeof(line), "  %-13s offset %10llu  size %12llu  xxh3 %s",
                      sec["type"].get<std::string>().c_str(),
                      static_cast<unsigned long long>(sec["offset"].get<uint64_t>()),
                      static_cast<unsigned long long>(sec["size"].get<uint64_t>()),
                      sec["checksum"].get<std::string>().c_str());
        add(line);
    }
    for (const char* kind : {"inputs", "outputs"}) {
        add(std::string(kind) + ":");
        for (const auto& t : j[kind]) {
            add("  " + t["name"].get<std::string>() + "  " + t["dtype"].get<std::string>() + " " +
                t["shape"].dump() + "  (" + std::to_string(t["bytes"].get<uint64_t>()) + " bytes)");
        }
    }
    add("binding table:");
    size_t i = 0;
    for (const auto& b : j["bindings"])
        add("  slot " + std::to_string(i++) + ": " + b["role"].get<std::string>() +
            (b["role"] == "input" || b["role"] == "output"
                 ? " " + std::to_string(b["index"].get<uint32_t>())
                 : "") +
            ", " + std::to_string(b["size"].get<uint64_t>()) + " bytes");
    add("programs: " + std::to_string(j["programs"].size()) + ", weights " +
        std::to_string(j["weights_bytes"].get<uint64_t>()) + " bytes, scratch " +
        std::to_string(j["scratch_bytes"].get<uint64_t>()) + " bytes per queue");
    return s;
}

}  // namespace tern::run
