// SPDX-License-Identifier: MIT
// tern_model_load_file / tern_model_load_memory: check the whole file
// (docs/model-format.md section 7), then allocate per the plan, upload the
// programs, and stream the weights to device memory.
#include "../core/api_struct.hpp"
#include "../core/context.hpp"
#include "../core/log.hpp"
#include "../core/runtime.hpp"
#include "../core/status.hpp"
#include "../core/tensor.hpp"
#include "checksum.hpp"
#include "model_api_util.hpp"
#include "model_file.hpp"
#include "model_object.hpp"
#include "weight_stream.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
#include <system_error>

namespace tern::rt {

namespace {

uint64_t round_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

// The bytes of a file, read with pread; errors recorded with the path.
class FileBytes {
public:
    explicit FileBytes(std::string path) : path_(std::move(path)) {}
    ~FileBytes() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    FileBytes(const FileBytes&) = delete;
    FileBytes& operator=(const FileBytes&) = delete;

    tern_status open() {
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            int e = errno;
            return fail(e == EACCES || e == EPERM ? TERN_ERROR_PERMISSION : TERN_ERROR_IO,
                        "cannot open {}: {} ({})", path_, std::strerror(e), errno_name(-e));
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0)
            return fail(TERN_ERROR_IO, "cannot stat {} ({})", path_, errno_name(-errno));
        if (!S_ISREG(st.st_mode))
            return fail(TERN_ERROR_IO, "{} is not a regular file", path_);
        size_ = uint64_t(st.st_size);
        return TERN_OK;
    }

