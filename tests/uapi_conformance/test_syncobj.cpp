// SPDX-License-Identifier: MIT
// DRM core syncobj ioctls as the runtime uses them: create/destroy, timeline
// wait (flags, absolute CLOCK_MONOTONIC timeout, -ETIME), query, signal,
// transfer, and sharing a context's timeline with another file by fd.
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using SyncobjTest = Conformance;

int signal(Dev& d, uint32_t handle, uint64_t point) {
    drm_syncobj_timeline_array a{};
    a.handles = reinterpret_cast<uintptr_t>(&handle);
    a.points = reinterpret_cast<uintptr_t>(&point);
    a.count_handles = 1;
    return d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a);
}

int wait_many(Dev& d, std::vector<uint32_t> handles, std::vector<uint64_t> points, uint32_t flags,
              int64_t abs_timeout, uint32_t* first = nullptr) {
    drm_syncobj_timeline_wait w{};
    w.handles = reinterpret_cast<uintptr_t>(handles.data());
    w.points = reinterpret_cast<uintptr_t>(points.data());
    w.count_handles = static_cast<uint32_t>(handles.size());
    w.flags = flags;
    w.timeout_nsec = abs_timeout;
    const int r = d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
    if (first != nullptr) {
        *first = w.first_signaled;
    }
    return r;
}

TEST_F(SyncobjTest, CreateDestroy) {
    drm_syncobj_create c{};
    c.flags = 2;
    EXPECT_EQ(dev().io(DRM_IOCTL_SYNCOBJ_CREATE, &c), -EINVAL);
    c.flags = 0;
    ASSERT_EQ(dev().io(DRM_IOCTL_SYNCOBJ_CREATE, &c), 0);
    EXPECT_NE(c.handle, 0u);
    drm_syncobj_destroy d{};
    d.handle = c.handle;
    d.pad = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
    d.pad = 0;
    EXPECT_EQ(dev().io(DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
    EXPECT_EQ(dev().io(DRM_IOCTL_SYNCOBJ_DESTROY, &d), -EINVAL);
}

TEST_F(SyncobjTest, TimelineSignalQueryWait) {
    Dev& d = dev();
    const uint32_t s = d.syncobj();
    EXPECT_EQ(d.syncobj_query(s), 0u);
    ASSERT_EQ(signal(d, s, 5), 0);
    EXPECT_EQ(d.syncobj_query(s), 5u);
    EXPECT_EQ(d.syncobj_query(s, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), 5u);
    EXPECT_EQ(d.wait(s, 3), 0);  // an earlier point is covered by a later one
    EXPECT_EQ(d.wait(s, 5), 0);
    EXPECT_EQ(d.wait(s, 6), -EINVAL);  // no fence there, no WAIT_FOR_SUBMIT
    // With WAIT_FOR_SUBMIT the point becomes available later.
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(signal(d, s, 6), 0);
    });
    EXPECT_EQ(d.wait(s, 6, 5 * kSecond,
                     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT),
              0);
    t.join();
    EXPECT_EQ(d.syncobj_query(s), 6u);
}

TEST_F(SyncobjTest, TimeoutIsAbsoluteMonotonic) {
    Dev& d = dev();
    const uint32_t s = d.syncobj();
    const uint32_t flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
    // 0 and deadlines in the past poll.
    EXPECT_EQ(wait_many(d, {s}, {1}, flags, 0), -ETIME);
    EXPECT_EQ(wait_many(d, {s}, {1}, flags, static_cast<int64_t>(now_ns() - kSecond)), -ETIME);
    const uint64_t t0 = now_ns();
    const uint64_t deadline = t0 + 50000000ull;
    EXPECT_EQ(wait_many(d, {s}, {1}, flags, static_cast<int64_t>(deadline)), -ETIME);
    const uint64_t t1 = now_ns();
    EXPECT_GE(t1, deadline);
    EXPECT_LT(t1 - t0, 5 * kSecond);
}

TEST_F(SyncobjTest, WaitAnyAndAll) {
    Dev& d = dev();
    const uint32_t a = d.syncobj();
    const uint32_t b = d.syncobj();
    ASSERT_EQ(signal(d, b, 1), 0);
    const uint32_t fs = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
    uint32_t first = 99;
    EXPECT_EQ(wait_many(d, {a, b}, {1, 1}, fs, static_cast<int64_t>(now_ns() + kSecond), &first),
              0);
    EXPECT_EQ(first, 1u);
    EXPECT_EQ(wait_many(d, {a, b}, {1, 1}, fs | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                        static_cast<int64_t>(now_ns() + 20000000ull)),
              -ETIME);
    ASSERT_EQ(signal(d, a, 1), 0);
    EXPECT_EQ(wait_many(d, {a, b}, {1, 1}, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
                        static_cast<int64_t>(now_ns() + kSecond)),
              0);
    // WAIT_AVAILABLE: a fence attached is enough.
    EXPECT_EQ(wait_many(d, {a}, {1}, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE, 0), 0);
}

