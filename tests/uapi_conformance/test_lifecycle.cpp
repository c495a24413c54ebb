// SPDX-License-Identifier: MIT
// Teardown with work in flight (CTX_DESTROY, close()) and hung jobs stopped
// by the job timeout.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using LifecycleTest = Conformance;

TEST_F(LifecycleTest, CloseWithJobsInFlightFreesEverything) {
    const uint64_t free_before = dev().param(DRM_TERN_PARAM_MEM_FREE);
    auto watcher = open();
    drm_syncobj_handle exp{};
    for (int round = 0; round < 3; ++round) {
        auto f = open();
        const size_t n = 4 << 20;
        BoRef h = f->bo(n, DRM_TERN_BO_HOST);
        BoRef dv = f->bo(n, DRM_TERN_BO_DEVICE);
        BoRef small = f->bo(4096, DRM_TERN_BO_HOST);
        auto* keep = static_cast<volatile uint8_t*>(f->map(small));
        f->leak_mapping(const_cast<uint8_t*>(keep));
        keep[0] = 1;
        CtxRef c = f->ctx();
        // Let another file follow this context, as a dependent job would.
        exp = {};
        exp.handle = c.syncobj;
        ASSERT_EQ(f->io(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &exp), 0);
        drm_syncobj_handle imp{};
        imp.fd = exp.fd;
        ASSERT_EQ(watcher->io(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), 0);
        ::close(exp.fd);
        uint64_t last = 0;
        for (int i = 0; i < 64; ++i) {
            last = f->submit(c, {dma(h.va, dv.va, n), dma(dv.va, h.va, n)});
        }
        f.reset();  // close(): cancels, stops, frees
        // Every point of the closed context is signalled, none hangs.
        EXPECT_EQ(watcher->wait(imp.handle, last, 5 * kSecond), 0);
        EXPECT_EQ(keep[0], 1);  // a CPU mapping outlives close(), as a VMA does
    }
    EXPECT_EQ(dev().param(DRM_TERN_PARAM_MEM_FREE), free_before);
    // Queues and address spaces came back: all contexts can be created.
    const uint64_t max = dev().param(DRM_TERN_PARAM_MAX_CONTEXTS);
    std::vector<CtxRef> all;
    for (uint64_t i = 0; i < max; ++i) {
        all.push_back(dev().ctx());
    }
    EXPECT_EQ(dev().finish(all.back(), dev().submit(all.back(), {nop()})).state,
              DRM_TERN_CTX_STATE_OK);
}

TEST_F(LifecycleTest, DestroyCancelsJobsThatHaveNotStarted) {
    Dev& d = dev();
    BoRef h = d.bo(4096, DRM_TERN_BO_HOST);
    auto* flag = static_cast<volatile uint64_t*>(d.map(h));
    CtxRef gate = d.ctx();
    CtxRef c = d.ctx();
    // A dependency on a point that is attached but far from done: the gate
    // context is busy with 64 copies of 8 MiB.
    BoRef big = d.bo(8 << 20, DRM_TERN_BO_DEVICE);
    BoRef big2 = d.bo(8 << 20, DRM_TERN_BO_DEVICE);
    uint64_t gseq = 0;
    for (int i = 0; i < 64; ++i) {
        gseq = d.submit(gate, {dma(big.va, big2.va, 8 << 20)});
    }
    const uint64_t s = d.submit(c, {timestamp(h.va)}, {{gate.syncobj, 0, gseq}});
    auto other = open();
    drm_syncobj_handle exp{};
    exp.handle = c.syncobj;
    ASSERT_EQ(d.io(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &exp), 0);
    drm_syncobj_handle imp{};
    imp.fd = exp.fd;
    ASSERT_EQ(other->io(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), 0);
    ::close(exp.fd);
    d.destroy(c);
    EXPECT_EQ(other->wait(imp.handle, s, kSecond), 0);  // signalled by the destroy
    d.destroy(gate);
    EXPECT_EQ(*flag, 0u);  // the cancelled job never ran
}

TEST_F(LifecycleTest, ManyFilesOpenAndClose) {
    for (int i = 0; i < 80; ++i) {  // more than MAX_ADDRESS_SPACES
        auto f = open();
        BoRef b = f->bo(4096, DRM_TERN_BO_HOST);
        CtxRef c = f->ctx();
        EXPECT_EQ(f->finish(c, f->submit(c, {dma(b.va, b.va + 2048, 1024)})).state,
                  DRM_TERN_CTX_STATE_OK);
    }
}