    // Exactly `len` bytes at `off` (the caller checked the bounds).
    tern_status read(uint64_t off, uint64_t len, std::vector<uint8_t>* out) const {
        out->resize(len);
        uint64_t done = 0;
        while (done < len) {
            ssize_t n = ::pread(fd_, out->data() + done, len - done, off_t(off + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return fail(TERN_ERROR_IO, "reading {} at byte {} failed ({})", path_, off + done,
                            errno_name(-errno));
            if (n == 0)
                return fail(TERN_ERROR_IO, "{} ended at byte {} (truncated while loading?)", path_,
                            off + done);
            done += uint64_t(n);
        }
        return TERN_OK;
    }

    int fd() const { return fd_; }
    uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

tern_status invalid(const char* what, const std::exception& e) {
    return fail(TERN_ERROR_INVALID_MODEL, "{}: {}", what, e.what());
}

tern_status read_desc(const tern_model_load_desc* desc, DirectIo* policy) {
    tern_model_load_desc d{};
    if (desc != nullptr)
        if (tern_status s = read_struct(desc, &d, "desc"); s != TERN_OK)
            return s;
    constexpr uint32_t kKnown = TERN_MODEL_LOAD_NO_DIRECT_IO | TERN_MODEL_LOAD_DIRECT_IO;
    if ((d.flags & ~kKnown) != 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "desc->flags has unknown bits {:#x}",
                    d.flags & ~kKnown);
    if ((d.flags & kKnown) == kKnown)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "TERN_MODEL_LOAD_NO_DIRECT_IO and TERN_MODEL_LOAD_DIRECT_IO exclude each "
                    "other");
    *policy = (d.flags & TERN_MODEL_LOAD_NO_DIRECT_IO) ? DirectIo::never
              : (d.flags & TERN_MODEL_LOAD_DIRECT_IO)  ? DirectIo::always
                                                       : DirectIo::automatic;
    return TERN_OK;
}

// Device memory for the checked image, programs uploaded; weights not yet.
tern_status build(Context* c, const model::FileLayout& L, model::ModelImage&& img,
                  std::unique_ptr<LoadedModel>* out) {
    auto m = std::make_unique<LoadedModel>();
    m->context = c;
    m->version_major = L.version_major;
    m->version_minor = L.version_minor;
    for (const auto& t : img.inputs)
        m->input_bytes.push_back(model::tensor_bytes(t));
    for (const auto& t : img.outputs)
        m->output_bytes.push_back(model::tensor_bytes(t));

    // All programs in one device buffer, 64-byte aligned (isa.md section 1).
    std::vector<uint8_t> packed;
    for (const auto& p : img.programs) {
        uint64_t off = round_up(packed.size(), 64);
        packed.resize(off);
        packed.insert(packed.end(), p.begin(), p.end());
        m->programs.push_back({off, uint32_t(p.size())});
    }
    img.programs.clear();
    img.programs.shrink_to_fit();
    m->meta = std::move(img);
    m->program_bytes = round_up(packed.size(), 4);
    m->weights_bytes = L.weights.present ? L.weights.size : 0;

    Tensor* t = nullptr;
    if (tern_status s =
            create_model_tensor(c, packed.size(), TERN_MEMORY_DEVICE, &m->programs_tensor, &t);
        s != TERN_OK)
        return s;
    m->programs_va = t->va();
    if (tern_status s = c->sync_write(t->va(), packed.data(), packed.size()); s != TERN_OK)
        return s;
    if (m->weights_bytes != 0) {
        if (tern_status s = create_model_tensor(c, m->weights_bytes, TERN_MEMORY_DEVICE,
                                                &m->weights_tensor, &t);
            s != TERN_OK)
            return s;
        m->weights_va = t->va();
        m->weights_bytes = round_up(m->weights_bytes, 4);
    }
    // One activation arena up front: a model that loads can run.
    if (tern_status s = m->preallocate_scratch(); s != TERN_OK)
        return s;
    *out = std::move(m);
    return TERN_OK;
}

tern_status publish(std::unique_ptr<LoadedModel> m, tern_model* model) {
    tern_model h = nullptr;
    if (!ModelTable::instance().add(m.get(), &h))
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many models loaded (65536)");
    (void)m.release();
    *model = h;
    return TERN_OK;
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

tern_status load_file(Context* c, const std::string& path, DirectIo policy, tern_model* model) {
    const auto t0 = Clock::now();
    FileBytes f(path);
    if (tern_status s = f.open(); s != TERN_OK)
        return s;
    model::FileLayout L;
    model::ModelImage img;
    std::vector<uint8_t> head, meta, progs;
    try {
        if (tern_status s = f.read(0, std::min<uint64_t>(f.size(), model::kAlignment), &head);
            s != TERN_OK)
            return s;
        L = model::parse_layout(head, f.size(), [&](uint64_t off, uint64_t size) {
            std::vector<uint8_t> v;
            if (f.read(off, size, &v) != TERN_OK)
                throw model::FormatError("cannot read the FEATURE_NAMES section");
            return v;
        });
        if (tern_status s = f.read(L.metadata.offset, L.metadata.size, &meta); s != TERN_OK)
            return s;
        auto refs = model::parse_metadata(meta, L, &img);
        if (tern_status s = f.read(L.programs.offset, L.programs.size, &progs); s != TERN_OK)
            return s;
        model::parse_programs(progs, L, refs, &img);
        if (std::string e = model::validate(img, L.weights.size); !e.empty())
            throw model::FormatError(e);
    } catch (const model::FormatError& e) {
        return invalid(path.c_str(), e);
    }
    progs.clear();
    progs.shrink_to_fit();

    std::unique_ptr<LoadedModel> m;
    if (tern_status s = build(c, L, std::move(img), &m); s != TERN_OK)
        return s;
    WeightStreamStats stats;
    if (L.weights.present && L.weights.size != 0) {
        WeightSource src{&path, f.fd(), L.weights.offset, L.weights.size, L.weights.checksum};
        if (tern_status s = stream_weights(c, src, m->weights_va, policy, &stats); s != TERN_OK)
            return s;
    }
    TERN_LOG(info,
             "loaded model '{}' from {} in {:.1f} ms: {} bytes of weights ({}, {}, {} x {} KiB "
             "staging; waited {:.1f} ms for reads, {:.1f} ms for DMA, {:.1f} ms checksum)",
             m->meta.name, path, ms_since(t0), L.weights.size,
             stats.direct_io ? "O_DIRECT" : "buffered", stats.io_uring ? "io_uring" : "pread",
             stats.buffers, stats.chunk_bytes >> 10, stats.read_wait_ms, stats.dma_wait_ms,
             stats.checksum_ms);
    return publish(std::move(m), model);
}

tern_status load_memory(Context* c, const uint8_t* data, size_t size, tern_model* model) {
    std::span<const uint8_t> file(data, size);
    model::FileLayout L;
    model::ModelImage img;
    try {
        L = model::parse_layout(file, size, [&](uint64_t off, uint64_t len) {
            return std::vector<uint8_t>(data + off, data + off + len);
        });
        auto refs =
            model::parse_metadata(file.subspan(L.metadata.offset, L.metadata.size), L, &img);
        model::parse_programs(file.subspan(L.programs.offset, L.programs.size), L, refs, &img);
        if (std::string e = model::validate(img, L.weights.size); !e.empty())
            throw model::FormatError(e);
        if (L.weights.present &&
            model::checksum(file.subspan(L.weights.offset, L.weights.size)) != L.weights.checksum)
            throw model::FormatError("WEIGHTS section checksum mismatch (the file is corrupt)");
    } catch (const model::FormatError& e) {
        return invalid("model image", e);
    }
    std::unique_ptr<LoadedModel> m;
    if (tern_status s = build(c, L, std::move(img), &m); s != TERN_OK)
        return s;
    if (L.weights.present && L.weights.size != 0)
        if (tern_status s = c->sync_write(m->weights_va, data + L.weights.offset, L.weights.size);
            s != TERN_OK)
            return s;
    return publish(std::move(m), model);
}

}  // namespace

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_model_load_file(tern_context context, const char* path,
                                          const tern_model_load_desc* desc, tern_model* model) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Context* c = lookup<Context>(context);
    if (c == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    if (path == nullptr || model == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "path and model must not be NULL");
    DirectIo policy;
    if (tern_status s = read_desc(desc, &policy); s != TERN_OK)
        return s;
    return guarded([&] {
        ModelTable::instance().sweep_dead();
        return load_file(c, path, policy, model);
    });
}

TERN_API tern_status tern_model_load_memory(tern_context context, const void* data, size_t size,
                                            const tern_model_load_desc* desc, tern_model* model) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Context* c = lookup<Context>(context);
    if (c == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    if (data == nullptr || model == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "data and model must not be NULL");
    DirectIo policy;
    if (tern_status s = read_desc(desc, &policy); s != TERN_OK)
        return s;
    return guarded([&] {
        ModelTable::instance().sweep_dead();
        return load_memory(c, static_cast<const uint8_t*>(data), size, model);
    });
}

}  // extern "C"
