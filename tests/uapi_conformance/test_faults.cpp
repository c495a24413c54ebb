// SPDX-License-Identifier: MIT
// Job failure (docs/uapi.md "When a job fails"): device faults with their
// detail, ECANCELED afterwards, other contexts undisturbed, isolation
// between files, dependency failures, and the file ban.
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using FaultTest = Conformance;

// Keeps a context of another file completing jobs while a test runs.
class Bystander {
public:
    explicit Bystander(std::unique_ptr<Dev> d) : d_(std::move(d)) {
        host_ = d_->bo(4096, DRM_TERN_BO_HOST);
        dv_ = d_->bo(4096, DRM_TERN_BO_DEVICE);
        c_ = d_->ctx();
        t_ = std::thread([this] {
            while (!stop_.load()) {
                const uint64_t s = d_->submit(c_, {dma(host_.va, dv_.va, 4096)});
                if (d_->wait(c_.syncobj, s) != 0) {
                    failed_ = true;
                    return;
                }
                done_.fetch_add(1);
            }
        });
    }
    ~Bystander() { stop(); }
    void stop() {
        stop_ = true;
        if (t_.joinable()) {
            t_.join();
        }
    }
    uint64_t done() const { return done_.load(); }
    void expect_healthy() {
        stop();
        EXPECT_FALSE(failed_);
        const drm_tern_ctx_query q = d_->query(c_);
        EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
        EXPECT_EQ(q.completed_seqno, q.submitted_seqno);
    }

private:
    std::unique_ptr<Dev> d_;
    BoRef host_;
    BoRef dv_;
    CtxRef c_;
    std::thread t_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> done_{0};
    bool failed_ = false;
};

TEST_F(FaultTest, UnmappedDmaFaultsOnlyItsContext) {
    Bystander other(open());
    Dev& d = dev();
    BoRef host = d.bo(8192, DRM_TERN_BO_HOST);
    BoRef dv = d.bo(8192, DRM_TERN_BO_DEVICE);
    CtxRef same_file = d.ctx();
    // Past the end of the host BO: its guard page is not mapped.
    const uint64_t bad_va = host.va + 8192;
    // The job after the faulting one must be submitted before the fault is
    // handled (SUBMIT then rightly says ECANCELED): the first job, 16
    // copies of 4 MiB, keeps the queue busy meanwhile, and a try whose
    // fault was handled first all the same is repeated on a new context.
    constexpr uint64_t kBusy = 4ull << 20;
    const BoRef a = d.bo(kBusy, DRM_TERN_BO_HOST);
    const BoRef b = d.bo(kBusy, DRM_TERN_BO_HOST);
    std::vector<drm_tern_cmd> busy;
    for (int i = 0; i < 16; ++i) {
        busy.push_back(i % 2 ? dma(b.va, a.va, kBusy) : dma(a.va, b.va, kBusy));
    }
    CtxRef c;
    uint64_t ok = 0, seq = 0, later = 0;
    for (int tries = 0; tries < 5 && later == 0; ++tries) {
        c = d.ctx();
        ok = d.submit(c, busy);
        seq = d.submit(c, {nop(), dma(bad_va - 100, dv.va, 200), nop()});
        if (const int r = d.try_submit(c, {nop()}, {}, &later); r != 0) {
            ASSERT_EQ(r, -ECANCELED);
            later = 0;
            ASSERT_EQ(d.wait(c.syncobj, seq), 0);
            d.destroy(c);
        }
    }
    ASSERT_NE(later, 0u) << "the fault was handled before the next SUBMIT in every try";
    ASSERT_EQ(d.wait(c.syncobj, later), 0);  // every later point signals too
    const drm_tern_ctx_query q = d.query(c);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_FAULTED);
    EXPECT_EQ(q.error, DRM_TERN_ERR_PAGE_FAULT);
    EXPECT_EQ(q.fault_va, bad_va);  // first byte that could not be read
    EXPECT_EQ(q.fault_reason, DRM_TERN_FAULT_UNMAPPED);
    EXPECT_EQ(q.fault_access, DRM_TERN_ACCESS_READ);
    EXPECT_EQ(q.engine, DRM_TERN_ENGINE_DMA);
    EXPECT_EQ(q.cmd_index, 1u);
    EXPECT_EQ(q.op_index, DRM_TERN_INDEX_NONE);
    EXPECT_EQ(q.failed_seqno, seq);
    EXPECT_EQ(q.completed_seqno, ok);
    EXPECT_EQ(q.submitted_seqno, later);
    EXPECT_EQ(d.try_submit(c, {nop()}), -ECANCELED);
    // Other contexts, of this file too, carry on.
    EXPECT_EQ(d.finish(same_file, d.submit(same_file, {dma(host.va, dv.va, 4096)})).state,
              DRM_TERN_CTX_STATE_OK);
    const uint64_t before = other.done();
    for (int i = 0; i < 200 && other.done() < before + 10; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_GE(other.done(), before + 10);
    other.expect_healthy();
}

