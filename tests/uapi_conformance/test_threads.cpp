// SPDX-License-Identifier: MIT
// Many threads issuing ioctls on one file: shared and private contexts,
// BO churn, waits, all at once.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using ThreadTest = Conformance;

TEST_F(ThreadTest, SubmittersOnOneFile) {
    Dev& d = dev();
    constexpr int kThreads = 4;
    constexpr int kJobs = 300;
    BoRef host = d.bo(kThreads * 4096, DRM_TERN_BO_HOST);
    BoRef dv = d.bo(kThreads * 4096, DRM_TERN_BO_DEVICE);
    auto* h = static_cast<uint32_t*>(d.map(host));
    CtxRef shared = d.ctx();
    std::vector<std::vector<uint64_t>> seqs(kThreads);
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&, t] {
            CtxRef own = d.ctx();
            const uint64_t slot = static_cast<uint64_t>(t) * 4096;
            uint64_t last = 0;
            for (int i = 0; i < kJobs; ++i) {
                seqs[t].push_back(d.submit(shared, {nop()}));
                last = d.submit(own, {dma(host.va + slot, dv.va + slot, 64),
                                      dma(dv.va + slot, host.va + slot + 64, 64)});
                if (i % 50 == 0) {
                    // Transient BOs next to the traffic.
                    BoRef tmp = d.bo(8192, i % 100 == 0 ? DRM_TERN_BO_HOST : DRM_TERN_BO_DEVICE);
                    d.close_bo(tmp);
                    EXPECT_EQ(d.wait(own.syncobj, last), 0);
                }
            }
            const drm_tern_ctx_query q = d.finish(own, last);
            EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
            EXPECT_EQ(q.completed_seqno, static_cast<uint64_t>(kJobs));
            d.destroy(own);
        });
    }
    for (int t = 0; t < kThreads; ++t) {
        h[t * 1024] = 0xc0de0000u + t;
    }
    for (auto& t : ts) {
        t.join();
    }
    // The shared context handed out every seqno exactly once, increasing per
    // thread.
    std::vector<uint64_t> all;
    for (auto& s : seqs) {
        EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
        all.insert(all.end(), s.begin(), s.end());
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kJobs));
    for (size_t i = 0; i < all.size(); ++i) {
        ASSERT_EQ(all[i], i + 1);
    }
    const drm_tern_ctx_query q = d.finish(shared, all.back());
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(q.completed_seqno, all.back());
}

TEST_F(ThreadTest, WaitersOnOneTimeline) {
    Dev& d = dev();
    CtxRef c = d.ctx();
    constexpr int kJobs = 500;
    std::atomic<int> ok{0};
    std::vector<std::thread> waiters;
    for (int t = 0; t < 3; ++t) {
        waiters.emplace_back([&, t] {
            for (uint64_t p = 1 + t; p <= kJobs; p += 37) {
                // Points may not be submitted yet: WAIT_FOR_SUBMIT.
                if (d.wait(c.syncobj, p, 10 * kSecond,
                           DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
                               DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) == 0) {
                    ok.fetch_add(1);
                }
            }
        });
    }
    for (int i = 0; i < kJobs; ++i) {
        d.submit(c, {nop()});
    }
    for (auto& t : waiters) {
        t.join();
    }
    int expected = 0;
    for (int t = 0; t < 3; ++t) {
        for (uint64_t p = 1 + t; p <= kJobs; p += 37) {
            ++expected;
        }
    }
    EXPECT_EQ(ok.load(), expected);
}

TEST_F(ThreadTest, ConcurrentDestroyAndSubmit) {
    Dev& d = dev();
    for (int round = 0; round < 20; ++round) {
        CtxRef c = d.ctx();
        std::atomic<bool> stop{false};
        std::thread sub([&] {
            while (!stop.load()) {
                const int r = d.try_submit(c, {nop()});
                if (r != 0) {
                    EXPECT_EQ(r, -ENOENT);  // destroyed under us: the ID is gone
                    return;
                }
            }
        });
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        d.destroy(c);
        stop = true;
        sub.join();
    }
}

}  // namespace
}  // namespace tern::conformance
