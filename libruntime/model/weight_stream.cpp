// SPDX-License-Identifier: MIT
#include "weight_stream.hpp"

#include "../core/context.hpp"
#include "../core/log.hpp"
#include "../core/queue.hpp"
#include "../core/status.hpp"
#include "../core/tensor.hpp"
#include "checksum.hpp"

#include <fcntl.h>
#include <liburing.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace tern::rt {

namespace {

// Up to 4 staging buffers of 2 MiB: with two reads and one DMA in flight
// the disk and the DMA engine both stay busy, and 8 MiB of pinned memory
// fits the default RLIMIT_MEMLOCK (smaller chunks when it is tighter).
// Larger chunks did not load faster (tern-model-bench); every staging page
// costs a fault and a pin on each load.
constexpr uint32_t kMaxBuffers = 4;
constexpr uint64_t kMaxChunk = 2ull << 20;
constexpr uint64_t kMinChunk = 256ull << 10;
constexpr uint64_t kBlock = 4096;  // O_DIRECT alignment of offsets, sizes, buffers

uint64_t round_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

// Adds the time since its construction to `*ms`.
class Timed {
public:
    explicit Timed(double* ms) : ms_(ms), t0_(std::chrono::steady_clock::now()) {}
    ~Timed() {
        *ms_ += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_)
                    .count();
    }
    Timed(const Timed&) = delete;
    Timed& operator=(const Timed&) = delete;

private:
    double* ms_;
    std::chrono::steady_clock::time_point t0_;
};

// Share of [offset, offset + size) of `fd` in the page cache, 0..1; -1 if
// it cannot be told.
double cached_share(int fd, uint64_t offset, uint64_t size) {
    const long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || offset % uint64_t(page) != 0 || size == 0)
        return -1;
    void* p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, off_t(offset));
    if (p == MAP_FAILED)
        return -1;
    std::vector<unsigned char> vec((size + uint64_t(page) - 1) / uint64_t(page));
    double share = -1;
    if (mincore(p, size, vec.data()) == 0) {
        size_t resident = 0;
        for (unsigned char v : vec)
            resident += v & 1;
        share = double(resident) / double(vec.size());
    }
    munmap(p, size);
    return share;
}

class Streamer {
public:
    Streamer(Context* ctx, const WeightSource& src, uint64_t dst, WeightStreamStats* stats)
        : ctx_(ctx), src_(src), dst_(dst), stats_(stats) {}
    ~Streamer();
    tern_status run(DirectIo policy);

private:
    struct Slot {
        Tensor* staging = nullptr;
        uint8_t* cpu = nullptr;
        uint64_t va = 0;
        uint64_t dma_point = 0;  // job copying it to the device, 0 if none
        uint64_t chunk = 0;
        uint64_t need = 0;     // bytes of the chunk
        uint64_t got = 0;      // bytes read so far
        bool reading = false;  // a read is in flight
        bool direct = false;   // this chunk's reads use O_DIRECT
        int error = 0;         // negative errno of a failed read
    };

    tern_status setup(DirectIo policy);
    tern_status alloc_staging();
    void open_direct();
    tern_status start_chunk(Slot& s, uint64_t chunk);
    tern_status submit(Slot& s);
    void complete(Slot& s, int res);
    tern_status wait_read(Slot& s);
    tern_status copy_out(Slot& s);
    tern_status wait_dma(Slot& s);
    tern_status io_error(const Slot& s, int err);

    Context* ctx_;
    WeightSource src_;
    uint64_t dst_;
    WeightStreamStats* stats_;
    uint64_t chunk_ = 0;
    uint64_t chunks_ = 0;
    std::vector<Slot> slots_;
    Queue* queue_ = nullptr;  // null: synchronous copies (no free queue)
    int direct_fd_ = -1;
    bool direct_ok_ = false;
    io_uring ring_{};
    bool have_ring_ = false;
    uint32_t in_flight_ = 0;
    model::StreamingChecksum sum_;
};

Streamer::~Streamer() {
    // Reads in flight write into the staging buffers: drain them first.
    while (have_ring_ && in_flight_ > 0) {
        io_uring_cqe* cqe = nullptr;
        if (io_uring_wait_cqe(&ring_, &cqe) != 0)
            break;
        io_uring_cqe_seen(&ring_, cqe);
        --in_flight_;
    }
    if (have_ring_)
        io_uring_queue_exit(&ring_);
    if (queue_ != nullptr) {
        (void)queue_->synchronize(-1);
        queue_->release();
    }
    for (Slot& s : slots_)
        if (s.staging != nullptr)
            s.staging->release();
    if (direct_fd_ >= 0)
        ::close(direct_fd_);
}

