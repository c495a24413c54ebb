// SPDX-License-Identifier: MIT
// CTX_CREATE / CTX_DESTROY / CTX_QUERY / SUBMIT: every validation rule of
// docs/uapi.md with its errno, and the documented class order.
#include <linux/capability.h>

#include <cerrno>
#include <functional>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

class SubmitTest : public Conformance {
protected:
    void SetUp() override {
        Conformance::SetUp();
        c_ = dev().ctx();
    }
    int submit1(const drm_tern_cmd& cmd) { return dev().try_submit(c_, {cmd}); }
    CtxRef c_;
};

TEST_F(SubmitTest, SeqnosHaveNoGaps) {
    EXPECT_EQ(dev().submit(c_, {nop()}), 1u);
    drm_tern_cmd bad = nop();
    bad.flags = 1;
    EXPECT_EQ(submit1(bad), -EINVAL);  // a failed SUBMIT uses no number
    EXPECT_EQ(dev().submit(c_, {nop()}), 2u);
    const drm_tern_ctx_query q = dev().finish(c_, 2);
    EXPECT_EQ(q.submitted_seqno, 2u);
    EXPECT_EQ(q.completed_seqno, 2u);
}

TEST_F(SubmitTest, ArgumentFields) {
    drm_tern_cmd cmds[2] = {nop(), nop()};
    drm_tern_submit s{};
    s.ctx_id = c_.id;
    s.cmd_count = DRM_TERN_MAX_CMDS_PER_SUBMIT + 1;
    s.cmds_ptr = reinterpret_cast<uintptr_t>(cmds);
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -E2BIG);
    s.cmd_count = 1;
    s.in_fence_count = DRM_TERN_MAX_IN_FENCES + 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -E2BIG);
    s.in_fence_count = 0;
    s.flags = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -EINVAL);
    // cmd_count (E2BIG) is declared before flags (EINVAL): it wins.
    s.cmd_count = DRM_TERN_MAX_CMDS_PER_SUBMIT + 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -E2BIG);
    s.flags = 0;
    s.cmd_count = 1;
    s.cmds_ptr = 0;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -EFAULT);
    s.cmds_ptr = reinterpret_cast<uintptr_t>(cmds);
    s.in_fence_count = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -EFAULT);
    s.in_fence_count = 0;
    s.cmd_count = 0;
    s.cmds_ptr = 0;  // a count of 0 never reads its pointer
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), 0);
    s.ctx_id = 999;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -ENOENT);
    // EINVAL on an element beats ENOENT on the context and EFAULT.
    drm_tern_cmd bad = nop();
    bad.type = 99;
    s.cmd_count = 1;
    s.cmds_ptr = reinterpret_cast<uintptr_t>(&bad);
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -EINVAL);
    s.in_fence_count = 1;  // null in_fences_ptr
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -EINVAL);
    s.cmds_ptr = reinterpret_cast<uintptr_t>(cmds);
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_SUBMIT, &s), -EFAULT);  // before ENOENT
}