TEST_F(SyncobjTest, WaitErrors) {
    Dev& d = dev();
    const uint32_t s = d.syncobj();
    const int64_t later = static_cast<int64_t>(now_ns() + kSecond);
    EXPECT_EQ(wait_many(d, {s}, {0}, 1u << 7, later), -EINVAL);  // unknown flag
    EXPECT_EQ(wait_many(d, {}, {}, 0, later), -EINVAL);          // no handles
    EXPECT_EQ(wait_many(d, {s + 100}, {1}, 0, later), -ENOENT);
    drm_syncobj_timeline_wait w{};
    w.count_handles = 1;
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w), -EFAULT);
    // Binary wait: point 0 of each handle.
    drm_syncobj_wait bw{};
    const uint32_t sig = d.syncobj(DRM_SYNCOBJ_CREATE_SIGNALED);
    bw.handles = reinterpret_cast<uintptr_t>(&sig);
    bw.count_handles = 1;
    bw.timeout_nsec = later;
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_WAIT, &bw), 0);
    bw.handles = reinterpret_cast<uintptr_t>(&s);
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_WAIT, &bw), -EINVAL);  // no fence yet
    bw.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
    bw.timeout_nsec = static_cast<int64_t>(now_ns() + 10000000ull);
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_WAIT, &bw), -ETIME);
    bw.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;  // timeline-only flag
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_WAIT, &bw), -EINVAL);
    // Query / signal argument checks.
    uint64_t point = 0;
    drm_syncobj_timeline_array a{};
    a.handles = reinterpret_cast<uintptr_t>(&s);
    a.points = reinterpret_cast<uintptr_t>(&point);
    a.count_handles = 1;
    a.flags = 2;
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_QUERY, &a), -EINVAL);
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &a), -EINVAL);
    a.flags = 0;
    a.count_handles = 0;
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_QUERY, &a), -EINVAL);
}

TEST_F(SyncobjTest, ContextTimeline) {
    Dev& d = dev();
    CtxRef c = d.ctx();
    EXPECT_EQ(d.syncobj_query(c.syncobj), 0u);
    EXPECT_EQ(d.wait(c.syncobj, 0), 0);  // the initial point is signalled
    uint64_t last = 0;
    for (int i = 0; i < 5; ++i) {
        last = d.submit(c, {nop()});
    }
    EXPECT_EQ(d.syncobj_query(c.syncobj, DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED), last);
    EXPECT_EQ(d.wait(c.syncobj, last), 0);
    EXPECT_EQ(d.syncobj_query(c.syncobj), last);
    EXPECT_EQ(d.wait(c.syncobj, last + 1), -EINVAL);
}

TEST_F(SyncobjTest, TransferCopiesAPoint) {
    Dev& d = dev();
    CtxRef c = d.ctx();
    const uint64_t seq = d.submit(c, {nop()});
    const uint32_t dst = d.syncobj();
    drm_syncobj_transfer t{};
    t.src_handle = c.syncobj;
    t.src_point = seq;
    t.dst_handle = dst;
    t.dst_point = 10;
    ASSERT_EQ(d.io(DRM_IOCTL_SYNCOBJ_TRANSFER, &t), 0);
    EXPECT_EQ(d.wait(dst, 10), 0);
    EXPECT_EQ(d.syncobj_query(dst), 10u);
    t.src_point = seq + 1;  // not submitted
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_TRANSFER, &t), -EINVAL);
    t.src_handle = 999;
    EXPECT_EQ(d.io(DRM_IOCTL_SYNCOBJ_TRANSFER, &t), -ENOENT);
}

// A job of file B runs after a job of file A, through an exported syncobj.
TEST_F(SyncobjTest, CrossFileDependencyThroughFd) {
    Dev& a = dev();
    auto b = open();
    const size_t n = 4 << 20;
    BoRef ha = a.bo(n, DRM_TERN_BO_HOST);
    BoRef da = a.bo(n, DRM_TERN_BO_DEVICE);
    BoRef hb = b->bo(4096, DRM_TERN_BO_HOST);
    CtxRef ca = a.ctx();
    CtxRef cb = b->ctx();
    drm_syncobj_handle h{};
    h.handle = ca.syncobj;
    h.fd = -1;
    ASSERT_EQ(a.io(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
    ASSERT_GE(h.fd, 0);
    drm_syncobj_handle imp{};
    imp.fd = h.fd;
    ASSERT_EQ(b->io(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), 0);
    ::close(h.fd);

    uint64_t seq = 0;
    for (int i = 0; i < 4; ++i) {
        seq = a.submit(ca, {dma(ha.va, da.va, n)});
    }
    seq = a.submit(ca, {timestamp(ha.va)});
    const uint64_t bseq = b->submit(cb, {timestamp(hb.va)}, {{imp.handle, 0, seq}});
    ASSERT_EQ(b->finish(cb, bseq).state, DRM_TERN_CTX_STATE_OK);
    // B's job started only after A's last one.
    EXPECT_EQ(a.syncobj_query(ca.syncobj), seq);
    const uint64_t ta = *static_cast<volatile uint64_t*>(a.map(ha));
    const uint64_t tb = *static_cast<volatile uint64_t*>(b->map(hb));
    EXPECT_GE(tb, ta);
    // A bad fd is not a syncobj.
    imp.fd = -1;
    EXPECT_EQ(b->io(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), -EINVAL);
}

}  // namespace
}  // namespace tern::conformance