tern_status Streamer::alloc_staging() {
    chunk_ = std::min(kMaxChunk, round_up(src_.size, kBlock));
    for (;;) {
        chunks_ = (src_.size + chunk_ - 1) / chunk_;
        const uint32_t want = uint32_t(std::min<uint64_t>(kMaxBuffers, chunks_));
        tern_status s = TERN_OK;
        slots_.assign(want, Slot{});
        for (Slot& sl : slots_) {
            tern_tensor_desc d{};
            d.struct_size = sizeof(d);
            d.dtype = TERN_DTYPE_INT32;
            d.rank = 1;
            d.shape[0] = chunk_ / 4;
            d.memory = TERN_MEMORY_HOST_PINNED;  // on the device's NUMA node
            sl.staging = new Tensor(ctx_, d, chunk_);
            s = sl.staging->init();
            if (s != TERN_OK)
                break;
            sl.cpu = static_cast<uint8_t*>(sl.staging->cpu_map());
            sl.va = sl.staging->va();
        }
        if (s == TERN_OK)
            return TERN_OK;
        for (Slot& sl : slots_)
            if (sl.staging != nullptr)
                sl.staging->release();
        slots_.clear();
        const bool scarce = s == TERN_ERROR_PINNED_LIMIT || s == TERN_ERROR_OUT_OF_HOST_MEMORY;
        if (!scarce || chunk_ <= kMinChunk)
            return s;
        chunk_ = std::max(kMinChunk, chunk_ / 2);
        TERN_LOG(debug, "model weights: pinned memory is scarce, staging chunks of {} bytes",
                 chunk_);
    }
}

void Streamer::open_direct() {
    direct_fd_ = ::open(src_.path->c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    // tmpfs and some FUSE file systems refuse O_DIRECT (EINVAL).
    direct_ok_ = direct_fd_ >= 0;
    if (!direct_ok_)
        TERN_LOG(debug, "model weights: O_DIRECT unavailable for {} ({}), buffered reads",
                 *src_.path, errno_name(-errno));
}

tern_status Streamer::setup(DirectIo policy) {
    if (tern_status s = alloc_staging(); s != TERN_OK)
        return s;
    bool direct = policy == DirectIo::always;
    if (policy == DirectIo::automatic) {
        // A cached file is read fastest from the cache; a cold one with
        // O_DIRECT (no copy through the page cache, no cache pollution).
        double cached = cached_share(src_.fd, src_.offset, src_.size);
        direct = cached >= 0 && cached < 0.5;
    }
    if (direct)
        open_direct();
    if (!direct_ok_)
        (void)posix_fadvise(src_.fd, off_t(src_.offset), off_t(src_.size), POSIX_FADV_SEQUENTIAL);

    // TERN_MODEL_IO=pread: the path of systems without io_uring, on demand
    // (tests, and a way around a broken io_uring).
    const char* io = getenv("TERN_MODEL_IO");
    const bool force_pread = io != nullptr && std::strcmp(io, "pread") == 0;
    int r = force_pread ? -ENOSYS : io_uring_queue_init(2 * kMaxBuffers, &ring_, 0);
    have_ring_ = r == 0;
    if (!have_ring_)  // e.g. a seccomp profile without io_uring
        TERN_LOG(info, "model weights: io_uring unavailable ({}), using pread", errno_name(r));

    auto* q = new Queue(ctx_, false);
    if (tern_status s = q->init(TERN_PRIORITY_NORMAL); s == TERN_OK) {
        queue_ = q;
    } else {
        q->release();
        if (s != TERN_ERROR_BUSY)
            return s;
        // Every hardware queue is taken: copy synchronously instead.
        TERN_LOG(info, "model weights: no free queue, copying without overlap");
    }
    stats_->chunk_bytes = chunk_;
    stats_->buffers = uint32_t(slots_.size());
    stats_->io_uring = have_ring_;
    return TERN_OK;
}

tern_status Streamer::io_error(const Slot& s, int err) {
    const uint64_t off = src_.offset + s.chunk * chunk_ + s.got;
    if (err == 0)
        return fail(TERN_ERROR_IO,
                    "{}: the file ended at byte {} while reading its weights (was it "
                    "truncated while loading?)",
                    *src_.path, off);
    return fail(status_from_errno(err), "{}: reading the weights at byte {} failed ({})",
                *src_.path, off, errno_name(err));
}

tern_status Streamer::start_chunk(Slot& s, uint64_t chunk) {
    s.chunk = chunk;
    s.need = std::min(chunk_, src_.size - chunk * chunk_);
    s.got = 0;
    s.error = 0;
    s.direct = direct_ok_;
    return submit(s);
}

tern_status Streamer::submit(Slot& s) {
    const uint64_t off = src_.offset + s.chunk * chunk_ + s.got;
    uint64_t len = s.need - s.got;
    int fd = src_.fd;
    if (s.direct) {
        // Whole blocks; the file is padded to 4096, and a short read at
        // its end is fine as long as it covers `need`.
        len = round_up(len, kBlock);
        fd = direct_fd_;
    }
    if (!have_ring_) {
        ssize_t n;
        do
            n = ::pread(fd, s.cpu + s.got, len, off_t(off));
        while (n < 0 && errno == EINTR);
        s.reading = true;
        complete(s, n < 0 ? -errno : int(n));
        return TERN_OK;
    }
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr)
        return fail(TERN_ERROR_INTERNAL, "io_uring submission queue full");
    io_uring_prep_read(sqe, fd, s.cpu + s.got, unsigned(len), off);
    io_uring_sqe_set_data64(sqe, uint64_t(&s - slots_.data()));
    int r = io_uring_submit(&ring_);
    if (r < 0)
        return fail(status_from_errno(r), "io_uring_submit failed ({})", errno_name(r));
    s.reading = true;
    ++in_flight_;
    return TERN_OK;
}