TEST_F(SubmitTest, CommandRules) {
    const uint64_t top = 1ull << 48;
    struct Case {
        const char* what;
        drm_tern_cmd cmd;
        int err;
    };
    auto with = [](drm_tern_cmd c, const std::function<void(drm_tern_cmd&)>& f) {
        f(c);
        return c;
    };
    const drm_tern_cmd good_exec = exec(0x200000, 64, 0x300000, 1);
    const Case cases[] = {
        {"unknown type", with(nop(), [](auto& c) { c.type = 4; }), -EINVAL},
        {"cmd flags", with(nop(), [](auto& c) { c.flags = 1; }), -EINVAL},
        {"nop payload", with(nop(), [](auto& c) { c.raw[6] = 1; }), -EINVAL},
        {"dma size 0", dma(0x200000, 0x300000, 0), -EINVAL},
        {"dma size max", dma(0, 0, DRM_TERN_MAX_DMA_SIZE), 0},
        {"dma size > max", dma(0, 0, DRM_TERN_MAX_DMA_SIZE + 1), -EINVAL},
        {"dma src end at top", dma(top - 4096, 0x200000, 4096), 0},
        {"dma src past top", dma(top - 4096, 0x200000, 4097), -EINVAL},
        {"dma dst past top", dma(0x200000, top, 1), -EINVAL},
        {"dma wraps", dma(~0ull - 10, 0x200000, 100), -EINVAL},
        {"dma spare bytes", with(dma(0, 0, 1), [](auto& c) { c.raw[3] = 1; }), -EINVAL},
        {"dma last spare", with(dma(0, 0, 1), [](auto& c) { c.raw[6] = 1; }), -EINVAL},
        {"exec ok", good_exec, 0},
        {"exec program align", with(good_exec, [](auto& c) { c.exec.program_va += 32; }), -EINVAL},
        {"exec size 0", with(good_exec, [](auto& c) { c.exec.program_size = 0; }), -EINVAL},
        {"exec size max", with(good_exec, [](auto& c) { c.exec.program_size = 16u << 20; }), 0},
        {"exec size > max", with(good_exec, [](auto& c) { c.exec.program_size = (16u << 20) + 1; }),
         -EINVAL},
        {"exec bindings align", with(good_exec, [](auto& c) { c.exec.bindings_va += 8; }), -EINVAL},
        {"exec 256 bindings", with(good_exec, [](auto& c) { c.exec.binding_count = 256; }), 0},
        {"exec 257 bindings", with(good_exec, [](auto& c) { c.exec.binding_count = 257; }),
         -EINVAL},
        {"exec no bindings, va", with(good_exec, [](auto& c) { c.exec.binding_count = 0; }),
         -EINVAL},
        {"exec no bindings",
         with(good_exec,
              [](auto& c) {
                  c.exec.binding_count = 0;
                  c.exec.bindings_va = 0;
              }),
         0},
        {"exec last core", with(good_exec, [](auto& c) { c.exec.core_mask = 0x80; }), 0},
        {"exec core 8 of 8", with(good_exec, [](auto& c) { c.exec.core_mask = 0x100; }), -EINVAL},
        {"exec pad", with(good_exec, [](auto& c) { c.exec.pad = 1; }), -EINVAL},
        {"exec spare bytes", with(good_exec, [](auto& c) { c.raw[4] = 1; }), -EINVAL},
        {"timestamp ok", timestamp(0x200008), 0},
        {"timestamp align", timestamp(0x200004), -EINVAL},
        {"timestamp spare", with(timestamp(0x200000), [](auto& c) { c.raw[1] = 1; }), -EINVAL},
    };
    for (const Case& c : cases) {
        // Each case gets a file of its own: the valid ones fault at run time
        // (nothing is mapped there) and must not stop or ban the others.
        auto f = open();
        CtxRef ctx = f->ctx();
        EXPECT_EQ(f->try_submit(ctx, {c.cmd}), c.err) << c.what;
    }
    // The first bad command of an array fails the whole job.
    EXPECT_EQ(dev().try_submit(c_, {nop(), nop(), dma(0, 0, 0)}), -EINVAL);
    EXPECT_EQ(dev().query(c_).submitted_seqno, 0u);
}

TEST_F(SubmitTest, FenceRules) {
    const uint64_t seq = dev().submit(c_, {nop()});
    ASSERT_EQ(dev().wait(c_.syncobj, seq), 0);
    CtxRef other = dev().ctx();
    drm_tern_fence f{};
    f.handle = c_.syncobj;
    f.point = seq;
    EXPECT_EQ(dev().try_submit(other, {nop()}, {f}), 0);
    f.pad = 1;
    EXPECT_EQ(dev().try_submit(other, {nop()}, {f}), -EINVAL);
    f.pad = 0;
    f.point = seq + 1;  // nothing submitted there yet
    EXPECT_EQ(dev().try_submit(other, {nop()}, {f}), -EINVAL);
    f.point = seq;
    f.handle = 4242;
    EXPECT_EQ(dev().try_submit(other, {nop()}, {f}), -ENOENT);
    // EINVAL (second fence) beats ENOENT (first fence).
    drm_tern_fence unattached{c_.syncobj, 0, seq + 5};
    EXPECT_EQ(dev().try_submit(other, {nop()}, {f, unattached}), -EINVAL);
    // Binary syncobj: point 0. Without a fence it cannot be waited on.
    const uint32_t empty = dev().syncobj();
    EXPECT_EQ(dev().try_submit(other, {nop()}, {{empty, 0, 0}}), -EINVAL);
    const uint32_t sig = dev().syncobj(DRM_SYNCOBJ_CREATE_SIGNALED);
    EXPECT_EQ(dev().try_submit(other, {nop()}, {{sig, 0, 0}}), 0);
    // 64 fences are allowed.
    std::vector<drm_tern_fence> many(DRM_TERN_MAX_IN_FENCES, drm_tern_fence{c_.syncobj, 0, seq});
    EXPECT_EQ(dev().try_submit(other, {nop()}, many), 0);
    EXPECT_EQ(dev().finish(other, 3).state, DRM_TERN_CTX_STATE_OK);
}