// A fatal device error: the driver resets the function. Every context
// stops with RESET, device memory is lost, BOs and VAs stay valid.
TEST_F(LifecycleTest, MockFatalErrorResetsTheFunction) {
    Dev& d = dev();
    const size_t n = 1 << 20;
    BoRef host = d.bo(n, DRM_TERN_BO_HOST);
    BoRef dv = d.bo(n, DRM_TERN_BO_DEVICE);
    auto* h = static_cast<uint8_t*>(d.map(host));
    std::memset(h, 0x42, n);
    CtxRef c = d.ctx();
    ASSERT_EQ(d.finish(c, d.submit(c, {dma(host.va, dv.va, n)})).state, DRM_TERN_CTX_STATE_OK);
    auto other = open();
    CtxRef oc = other->ctx();
    ASSERT_EQ(rt::mock::inject_fatal_error(backend(), 0), 0);
    drm_tern_ctx_query q{};
    for (int i = 0; i < 2000; ++i) {
        q = d.query(c);
        if (q.state != DRM_TERN_CTX_STATE_OK) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_RESET);
    EXPECT_EQ(q.error, DRM_TERN_ERR_DEVICE_RESET);
    EXPECT_EQ(q.completed_seqno, 1u);
    EXPECT_EQ(d.try_submit(c, {nop()}), -ECANCELED);
    EXPECT_EQ(other->query(oc).state, DRM_TERN_CTX_STATE_RESET);  // every file
    // Device memory was scrubbed; host BOs keep their contents; the old VAs
    // work in a new context.
    std::memset(h, 0, n);
    CtxRef c2 = d.ctx();
    ASSERT_EQ(d.finish(c2, d.submit(c2, {dma(dv.va, host.va, n)})).state, DRM_TERN_CTX_STATE_OK);
    for (size_t i = 0; i < n; i += 4096) {
        ASSERT_EQ(h[i], 0) << i;
    }
    std::memset(h, 0x42, n);
    BoRef back = d.bo(n, DRM_TERN_BO_HOST);
    ASSERT_EQ(d.finish(c2, d.submit(c2, {dma(host.va, dv.va, n), dma(dv.va, back.va, n)})).state,
              DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(static_cast<uint8_t*>(d.map(back))[n - 1], 0x42);
}

class TimeoutTest : public Conformance {
protected:
    rt::mock::MockConfig config() const override {
        auto cfg = small_config(2);
        cfg.devices[0].job_timeout_ms = 50;  // device 1 keeps the default, to calibrate
        return cfg;
    }
};

// A job that runs far longer than the job timeout is stopped and its
// context marked TIMED_OUT; another context goes on. The hang is honest:
// a long program (matmuls), not a model trick.
TEST_F(TimeoutTest, MockHungJobIsStopped) {
    Dev& d = dev();
    constexpr uint32_t n = 256;
    const size_t mat = n * n * sizeof(float);
    auto program = [&](uint32_t ops) {
        tern::test::ProgramBuilder p;
        const uint16_t a = p.tensor(0, TERN_ISA_DTYPE_FP32, {n, n});
        const uint16_t b = p.tensor(0, TERN_ISA_DTYPE_FP32, {n, n}, mat);
        const uint16_t c = p.tensor(0, TERN_ISA_DTYPE_FP32, {n, n}, 2 * mat);
        for (uint32_t i = 0; i < ops; ++i) {
            p.op(TERN_ISA_MATMUL, c, {a, b});
        }
        return p.build();
    };
    struct Loaded {
        BoRef tbl;
        BoRef prog;
        uint32_t size;
    };
    auto load = [&](Dev& f, const std::vector<uint8_t>& img) {
        BoRef buf = f.bo(3 * mat, DRM_TERN_BO_DEVICE);
        Loaded l{f.bo(4096, DRM_TERN_BO_HOST), f.bo(img.size(), DRM_TERN_BO_HOST),
                 static_cast<uint32_t>(img.size())};
        static_cast<tern_isa_binding*>(f.map(l.tbl))[0] = {buf.va, 3 * mat};
        std::memcpy(f.map(l.prog), img.data(), img.size());
        return l;
    };
    // Calibrate on this machine (on device 1, whose timeout is long), from
    // the faster of two runs: the hung job must run for >= 20 timeouts even
    // if the machine gets quicker meanwhile.
    auto cal_dev = open(1);
    constexpr uint32_t kProbeOps = 4;
    const Loaded probe = load(*cal_dev, program(kProbeOps));
    CtxRef cal = cal_dev->ctx();
    uint64_t per_op = ~0ull;
    for (int i = 0; i < 2; ++i) {
        const uint64_t t0 = now_ns();
        const uint64_t s = cal_dev->submit(cal, {exec(probe.prog.va, probe.size, probe.tbl.va, 1)});
        ASSERT_EQ(cal_dev->finish(cal, s).state, DRM_TERN_CTX_STATE_OK);
        per_op = std::min<uint64_t>(per_op, std::max<uint64_t>((now_ns() - t0) / kProbeOps, 1));
    }
    const uint32_t ops =
        static_cast<uint32_t>(std::clamp<uint64_t>(800000000ull / per_op, 20, 60000));
    const Loaded hang = load(d, program(ops));

    auto other = open();
    CtxRef oc = other->ctx();
    CtxRef c = d.ctx();
    const uint64_t first = d.submit(c, {nop()});
    const uint64_t hung = d.submit(c, {nop(), exec(hang.prog.va, hang.size, hang.tbl.va, 1)});
    const uint64_t after = d.submit(c, {nop()});
    // The bystander keeps completing while the hung job runs.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(other->finish(oc, other->submit(oc, {nop()})).state, DRM_TERN_CTX_STATE_OK);
    ASSERT_EQ(d.wait(c.syncobj, after, 30 * kSecond), 0);
    const drm_tern_ctx_query q = d.query(c);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_TIMED_OUT);
    EXPECT_EQ(q.error, DRM_TERN_ERR_TIMEOUT);
    EXPECT_EQ(q.failed_seqno, hung);
    EXPECT_EQ(q.cmd_index, 1u);  // the EXECUTE was running
    EXPECT_EQ(q.completed_seqno, first);
    EXPECT_EQ(d.try_submit(c, {nop()}), -ECANCELED);
    EXPECT_EQ(other->finish(oc, other->submit(oc, {nop()})).state, DRM_TERN_CTX_STATE_OK);
}

}  // namespace
}  // namespace tern::conformance