TEST_F(FaultTest, WriteToReadOnlyBo) {
    Dev& d = dev();
    BoRef ro = d.bo(4096, DRM_TERN_BO_HOST | DRM_TERN_BO_READ_ONLY);
    BoRef rw = d.bo(4096, DRM_TERN_BO_DEVICE);
    std::memset(d.map(ro), 1, 4096);  // the CPU may write it
    CtxRef c = d.ctx();
    EXPECT_EQ(d.finish(c, d.submit(c, {dma(ro.va, rw.va, 4096)})).state, DRM_TERN_CTX_STATE_OK);
    const uint64_t seq = d.submit(c, {dma(rw.va, ro.va + 16, 64)});
    const drm_tern_ctx_query q = d.finish(c, seq);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_FAULTED);
    EXPECT_EQ(q.fault_reason, DRM_TERN_FAULT_WRITE);
    EXPECT_EQ(q.fault_access, DRM_TERN_ACCESS_WRITE);
    EXPECT_EQ(q.fault_va, ro.va + 16);
    EXPECT_EQ(q.cmd_index, 0u);
}

TEST_F(FaultTest, ProgramErrorsNameTheOp) {
    Dev& d = dev();
    // Op 1 reads a tensor whose binding points at unmapped memory.
    tern::test::ProgramBuilder p;
    const uint16_t a = p.tensor(0, TERN_ISA_DTYPE_FP32, {16});
    const uint16_t b = p.tensor(1, TERN_ISA_DTYPE_FP32, {16});
    p.op(TERN_ISA_RELU, a, {a});
    p.op(TERN_ISA_COPY, a, {b});
    std::vector<uint8_t> img = p.build();
    BoRef prog = d.bo(img.size(), DRM_TERN_BO_HOST);
    BoRef buf = d.bo(4096, DRM_TERN_BO_HOST);
    BoRef tbl = d.bo(4096, DRM_TERN_BO_HOST);
    std::memcpy(d.map(prog), img.data(), img.size());
    auto* bind = static_cast<tern_isa_binding*>(d.map(tbl));
    bind[0] = {buf.va, 64};
    bind[1] = {buf.va + (64ull << 20), 64};
    CtxRef c = d.ctx();
    const uint32_t size = static_cast<uint32_t>(img.size());
    drm_tern_ctx_query q = d.finish(c, d.submit(c, {nop(), exec(prog.va, size, tbl.va, 2)}));
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_FAULTED);
    EXPECT_EQ(q.error, DRM_TERN_ERR_PAGE_FAULT);
    EXPECT_EQ(q.engine, DRM_TERN_ENGINE_COMPUTE);
    EXPECT_EQ(q.op_index, 1u);
    EXPECT_EQ(q.cmd_index, 1u);
    EXPECT_EQ(q.fault_va, buf.va + (64ull << 20));

    // A corrupt header is the device's PROGRAM error at the header.
    img[0] ^= 0xff;
    std::memcpy(d.map(prog), img.data(), img.size());
    bind[1] = {buf.va + 64, 64};
    CtxRef c2 = d.ctx();
    q = d.finish(c2, d.submit(c2, {exec(prog.va, size, tbl.va, 2)}));
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_FAULTED);
    EXPECT_EQ(q.error, DRM_TERN_ERR_PROGRAM);
    EXPECT_EQ(q.op_index, DRM_TERN_OP_INDEX_HEADER);
    EXPECT_EQ(q.cmd_index, 0u);
    EXPECT_EQ(q.fault_reason, DRM_TERN_FAULT_NONE);
}

// File B can name any VA of file A's BOs: in B's address space each access
// either faults or reaches B's own memory, never A's bytes.
TEST_F(FaultTest, FilesCannotReachEachOthersBos) {
    Dev& a = dev();
    auto b = open();
    const size_t n = 64 << 10;
    BoRef secret_host = a.bo(n, DRM_TERN_BO_HOST);
    BoRef secret_dev = a.bo(n, DRM_TERN_BO_DEVICE);
    std::memset(a.map(secret_host), 0xa5, n);
    CtxRef ca = a.ctx();
    ASSERT_EQ(a.finish(ca, a.submit(ca, {dma(secret_host.va, secret_dev.va, n)})).state,
              DRM_TERN_CTX_STATE_OK);

    BoRef mine = b->bo(n, DRM_TERN_BO_HOST);
    auto* out = static_cast<uint8_t*>(b->map(mine));
    for (uint64_t va : {secret_host.va, secret_dev.va, secret_dev.va + n - 4096}) {
        std::memset(out, 0, n);
        CtxRef cb = b->ctx();
        const drm_tern_ctx_query q = b->finish(cb, b->submit(cb, {dma(va, mine.va, 4096)}));
        if (q.state == DRM_TERN_CTX_STATE_FAULTED) {
            EXPECT_EQ(q.fault_reason, DRM_TERN_FAULT_UNMAPPED);
            EXPECT_EQ(q.fault_va, va);
        } else {
            // The VA is one of B's own BOs (its own, private, allocator).
            EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
        }
        for (size_t i = 0; i < 4096; ++i) {
            ASSERT_NE(out[i], 0xa5) << "file B read file A's data at VA " << std::hex << va;
        }
        b->destroy(cb);
    }
    // Device memory freed by A is scrubbed before B gets it.
    a.close_bo(secret_dev);
    a.close_bo(secret_host);
    BoRef reuse = b->bo(n, DRM_TERN_BO_DEVICE);
    auto* view = static_cast<uint8_t*>(b->map(reuse));
    for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(view[i], 0) << i;
    }
}