TEST_F(SubmitTest, CreateErrors) {
    drm_tern_ctx_create c{};
    c.priority = DRM_TERN_PRIORITY_REALTIME + 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_CREATE, &c), -EINVAL);
    c.priority = DRM_TERN_PRIORITY_LOW;
    c.flags = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_CREATE, &c), -EINVAL);
    for (uint32_t p = DRM_TERN_PRIORITY_LOW; p <= DRM_TERN_PRIORITY_HIGH; ++p) {
        drm_tern_ctx_create ok{};
        ok.priority = p;
        EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_CREATE, &ok), 0);
        EXPECT_NE(ok.ctx_id, 0u);
    }
    auto realtime = [&](int expect) {
        drm_tern_ctx_create rt{};
        rt.priority = DRM_TERN_PRIORITY_REALTIME;
        EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_CREATE, &rt), expect);
        rt.flags = 1;  // EPERM comes before EINVAL
        EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_CREATE, &rt), expect == 0 ? -EINVAL : -EPERM);
    };
    if (have_capability(CAP_SYS_NICE)) {
        realtime(0);
    }
    without_capability(CAP_SYS_NICE, [&] { realtime(-EPERM); });
}

TEST_F(SubmitTest, ContextsAreLimitedByQueues) {
    const uint64_t max = dev().param(DRM_TERN_PARAM_MAX_CONTEXTS);
    std::vector<CtxRef> all;
    for (uint64_t i = 1; i < max; ++i) {  // c_ holds one
        all.push_back(dev().ctx());
    }
    drm_tern_ctx_create c{};
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_CREATE, &c), -ENOSPC);
    auto other = open();  // function-wide, all files together
    EXPECT_EQ(other->io(DRM_IOCTL_TERN_CTX_CREATE, &c), -ENOSPC);
    dev().destroy(all.back());
    EXPECT_EQ(other->io(DRM_IOCTL_TERN_CTX_CREATE, &c), 0);
}

TEST_F(SubmitTest, DestroyAndQuery) {
    drm_tern_ctx_query q{};
    q.ctx_id = c_.id;
    q.flags = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_QUERY, &q), -EINVAL);
    q.flags = 0;
    ASSERT_EQ(dev().io(DRM_IOCTL_TERN_CTX_QUERY, &q), 0);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(q.error, DRM_TERN_ERR_NONE);
    EXPECT_EQ(q.cmd_index, DRM_TERN_INDEX_NONE);
    EXPECT_EQ(q.op_index, DRM_TERN_INDEX_NONE);
    EXPECT_EQ(q.submitted_seqno, 0u);
    q.ctx_id = 999;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_QUERY, &q), -ENOENT);

    drm_tern_ctx_destroy d{};
    d.ctx_id = c_.id;
    d.pad = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_DESTROY, &d), -EINVAL);
    d.pad = 0;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_DESTROY, &d), 0);
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_DESTROY, &d), -ENOENT);
    q.ctx_id = c_.id;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_CTX_QUERY, &q), -ENOENT);
    EXPECT_EQ(dev().try_submit(c_, {nop()}), -ENOENT);
    // Its syncobj handle went with it.
    uint64_t point = 0;
    drm_syncobj_timeline_array a{};
    a.handles = reinterpret_cast<uintptr_t>(&c_.syncobj);
    a.points = reinterpret_cast<uintptr_t>(&point);
    a.count_handles = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_SYNCOBJ_QUERY, &a), -ENOENT);
    // IDs are per file and never 0.
    CtxRef again = dev().ctx();
    EXPECT_NE(again.id, 0u);
}

}  // namespace
}  // namespace tern::conformance