void Streamer::complete(Slot& s, int res) {
    s.reading = false;
    if (res < 0 && s.direct && res == -EINVAL) {
        // Opened with O_DIRECT, but the file system refuses the read.
        TERN_LOG(debug, "model weights: O_DIRECT read refused (EINVAL), buffered reads");
        direct_ok_ = false;
        s.direct = false;
        s.error = -EAGAIN;  // resubmit
        return;
    }
    if (res < 0) {
        s.error = res == -EINTR || res == -EAGAIN ? -EAGAIN : res;
        return;
    }
    if (res == 0 && s.got < s.need) {
        s.error = 1;  // early end of file
        return;
    }
    s.got = std::min<uint64_t>(s.need, s.got + uint64_t(res));
    if (s.direct)
        stats_->direct_io = true;
    // A partial O_DIRECT read may end off a block boundary: finish the
    // chunk with buffered reads.
    if (s.got < s.need && s.got % kBlock != 0)
        s.direct = false;
    s.error = s.got < s.need ? -EAGAIN : 0;
}

tern_status Streamer::wait_read(Slot& s) {
    for (;;) {
        while (s.reading) {
            io_uring_cqe* cqe = nullptr;
            int r = io_uring_wait_cqe(&ring_, &cqe);
            if (r == -EINTR)
                continue;
            if (r < 0)
                return fail(status_from_errno(r), "io_uring_wait_cqe failed ({})", errno_name(r));
            const uint64_t index = io_uring_cqe_get_data64(cqe);
            const int res = cqe->res;
            io_uring_cqe_seen(&ring_, cqe);
            --in_flight_;
            if (index < slots_.size())
                complete(slots_[index], res);
        }
        if (s.error == 0)
            return TERN_OK;
        if (s.error == 1)
            return io_error(s, 0);
        if (s.error != -EAGAIN)
            return io_error(s, s.error);
        if (tern_status st = submit(s); st != TERN_OK)
            return st;
    }
}

tern_status Streamer::copy_out(Slot& s) {
    const uint64_t dst = dst_ + s.chunk * chunk_;
    if (queue_ == nullptr)
        return ctx_->sync_write(dst, s.cpu, s.need);
    if (tern_status st = queue_->copy(dst, s.va, s.need); st != TERN_OK)
        return st;
    return queue_->record(&s.dma_point);
}

tern_status Streamer::wait_dma(Slot& s) {
    if (queue_ == nullptr || s.dma_point == 0)
        return TERN_OK;
    tern_status st = queue_->wait(s.dma_point, -1);
    s.dma_point = 0;
    return st;
}

tern_status Streamer::run(DirectIo policy) {
    if (tern_status s = setup(policy); s != TERN_OK)
        return s;
    const uint64_t nbuf = slots_.size();
    for (uint64_t c = 0; c < nbuf; ++c)
        if (tern_status s = start_chunk(slots_[c], c); s != TERN_OK)
            return s;
    for (uint64_t i = 0; i < chunks_; ++i) {
        Slot& s = slots_[i % nbuf];
        {
            Timed t(&stats_->read_wait_ms);
            if (tern_status st = wait_read(s); st != TERN_OK)
                return st;
        }
        {
            Timed t(&stats_->checksum_ms);
            sum_.update(s.cpu, s.need);
        }
        if (tern_status st = copy_out(s); st != TERN_OK)
            return st;
        // Refill the previous chunk's buffer once its DMA is done; DMA i
        // is already queued behind it, so the engine stays busy.
        const uint64_t next = i - 1 + nbuf;
        if (i >= 1 && next < chunks_) {
            Slot& prev = slots_[(i - 1) % nbuf];
            Timed t(&stats_->dma_wait_ms);
            if (tern_status st = wait_dma(prev); st != TERN_OK)
                return st;
            if (tern_status st = start_chunk(prev, next); st != TERN_OK)
                return st;
        }
    }
    if (queue_ != nullptr) {
        Timed t(&stats_->dma_wait_ms);
        if (tern_status st = queue_->synchronize(-1); st != TERN_OK)
            return st;
    }
    if (sum_.digest() != src_.checksum)
        return fail(TERN_ERROR_INVALID_MODEL,
                    "{}: WEIGHTS section checksum mismatch (the file is corrupt)", *src_.path);
    return TERN_OK;
}

}  // namespace

tern_status stream_weights(Context* ctx, const WeightSource& src, uint64_t dst_va, DirectIo policy,
                           WeightStreamStats* stats) {
    Streamer s(ctx, src, dst_va, stats);
    return s.run(policy);
}

}  // namespace tern::rt
