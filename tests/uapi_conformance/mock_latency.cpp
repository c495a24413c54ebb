// SPDX-License-Identifier: MIT
// Rough latency of the mock backend through the UAPI: empty-job round trip
// (SUBMIT + TIMELINE_WAIT), submit cost, pipelined throughput. A probe for
// developers, not a test: numbers depend on the machine and its load.
#include <algorithm>
#include <cstdio>
#include <vector>

#include "conformance.hpp"

using namespace tern::conformance;

namespace {

double pct(std::vector<uint64_t>& v, double p) {
    std::sort(v.begin(), v.end());
    return static_cast<double>(v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))]) /
           1000.0;
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 20000;
    auto cfg = small_config();
    std::string err;
    auto backend = tern::rt::mock::make_mock_backend(cfg, &err);
    if (!backend) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
    }
    int e = 0;
    Dev d(backend->open(0, &e));
    CtxRef c = d.ctx();

    drm_tern_submit s{};
    s.ctx_id = c.id;
    uint64_t point = 0;
    drm_syncobj_timeline_wait w{};
    w.handles = reinterpret_cast<uintptr_t>(&c.syncobj);
    w.points = reinterpret_cast<uintptr_t>(&point);
    w.count_handles = 1;
    w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;

    // 1. Round trip of an empty job.
    std::vector<uint64_t> rt;
    rt.reserve(rounds);
    for (int i = 0; i < rounds + 1000; ++i) {
        const uint64_t t0 = now_ns();
        d.io(DRM_IOCTL_TERN_SUBMIT, &s);
        point = s.seqno;
        w.timeout_nsec = static_cast<int64_t>(t0 + 10 * kSecond);
        if (d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w) != 0) {
            std::fprintf(stderr, "wait failed\n");
            return 1;
        }
        if (i >= 1000) {  // warm-up first
            rt.push_back(now_ns() - t0);
        }
    }
    std::printf("round trip (empty job): p50 %.2f us  p90 %.2f us  p99 %.2f us\n", pct(rt, 0.5),
                pct(rt, 0.9), pct(rt, 0.99));

    // 2. Submit cost and 3. pipelined throughput: keep up to 2048 jobs in
    // flight, wait for the oldest when full.
    const int jobs = rounds * 10;
    std::vector<uint64_t> cost;
    cost.reserve(jobs);
    const uint64_t start = now_ns();
    uint64_t first = 0;
    for (int i = 0; i < jobs; ++i) {
        const uint64_t t0 = now_ns();
        d.io(DRM_IOCTL_TERN_SUBMIT, &s);
        cost.push_back(now_ns() - t0);
        if (first == 0) {
            first = s.seqno;
        }
        if (s.seqno >= first + 2048) {
            point = s.seqno - 2048;
            w.timeout_nsec = static_cast<int64_t>(now_ns() + 10 * kSecond);
            d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
        }
    }
    point = s.seqno;
    w.timeout_nsec = static_cast<int64_t>(now_ns() + 10 * kSecond);
    d.io(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
    const double secs = static_cast<double>(now_ns() - start) / 1e9;
    std::printf("submit cost: p50 %.2f us  p90 %.2f us  p99 %.2f us\n", pct(cost, 0.5),
                pct(cost, 0.9), pct(cost, 0.99));
    std::printf("pipelined: %.0f jobs/s (%d jobs)\n", jobs / secs, jobs);
    const drm_tern_ctx_query q = d.query(c);
    return q.state == DRM_TERN_CTX_STATE_OK && q.completed_seqno == q.submitted_seqno ? 0 : 1;
}
