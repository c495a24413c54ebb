// SPDX-License-Identifier: MIT
#include "file_info.hpp"

#include "model/model_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iterator>
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
    auto out = std::back_inserter(s);
    fmt::format_to(out, "model '{}', format {}, {} bytes\n", j["name"].get<std::string>(),
                   j["format"].get<std::string>(), j["file_size"].get<uint64_t>());
    fmt::format_to(out, "sections:\n");
    for (const auto& sec : j["sections"]) {
        fmt::format_to(out, "  {:<13} offset {:>10}  size {:>12}  xxh3 {}\n",
                       sec["type"].get<std::string>(), sec["offset"].get<uint64_t>(),
                       sec["size"].get<uint64_t>(), sec["checksum"].get<std::string>());
    }
    for (const char* kind : {"inputs", "outputs"}) {
        fmt::format_to(out, "{}:\n", kind);
        for (const auto& t : j[kind]) {
            fmt::format_to(out, "  {}  {} {}  ({} bytes)\n", t["name"].get<std::string>(),
                           t["dtype"].get<std::string>(), t["shape"].dump(),
                           t["bytes"].get<uint64_t>());
        }
    }
    fmt::format_to(out, "binding table:\n");
    size_t slot = 0;
    for (const auto& b : j["bindings"]) {
        const std::string role = b["role"].get<std::string>();
        const std::string index = role == "input" || role == "output"
                                      ? fmt::format(" {}", b["index"].get<uint32_t>())
                                      : std::string();
        fmt::format_to(out, "  slot {}: {}{}, {} bytes\n", slot++, role, index,
                       b["size"].get<uint64_t>());
    }
    fmt::format_to(out, "programs: {}, weights {} bytes, scratch {} bytes per queue\n",
                   j["programs"].size(), j["weights_bytes"].get<uint64_t>(),
                   j["scratch_bytes"].get<uint64_t>());
    return s;
}

}  // namespace tern::run