TEST_F(FaultTest, FailedInFencePropagates) {
    Dev& d = dev();
    BoRef host = d.bo(4096, DRM_TERN_BO_HOST);
    CtxRef bad = d.ctx();
    CtxRef dep = d.ctx();
    const uint64_t fault = d.submit(bad, {dma(host.va + 8192, host.va, 16)});
    const uint64_t ok = d.submit(dep, {nop()});
    const uint64_t s = d.submit(dep, {timestamp(host.va)}, {{bad.syncobj, 0, fault}});
    const drm_tern_ctx_query q = d.finish(dep, s);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_FAULTED);
    EXPECT_EQ(q.error, DRM_TERN_ERR_DEPENDENCY);
    EXPECT_EQ(q.failed_seqno, s);
    EXPECT_EQ(q.completed_seqno, ok);
    EXPECT_EQ(q.cmd_index, DRM_TERN_INDEX_NONE);
    EXPECT_EQ(*static_cast<volatile uint64_t*>(d.map(host)), 0u);  // it did not run
    EXPECT_EQ(d.try_submit(dep, {nop()}), -ECANCELED);
}

// In-fence ordering across two contexts: B's job starts after A's, and sees
// the data A's job wrote.
TEST_F(FaultTest, InFenceOrdersContexts) {
    Dev& d = dev();
    const size_t n = 8 << 20;
    BoRef src = d.bo(n, DRM_TERN_BO_HOST);
    BoRef mid = d.bo(n, DRM_TERN_BO_DEVICE);
    BoRef dst = d.bo(n, DRM_TERN_BO_HOST);
    BoRef ts = d.bo(4096, DRM_TERN_BO_HOST);
    auto* s = static_cast<uint8_t*>(d.map(src));
    for (size_t i = 0; i < n; ++i) {
        s[i] = static_cast<uint8_t>(i * 7 + 1);
    }
    CtxRef a = d.ctx();
    CtxRef b = d.ctx();
    const uint64_t sa = d.submit(a, {dma(src.va, mid.va, n), timestamp(ts.va)});
    const uint64_t sb =
        d.submit(b, {timestamp(ts.va + 8), dma(mid.va, dst.va, n)}, {{a.syncobj, 0, sa}});
    ASSERT_EQ(d.finish(b, sb).state, DRM_TERN_CTX_STATE_OK);
    const auto* t = static_cast<volatile uint64_t*>(d.map(ts));
    EXPECT_GE(t[1], t[0]);
    EXPECT_EQ(std::memcmp(d.map(dst), s, n), 0);
}

class BanTest : public Conformance {
protected:
    rt::mock::MockConfig config() const override {
        auto cfg = small_config();
        cfg.devices[0].ban_threshold = 2;
        return cfg;
    }
};

TEST_F(BanTest, MockFileIsBannedAfterRepeatedFaults) {
    Dev& d = dev();
    BoRef host = d.bo(4096, DRM_TERN_BO_HOST);
    CtxRef innocent = d.ctx();
    EXPECT_EQ(d.finish(innocent, d.submit(innocent, {nop()})).state, DRM_TERN_CTX_STATE_OK);
    for (int i = 0; i < 2; ++i) {
        CtxRef bad = d.ctx();
        const drm_tern_ctx_query q = d.finish(bad, d.submit(bad, {dma(0, host.va, 16)}));
        EXPECT_EQ(q.error, DRM_TERN_ERR_PAGE_FAULT);
        EXPECT_EQ(q.fault_va, 0u);  // VA 0 always faults
    }
    drm_tern_ctx_query q{};
    for (int i = 0; i < 1000; ++i) {  // the ban lands asynchronously
        q = d.query(innocent);
        if (q.state != DRM_TERN_CTX_STATE_OK) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_BANNED);
    EXPECT_EQ(q.error, DRM_TERN_ERR_BANNED);
    EXPECT_EQ(q.completed_seqno, 1u);
    EXPECT_EQ(d.try_submit(innocent, {nop()}), -ECANCELED);
    drm_tern_ctx_create c{};
    EXPECT_EQ(d.io(DRM_IOCTL_TERN_CTX_CREATE, &c), -ECANCELED);
    // Another file of the same process is not affected.
    auto other = open();
    CtxRef oc = other->ctx();
    EXPECT_EQ(other->finish(oc, other->submit(oc, {nop()})).state, DRM_TERN_CTX_STATE_OK);
}

}  // namespace
}  // namespace tern::conformance
